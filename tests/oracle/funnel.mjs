// Funnel oracle (POST /api/v1/funnel): seal_oracle_runner ingests
// generated events in arrival order into an Engine with random seals,
// restarts and rebuilds in between, and answers funnel requests (a "steps"
// key) at checkpoints on both sides of them (once from threads while a seal
// runs). Every answer is compared with DuckDB SQL written from
// docs/queries.md "Funnels" (behavior_lib.mjs) over the events ingested up
// to the checkpoint, deduplicated by insert_id: users per step exactly,
// conversions and times to convert to 1e-9 relative. Data sets: realistic
// sessions over several weeks and adversarial edge cases (same millisecond,
// window edges to the millisecond, exact-order gaps, exclusions at step
// times, hold_constant absent/present, DST days), from different seeds.
// Bad requests must be refused with InvalidArgument naming the field.
//
// First the oracle proves itself: hand-computed answers of tiny data sets
// (the docs' example among them), and the level-by-level chain SQL against
// the literal k-way self-join on small random data.
//
// Usage: node funnel.mjs PATH/TO/seal_oracle_runner [base-seed]
// SWELL_ORACLE_KEEP=1 keeps each run's files; --self-check-only skips the runner.
import {
  prng, DAY, HOUR, MIN, SEC, ms, duckConnect, duckSetup, duckQuery, realisticEvents, adversarialBehaviorEvents, funnelRequests,
  funnelBadRequests, expectedFunnels, compareFunnel, startBehaviorOracle, finishBehaviorOracle, assertSame, loadInline, dedup, loadEvents,
} from './behavior_lib.mjs';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toNdjson } from './oracle_lib.mjs';

const oracle = await startBehaviorOracle('funnel', funnelRequests, funnelBadRequests());
const { conn, t0, baseSeed } = oracle;

// ---------------------------------------------------------------- self-checks
const U = (id) => ({ user_id: id, device_id: null });
const E = (u, event_type, iso, extra = {}) => ({ ...U(u), event_type, time: ms(iso), ...extra });
const step = (event, users, conv, prev, median = null, avg = median) =>
  ({ event, users, conversion: conv, conversion_from_previous: prev, median_ms: median, avg_ms: avg });
async function expectOne(req, naive = false) {
  return (await expectedFunnels(conn, req, [1e9], { naive })).get(1e9);
}
async function selfCheck(name, events, req, want) {
  await loadInline(conn, events);
  for (const naive of [false, true]) assertSame(await expectOne(req, naive), want, `${name}${naive ? ' (naive)' : ''}`);
}
const OVB = [{ event: 'open' }, { event: 'view' }, { event: 'buy' }];

// The docs' example: a converts (buy in the view's millisecond), b's first
// entry misses the window by 1 ms but the second converts to step 2, c
// views before opening.
const docs = [
  E('a', 'open', '2026-10-01T10:00:00Z'), E('a', 'view', '2026-10-01T10:05:00Z'), E('a', 'buy', '2026-10-01T10:05:00Z'),
  E('b', 'open', '2026-10-01T10:00:00Z'), E('b', 'view', '2026-10-02T10:00:00.001Z'), E('b', 'open', '2026-10-02T09:00:00Z'),
  E('c', 'view', '2026-10-01T12:00:00Z'), E('c', 'open', '2026-10-01T12:01:00Z'),
];
const docsReq = { steps: OVB, from: '2026-10-01', to: '2026-10-02', timezone: 'UTC', window: '1d' };
await selfCheck('docs example, this', docs, docsReq,
  { steps: [step('open', 3, 1, 1), step('view', 2, 2 / 3, 2 / 3, 1950000.5), step('buy', 1, 1 / 3, 1 / 2, 300000)] });
await selfCheck('docs example, exact', docs, { ...docsReq, order: 'exact' },
  { steps: [step('open', 3, 1, 1), step('view', 2, 2 / 3, 2 / 3, 1950000.5), step('buy', 1, 1 / 3, 1 / 2, 300000)] });
await selfCheck('docs example, any', docs, { ...docsReq, order: 'any' },
  { steps: [step('open', 3, 1, 1), step('view', 3, 1, 1, 300000, 3960001 / 3), step('buy', 1, 1 / 3, 1 / 3, 300000)] });
// Order any: x1 (the step-1 event) in the range; other steps may come
// before it, even before the range; a later step in the range does not
// make an entry.
const anyEdge = [
  E('x', 'view', '2026-10-01T23:50:00Z'), E('x', 'open', '2026-10-02T00:30:00Z'),
  E('y', 'view', '2026-09-30T23:30:00Z'), E('y', 'open', '2026-10-01T00:10:00Z'),
];
const anyReq = { steps: [{ event: 'open' }, { event: 'view' }], from: '2026-10-01', to: '2026-10-01', window: '1h', order: 'any' };
await selfCheck('any: step 1 in the range, step 2 before it', anyEdge, anyReq,
  { steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 2400000)] });
await selfCheck('this: same data', anyEdge, { ...anyReq, order: 'this' }, { steps: [step('open', 1, 1, 1), step('view', 0, 0, 0)] });
await selfCheck('any: window 39m', anyEdge, { ...anyReq, window: '39m' }, { steps: [step('open', 1, 1, 1), step('view', 0, 0, 0)] });
await selfCheck('docs example, range Oct 1 only', docs, { ...docsReq, to: '2026-10-01' },
  { steps: [step('open', 3, 1, 1), step('view', 1, 1 / 3, 1 / 3, 300000), step('buy', 1, 1 / 3, 1, 300000)] });
// The range in New York: Oct 1 00:00 EDT = 04:00Z; b's second entry is
// Oct 2 05:00 local, in the range Oct 1–2.
await selfCheck('docs example, New York, window 3600 s', docs, { ...docsReq, timezone: 'America/New_York', window: 3600 },
  { steps: [step('open', 3, 1, 1), step('view', 1, 1 / 3, 1 / 3, 300000), step('buy', 1, 1 / 3, 1, 300000)] });
await selfCheck('empty range', docs, { ...docsReq, from: '2030-01-01', to: '2030-01-01' },
  { steps: [step('open', 0, 0, 0), step('view', 0, 0, 0), step('buy', 0, 0, 0)] });

// Exclusions: strictly between, not at the step times.
const excl = [
  E('d', 'open', '2026-10-01T10:00:00Z'), E('d', 'cancel', '2026-10-01T10:01:00Z'), E('d', 'view', '2026-10-01T10:02:00Z'),
  E('d', 'buy', '2026-10-01T10:03:00Z'),
  E('e', 'open', '2026-10-01T10:00:00Z'), E('e', 'view', '2026-10-01T10:01:00Z'), E('e', 'cancel', '2026-10-01T10:01:00Z'),
  E('e', 'buy', '2026-10-01T10:02:00Z'), E('e', 'cancel', '2026-10-01T10:02:00Z'),
];
const exReq = (between) => ({ steps: OVB, from: '2026-10-01', to: '2026-10-01', exclusions: [{ event: 'cancel', between }] });
await selfCheck('exclusion [2,3]', excl, exReq([2, 3]),
  { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 90000), step('buy', 2, 1, 1, 150000)] });
await selfCheck('exclusion [1,2]', excl, exReq([1, 2]),
  { steps: [step('open', 2, 1, 1), step('view', 1, 0.5, 0.5, 60000), step('buy', 1, 0.5, 1, 120000)] });
await selfCheck('exclusion [1,3]', excl, exReq([1, 3]),
  { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 90000), step('buy', 0, 0, 0)] });

// hold_constant: absent all along holds; grouped by the value at step 1.
const hold = [
  E('r', 'open', '2026-10-01T10:00:00Z'), E('r', 'view', '2026-10-01T10:00:01Z'), E('r', 'buy', '2026-10-01T10:00:02Z', { platform: 'iOS' }),
  E('s', 'open', '2026-10-01T10:00:00Z', { platform: 'iOS' }), E('s', 'view', '2026-10-01T10:00:01Z', { platform: 'Android' }),
  E('s', 'view', '2026-10-01T10:00:03Z', { platform: 'iOS' }), E('s', 'buy', '2026-10-01T10:00:04Z', { platform: 'iOS' }),
];
const holdSteps = [step('open', 2, 1, 1), step('view', 2, 1, 1, 2000), step('buy', 1, 0.5, 0.5, 4000)];
await selfCheck('hold_constant platform', hold, { steps: OVB, from: '2026-10-01', to: '2026-10-01', hold_constant: ['platform'] },
  { steps: holdSteps });
await selfCheck('hold_constant platform, group_by platform', hold,
  { steps: OVB, from: '2026-10-01', to: '2026-10-01', hold_constant: ['platform'], group_by: 'platform' },
  { steps: holdSteps, groups: [
    { group: '(none)', steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 1000), step('buy', 0, 0, 0)] },
    { group: 'iOS', steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 3000), step('buy', 1, 1, 1, 4000)] }] });
await selfCheck('no hold_constant, group_by platform', hold, { steps: OVB, from: '2026-10-01', to: '2026-10-01', group_by: 'platform' },
  { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 1000), step('buy', 2, 1, 1, 3000)], groups: [
    { group: '(none)', steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 1000), step('buy', 1, 1, 1, 2000)] },
    { group: 'iOS', steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 1000), step('buy', 1, 1, 1, 4000)] }] });

// Exact order: an event strictly between breaks, one in a step's millisecond does not.
const exact = [
  E('x', 'open', '2026-10-01T10:00:00Z'), E('x', 'search', '2026-10-01T10:00:00Z'), E('x', 'view', '2026-10-01T10:00:10Z'),
  E('x', 'search', '2026-10-01T10:00:10Z'), E('x', 'buy', '2026-10-01T10:00:20Z'),
  E('y', 'open', '2026-10-01T10:00:00Z'), E('y', 'search', '2026-10-01T10:00:00.001Z'), E('y', 'view', '2026-10-01T10:00:00.002Z'),
  E('y', 'buy', '2026-10-01T10:00:00.003Z'),
];
await selfCheck('exact', exact, { steps: OVB, from: '2026-10-01', to: '2026-10-01', order: 'exact' },
  { steps: [step('open', 2, 1, 1), step('view', 1, 0.5, 0.5, 10000), step('buy', 1, 0.5, 1, 20000)] });
await selfCheck('this (same data)', exact, { steps: OVB, from: '2026-10-01', to: '2026-10-01' },
  { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 5001), step('buy', 2, 1, 1, 10001.5)] });

// One event fills one step; events of one millisecond fill steps in any order.
const same = [
  E('f', 'open', '2026-10-01T10:00:00Z'), E('f', 'open', '2026-10-01T10:00:00Z'), E('f', 'open', '2026-10-01T10:00:00.001Z'),
  E('e', 'open', '2026-10-01T11:00:00Z'),
];
await selfCheck('open → open', same, { steps: [{ event: 'open' }, { event: 'open' }], from: '2026-10-01', to: '2026-10-01' },
  { steps: [step('open', 2, 1, 1), step('open', 1, 0.5, 0.5, 0)] });
await selfCheck('open → _all → _all', same, { steps: [{ event: 'open' }, { event: '_all' }, { event: '_all' }], from: '2026-10-01', to: '2026-10-01' },
  { steps: [step('open', 2, 1, 1), step('_all', 1, 0.5, 0.5, 0), step('_all', 1, 0.5, 1, 1)] });
await selfCheck('open → open → open → open', same,
  { steps: [{ event: 'open' }, { event: 'open' }, { event: 'open' }, { event: 'open' }], from: '2026-10-01', to: '2026-10-01', order: 'any' },
  { steps: [step('open', 2, 1, 1), step('open', 1, 0.5, 0.5, 0), step('open', 1, 0.5, 1, 1), step('open', 0, 0, 0)] });

// Window edges: exactly W converts, W + 1 ms does not; filters per step.
const win = [
  E('g', 'open', '2026-03-08T06:59:00Z', { platform: 'iOS' }), E('g', 'view', '2026-03-08T07:00:30Z', { event_properties: { price: 19.99 } }),
  E('h', 'open', '2026-03-08T06:59:00Z'), E('h', 'view', '2026-03-08T07:00:30.001Z', { event_properties: { price: '@@3.0@@' } }),
  E('h', 'view', '2026-03-08T07:00:29.999Z', { event_properties: { price: 'x' } }),
];
const winReq = { steps: [{ event: 'open' }, { event: 'view' }], from: '2026-03-08', to: '2026-03-08', timezone: 'America/New_York', window: '90s' };
await selfCheck('window 90s', win, winReq, { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 89999.5)] });
await selfCheck('window 90s, price gt 3', win,
  { ...winReq, steps: [{ event: 'open' }, { event: 'view', filters: [{ property: 'price', op: 'gt', values: [3] }] }] },
  { steps: [step('open', 2, 1, 1), step('view', 1, 0.5, 0.5, 90000)] });
await selfCheck('window 90s, price gte 3 (3.0 is 3)', win,
  { ...winReq, window: '91s', steps: [{ event: 'open' }, { event: 'view', filters: [{ property: 'price', op: 'gte', values: [3] }] }] },
  { steps: [step('open', 2, 1, 1), step('view', 2, 1, 1, 90000.5)] });
await selfCheck('platform set / contains', win,
  { ...winReq, steps: [{ event: 'open', filters: [{ property: 'platform', op: 'set' }] }, { event: 'view', filters: [{ property: 'price', op: 'contains', values: ['.'] }] }] },
  { steps: [step('open', 1, 1, 1), step('view', 1, 1, 1, 90000)] });

// The level-by-level SQL against the literal k-way join on small random data.
{
  const rand = prng(baseSeed ^ 0x5eed);
  const evs = adversarialBehaviorEvents(rand, { noiseUsers: 5, noisePerUser: 25 });
  const dir = mkdtempSync(join(tmpdir(), 'swell-funnel-naive-'));
  writeFileSync(join(dir, 'e.ndjson'), toNdjson(evs));
  await loadEvents(conn, join(dir, 'e.ndjson'), evs);
  const reqs = funnelRequests(rand, 'adversarial', 30).filter((r) => r.steps.length <= 3 || r.order !== 'any').slice(0, 20);
  let compared = 0;
  const prefixes = [Math.floor(evs.length / 2), evs.length];
  rmSync(dir, { recursive: true, force: true });
  for (const req of reqs) {
    const a = await expectedFunnels(conn, req, prefixes);
    const b = await expectedFunnels(conn, req, prefixes, { naive: true });
    for (const n of prefixes) assertSame(a.get(n), b.get(n), `levels vs naive join, ${n} lines, ${JSON.stringify(req)}`);
    compared++;
  }
  console.log(`oracle_funnel: self-checks ok (hand-computed data sets; levels = naive join on ${compared} random requests) ` +
    `in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
// ---------------------------------------------------------------- runs
await finishBehaviorOracle(oracle, {
  expectFn: (c, req, prefixes) => expectedFunnels(c, req, prefixes),
  compareFn: compareFunnel, minNonempty: 1 / 2,
});
