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
  expectedRetentions, compareRetention, startBehaviorOracle, finishBehaviorOracle, assertSame, loadInline,
} from './behavior_lib.mjs';

const oracle = await startBehaviorOracle('retention', retentionRequests, retentionBadRequests());
const { conn, t0, baseSeed } = oracle;

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
// ---------------------------------------------------------------- runs
await finishBehaviorOracle(oracle, {
  expectFn: (c, req, prefixes) => expectedRetentions(c, req, prefixes, req.as_of ? Date.parse(req.as_of) : Date.now()),
  compareFn: compareRetention, minNonempty: 1 / 3,
});
