// Audience oracle (POST /api/v1/audience, exact mode): for several seeds,
// seal_oracle_runner ingests generated events in arrival order into an
// Engine with random seals, restarts and rebuilds in between (so leaves
// span the speed layer and the lake, whole and partial days), and answers
// random audience trees at checkpoints (once from threads while a seal
// runs). Every answer is compared with DuckDB SQL written from
// docs/queries.md "Audiences" (not from Swell's code) over the events
// ingested up to the checkpoint, deduplicated by insert_id (first wins
// within the 7-day arrival window). Trees: depth 1-5, and/or/not, min_count
// 1-3, property leaves (event, top-level and user properties, numbers,
// high-cardinality keys), ranges as dates, local times and instants in
// several time zones. Bad requests must be refused with InvalidArgument.
// Between checkpoints newly ingested events must change some answers.
//
// Usage: node audience.mjs PATH/TO/seal_oracle_runner [base-seed]
// SWELL_ORACLE_SEEDS=n runs, SWELL_ORACLE_KEEP=1 keeps each run's files.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { audienceRangeSql, prng, helpers, ms, EVENT_TYPES, adversarialEvents, toNdjson, readEventsSql, duckSetup, sqlString, dedupKept }
  from './oracle_lib.mjs';

const runner = process.argv[2];
const baseSeed = Number(process.argv[3] ?? process.env.SWELL_ORACLE_SEED ?? 20261125);
const SEEDS = Number(process.env.SWELL_ORACLE_SEEDS ?? 2);
if (!runner) {
  console.error('usage: node audience.mjs RUNNER [base-seed]');
  process.exit(2);
}
const DAY = 86400000;
const WINDOW = 7 * DAY;  // the default dedup window
const t0 = Date.now();

// ---------------------------------------------------------------- data
// The segmentation oracle's adversarial events (DST edges of several years,
// repeats of insert_ids, a high-cardinality burst), then a tail arriving
// over 9 days: late events and repeats, some past the window.
function events(rand, n) {
  const { pick, chance } = helpers(rand);
  const out = adversarialEvents(rand, n);
  let arrival = out.at(-1).arrival;
  const withIds = out.filter((e) => e.insert_id);
  for (let k = 0; k < Math.floor(n / 8); k++) {
    arrival += Math.floor(rand() * (9 * DAY / (n / 8)));
    const e = chance(0.5) ? { ...pick(withIds) } : { ...pick(out), insert_id: `late-${k}` };
    if (chance(0.2)) delete e.insert_id;
    e.arrival = arrival;
    out.push(e);
  }
  return out.map((e, i) => ({ ...e, seq: i }));
}


// ---------------------------------------------------------------- trees
const ZONES = ['UTC', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Europe/London'];
// The windows the generator puts events in (oracle_lib.mjs), a little wider.
const WINDOWS = [
  ['2026-02-27T00:00:00Z', '2026-03-17T00:00:00Z'], ['2026-10-18T00:00:00Z', '2026-11-12T00:00:00Z'],
  ['2025-12-27T00:00:00Z', '2026-01-05T00:00:00Z'], ['2024-02-26T00:00:00Z', '2024-03-03T00:00:00Z'],
  ['2026-03-26T00:00:00Z', '2026-04-07T00:00:00Z'], ['2040-03-04T00:00:00Z', '2040-03-16T00:00:00Z'],
  ['2040-09-30T00:00:00Z', '2040-11-11T00:00:00Z'], ['2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'],
];
const PROPS = [
  { property: 'platform', values: ['iOS', 'Android', 'Web', 'ios'] },
  { property: 'country', values: ['US', 'DE', '日本', 'Ωmega'] },
  { property: 'color', values: ['red', 'blue', '🔴', 'true', '3'] },
  { property: 'price', values: [5, 19.99, 3, 2.5, '19.99', -7] },
  { property: 'flag', values: [true, false] },
  { property: 'plan', type: 'user', values: ['free', 'pro', '🚀'] },
  { property: 'age', type: 'user', values: [18, 30, 61] },
  { property: 'color', type: 'user', values: ['red', '緑'] },
  { property: 'sku', values: ['sku-1', 'sku-2', 'sku-17', 'sku-150'] },
  { property: 'user_id', values: ['user1', 'user2', 'ユーザー', 'a b'] },
  { property: 'device_id', values: ['dev-1', 'dev-2', 'dev-3'] },
];

function iso(t) { return new Date(t).toISOString(); }
// A leaf's range: dates, local times or instants (Z or an offset).
function range(rand) {
  const { pick, chance } = helpers(rand);
  const [a, b] = pick(WINDOWS).map(ms);
  let from = a + Math.floor(rand() * (b - a));
  let to = from + Math.floor(rand() * (b - from));
  if (chance(0.4)) { from -= from % 3600000; to -= to % 3600000; }
  const kind = pick(['date', 'date', 'date', 'local', 'instant', 'offset']);
  if (kind === 'date') return { from: iso(from).slice(0, 10), to: iso(to).slice(0, 10) };
  if (kind === 'local') return { from: iso(from).slice(0, 19), to: iso(to).slice(0, 23) };
  if (kind === 'instant') return { from: iso(from), to: iso(to) };
  const off = pick([[330, '+05:30'], [-300, '-05:00'], [0, '+00:00']]);
  return { from: iso(from + off[0] * 60000).slice(0, 19) + off[1], to: iso(to + off[0] * 60000).slice(0, 23) + off[1] };
}

function leaf(rand, shared) {
  const { pick, chance } = helpers(rand);
  const l = { event: chance(0.08) ? '_all' : pick(EVENT_TYPES) };
  if (chance(0.35)) {
    const p = pick(PROPS);
    l.property = p.property;
    if (p.type) l.type = p.type;
    if (l.property === 'sku') l.event = 'open';
    if (chance(0.5)) l.value = pick(p.values);
    else l.values = [...new Set([pick(p.values), pick(p.values)])];
  }
  Object.assign(l, chance(0.5) ? shared : range(rand));
  if (chance(0.4)) l.min_count = 1 + Math.floor(rand() * 3);
  return l;
}

function tree(rand, depth, shared) {
  const { pick, chance } = helpers(rand);
  if (depth <= 1) return leaf(rand, shared);
  const op = pick(['and', 'or', 'or', 'not']);
  if (op === 'not') return { op, children: [tree(rand, depth - 1, shared)] };
  const n = 2 + Math.floor(rand() * 2);
  const children = [tree(rand, depth - 1, shared)];
  for (let i = 1; i < n; i++) children.push(chance(0.5) ? leaf(rand, shared) : tree(rand, depth - 1 - Math.floor(rand() * 2), shared));
  return { op, children };
}

function requests(rand, count) {
  const { pick, chance } = helpers(rand);
  const out = [];
  for (let i = 0; i < count; i++) {
    const req = { tree: tree(rand, 1 + (i % 5), range(rand)) };
    const tz = pick(ZONES);
    if (tz !== 'UTC' || chance(0.2)) req.timezone = tz;
    if (chance(0.3)) req.mode = 'exact';
    if (chance(0.3)) req.sample = pick([1, 5, 1000]);
    out.push(req);
  }
  // A not at the root over a whole window, and a min_count leaf over all time.
  out.push({ tree: { op: 'not', children: [{ event: 'open', from: '2026-03-01', to: '2026-03-15' }] }, sample: 3 });
  out.push({ tree: { event: '_all', from: '1970-01-01', to: '2100-12-31', min_count: 3 } });
  out.push({ tree: { op: 'and', children: [{ event: 'purchase', from: '2026-10-20', to: '2026-11-09' },
    { op: 'not', children: [{ event: 'open', property: 'platform', values: ['iOS', 'Web'], from: '2026-10-20', to: '2026-11-09', min_count: 2 }] }] } });
  return out;
}

function badRequests() {
  const l = { event: 'open', from: '2026-03-01', to: '2026-03-02' };
  let deep = l;
  for (let i = 0; i < 32; i++) deep = { op: 'or', children: [deep] };
  return [
    { tree: { op: 'not', children: [l, l] } },
    { tree: { op: 'and', children: [] } },
    { tree: deep },
    { tree: { op: 'or', children: Array.from({ length: 257 }, () => l) } },
    { tree: { ...l, colour: 'red' } },
    { tree: l, mode: 'estimate', sample: 3 },
    { tree: l, std_devs: 2 },
    { tree: l, mode: 'estimate', std_devs: 4 },
    { tree: { ...l, app: '../other' } },
    { tree: { ...l, from: '2026-03-03' } },
    { tree: { ...l, min_count: 0 } },
    { tree: { ...l, value: 'x' } },
    { tree: { op: 'xor', children: [l] } },
    { tree: l, sample: 'ten' },
    { tree: l, extra: 1 },
  ];
}

// ---------------------------------------------------------------- DuckDB
// A property's text in an event (docs/queries.md): a top-level field wins
// over the event property of the same name; user_id and device_id are the
// event's own ids (empty: absent); "type": "user" reads user_properties.
function propSql(l) {
  const path = sqlString(`$."${l.property}"`);
  if (l.type === 'user') return `ptext(user_properties, ${path})`;
  if (l.property === 'user_id') return `nullif(user_id, '')`;
  if (l.property === 'device_id') return `nullif(device_id, '')`;
  if (l.property === 'event_type') return 'event_type';
  if (l.property === 'platform' || l.property === 'country')
    return `coalesce(${l.property}, ptext(event_properties, ${path}))`;
  return `ptext(event_properties, ${path})`;
}
// A range condition: dates and timestamps without an offset are wall-clock
// times in the request's zone; to is inclusive (a whole day for a date).
const rangeSql = (l, tz) => audienceRangeSql(l, `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ)`);
function leaves(node, out = []) {
  if (node.op) for (const c of node.children) leaves(c, out);
  else out.push(node);
  return out;
}
function hasNot(node) { return node.op === 'not' || (node.op && node.children.some(hasNot)); }
// The users (ukey) of a node, as SQL over table t.
function nodeSql(node, t, tz, universe) {
  if (!node.op) {
    const conds = [rangeSql(node, tz)];
    if (node.event !== '_all') conds.push(`event_type = ${sqlString(node.event)}`);
    if (node.property !== undefined) {
      const vals = (node.values ?? [node.value]).map((v) => sqlString(String(v))).join(', ');
      conds.push(`${propSql(node)} IN (${vals})`);
    }
    return `SELECT ukey FROM ${t} WHERE ${conds.join(' AND ')} GROUP BY ukey HAVING count(*) >= ${node.min_count ?? 1}`;
  }
  const parts = node.children.map((c) => `SELECT ukey FROM (${nodeSql(c, t, tz, universe)})`);
  if (node.op === 'and') return parts.join(' INTERSECT ');
  if (node.op === 'or') return parts.join(' UNION ');
  return `SELECT ukey FROM (${universe}) EXCEPT ${parts[0]}`;
}
async function expected(conn, req, n) {
  const t = `(SELECT * FROM ev WHERE seq < ${n})`;
  const tz = req.timezone ?? 'UTC';
  const ls = leaves(req.tree);
  // The universe of `not`: users with any event in any leaf's range.
  const universe = `SELECT DISTINCT ukey FROM ${t} WHERE ${ls.map((l) => rangeSql(l, tz)).join(' OR ')}`;
  const sql = hasNot(req.tree) ? nodeSql(req.tree, t, tz, universe) : nodeSql(req.tree, t, tz, null);
  const rows = await duckQuery(`SELECT DISTINCT ukey FROM (${sql}) WHERE ukey IS NOT NULL`, conn);
  return new Set(rows.map((r) => r.ukey));
}

// ---------------------------------------------------------------- runs
const conn = await duckConnect();
await duckSetup(conn);
const totals = { runs: 0, answers: 0, checked: 0, nonzero: 0, samples: 0, refused: 0, changed: 0, midSeal: 0,
  maxCount: 0 };
let failed = false;

// The runner's output for one seed; runs go in parallel (the runner mostly
// waits on its seals' fsyncs).
function startRun(seed) {
  const rand = prng(seed);
  const evs = events(rand, 1200);
  const reqs = requests(rand, 40);
  const all = reqs.concat(badRequests());
  const dir = mkdtempSync(join(tmpdir(), 'swell-audience-oracle-'));
  const eventsPath = join(dir, 'events.ndjson');
  const requestsPath = join(dir, 'requests.json');
  writeFileSync(eventsPath, toNdjson(evs));
  writeFileSync(requestsPath, JSON.stringify(all));
  const done = new Promise((resolve) => {
    const child = spawn(runner, [eventsPath, requestsPath, String(seed), join(dir, 'data')]);
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8') }));
  });
  return { seed, evs, reqs, all, dir, eventsPath, done };
}

async function runOne({ seed, evs, reqs, all, dir, eventsPath, done }) {
  const fail = (msg) => {
    console.error(`oracle_audience: FAIL [seed ${seed}] (data kept in ${dir})\n${msg}`);
    failed = true;
    return false;
  };
  const run = await done;
  if (run.status !== 0) return fail(`runner failed (status ${run.status}):\n${run.stderr.slice(0, 4000)}`);
  writeFileSync(join(dir, 'runner.out'), run.stdout);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  if (!lines.find((l) => l.done)) return fail('runner printed no done line');

  const kept = dedupKept(evs, WINDOW);
  await duckQuery(`CREATE OR REPLACE TABLE raw AS SELECT * FROM ${readEventsSql(eventsPath)}`, conn);
  await duckQuery(`CREATE OR REPLACE TABLE keep AS SELECT unnest([${kept.join(',')}]::BIGINT[]) AS seq`, conn);
  await duckQuery(`CREATE OR REPLACE TABLE ev AS SELECT r.*, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
    FROM raw r WHERE seq IN (SELECT seq FROM keep)`, conn);

  const cache = new Map();
  const lastCount = new Map();  // request -> [ingested, count] of the last checkpoint
  for (const l of lines) {
    if (l.checkpoint === undefined || l.names !== undefined) continue;
    const where = `checkpoint ${l.checkpoint} (${l.ingested} events ingested), request ${l.request}`;
    const req = all[l.request];
    totals.answers++;
    if (l.checkpoint.endsWith('-during-seal')) totals.midSeal++;
    if (l.request >= reqs.length) {
      if (!l.error || !l.error.startsWith('InvalidArgument'))
        return fail(`${where}: should be refused:\n  ${JSON.stringify(req).slice(0, 400)}\n  got ${JSON.stringify(l).slice(0, 400)}`);
      totals.refused++;
      continue;
    }
    if (!l.ok) return fail(`${where} failed: ${l.error}\n  ${JSON.stringify(req)}`);
    const key = `${l.request}/${l.ingested}`;
    if (!cache.has(key)) cache.set(key, await expected(conn, req, l.ingested));
    const want = cache.get(key);
    const got = l.ok;
    if (got.count !== want.size || got.lower_bound !== want.size || got.upper_bound !== want.size || got.mode !== 'exact')
      return fail(`${where}: swell ${JSON.stringify(got).slice(0, 300)}, duckdb count ${want.size}\n  ${JSON.stringify(req)}`);
    if (req.sample !== undefined) {
      const s = got.sample;
      if (!Array.isArray(s) || s.length !== Math.min(req.sample, want.size) || new Set(s).size !== s.length)
        return fail(`${where}: sample ${JSON.stringify(s)} for count ${want.size}\n  ${JSON.stringify(req)}`);
      for (const id of s)
        if (!want.has(`u:${id}`) && !want.has(`d:${id}`))
          return fail(`${where}: sample id ${JSON.stringify(id)} is not in the audience\n  ${JSON.stringify(req)}`);
      totals.samples++;
    } else if (got.sample !== undefined) {
      return fail(`${where}: a sample nobody asked for`);
    }
    const last = lastCount.get(l.request);
    if (last && last[0] < l.ingested && last[1] !== want.size) totals.changed++;
    lastCount.set(l.request, [l.ingested, want.size]);
    totals.checked++;
    if (want.size > 0) totals.nonzero++;
    totals.maxCount = Math.max(totals.maxCount, want.size);
  }
  totals.runs++;
  if (process.env.SWELL_ORACLE_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  return true;
}

const runs = [];
for (let s = 0; s < SEEDS; s++) runs.push(startRun(baseSeed + s * 7919));
for (const r of runs) if (!failed) await runOne(r);
await Promise.all(runs.map((r) => r.done));
if (!failed && totals.changed === 0) {
  console.error('oracle_audience: FAIL no answer changed after new events were ingested');
  failed = true;
}
if (!failed && totals.nonzero < totals.checked / 3) {
  console.error(`oracle_audience: FAIL too few non-empty audiences (${totals.nonzero} of ${totals.checked})`);
  failed = true;
}
console.log(`oracle_audience: ${failed ? 'FAIL' : 'ok'} ${JSON.stringify(totals)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
