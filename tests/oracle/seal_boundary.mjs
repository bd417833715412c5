// Seal-boundary oracle: Swell's answers must not depend on where the seal
// boundary lies. For several data sets and seeds, seal_oracle_runner ingests
// the events in arrival order into an Engine and, at random, seals UTC day
// ranges or everything closed before a cut, restarts, rebuilds from the raw
// tier, keeps ingesting (late events into sealed days, repeats of sealed
// insert_ids), and answers every request at checkpoints, once from threads
// while a seal runs. Every answer is compared, point by point, with DuckDB
// SQL (oracle_lib.mjs, written from docs/queries.md) over the events
// ingested up to the checkpoint, deduplicated by insert_id (first wins
// within the 7-day arrival window, docs/queries.md "Dedup").
//
// Then the open lake: DuckDB reads DATA/lake/events/*/*/*.parquet with
// hive_partitioning and must get exactly the deduplicated events (same
// multiset of event_type, user_id, device_id, insert_id, time,
// event_properties, user_properties, the JSON compared parsed), the right
// date and app_id partition values, and its glob must list exactly the
// files of the manifest version _manifest/CURRENT names.
//
// Usage: node seal_boundary.mjs PATH/TO/seal_oracle_runner [base-seed]
// SWELL_ORACLE_LARGE=1: bigger data sets, more seeds, every request.
// SWELL_ORACLE_SEEDS=n seeds per data set, SWELL_ORACLE_ONLY=sessions|adversarial
// one data set, SWELL_ORACLE_KEEP=1 keeps each run's files (events, requests,
// runner output, data directory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng, helpers, ms, adversarialEvents, toNdjson, segmentationRequests, readEventsSql, duckSetup,
  expectedCharts, expectedNames, compareChart, sqlString, dedupKept } from './oracle_lib.mjs';

const runner = process.argv[2];
const baseSeed = Number(process.argv[3] ?? process.env.SWELL_ORACLE_SEED ?? 20261125);
const LARGE = process.env.SWELL_ORACLE_LARGE === '1';
if (!runner) {
  console.error('usage: node seal_boundary.mjs RUNNER [base-seed]');
  process.exit(2);
}
const DAY = 86400000;
const WINDOW = 7 * DAY;  // the default dedup window (EngineOptions::dedup_window_ms)
const t0 = Date.now();

// ---------------------------------------------------------------- data sets
// Realistic sessions around both 2026 DST changes (Europe Oct 25, US Nov 1):
// users with several sessions, funnels, plans that change (a user in many
// groups), anonymous devices; most events arrive seconds after they happen,
// whole offline sessions hours to 9 days late, and resends of the same
// insert_id from 1 s to 8 days later (exactly 7 days - 1 ms: a duplicate;
// exactly 7 days: accepted again).
const FUNNEL = ['app_open', 'search', 'view_item', 'add_to_cart', 'checkout', 'purchase', 'Purchase', '購入 ✓'];
const SESSION_EDGES = ['2026-10-25T00:00:00.000Z', '2026-10-24T23:59:59.999Z', '2026-10-25T01:00:00.000Z',
  '2026-10-25T00:59:59.999Z', '2026-11-01T05:59:59.999Z', '2026-11-01T06:00:00.000Z', '2026-11-01T04:00:00.000Z',
  '2026-11-02T00:00:00.000Z', '2026-10-31T23:59:59.999Z', '2026-10-28T18:15:00.000Z', '2026-10-28T18:29:59.999Z',
  '2026-10-30T13:00:00.000Z', '2026-10-22T00:00:00.000Z'];
function sessionEvents(rand, nUsers) {
  const { pick, chance } = helpers(rand);
  const start = ms('2026-10-22T00:00:00Z'), end = ms('2026-11-05T00:00:00Z');
  const out = [];
  for (let u = 0; u < nUsers; u++) {
    const anon = chance(0.15);
    const special = ['ユーザー', 'e\u0301mile', "O'Brien", 'a "quoted" name', '😀', 'tab\there'];
    const user_id = anon ? (chance(0.5) ? null : '') : chance(0.06) ? `${pick(special)}-${u}` : `u${u}`;
    const device_id = chance(0.1) && !anon ? null : `device-${u}-${Math.floor(rand() * 1e6)}`;
    const platform = pick(['iOS', 'Android', 'Web', 'iOS']);
    const country = pick(['US', 'GB', 'IN', 'AU', 'NP', 'DE', 'Côte d\u2019Ivoire']);
    let plan = pick(['free', 'free', 'pro', 'team']);
    const sessions = 1 + Math.floor(rand() * 6);
    for (let s = 0; s < sessions; s++) {
      let t = chance(0.15) ? ms(pick(SESSION_EDGES)) - Math.floor(rand() * 120000)
        : start + Math.floor(rand() * (end - start));
      const len = 1 + Math.floor(rand() * 12);
      const lateBy = chance(0.08) ? 3600000 + Math.floor(rand() * 9 * DAY) : 0;  // an offline session
      for (let k = 0; k < len; k++) {
        if (k > 0) t += Math.floor(rand() * 180000);
        if (chance(0.05)) plan = pick(['free', 'pro', 'team', '🚀']);  // the user moves between groups
        const event_type = k === 0 ? 'app_open' : pick(FUNNEL);
        const ep = {};
        if (event_type !== 'app_open') ep.item = `item-${Math.floor(rand() * 30)}`;
        if (event_type === 'purchase' || event_type === 'Purchase') ep.price = pick([9.99, 5, '@@5.0@@', 120, '19.99', 0.1]);
        if (chance(0.3)) ep.query = pick(['shoes', 'café', 'cafe\u0301', '日本', '', 'a,b', '{"x":1}']);
        if (chance(0.1)) ep.nested = pick([{ a: [1, 2] }, [1, '2', null], { 'k"ey': true }]);
        if (chance(0.1)) ep.flag = pick([true, false]);
        const e = { user_id, device_id, event_type, time: t, platform, country, event_properties: ep,
          user_properties: chance(0.9) ? { plan, cohort: `2026-w${43 + (u % 3)}` } : {} };
        if (chance(0.2)) delete e.country;
        if (!chance(0.02)) e.insert_id = `${device_id ?? 'nodev'}-${u}-${s}-${k}`;
        e.arrival = t + lateBy + Math.floor(rand() * 5000);
        out.push(e);
        if (e.insert_id && chance(0.07)) {
          const resends = 1 + Math.floor(rand() * 2);
          for (let r = 0; r < resends; r++) {
            const again = chance(0.8) ? { ...e } : { ...e, event_type: pick(FUNNEL), time: e.time + 1 };
            again.arrival = e.arrival + pick([1000, 60000, 3600000, 3 * DAY, 5 * DAY, WINDOW - 1, WINDOW, 8 * DAY]);
            out.push(again);
          }
        }
      }
    }
  }
  // The ends of the time range ingest accepts (docs/ingest.md: 0 to
  // 9999-12-31T23:59:59.999Z): partitions date=1970-01-01 and 9999-12-31.
  const EXTREMES = [0, 1, DAY - 1, DAY, 253402300799999, 253402214400000, 253402300799000, 951782400000];
  for (let k = 0; k < 24; k++) {
    const e = { user_id: `edge-${k % 5}`, device_id: null, event_type: pick(FUNNEL), time: pick(EXTREMES),
      platform: pick(['iOS', 'Web']), event_properties: { item: `item-${k % 3}` }, user_properties: { plan: 'free' },
      arrival: start + Math.floor(rand() * (end - start)) };
    if (chance(0.7)) e.insert_id = `edge-${k}`;
    out.push(e);
  }
  return out;
}

// The adversarial events of the segmentation oracle, then a tail arriving
// over the next 9 days: late events at any of their instants, repeats of
// early insert_ids (within and after the window) with the same or another
// payload.
function adversarialWithTail(rand, n) {
  const { pick, chance } = helpers(rand);
  const events = adversarialEvents(rand, n);
  let arrival = events.at(-1).arrival;
  const withIds = events.filter((e) => e.insert_id);
  const firstArrival = new Map();
  for (const e of events) if (e.insert_id && !firstArrival.has(e.insert_id)) firstArrival.set(e.insert_id, e.arrival);
  const tail = [];
  for (let k = 0; k < Math.floor(n / 6); k++) {
    arrival += Math.floor(rand() * (9 * DAY / (n / 6)));
    const orig = pick(withIds);
    let e;
    if (chance(0.5)) e = { ...orig };
    else e = { ...pick(events), insert_id: chance(0.5) ? orig.insert_id : `late-${k}` };
    if (chance(0.2)) delete e.insert_id;
    e.arrival = arrival;
    tail.push(e);
  }
  // Repeats exactly at the window's edge of their first arrival.
  for (const id of [...firstArrival.keys()].slice(0, 6)) {
    const a = firstArrival.get(id);
    tail.push({ ...withIds.find((e) => e.insert_id === id), arrival: a + WINDOW - 1 });
    tail.push({ ...withIds.find((e) => e.insert_id === id), arrival: a + WINDOW, event_type: 'open' });
    tail.push({ ...withIds.find((e) => e.insert_id === id), arrival: a + WINDOW + 1 });
  }
  return events.concat(tail);
}

// Requests over the sessions: every interval, several zones (half-hour,
// quarter-hour and DST zones), filters and group-bys of every kind (user_id
// and device_id give many groups), empty ranges, timestamp bounds.
function sessionRequests(rand, count) {
  const { pick, chance } = helpers(rand);
  const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Asia/Kathmandu',
    'America/Los_Angeles'];
  const RANGES = {
    hour: [['2026-10-24', '2026-10-25'], ['2026-10-31', '2026-11-01'], ['2026-11-01T00:00:00', '2026-11-01T06:00:00'],
      ['2026-10-25T00:30:00Z', '2026-10-25T03:00:00.001Z'], ['2027-01-01', '2027-01-01']],
    day: [['2026-10-22', '2026-11-04'], ['2026-10-25', '2026-10-25'], ['2026-11-01', '2026-11-01'],
      ['2027-01-01', '2027-01-10'], ['2026-10-10', '2026-10-21'], ['2026-10-20', '2026-11-10']],
    week: [['2026-10-01', '2026-11-30'], ['2026-10-26', '2026-11-01']],
    month: [['2026-01-01', '2026-12-31'], ['2026-10-15', '2026-11-15'], ['2025-01-01', '2025-12-31']],
  };
  const FILTERS = [[], [], [{ property: 'platform', op: 'is', values: ['iOS'] }],
    [{ property: 'plan', type: 'user', op: 'is', values: ['pro', 'team'] }],
    [{ property: 'plan', type: 'user', op: 'is_not', values: ['free'] }],
    [{ property: 'country', op: 'is', values: ['US', 'GB'] }], [{ property: 'country', op: 'is_not', values: ['US'] }],
    [{ property: 'item', op: 'is', values: ['item-1', 'item-2', 'item-3'] }],
    [{ property: 'price', op: 'is', values: [5, 9.99] }], [{ property: 'query', op: 'is', values: ['café'] }],
    [{ property: 'flag', op: 'is', values: [true] }], [{ property: 'user_id', op: 'is_not', values: ['u1', 'u2'] }],
    [{ property: 'platform', op: 'is', values: ['iOS', 'Web'] }, { property: 'plan', type: 'user', op: 'is_not', values: ['pro'] }]];
  const GROUPS = [null, null, 'platform', 'country', { property: 'plan', type: 'user' }, 'user_id', 'device_id', 'item',
    'price', 'query', 'event_type', { property: 'cohort', type: 'user' }, 'nested'];
  const requests = [];
  for (const metric of ['totals', 'uniques']) {
    requests.push({ event: { name: '_all' }, metric, from: '1970-01-01', to: '1970-01-03', interval: 'hour' });
    requests.push({ event: { name: '_all' }, metric, from: '1970-01-01', to: '2000-12-31', interval: 'month' });
    requests.push({ event: { name: '_all' }, metric, from: '9999-12-31T00:00:00Z', to: '9999-12-31T23:59:59.999Z',
      interval: 'hour', group_by: 'item' });
    // Ranges ending at the last day the lake can name: the scan's
    // widened range must not run past it (a once-found bug).
    requests.push({ event: { name: '_all' }, metric, from: '9999-12-30', to: '9999-12-31', interval: 'hour',
      group_by: 'item' });
    requests.push({ event: { name: '_all' }, metric, from: '9999-12-01', to: '9999-12-31', interval: 'week',
      timezone: 'Asia/Kolkata' });
  }
  for (let i = 0; i < count; i++) {
    const interval = pick(['hour', 'day', 'day', 'week', 'month']);
    const [from, to] = pick(RANGES[interval]);
    const req = { event: { name: chance(0.2) ? '_all' : pick(FUNNEL), filters: pick(FILTERS) },
      metric: pick(['totals', 'uniques']), from, to, interval };
    const tz = pick(ZONES);
    if (tz !== 'UTC' || chance(0.5)) req.timezone = tz;
    const g = pick(GROUPS);
    if (g !== null) req.group_by = g;
    requests.push(req);
  }
  return requests;
}

// Assigns seq = line index (the runner ingests lines in order) after a
// stable sort by arrival.
function arrivalOrder(events) {
  const sorted = events.map((e, i) => [e, i]).sort((a, b) => (a[0].arrival - b[0].arrival) || (a[1] - b[1]));
  return sorted.map(([e], i) => ({ ...e, seq: i }));
}


// ---------------------------------------------------------------- one run
const conn = await duckConnect();
await duckSetup(conn);
const totals = { runs: 0, checkpoints: 0, answers: 0, charts: 0, points: 0, nonzero: 0, names: 0, refused: 0,
  midSealAnswers: 0, distinctPrefixes: 0, lakeRows: 0, lakeFiles: 0, staleBeforeSweep: 0, seals: 0, commits: 0, restarts: 0, rebuilds: 0 };
let failed = false;

async function runOne(label, events, requests, errors, seed) {
  const dir = mkdtempSync(join(tmpdir(), 'swell-seal-oracle-'));
  const fail = (msg) => {
    console.error(`oracle_seal_boundary: FAIL [${label}, seed ${seed}] (data kept in ${dir})\n${msg}`);
    failed = true;
    return false;
  };
  const eventsPath = join(dir, 'events.ndjson');
  const requestsPath = join(dir, 'requests.json');
  const dataDir = join(dir, 'data');
  writeFileSync(eventsPath, toNdjson(events));
  const all = requests.concat(errors);
  writeFileSync(requestsPath, JSON.stringify(all));
  const tRun = Date.now();
  const run = spawnSync(runner, [eventsPath, requestsPath, String(seed), dataDir],
    { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (run.status !== 0) return fail(`runner failed (status ${run.status}):\n${run.stderr.slice(0, 4000)}`);
  writeFileSync(join(dir, 'runner.out'), run.stdout);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const runnerMs = Date.now() - tRun;
  const done = lines.find((l) => l.done);
  if (!done) return fail('runner printed no done line');

  // The events as DuckDB reads them, and which lines dedup keeps.
  const kept = dedupKept(events, WINDOW);
  await duckQuery(`CREATE OR REPLACE TABLE raw AS SELECT * FROM ${readEventsSql(eventsPath)}`, conn);
  await duckQuery(`CREATE OR REPLACE TABLE keep AS SELECT unnest([${kept.join(',')}]::BIGINT[]) AS seq`, conn);
  const rawCount = Number((await duckQuery('SELECT count(*) AS n FROM raw', conn))[0].n);
  if (rawCount !== events.length) return fail(`DuckDB read ${rawCount} events of ${events.length}`);

  // Expected answers: DuckDB over the kept events with seq below the
  // checkpoint's count, every checkpoint's prefix in one query per request.
  await duckQuery(`CREATE OR REPLACE TABLE ev AS SELECT r.*, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
    FROM raw r WHERE seq IN (SELECT seq FROM keep)`, conn);
  const prefixes = [...new Set(lines.filter((l) => l.checkpoint !== undefined).map((l) => l.ingested))].sort((x, y) => x - y);
  totals.distinctPrefixes += prefixes.length;
  const cache = new Map();
  async function want(n, index) {
    if (!cache.has(index)) {
      if (index < 0) {
        const m = new Map();
        for (const p of prefixes) m.set(p, await expectedNames(conn, `(SELECT * FROM ev WHERE seq < ${p})`));
        cache.set(index, m);
      } else {
        cache.set(index, await expectedCharts(conn, all[index], 'ev', prefixes));
      }
    }
    return cache.get(index).get(n);
  }

  const seen = new Map();  // checkpoint -> set of request indexes answered
  const answers = lines.filter((l) => l.checkpoint !== undefined);
  for (const l of answers) {
    const where = `checkpoint ${l.checkpoint} (${l.ingested} events ingested)`;
    if (!seen.has(l.checkpoint)) seen.set(l.checkpoint, new Set());
    totals.answers++;
    if (l.checkpoint.endsWith('-during-seal')) totals.midSealAnswers++;
    if (l.names !== undefined) {
      seen.get(l.checkpoint).add(-1);
      const w = await want(l.ingested, -1);
      if (JSON.stringify(l.names.events) !== JSON.stringify(w))
        return fail(`${where}: GET /api/v1/events differs:\n  swell:  ${JSON.stringify(l.names.events)}\n  duckdb: ${JSON.stringify(w)}`);
      totals.names++;
      continue;
    }
    seen.get(l.checkpoint).add(l.request);
    const req = all[l.request];
    if (l.request >= requests.length) {
      if (!l.error || !l.error.startsWith('InvalidArgument'))
        return fail(`${where}: request ${l.request} should be refused:\n  ${JSON.stringify(req)}\n  got ${JSON.stringify(l)}`);
      totals.refused++;
      continue;
    }
    if (!l.ok) return fail(`${where}: request ${l.request} failed: ${l.error}\n  ${JSON.stringify(req)}`);
    const c = compareChart(l.ok, await want(l.ingested, l.request), `${where}, request ${l.request}: ${JSON.stringify(req)}`);
    if (c.error) return fail(c.error);
    totals.charts++;
    totals.points += c.points;
    totals.nonzero += c.nonzero;
  }
  for (const [cp, s] of seen)
    if (s.size !== all.length + 1) return fail(`checkpoint ${cp} answered ${s.size} of ${all.length + 1} requests`);
  if (![...seen.keys()].some((c) => c.endsWith('-during-seal'))) return fail('no checkpoint during a seal');
  totals.checkpoints += seen.size;

  // ------------------------------------------------------------ the lake
  const lake = done.lake;
  const current = readFileSync(join(lake, '_manifest', 'CURRENT'), 'utf8').trim();
  const manifest = JSON.parse(readFileSync(join(lake, '_manifest', current), 'utf8'));
  const listed = manifest.files.filter((f) => f.kind === 'events').map((f) => join(lake, f.key)).sort();
  const globbed = (await duckQuery(`SELECT file FROM glob(${sqlString(join(lake, 'events/*/*/*.parquet'))})`, conn))
    .map((r) => r.file).sort();
  if (JSON.stringify(globbed) !== JSON.stringify(listed))
    return fail(`lake: DuckDB's glob sees ${globbed.length} events files, manifest ${current} lists ${listed.length}:\n` +
      `  only globbed: ${globbed.filter((f) => !listed.includes(f)).join(', ')}\n` +
      `  only listed: ${listed.filter((f) => !globbed.includes(f)).join(', ')}`);
  const rows = await duckQuery(`SELECT event_type, user_id, device_id, insert_id, epoch_ms(time) AS time,
      event_properties, user_properties, CAST(date AS VARCHAR) AS date, app_id, filename
    FROM read_parquet(${sqlString(join(lake, 'events/*/*/*.parquet'))}, hive_partitioning = true, filename = true)`, conn);
  const keptEvents = kept.map((i) => events[i]);
  if (rows.length !== keptEvents.length)
    return fail(`lake: DuckDB reads ${rows.length} events, ${keptEvents.length} were ingested (after dedup)`);
  const rowsPerFile = new Map();
  for (const r of rows) rowsPerFile.set(r.filename, (rowsPerFile.get(r.filename) ?? 0) + 1);
  for (const f of manifest.files.filter((x) => x.kind === 'events'))
    if (rowsPerFile.get(join(lake, f.key)) !== f.rows)
      return fail(`lake: ${f.key}: manifest says ${f.rows} rows, DuckDB reads ${rowsPerFile.get(join(lake, f.key))}`);
  // The canonical form of an event for the multiset: JSON parsed (so the
  // number 5.0 and 5 are one value, as for any JSON reader), empty ids null.
  const canon = (e, ep, up) => JSON.stringify([e.event_type, e.user_id || null, e.device_id || null, e.insert_id || null,
    Number(e.time), ep, up]);
  const expectedKeys = new Map();
  const parsedLines = toNdjson(keptEvents).trim().split('\n').map((l) => JSON.parse(l));
  for (const e of parsedLines) {
    const k = canon(e, e.event_properties ?? {}, e.user_properties ?? {});
    expectedKeys.set(k, (expectedKeys.get(k) ?? 0) + 1);
  }
  for (const r of rows) {
    const day = new Date(Number(r.time)).toISOString().slice(0, 10);
    if (r.date !== day) return fail(`lake: an event of ${new Date(Number(r.time)).toISOString()} is in partition date=${r.date}`);
    if (r.app_id !== done.app) return fail(`lake: app_id partition ${JSON.stringify(r.app_id)}, want ${done.app}`);
    const k = canon(r, JSON.parse(r.event_properties), JSON.parse(r.user_properties));
    const c = expectedKeys.get(k);
    if (!c) return fail(`lake: DuckDB reads an event that was not ingested (or too often):\n  ${k}`);
    expectedKeys.set(k, c - 1);
  }
  totals.lakeRows += rows.length;
  totals.lakeFiles += listed.length;
  totals.runs++;
  totals.seals += done.seals;
  totals.commits += done.commits;
  totals.restarts += done.restarts;
  totals.rebuilds += done.rebuilds;
  const sweep = lines.find((l) => l.action === 'sweep');
  if (sweep?.events_files_on_disk_before !== undefined) {
    totals.staleBeforeSweep += sweep.events_files_on_disk_before - sweep.events_files_listed;
  }
  console.log(`  ${label} seed ${seed}: ${events.length} events (${kept.length} after dedup), ${seen.size} checkpoints, ` +
    `raw_tier ${done.raw_tier}, ${done.seals} seals (${done.commits} partition commits), ${done.restarts} restarts, ` +
    `${done.rebuilds} rebuilds, ${done.mid_seal_rounds} query rounds during the mid-seal; lake ${listed.length} files, ` +
    `${rows.length} rows equal (runner ${(runnerMs / 1000).toFixed(1)} s, total ${((Date.now() - tRun) / 1000).toFixed(1)} s)`);
  if (process.env.SWELL_ORACLE_KEEP === '1') console.log(`  (kept ${dir})`);
  else rmSync(dir, { recursive: true, force: true });
  return true;
}

// ---------------------------------------------------------------- the runs
const seedsPerSet = Number(process.env.SWELL_ORACLE_SEEDS ?? (LARGE ? 6 : 2));
const sets = [
  {
    label: 'sessions',
    make: (rand) => {
      const events = arrivalOrder(sessionEvents(rand, LARGE ? 1500 : 120));
      return { events, requests: sessionRequests(rand, LARGE ? 300 : 70), errors: [] };
    },
  },
  {
    label: 'adversarial',
    make: (rand) => {
      const events = arrivalOrder(adversarialWithTail(rand, LARGE ? 6000 : 800));
      const { requests, errors } = segmentationRequests(rand);
      // Every request in the large run; a random sample otherwise (all the
      // high-cardinality ones at the end).
      const { chance } = helpers(rand);
      const sample = LARGE ? requests : requests.filter((_, i) => i >= requests.length - 8 || chance(0.12));
      return { events, requests: sample, errors };
    },
  },
];
for (const set of sets) {
  if (process.env.SWELL_ORACLE_ONLY && process.env.SWELL_ORACLE_ONLY !== set.label) continue;
  for (let k = 0; k < seedsPerSet && !failed; k++) {
    const seed = baseSeed + 1000 * k + (set.label === 'adversarial' ? 1 : 0);
    const { events, requests, errors } = set.make(prng(seed));
    if (!await runOne(set.label, events, requests, errors, seed)) break;
  }
}
if (failed) process.exit(1);
if (totals.nonzero < 1000) {
  console.error(`oracle_seal_boundary: FAIL only ${totals.nonzero} non-zero points: the generated data misses the ranges`);
  process.exit(1);
}
console.log(`oracle_seal_boundary: ${totals.runs} runs, ${totals.checkpoints} checkpoints ` +
  `(${totals.distinctPrefixes} distinct ingested prefixes): ${totals.charts} charts, ${totals.points} points ` +
  `(${totals.nonzero} non-zero) and ${totals.names} event-name lists equal to DuckDB, ${totals.refused} bad requests ` +
  `refused; ${totals.midSealAnswers} answers taken during a seal; ${totals.seals} seals (${totals.commits} partition ` +
  `commits), ${totals.restarts} restarts, ${totals.rebuilds} raw rebuilds; lake: ${totals.lakeFiles} events files, ` +
  `${totals.lakeRows} rows read by DuckDB (hive_partitioning) equal to the ingested events, after sweeping ` +
  `${totals.staleBeforeSweep} superseded events files that a plain glob would also have read ` +
  `(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
