// Retention oracle (POST /api/v1/retention): seal_oracle_runner ingests
// generated events in arrival order into an Engine with random seals,
// restarts and rebuilds in between, and answers retention requests (a
// "start" key) at checkpoints on both sides of them (once from threads
// while a seal runs). Every answer is compared with DuckDB SQL written from
// docs/queries.md "Retention" (behavior_lib.mjs) over the events ingested
// up to the checkpoint, deduplicated by insert_id: cohorts (local days or
// Monday weeks of the zone, every one of the range, zeros included), their
// sizes and retained users per column exactly, the overall curve's users
// and retained exactly and its rates to 1e-9 relative. Modes n_day,
// unbounded and brackets; days calendar and rolling; zones with DST
// (New York, Berlin, Lord Howe's half hour); explicit as_of values that cut
// the overall curve (exactly at a column's end and 1 ms before).
// Bad requests must be refused with InvalidArgument naming the field.
//
// First the oracle proves itself on hand-computed tiny data sets (the
// docs' calendar-vs-rolling example, DST days, weeks).
//
// Usage: node retention.mjs PATH/TO/seal_oracle_runner [base-seed]
// SWELL_ORACLE_KEEP=1 keeps each run's files; --self-check-only skips the runner.
import {
  prng, ms, duckConnect, duckSetup, realisticEvents, adversarialBehaviorEvents, retentionRequests, retentionBadRequests,
  expectedRetentions, compareRetention, checkRun, startRunner, assertSame, loadInline,
} from './behavior_lib.mjs';

const runner = process.argv[2];
const selfOnly = process.argv.includes('--self-check-only');
const baseSeed = Number(process.argv.find((a, i) => i >= 3 && /^\d+$/.test(a)) ?? process.env.SWELL_ORACLE_SEED ?? 20261125);
const t0 = Date.now();
const conn = await duckConnect();
await duckSetup(conn);
console.log(`oracle_retention: seed ${baseSeed} (reproduce: node retention.mjs RUNNER ${baseSeed})`);

// The runs start first (the runner works while the self-checks run).
const sets = [
  { label: 'realistic', seed: baseSeed, make: (rand) => ({ evs: realisticEvents(rand), requests: retentionRequests(rand, 'realistic', 30) }) },
  { label: 'adversarial', seed: baseSeed + 7919, make: (rand) => ({ evs: adversarialBehaviorEvents(rand), requests: retentionRequests(rand, 'adversarial', 30) }) },
  { label: 'realistic', seed: baseSeed + 2 * 7919, make: (rand) => ({ evs: realisticEvents(rand, { users: 24, start: '2026-10-10', days: 28 }), requests: retentionRequests(rand, 'realistic', 20) }) },
];
const bad = retentionBadRequests();
const runs = selfOnly || !runner ? [] : sets.map((s) => {
  const { evs, requests } = s.make(prng(s.seed));
  const started = startRunner(runner, 'swell-retention-oracle-', evs, requests.concat(bad.map((b) => b.req)), s.seed);
  return { ...s, evs, requests, started };
});
process.on('uncaughtException', (e) => { for (const r of runs) r.started.kill(); console.error(`oracle_retention: FAIL ${e.stack ?? e}`); process.exit(1); });

// ---------------------------------------------------------------- self-checks
const E = (u, event_type, iso, extra = {}) => ({ user_id: u, device_id: null, event_type, time: ms(iso), ...extra });
const asOfMs = (req) => Date.parse(req.as_of);
async function selfCheck(name, events, req, want) {
  await loadInline(conn, events);
  assertSame((await expectedRetentions(conn, req, [1e9], asOfMs(req))).get(1e9), want, name);
}
const col = (column, users, retained) => ({ column, users, retained, rate: users ? retained / users : null });
const zeros = (cohort, n) => ({ cohort, users: 0, retained: Array(n + 1).fill(0) });

// The docs' example: a signs up Oct 1 23:59 and comes back Oct 2 00:01
// (day 1 calendar, day 0 rolling); b signs up Oct 1 and Oct 3 (only Oct 1
// starts b; the second signup is a return at day 2).
const docs = [
  E('a', 'signup', '2026-10-01T23:59:00Z'), E('a', 'open', '2026-10-02T00:01:00Z'),
  E('b', 'signup', '2026-10-01T10:00:00Z'), E('b', 'signup', '2026-10-03T10:00:00Z'),
];
const docsReq = { start: { event: 'signup' }, return: { event: '_all' }, from: '2026-10-01', to: '2026-10-03', periods: 3,
  as_of: '2026-10-04T00:00:00Z' };
await selfCheck('docs example, calendar', docs, docsReq, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 1, 1, 0] }, zeros('2026-10-02', 3), zeros('2026-10-03', 3)],
  overall: [col(0, 2, 2), col(1, 2, 1), col(2, 2, 1), col(3, 0, 0)] });
await selfCheck('docs example, rolling', docs, { ...docsReq, days: 'rolling' }, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 0, 1, 0] }, zeros('2026-10-02', 3), zeros('2026-10-03', 3)],
  overall: [col(0, 2, 2), col(1, 2, 0), col(2, 2, 1), col(3, 0, 0)] });
await selfCheck('docs example, unbounded', docs, { ...docsReq, mode: 'unbounded' }, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 2, 1, 0] }, zeros('2026-10-02', 3), zeros('2026-10-03', 3)],
  overall: [col(0, 2, 2), col(1, 2, 2), col(2, 2, 1), col(3, 0, 0)] });
await selfCheck('docs example, brackets', docs, { ...docsReq, mode: 'brackets', brackets: [[1, 1], [2, 3]], periods: undefined }, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 1, 1] }, zeros('2026-10-02', 2), zeros('2026-10-03', 2)],
  overall: [col(0, 2, 2), col(1, 2, 1), col(2, 0, 0)] });
await selfCheck('docs example, as_of 1 ms before Oct 4', docs, { ...docsReq, as_of: '2026-10-03T23:59:59.999Z' }, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 1, 1, 0] }, zeros('2026-10-02', 3), zeros('2026-10-03', 3)],
  overall: [col(0, 2, 2), col(1, 2, 1), col(2, 0, 0), col(3, 0, 0)] });
await selfCheck('docs example, return open only', docs, { ...docsReq, return: { event: 'open' } }, {
  cohorts: [{ cohort: '2026-10-01', users: 2, retained: [2, 1, 0, 0] }, zeros('2026-10-02', 3), zeros('2026-10-03', 3)],
  overall: [col(0, 2, 2), col(1, 2, 1), col(2, 2, 0), col(3, 0, 0)] });
await selfCheck('empty range', docs, { ...docsReq, from: '2030-01-01', to: '2030-01-01', periods: 1 }, {
  cohorts: [zeros('2030-01-01', 1)], overall: [col(0, 0, 0), col(1, 0, 0)] });

// Berlin's 25-hour day (Oct 25): calendar days vs 24-hour spans.
const berlin = [
  E('u1', 'signup', '2026-10-24T21:59:59.999Z'), E('u1', 'open', '2026-10-25T22:59:59.999Z'),
  E('u2', 'signup', '2026-10-24T21:59:59.999Z'), E('u2', 'open', '2026-10-25T23:00:00.000Z'),
  { user_id: null, device_id: 'dev3', event_type: 'signup', time: ms('2026-10-24T22:00:00Z') },
  { user_id: '', device_id: 'dev3', event_type: 'open', time: ms('2026-10-25T22:59:59.999Z') },
];
const berlinReq = { start: { event: 'signup' }, return: { event: '_all' }, from: '2026-10-24', to: '2026-10-26', periods: 2,
  timezone: 'Europe/Berlin', as_of: '2026-10-27T00:00:00+01:00' };
await selfCheck('Berlin DST, calendar', berlin, berlinReq, {
  cohorts: [{ cohort: '2026-10-24', users: 2, retained: [2, 1, 1] }, { cohort: '2026-10-25', users: 1, retained: [1, 0, 0] }, zeros('2026-10-26', 2)],
  overall: [col(0, 3, 3), col(1, 3, 1), col(2, 2, 1)] });
await selfCheck('Berlin DST, rolling', berlin, { ...berlinReq, days: 'rolling' }, {
  cohorts: [{ cohort: '2026-10-24', users: 2, retained: [2, 2, 0] }, { cohort: '2026-10-25', users: 1, retained: [1, 1, 0] }, zeros('2026-10-26', 2)],
  overall: [col(0, 3, 3), col(1, 3, 3), col(2, 2, 0)] });
const berlinWeek = { ...berlinReq, interval: 'week', periods: 1, as_of: '2026-11-02T00:00:00+01:00' };
await selfCheck('Berlin DST, calendar weeks', berlin, berlinWeek, {
  cohorts: [{ cohort: '2026-10-19', users: 3, retained: [3, 1] }, zeros('2026-10-26', 1)],
  overall: [col(0, 3, 3), col(1, 3, 1)] });
await selfCheck('Berlin DST, rolling weeks', berlin, { ...berlinWeek, days: 'rolling' }, {
  cohorts: [{ cohort: '2026-10-19', users: 3, retained: [3, 0] }, zeros('2026-10-26', 1)],
  overall: [col(0, 3, 3), col(1, 3, 0)] });
await selfCheck('Berlin DST, weeks, as_of 1 ms early', berlin, { ...berlinWeek, as_of: '2026-11-01T23:59:59.999+01:00' }, {
  cohorts: [{ cohort: '2026-10-19', users: 3, retained: [3, 1] }, zeros('2026-10-26', 1)],
  overall: [col(0, 3, 3), col(1, 0, 0)] });
await selfCheck('Berlin DST, start filter', berlin,
  { ...berlinReq, start: { event: 'signup', filters: [{ property: 'user_id', op: 'not_set' }] } }, {
    cohorts: [zeros('2026-10-24', 2), { cohort: '2026-10-25', users: 1, retained: [1, 0, 0] }, zeros('2026-10-26', 2)],
    overall: [col(0, 1, 1), col(1, 1, 0), col(2, 0, 0)] });

// Lord Howe's 23.5-hour day (Oct 4): local midnight to local midnight is
// day 1 calendar, day 0 rolling.
const howe = [E('w', 'signup', '2026-10-03T13:30:00Z'), E('w', 'open', '2026-10-04T13:00:00Z')];
const howeReq = { start: { event: 'signup' }, return: { event: 'open' }, from: '2026-10-04', to: '2026-10-04', periods: 1,
  timezone: 'Australia/Lord_Howe', as_of: '2026-10-06T00:00:00+11:00' };
await selfCheck('Lord Howe DST, calendar', howe, howeReq, {
  cohorts: [{ cohort: '2026-10-04', users: 1, retained: [1, 1] }], overall: [col(0, 1, 1), col(1, 1, 1)] });
await selfCheck('Lord Howe DST, rolling', howe, { ...howeReq, days: 'rolling' }, {
  cohorts: [{ cohort: '2026-10-04', users: 1, retained: [1, 0] }], overall: [col(0, 1, 1), col(1, 1, 0)] });
await selfCheck('Lord Howe DST, UTC days', howe, { ...howeReq, timezone: undefined, from: '2026-10-03', to: '2026-10-04' }, {
  cohorts: [{ cohort: '2026-10-03', users: 1, retained: [1, 1] }, zeros('2026-10-04', 1)], overall: [col(0, 1, 1), col(1, 1, 1)] });
console.log(`oracle_retention: self-checks ok (hand-computed data sets) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (selfOnly) process.exit(0);
if (!runner) {
  console.error('usage: node retention.mjs RUNNER [base-seed]');
  process.exit(2);
}

// ---------------------------------------------------------------- runs
const sum = { datasets: 0, requests: 0, checkpoints: 0, answers: 0, nonempty: 0, numbers: 0, nonzero: 0, refused: 0, changed: 0, midSeal: 0 };
let failed = false;
for (const r of runs) {
  if (failed) break;
  const t = await checkRun(conn, { name: 'retention', label: r.label, seed: r.seed, evs: r.evs, requests: r.requests, bad, started: r.started,
    expectFn: (c, req, prefixes) => expectedRetentions(c, req, prefixes, req.as_of ? Date.parse(req.as_of) : Date.now()),
    compareFn: compareRetention });
  if (t.error) {
    console.error(`oracle_retention: FAIL (data kept in ${t.dir})\n${t.error}`);
    failed = true;
    break;
  }
  console.log(`  ${r.label} seed ${r.seed}: ${t.events} lines (${t.kept} after dedup), ${t.requests} requests, ${t.checkpoints} checkpoints, ` +
    `${t.answers} answers (${t.nonempty} non-empty), ${t.numbers} numbers (${t.nonzero} non-zero), ${t.refused} refusals`);
  sum.datasets++;
  for (const k of Object.keys(sum)) if (k !== 'datasets') sum[k] += t[k];
}
await Promise.all(runs.map((r) => r.started.done));
if (!failed && sum.changed === 0) { console.error('oracle_retention: FAIL no answer changed as events were ingested'); failed = true; }
if (!failed && sum.nonempty < sum.answers / 3) { console.error(`oracle_retention: FAIL too few non-empty answers (${sum.nonempty} of ${sum.answers})`); failed = true; }
console.log(`oracle_retention: ${failed ? 'FAIL' : 'ok'} seed ${baseSeed} ${JSON.stringify(sum)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
