// Segmentation oracle: generates adversarial events with a seeded PRNG, asks
// Swell (through segmentation_oracle_runner) and DuckDB (SQL written from the
// spec in docs/queries.md, not from Swell's code) the same charts, and
// compares every point. Exits non-zero at the first difference. The
// generators and the SQL live in oracle_lib.mjs (shared with
// seal_boundary.mjs).
//
// Usage: node segmentation.mjs PATH/TO/segmentation_oracle_runner [seed]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng, adversarialEvents, toNdjson, segmentationRequests, readEventsSql, duckSetup, expectedChart,
  expectedNames, compareChart } from './oracle_lib.mjs';

const runner = process.argv[2];
const seed = Number(process.argv[3] ?? 20261001);
if (!runner) {
  console.error('usage: node segmentation.mjs RUNNER [seed]');
  process.exit(2);
}

const rand = prng(seed);

// ---------------------------------------------------------------- data
const events = adversarialEvents(rand, 3000);
const ndjson = toNdjson(events);

// ---------------------------------------------------------------- requests
const { requests, errors } = segmentationRequests(rand);
requests.push(...errors);

// ---------------------------------------------------------------- run Swell
const dir = mkdtempSync(join(tmpdir(), 'swell-oracle-'));
const eventsPath = join(dir, 'events.ndjson');
const requestsPath = join(dir, 'requests.json');
writeFileSync(eventsPath, ndjson);
writeFileSync(requestsPath, JSON.stringify(requests));
const run = spawnSync(runner, [eventsPath, requestsPath], { maxBuffer: 1 << 30, encoding: 'utf8' });
if (run.status !== 0) {
  console.error(`runner failed (status ${run.status}):\n${run.stderr}`);
  process.exit(1);
}
const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));

// ---------------------------------------------------------------- DuckDB
const conn = await duckConnect();
await duckSetup(conn);
await duckQuery(`CREATE TABLE raw AS SELECT * FROM ${readEventsSql(eventsPath)}`, conn);
// First row per insert_id (file order) wins; rows without one always count.
// (The arrivals span less than the 7-day dedup window.)
await duckQuery(`CREATE TABLE ev AS SELECT *, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
  FROM raw QUALIFY insert_id IS NULL OR insert_id = '' OR row_number() OVER (PARTITION BY insert_id ORDER BY seq) = 1`, conn);

function fail(msg) {
  console.error(`oracle_segmentation: FAIL (seed ${seed}; data kept in ${dir})\n${msg}`);
  process.exit(1);
}

// Event names with counts.
{
  const want = await expectedNames(conn, 'ev');
  const got = lines[0].events;
  if (JSON.stringify(got) !== JSON.stringify(want))
    fail(`GET /api/v1/events differs:\n  swell:  ${JSON.stringify(got)}\n  duckdb: ${JSON.stringify(want)}`);
}

let checked = 0, points = 0, nonzero = 0;
// Non-zero points per feature, so that a generator that stops reaching the
// data fails rather than passes vacuously.
const byFeature = new Map();
const tally = (feature, n) => byFeature.set(feature, (byFeature.get(feature) ?? 0) + n);
const opsOf = (filters) => (filters ?? []).flatMap((f) => f.and ? opsOf(f.and) : f.or ? ['tree', ...opsOf(f.or)] : [f.op]);
for (let i = 0; i < requests.length; i++) {
  const req = requests[i];
  const got = lines[i + 1];
  if (i >= requests.length - errors.length) {
    if (!got.error || !got.error.startsWith('InvalidArgument'))
      fail(`request ${i} should be refused:\n  ${JSON.stringify(req)}\n  got ${JSON.stringify(got)}`);
    continue;
  }
  if (!got.ok) fail(`request ${i} failed: ${got.error}\n  ${JSON.stringify(req)}`);
  const want = await expectedChart(conn, req, 'ev');
  const c = compareChart(got.ok, want, `request ${i}: ${JSON.stringify(req)}`);
  if (c.error) fail(c.error);
  points += c.points;
  nonzero += c.nonzero;
  checked++;
  tally(`metric ${req.metric ?? 'totals'}`, c.nonzero);
  for (const op of new Set((req.events ?? [req.event]).flatMap((e) => opsOf(e.filters)))) tally(`op ${op}`, c.nonzero);
  if (Array.isArray(req.group_by) && req.group_by.length === 2) tally('two group-bys', c.nonzero);
  if (req.events) tally('several events', c.nonzero);
  const others = want.series.filter((s) => JSON.stringify(s.group).includes('"(other)"')).length;
  if (req.limit) tally('(other) series', others);
}
if (nonzero < 1000) fail(`only ${nonzero} non-zero points: the generated data misses the ranges`);
for (const [feature, n] of byFeature) if (n < 1) fail(`only ${n} non-zero points for ${feature}`);
console.log([...byFeature].map(([f, n]) => `${f}: ${n}`).join(', '));
console.log(`oracle_segmentation: ${checked} charts, ${points} points (${nonzero} non-zero) equal to DuckDB; ` +
  `${errors.length} bad requests refused; ${events.length} events (seed ${seed})`);
rmSync(dir, { recursive: true, force: true });
