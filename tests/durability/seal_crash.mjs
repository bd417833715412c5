// Seal crash test: `swell seal` and `swell seal --from-raw` killed with
// SIGKILL at random moments, with real processes on a real data directory.
//
//   node seal_crash.mjs /path/to/swell
//   SWELL_CRASH_ROUNDS=200 node seal_crash.mjs /path/to/swell   # a longer run
//   SWELL_CRASH_SEED=7 SWELL_CRASH_EVENTS=60000 ...                # other data
//
// Generates events over 10 UTC days (thousands of users, insert_ids,
// repeats of insert_ids with the same or another payload, events without
// one) and imports them with `swell import` into two data directories: one
// plain, one with `[lake] raw_tier = true`. Then, for each round: import a
// chunk of late events (events of days already sealed, repeats of sealed
// insert_ids, a new day now and then; some rounds import nothing, so two
// kills hit the same state), run `swell seal --parallel 2` (on the raw-tier
// directory every third round `swell seal --from-raw` instead, on the plain
// one every fourth `swell seal --sweep`, sweeping at age 0) and SIGKILL it
// after a delay spread over the whole run of a seal (measured first on a copy,
// then on every seal that finished before its kill), so kills land while the
// log is replayed, while Parquet files are written, around the manifest
// commits, after the last one and during a sweep. After every kill:
//  (a) the lake, read from outside Swell (docs/formats.md): every manifest
//      version present is intact (checksum, format, contiguous numbers) and
//      lists only files that exist with the listed size; CURRENT names an
//      intact version or a stale one that Load rolls forward;
//  (b) `swell query` (no server) answers segmentation charts (a chart
//      grouped by each event's unique id `eid`, so that a lost and a doubled
//      event cannot cancel out, and uniques per day after every kill; totals
//      per day, a filtered and grouped chart, a user-property filter grouped
//      by platform every third check and at the end) and `swell query events`
//      exactly as DuckDB SQL over the
//      generated NDJSON, deduplicated by insert_id (first wins: every arrival
//      is within the 7-day window) as docs/queries.md "Dedup" says.
// Finally a seal (and a rebuild from raw) that runs to completion, then
// `swell seal --sweep`, and:
//  (c) no object under events/ sets/ users/ raw/ that no retained manifest
//      version lists, no temporaries in the lake, no leftovers in the staging
//      folder; DuckDB reading the current version's events files with
//      hive_partitioning gets exactly the deduplicated events, in the right
//      date= and app_id= partitions; the users/ parts number every user once
//      and each event's user_number names its own user; with the raw tier, a
//      glob over raw/ reads exactly the deduplicated events. (Files of older
//      retained versions stay by design, `retain_versions` = 10: reported.)
// Leftover scratch files of killed writes (DATA/staging/, lake temporaries)
// are failures; SWELL_CRASH_LEAKS=warn prints them as warnings instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng, helpers, duckSetup, expectedChart, expectedNames, compareChart, sqlString } from '../oracle/oracle_lib.mjs';
import { runProcess, inspectLake, stagingFiles, isoDay } from './crash_lib.mjs';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node seal_crash.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}
const ROUNDS = Number(process.env.SWELL_CRASH_ROUNDS ?? 20);  // kills, alternating between the two lakes
const SEED = Number(process.env.SWELL_CRASH_SEED ?? 20261125);
const BULK = Number(process.env.SWELL_CRASH_EVENTS ?? 8000);
const USERS = Number(process.env.SWELL_CRASH_USERS ?? 2500);
const APP = 'crash';
const DAY = 86400000;
const FIRST_DAY = Date.parse('2026-11-03T00:00:00Z');
const DAYS = 10;
const t0 = Date.now();
const rand = prng(SEED);
const { pick, chance } = helpers(rand);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swell-seal-crash-'));
let failed = false;
function fail(msg) {
  failed = true;
  console.error(`FAIL: ${msg}`);
}
// Scratch files a kill leaves behind and nothing removes (DATA/staging/,
// lake temporaries .tmp-PID-N): no event is lost or doubled, but disk leaks.
// Opening a data directory removes them; SWELL_CRASH_LEAKS=warn only warns.
function leak(msg) {
  if (process.env.SWELL_CRASH_LEAKS !== 'warn') fail(msg);
  else console.log(`WARNING (leak): ${msg}`);
}
function finish() {
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (failed) {
    console.error(`seal_crash: FAILED (seed ${SEED}) in ${secs} s; data kept in ${dir}`);
    process.exit(1);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`seal_crash: passed in ${secs} s`);
  process.exit(0);
}
process.on('uncaughtException', (e) => { fail(`uncaught: ${e.stack || e}`); finish(); });
process.on('unhandledRejection', (e) => { fail(`unhandled: ${e && e.stack ? e.stack : e}`); finish(); });

// ---------------------------------------------------------------- events
const NAMES = ['app_open', 'view_item', 'add_to_cart', 'purchase', 'search', 'Purchase', '購入 ✓'];
const PLATFORMS = ['iOS', 'Android', 'Web', 'iOS'];
const COUNTRIES = ['US', 'GB', 'DE', 'IN', '日本', 'Côte d\u2019Ivoire'];
const PLANS = ['free', 'free', 'pro', 'team'];
let seq = 0;
const issued = [];  // events with an insert_id, for repeats
function freshEvent(dayIndex) {
  const u = Math.floor(rand() * USERS * (chance(0.1) ? 1.3 : 1));  // some users appear only late
  const anon = chance(0.12);
  const e = {
    event_type: pick(NAMES),
    time: FIRST_DAY + dayIndex * DAY + Math.floor(rand() * DAY),
  };
  if (anon) e.device_id = `device-${u}`;
  else {
    e.user_id = `user-${u}`;
    if (chance(0.5)) e.device_id = `device-${u}`;
  }
  if (chance(0.9)) e.platform = pick(PLATFORMS);
  if (chance(0.8)) e.country = pick(COUNTRIES);
  const ep = { eid: 0 };
  if (chance(0.7)) ep.item = `item-${Math.floor(rand() * 40)}`;
  if (e.event_type === 'purchase' || e.event_type === 'Purchase') ep.price = pick([9.99, 5, 120, 0.5]);
  e.event_properties = ep;
  e.user_properties = { plan: PLANS[u % PLANS.length] };
  if (chance(0.93)) e.insert_id = `ins-${SEED}-${seq}`;
  return e;
}
function stamp(e) {
  e.event_properties = { ...e.event_properties, eid: seq++ };
  return e;
}
function bulkChunk(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let e;
    if (issued.length > 20 && chance(0.03)) {
      // An SDK retry (same payload) or another event reusing an insert_id.
      const orig = pick(issued);
      e = chance(0.6) ? structuredClone(orig) : { ...freshEvent(Math.floor(rand() * DAYS)), insert_id: orig.insert_id };
      if (e.event_properties.eid !== orig.event_properties.eid) e = stamp(e);
    } else {
      e = stamp(freshEvent(Math.floor(rand() * DAYS)));
      if (e.insert_id) issued.push(e);
    }
    out.push(e);
  }
  return out;
}
// Late events: mostly into days already sealed, repeats of earlier
// insert_ids (same payload: must be dropped; other payload: dropped too),
// events without insert_id, now and then a day past the others.
function lateChunk(n) {
  const out = [];
  const extraDay = chance(0.3) ? DAYS + Math.floor(rand() * 3) : null;
  for (let i = 0; i < n; i++) {
    const r = rand();
    let e;
    if (r < 0.2 && issued.length) {
      const orig = pick(issued);
      e = chance(0.5) ? structuredClone(orig) : stamp({ ...freshEvent(Math.floor(rand() * DAYS)), insert_id: orig.insert_id });
    } else {
      e = stamp(freshEvent(extraDay !== null && chance(0.2) ? extraDay : Math.floor(rand() * DAYS)));
      if (r < 0.3) delete e.insert_id;
      if (e.insert_id) { e.insert_id = `late-${e.insert_id}`; issued.push(e); }
    }
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------- DuckDB
const conn = await duckConnect();
await duckSetup(conn);
await duckQuery(`CREATE TABLE raw (seq BIGINT, chunk INT, event_type VARCHAR, user_id VARCHAR, device_id VARCHAR,
  insert_id VARCHAR, time BIGINT, platform VARCHAR, country VARCHAR, event_properties JSON, user_properties JSON)`, conn);
let chunks = 0;
async function addChunk(file, n) {
  await duckQuery(`INSERT INTO raw SELECT CAST(json_extract(event_properties, '$.eid') AS BIGINT) AS seq, ${chunks},
      event_type, user_id, device_id, insert_id, time, platform, country, event_properties, user_properties
    FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {event_type: 'VARCHAR',
      user_id: 'VARCHAR', device_id: 'VARCHAR', insert_id: 'VARCHAR', time: 'BIGINT', platform: 'VARCHAR',
      country: 'VARCHAR', event_properties: 'JSON', user_properties: 'JSON'})`, conn);
  // The import order is chunk, then line; eid (seq) increases along a chunk's
  // lines except for same-payload repeats, which keep their original's eid
  // (and are identical to it, so either may stand for both).
  await duckQuery(`CREATE OR REPLACE TABLE ev AS SELECT *, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
    FROM raw
    QUALIFY insert_id IS NULL OR insert_id = '' OR row_number() OVER (PARTITION BY insert_id ORDER BY chunk, seq) = 1`, conn);
  chunks++;
  const [{ n: got }] = await duckQuery(`SELECT count(*) AS n FROM raw WHERE chunk = ${chunks - 1}`, conn);
  if (Number(got) !== n) throw new Error(`DuckDB read ${got} of ${n} lines of ${file}`);
}

const FROM = isoDay(FIRST_DAY - DAY);
const TO = isoDay(FIRST_DAY + (DAYS + 3) * DAY);
const REQUESTS = [
  { event: { name: '_all' }, metric: 'totals', from: FROM, to: TO, interval: 'day' },
  { event: { name: '_all' }, metric: 'uniques', from: FROM, to: TO, interval: 'day' },
  { event: { name: 'view_item', filters: [{ property: 'platform', op: 'is', values: ['iOS', 'Web'] }] }, metric: 'uniques',
    from: FROM, to: TO, interval: 'day', group_by: 'country' },
  { event: { name: 'add_to_cart', filters: [{ property: 'plan', type: 'user', op: 'is_not', values: ['free'] }] },
    metric: 'uniques', from: FROM, to: TO, interval: 'week', group_by: 'platform' },
  // One series per event: each kept event once, nothing else.
  { event: { name: '_all' }, metric: 'totals', from: '2026-11-01', to: '2026-11-30', interval: 'month', group_by: 'eid' },
];
const expectedCache = new Map();
async function expected() {
  if (!expectedCache.has(chunks)) {
    const charts = [];
    for (const r of REQUESTS) charts.push(await expectedChart(conn, r, 'ev'));
    const names = await expectedNames(conn, 'ev');
    const [{ n }] = await duckQuery('SELECT count(*) AS n FROM ev', conn);
    expectedCache.set(chunks, { charts, names, kept: Number(n) });
  }
  return expectedCache.get(chunks);
}

// ---------------------------------------------------------------- lakes
// Charts grouped by eid list every event: no cap on their series.
const KEYS = `[[app]]\nid = "${APP}"\ningest_key = "seal-crash-ingest-0001"\nread_key = "seal-crash-read-00001"\n` +
  '\n[limits]\nmax_result_series = 10000000\n';
const lakes = [
  { name: 'plain', extra: '' },
  { name: 'raw', extra: '\n[lake]\nraw_tier = true\n' },
].map((l) => {
  const config = path.join(dir, `${l.name}.toml`);
  fs.writeFileSync(config, KEYS + l.extra);
  return { ...l, config, data: path.join(dir, l.name), lake: path.join(dir, l.name, 'lake'),
    estimate: { seal: 0, raw: 0 }, kills: 0, phases: {}, rawRounds: 0 };
});

async function swell(args, opts) {
  return runProcess(SWELL, args, opts);
}
async function importInto(lake, file) {
  const r = await swell(['import', '--data', lake.data, '--app', APP, '--config', lake.config, '--no-progress', file]);
  if (r.code !== 0) throw new Error(`import into ${lake.name} failed (${r.code} ${r.signal}): ${r.stderr}${r.stdout}`);
  if (!/ 0 rejected/.test(r.stdout)) throw new Error(`import into ${lake.name} rejected lines:\n${r.stdout}`);
}
function sealArgs(lake, kind) {
  const a = ['seal', '--data', lake.data, '--app', APP, '--config', lake.config, '--parallel', '2'];
  if (kind === 'raw') a.push('--from-raw');
  if (kind === 'sweep') a.push('--sweep');
  return a;
}

// (a) and (b) for one lake. Returns the inspection.
const EVERY_ROUND = new Set([1, REQUESTS.length - 1]);
let verifications = 0;
async function verify(lake, label, full = verifications++ % 3 === 0) {
  const where = `${lake.name} ${label}`;
  const ins = inspectLake(lake.lake);
  for (const p of ins.problems) fail(`${where}: manifest: ${p}`);
  const want = await expected();
  for (let i = 0; i < REQUESTS.length; i++) {
    // Every time: the charts that count every event (by eid) and unique users
    // per day; the filtered and grouped ones every third round and at the end.
    if (!full && !EVERY_ROUND.has(i)) continue;
    const r = await swell(['query', 'segmentation', '--data', lake.data, '--app', APP, '--config', lake.config, '--json', JSON.stringify(REQUESTS[i])],
      { timeoutMs: 60000 });
    if (r.code !== 0) {
      fail(`${where}: query ${i} exited ${r.code} ${r.signal}: ${r.stderr.slice(0, 500)}`);
      return ins;
    }
    const c = compareChart(JSON.parse(r.stdout), want.charts[i], `${where}: request ${JSON.stringify(REQUESTS[i])}`);
    if (c.error) {
      fail(c.error);
      if (i === REQUESTS.length - 1) await explainEids(JSON.parse(r.stdout), where);
      return ins;
    }
  }
  const r = await swell(['query', 'events', '--data', lake.data, '--app', APP], { timeoutMs: 60000 });
  if (r.code !== 0) fail(`${where}: query events exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  else {
    const got = JSON.parse(r.stdout).events;
    if (JSON.stringify(got) !== JSON.stringify(want.names))
      fail(`${where}: event list differs:\n  swell:  ${JSON.stringify(got)}\n  duckdb: ${JSON.stringify(want.names)}`);
  }
  return ins;
}
// Which events are lost or doubled (from the chart grouped by eid).
async function explainEids(answer, where) {
  const got = new Map(answer.series.map((s) => [s.group, s.points.reduce((a, p) => a + p.value, 0)]));
  const rows = await duckQuery(`SELECT CAST(seq AS VARCHAR) AS eid, count(*) AS n FROM ev GROUP BY 1`, conn);
  const want = new Map(rows.map((r) => [r.eid, Number(r.n)]));
  const diffs = [];
  for (const [eid, n] of want) if ((got.get(eid) ?? 0) !== n) diffs.push(`eid ${eid}: want ${n}, got ${got.get(eid) ?? 0}`);
  for (const [eid, n] of got) if (!want.has(eid)) diffs.push(`eid ${eid}: want 0, got ${n}`);
  console.error(`${where}: ${diffs.length} events differ: ${diffs.slice(0, 20).join('; ')}`);
  for (const d of diffs.slice(0, 3)) {
    const eid = d.split(':')[0].split(' ')[1];
    const ev = await duckQuery(`SELECT seq, chunk, event_type, user_id, insert_id, epoch_ms(time)::VARCHAR AS t FROM raw
      WHERE seq = ${Number(eid)}`, conn);
    console.error(`  ${d}: ${JSON.stringify(ev, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
}

// The delay of a kill: a low-discrepancy spread over [0, 1.15 x the
// estimated duration of the run], so kills cover every phase.
let spread = 0.5;
function nextDelay(estimateMs) {
  spread = (spread + 0.6180339887) % 1;
  return Math.round(spread * 1.15 * estimateMs);
}

function classify(before, after, res) {
  if (!res.killed) return res.code === 0 ? 'finished before the kill' : 'error';
  const newVersions = after.version - before.version;
  const newFiles = after.files.filter((k) => !before.files.includes(k)).length;
  const tmp = after.temporaries.length > before.temporaries.length;
  if (after.current !== after.version) return 'commit: version written, CURRENT not yet';
  const after_ = new Set(after.files);
  const swept = before.files.some((k) => !after_.has(k)) || [...before.versions.keys()].some((v) => !after.versions.has(v));
  if (swept) return 'during the sweep';
  if (newVersions === 0) {
    const staged = stagingFiles(before.data).filter((f) => !before.staging.includes(f)).length;
    if (newFiles === 0 && !tmp && staged === 0) return 'opening / reading the log / building';
    return 'writing files (before the first commit)';
  }
  if (res.pendingDays !== undefined && newVersions >= res.pendingDays) return 'after the last commit (evict / trim / exit)';
  return 'between day commits';
}

// The days whose events files the versions after before's were committed
// for. (lake.pending tracks the days holding imported events that no commit
// has taken yet; a day of only dropped repeats may stay in it.)
function committedDays(before, after) {
  const days = new Set();
  for (let v = before.version + 1; v <= after.version; v++) {
    const prev = new Set((after.versions.get(v - 1) ?? before.versions.get(v - 1) ?? { files: [] }).files.map((f) => f.key));
    const snap = after.versions.get(v);
    if (!snap) continue;
    for (const f of snap.files) if (f.kind === 'events' && !prev.has(f.key)) days.add(f.date);
  }
  return days;
}

async function crashRound(lake, kind, label) {
  const before = inspectLake(lake.lake);
  before.data = lake.data;
  before.staging = stagingFiles(lake.data);
  const estimate = lake.estimate[kind] || lake.estimate.seal * (kind === 'sweep' ? 1.2 : 1);
  const delay = nextDelay(estimate);
  const res = await swell(sealArgs(lake, kind), { killAfterMs: delay });
  const after = await verify(lake, `${label} (${kind} killed at ${delay} ms)`);
  if (!res.killed && res.code !== 0) fail(`${lake.name} ${label}: seal exited ${res.code} ${res.signal}: ${res.stderr.slice(0, 800)}`);
  if (!res.killed && res.code === 0) lake.estimate[kind] = lake.estimate[kind] ? 0.5 * lake.estimate[kind] + 0.5 * res.ms : res.ms;
  // Still running at the kill: it takes longer than the delay.
  if (res.killed && delay > (lake.estimate[kind] || 0)) lake.estimate[kind] = delay * 1.1;
  // Days held before the seal: those it committed and those still pending.
  const committed = committedDays(before, after);
  const held = new Set([...lake.pending, ...committed]).size;
  if (kind !== 'raw') {
    for (const d of committed) lake.pending.delete(d);
    if (!res.killed && res.code === 0) lake.pending.clear();
  }
  const phase = classify(before, after, { ...res, pendingDays: kind !== 'raw' ? held : undefined });
  lake.kills += res.killed ? 1 : 0;
  const key = `${kind}: ${phase}`;
  lake.phases[key] = (lake.phases[key] ?? 0) + 1;
  console.log(`  ${lake.name} ${label}: ${kind} ${res.killed ? `killed at ${delay} ms` : `finished in ${res.ms.toFixed(0)} ms (kill was due at ${delay} ms)`}` +
    ` -> ${phase}; v${before.version} -> v${after.version}, ${committed.size} days committed, ` +
    `${after.orphans.length} orphans, ${after.temporaries.length} temporaries${after.info.length ? `; ${after.info.join('; ')}` : ''}`);
  return res;
}

function writeChunk(events, i) {
  const file = path.join(dir, `chunk-${String(i).padStart(3, '0')}.ndjson`);
  fs.writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''));
  return file;
}
function daysOf(events) {
  return new Set(events.map((e) => isoDay(e.time)));
}

// ---------------------------------------------------------------- the run
const bulk = bulkChunk(BULK);
const bulkFile = writeChunk(bulk, 0);
await addChunk(bulkFile, bulk.length);
for (const lake of lakes) {
  await importInto(lake, bulkFile);
  lake.pending = daysOf(bulk);
}
const base = await expected();
console.log(`seal_crash: ${bulk.length} events over ${DAYS} days (${base.kept} after insert_id dedup), ${USERS} users, ` +
  `seed ${SEED}, ${ROUNDS} kill rounds; data in ${dir}`);

// Calibrate: a whole seal on a copy of the plain data directory; the
// estimates then follow every seal that finishes before its kill.
{
  const lake = lakes[0];
  const copy = `${lake.data}-calibrate`;
  fs.cpSync(lake.data, copy, { recursive: true });
  const r = await swell(['seal', '--data', copy, '--app', APP, '--config', lake.config, '--parallel', '2']);
  if (r.code !== 0) throw new Error(`calibration seal failed: ${r.stderr}`);
  fs.rmSync(copy, { recursive: true, force: true });
  lakes[0].estimate.seal = r.ms;
  lakes[1].estimate.seal = 1.3 * r.ms;
  lakes[1].estimate.raw = 0.6 * r.ms;
  console.log(`  a whole seal of the bulk takes ${r.ms.toFixed(0)} ms`);
}
for (const lake of lakes) await verify(lake, 'after import');

// Rounds alternate between the lakes; a chunk of late events is imported
// into both before each pair of rounds, except every fourth pair (so a kill
// also meets the state the previous kill left).
for (let round = 0; round < ROUNDS && !failed; round++) {
  const pair = Math.floor(round / 2);
  if (round % 2 === 0 && pair > 0 && pair % 4 !== 3) {
    const late = lateChunk(Math.max(20, Math.floor(BULK / 40)));
    const file = writeChunk(late, pair);
    await addChunk(file, late.length);
    for (const lake of lakes) {
      await importInto(lake, file);
      for (const d of daysOf(late)) lake.pending.add(d);
    }
  }
  const lake = lakes[round % 2];
  // The raw-tier lake rebuilds from raw every third pair; the plain lake
  // seals and sweeps (min age 0) every fourth.
  const kind = lake.name === 'raw' ? (pair % 3 === 2 ? 'raw' : 'seal') : (pair % 4 === 1 ? 'sweep' : 'seal');
  await crashRound(lake, kind, `round ${round}`);
}

// ---------------------------------------------------------------- the end
if (!failed) {
  for (const lake of lakes) {
    const runs = [sealArgs(lake, 'seal')];
    if (lake.name === 'raw') runs.push(sealArgs(lake, 'raw'));
    runs.push(['seal', '--data', lake.data, '--app', APP, '--config', lake.config, '--sweep']);
    for (const args of runs) {
      if (args.includes('--sweep') && lake.name === 'raw') {
        // docs/formats.md "Raw tier" suggests reading raw/ with a glob; before
        // a sweep that also reads what killed seals left.
        const n = await rawGlobCount(lake);
        const want = (await expected()).kept;
        if (n !== want) console.log(`  note raw: before the sweep a glob over raw/ reads ${n} events, the lake holds ${want} ` +
          '(raw files of killed seals, not listed, are read too)');
      }
      const r = await swell(args);
      if (r.code !== 0) fail(`${lake.name}: final ${args.slice(5).join(' ')} exited ${r.code}: ${r.stderr}`);
    }
    const ins = await verify(lake, 'after the final seal and sweep', true);
    // (c) nothing left that no retained version lists.
    if (ins.orphans.length) fail(`${lake.name}: after --sweep, ${ins.orphans.length} objects no retained version lists: ${ins.orphans.slice(0, 5).join(', ')}`);
    if (ins.temporaries.length) leak(`${lake.name}: after --sweep, ${ins.temporaries.length} temporaries left in the lake by killed writes: ${ins.temporaries.slice(0, 5).join(', ')}`);
    const staged = stagingFiles(lake.data);
    if (staged.length) leak(`${lake.name}: ${staged.length} files left in DATA/staging by killed seals: ${staged.slice(0, 3).join(', ')}`);
    const speed = await swell(['query', 'events', '--data', lake.data, '--app', APP]);
    if (speed.code !== 0) fail(`${lake.name}: query after the end failed`);
    await checkOpenLake(lake, ins);
    if (lake.name === 'raw') {
      // After the sweep raw/ holds exactly the sealed events (raw files are
      // never replaced, so no older version keeps others).
      const rows = await duckQuery(`SELECT CAST(json_extract(event_properties, '$.eid') AS BIGINT) AS seq, count(*) AS n
        FROM read_json(${sqlString(path.join(lake.lake, 'raw/*/*/*/*.ndjson.zst'))}, format = 'newline_delimited',
          compression = 'zstd', hive_partitioning = true, columns = {event_properties: 'JSON'}) GROUP BY 1`, conn);
      const want = await duckQuery('SELECT seq, count(*) AS n FROM ev GROUP BY 1', conn);
      const got = new Map(rows.map((r) => [Number(r.seq), Number(r.n)]));
      let bad = 0;
      for (const w of want) if (got.get(Number(w.seq)) !== Number(w.n)) bad++;
      const total = rows.reduce((a, r) => a + Number(r.n), 0);
      if (bad || total !== (await expected()).kept)
        fail(`raw: after the sweep a glob over raw/ reads ${total} events (${bad} events not exactly as kept), want ${(await expected()).kept}`);
    }
    console.log(`  ${lake.name}: final v${ins.version}, ${ins.snap.files.length} files listed, ` +
      `${ins.versions.size} versions retained, ${ins.unlisted.length} files of older retained versions ` +
      `(not in the current one), ${ins.orphans.length} orphans; kill phases: ${JSON.stringify(lake.phases)}`);
  }
}

async function rawGlobCount(lake) {
  const [{ n }] = await duckQuery(`SELECT count(*) AS n FROM read_json(${sqlString(path.join(lake.lake, 'raw/*/*/*/*.ndjson.zst'))},
    format = 'newline_delimited', compression = 'zstd', columns = {event_type: 'VARCHAR'})`, conn);
  return Number(n);
}

// DuckDB over the current version's events files (hive_partitioning).
async function checkOpenLake(lake, ins) {
  const files = ins.snap.files.filter((f) => f.kind === 'events').map((f) => path.join(lake.lake, f.key));
  if (files.length === 0) { fail(`${lake.name}: no events files in the lake`); return; }
  const list = `[${files.map(sqlString).join(', ')}]`;
  await duckQuery(`CREATE OR REPLACE TABLE lk AS SELECT event_type, user_id, device_id, insert_id,
      epoch_ms(time) AS time, CAST(json_extract(event_properties, '$.eid') AS BIGINT) AS seq,
      CAST(date AS VARCHAR) AS date, app_id, user_number
    FROM read_parquet(${list}, hive_partitioning = true)`, conn);
  // users/ parts (docs/formats.md "Users files"): together every number from
  // 0 up exactly once, every key once, and each event's user_number names
  // the event's own user key, whatever the kills did to the dictionary.
  const users = ins.snap.files.filter((f) => f.kind === 'users').map((f) => sqlString(path.join(lake.lake, f.key)));
  if (users.length === 0) fail(`${lake.name}: no users parts in the lake`);
  else {
    await duckQuery(`CREATE OR REPLACE TABLE us AS SELECT user_number, user_key FROM read_parquet([${users.join(', ')}])`, conn);
    const [u] = await duckQuery(`SELECT count(*) AS n, count(DISTINCT user_number) AS dn, max(user_number) AS mx,
      count(DISTINCT user_key) AS dk FROM us`, conn);
    if (!(Number(u.n) === Number(u.dn) && Number(u.dn) === Number(u.mx) + 1 && Number(u.dk) === Number(u.n)))
      fail(`${lake.name}: users parts: ${u.n} rows, ${u.dn} numbers, max ${u.mx}, ${u.dk} keys`);
    const [m] = await duckQuery(`SELECT count(*) AS n FROM lk LEFT JOIN us USING (user_number)
      WHERE us.user_key IS DISTINCT FROM coalesce('u:' || nullif(lk.user_id, ''), 'd:' || lk.device_id)`, conn);
    if (Number(m.n) !== 0) fail(`${lake.name}: ${m.n} events whose user_number names another user (or none) in users/`);
  }
  const [{ n }] = await duckQuery('SELECT count(*) AS n FROM lk', conn);
  const want = await expected();
  if (Number(n) !== want.kept) fail(`${lake.name}: DuckDB reads ${n} events from the lake, ${want.kept} were kept after dedup`);
  const diff = await duckQuery(`SELECT 'lake only' AS side, * FROM (SELECT event_type, user_id, device_id, insert_id, time, seq FROM lk
      EXCEPT ALL SELECT event_type, nullif(user_id, ''), nullif(device_id, ''), nullif(insert_id, ''), time, seq FROM ev)
    UNION ALL SELECT 'expected only', * FROM (SELECT event_type, nullif(user_id, ''), nullif(device_id, ''), nullif(insert_id, ''), time, seq FROM ev
      EXCEPT ALL SELECT event_type, user_id, device_id, insert_id, time, seq FROM lk) LIMIT 10`, conn);
  if (diff.length) fail(`${lake.name}: the lake's events differ from the expected ones: ${JSON.stringify(diff, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  const bad = await duckQuery(`SELECT date, app_id, count(*) AS n FROM lk
    WHERE date <> strftime(to_timestamp(time / 1000), '%Y-%m-%d') OR app_id <> ${sqlString(APP)} GROUP BY ALL`, conn);
  if (bad.length) fail(`${lake.name}: events in the wrong partition: ${JSON.stringify(bad, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  // A glob over events/ reads what the retained older versions keep too.
  const globbed = (await duckQuery(`SELECT file FROM glob(${sqlString(path.join(lake.lake, 'events/*/*/*.parquet'))})`, conn)).length;
  if (globbed !== files.length)
    console.log(`  note ${lake.name}: a glob over events/ finds ${globbed} files, the current version lists ${files.length} ` +
      '(the others belong to older versions kept by retain_versions)');
}

console.log(`seal_crash: ${lakes.map((l) => `${l.name}: ${l.kills} kills`).join(', ')}; every state equal to DuckDB`);
finish();
