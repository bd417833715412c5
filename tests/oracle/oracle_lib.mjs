// Shared by the DuckDB oracle tests (segmentation.mjs, seal_boundary.mjs):
// a seeded PRNG, the adversarial event and request generators, and the
// expected answers computed in DuckDB SQL written from docs/queries.md (not
// from Swell's code), and the point-by-point comparison.
import { duckQuery } from '../peers/index.mjs';

// mulberry32
export function prng(s) {
  return () => {
    s |= 0; s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function helpers(rand) {
  return { pick: (xs) => xs[Math.floor(rand() * xs.length)], chance: (p) => rand() < p };
}
export const ms = (iso) => Date.parse(iso);

// The default dedup window (EngineOptions::dedup_window_ms).
export const DEDUP_WINDOW_MS = 7 * 86400000;
// Dedup as docs/queries.md "Dedup" says, over the lines in arrival order:
// first occurrence wins; a repeat is dropped when it arrives less than the
// window after the accepted occurrence; the window runs from the accepted
// event (duplicates do not extend it); no or empty insert_id never drops.
// Returns the kept line indexes.
export function dedupKept(evs, windowMs = DEDUP_WINDOW_MS) {
  const accepted = new Map();
  const kept = [];
  for (let i = 0; i < evs.length; i++) {
    const id = evs[i].insert_id;
    if (id) {
      const a = accepted.get(id);
      if (a !== undefined && evs[i].arrival - a < windowMs) continue;
      accepted.set(id, evs[i].arrival);
    }
    kept.push(i);
  }
  return kept;
}

// ---------------------------------------------------------------- data
export const EVENT_TYPES = ['open', 'purchase', 'view ✨', '购买', 'cafe\u0301', '🎉 party', 'Purchase'];
const USERS = [];
for (let i = 0; i < 40; i++) USERS.push(`user${i}`);
USERS.push('ユーザー', '😀', 'e\u0301mile', 'a b', '');  // '' means no user id
const DEVICES = [];
for (let i = 0; i < 25; i++) DEVICES.push(`dev-${i}`);
const PLATFORMS = ['iOS', 'Android', 'Web', '', 'ios'];
const COUNTRIES = ['US', 'DE', '日本', 'Ωmega', 'Côte d\u2019Ivoire'];
const COLORS = ['red', 'blue', '🔴', '緑', 'n\u0303o', 'true', '3'];
const PLANS = ['free', 'pro', '🚀', 'enterprise'];
// "@@x@@" marks a number written verbatim into the NDJSON (3.0 stays a
// double; JSON.stringify would print 3).
// Numeric edge values for sum/avg/min/max and gt/gte/lt/lte: numeric
// strings ('19.99', '-0', '1e3', '-2.5E-1'), negatives, doubles, and texts
// that are not numbers as JSON writes them ('007', ' 5', '5.', 'NaN',
// '1e400', 'abc').
const PRICES = [5, 19.99, 0.5, -7, 100, '@@3.0@@', '@@2.50@@', 0.1, 1234567, '19.99', '-0', '1e3', '-2.5E-1',
  -0.25, '007', ' 5', '5.', 'NaN', '1e400', 'abc', 7.125, '@@300000.0@@', '@@1.5e-5@@', '@@2e16@@'];

// Instants that stress bucket edges: UTC midnights, New York and Kolkata and
// Lord Howe local midnights, DST transitions to the millisecond.
const EDGES = [
  '2026-03-08T00:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-08T06:59:59.999Z', '2026-03-08T07:00:00.000Z',
  '2026-03-09T03:59:59.999Z', '2026-03-09T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z',
  '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T05:59:59.999Z', '2026-11-02T04:59:59.999Z',
  '2026-11-02T05:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T00:59:59.999Z', '2026-10-25T01:00:00.000Z',
  '2026-10-24T23:00:00.000Z', '2026-03-07T18:30:00.000Z', '2026-03-07T18:29:59.999Z', '2026-10-03T15:30:00.000Z',
  '2026-10-03T13:30:00.000Z', '2026-04-04T15:00:00.000Z', '2026-04-04T13:00:00.000Z', '2025-12-31T23:59:59.999Z',
  '2026-01-01T00:00:00.000Z', '2026-01-01T05:00:00.000Z', '2024-02-29T12:00:00.000Z', '2026-03-01T00:00:00.000Z',
  '2026-10-31T23:59:59.999Z', '2026-11-01T00:00:00.000Z', '2026-03-09T00:00:00.000Z', '2026-11-30T23:59:59.999Z',
  // Past the zone files' transition tables (2037): the POSIX footer rules.
  '2040-03-11T06:59:59.999Z', '2040-03-11T07:00:00.000Z', '2040-03-11T05:00:00.000Z', '2040-03-12T04:00:00.000Z',
  '2040-11-04T05:30:00.000Z', '2040-11-04T06:30:00.000Z', '2040-10-06T15:30:00.000Z', '2040-10-06T13:29:59.999Z',
];
const WINDOWS = [
  ['2026-03-01T00:00:00Z', '2026-03-16T00:00:00Z'],
  ['2026-10-20T00:00:00Z', '2026-11-10T00:00:00Z'],
  ['2025-12-28T00:00:00Z', '2026-01-04T00:00:00Z'],
  ['2024-02-27T00:00:00Z', '2024-03-02T00:00:00Z'],
  ['2026-03-27T00:00:00Z', '2026-04-06T00:00:00Z'],
  ['2040-03-05T00:00:00Z', '2040-03-15T00:00:00Z'],
  ['2040-10-01T00:00:00Z', '2040-11-10T00:00:00Z'],
];

// The adversarial events of the segmentation oracle, in arrival order: n
// events (8% repeats of an earlier insert_id, same or other payload) over
// bucket edges and DST windows of several years, arriving ~1 s apart from
// 2026-11-20, then a burst of 300 events of one hour with a property of 200
// values. seq numbers are increasing but may have gaps.
export function adversarialEvents(rand, n = 3000) {
  const { pick, chance } = helpers(rand);
  function eventTime() {
    if (chance(0.3)) return ms(pick(EDGES));
    const [a, b] = pick(WINDOWS).map(ms);
    let t = a + Math.floor(rand() * (b - a));
    if (chance(0.3)) t -= t % 3600000;  // on the hour
    return t;
  }
  function props(spec) {
    const out = {};
    for (const [key, p, values] of spec) if (chance(p)) out[key] = pick(values);
    return out;
  }
  function freshEvent() {
    let user = pick(USERS);
    let device = chance(0.6) ? pick(DEVICES) : null;
    if (chance(0.2)) user = '';
    if (user === '' && !device) device = pick(DEVICES);
    const e = {
      user_id: user === '' ? (chance(0.5) ? null : '') : user,
      device_id: device,
      event_type: pick(EVENT_TYPES),
      time: eventTime(),
    };
    if (chance(0.8)) e.platform = pick(PLATFORMS);
    if (chance(0.7)) e.country = pick(COUNTRIES);
    const ep = props([['color', 0.6, COLORS], ['price', 0.5, PRICES], ['flag', 0.3, [true, false]],
      ['颜色', 0.3, COLORS], ['platform', 0.15, PLATFORMS]]);
    if (Object.keys(ep).length || chance(0.5)) e.event_properties = ep;
    const up = props([['plan', 0.6, PLANS], ['age', 0.4, [18, 30, 45, 61]], ['color', 0.2, COLORS]]);
    if (Object.keys(up).length || chance(0.5)) e.user_properties = up;
    return e;
  }

  const events = [];
  let arrival = ms('2026-11-20T00:00:00Z');
  for (let seq = 0; seq < n; seq++) {
    arrival += Math.floor(rand() * 2000);
    let e;
    if (events.length > 10 && chance(0.08)) {
      // A repeat of an earlier insert_id: same payload (a resend) or another.
      const orig = pick(events.filter((x) => x.insert_id));
      if (!orig) continue;
      e = chance(0.5) ? { ...orig } : freshEvent();
      e.insert_id = orig.insert_id;
    } else {
      e = freshEvent();
      if (chance(0.75)) e.insert_id = `ins-${seq}-${Math.floor(rand() * 1e6)}`;
      else if (chance(0.1)) e.insert_id = null;
    }
    e.seq = seq;
    e.arrival = arrival;
    events.push(e);
  }

  // A burst of one event in one hour with a high-cardinality property: more
  // values than the speed layer keeps user sets for, so filters on it must
  // fall back to the rows.
  for (let k = 0; k < 300; k++) {
    arrival += 7;
    const e = { seq: events.length, user_id: pick(USERS) || 'burst-user', device_id: null, event_type: 'open',
      time: ms('2026-03-08T10:00:00Z') + Math.floor(rand() * 3600000), arrival,
      event_properties: { sku: `sku-${Math.floor(rand() * 200)}` } };
    if (chance(0.5)) e.insert_id = `burst-${k}`;
    events.push(e);
  }
  return events;
}

// NDJSON text of events, numbers marked "@@x@@" written verbatim.
export function toNdjson(events) {
  return events.map((e) => JSON.stringify(e).replace(/"@@([^@]+)@@"/g, '$1')).join('\n') + '\n';
}

// ---------------------------------------------------------------- requests
const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const RANGES = {
  hour: [['2026-03-07', '2026-03-09'], ['2026-10-31', '2026-11-02'], ['2026-03-28', '2026-03-29'], ['2026-10-03', '2026-10-04'],
    ['2025-12-31', '2026-01-01'], ['2030-01-01', '2030-01-01'],
    ['2026-03-08T03:30:00Z', '2026-03-08T12:15:00.500Z'], ['2026-11-01T01:00:00', '2026-11-01T05:00:00'],
    ['2040-03-10', '2040-03-12'], ['2040-11-03', '2040-11-05'], ['2040-10-06', '2040-10-07']],
  day: [['2026-03-01', '2026-03-15'], ['2026-10-20', '2026-11-09'], ['2025-12-28', '2026-01-03'], ['2026-03-08', '2026-03-08'],
    ['2030-01-01', '2030-01-31'], ['2024-02-28', '2024-03-01'], ['2026-03-27', '2026-04-05'],
    ['2026-11-01T00:00:00-04:00', '2026-11-01T23:59:59.999-05:00'], ['2040-03-01', '2040-03-20'], ['2040-10-01', '2040-11-10']],
  week: [['2026-03-01', '2026-03-31'], ['2024-01-01', '2026-12-31'], ['2039-12-01', '2040-12-31'], ['2026-10-28', '2026-11-03'], ['2031-05-01', '2031-06-01']],
  month: [['2024-01-01', '2026-12-31'], ['2024-01-01', '2040-12-31'], ['2026-03-15', '2026-11-15'], ['2026-01-01', '2026-01-01'], ['2019-01-01', '2019-12-31']],
};
const GROUPS = [null, 'platform', 'country', 'color', '颜色', 'price', 'flag', { property: 'plan', type: 'user' },
  { property: 'color', type: 'user' }, { property: 'age', type: 'user' }, 'event_type', 'user_id', 'device_id', 'missing_prop'];
const FILTERS = [
  [],
  [{ property: 'platform', op: 'is', values: ['iOS'] }],
  [{ property: 'platform', op: 'is', values: ['iOS', 'Android', ''] }],
  [{ property: 'platform', op: 'is_not', values: ['Web'] }],
  [{ property: 'country', op: 'is', values: ['日本', 'Ωmega'] }],
  [{ property: 'color', op: 'is_not', values: ['🔴', 'n\u0303o'] }],
  [{ property: 'price', op: 'is', values: [3, 19.99, '2.5'] }],
  [{ property: 'flag', op: 'is', values: [true] }],
  [{ property: 'plan', type: 'user', op: 'is', values: ['pro', '🚀'] }],
  [{ property: 'plan', type: 'user', op: 'is_not', values: ['free'] }],
  [{ property: 'age', type: 'user', op: 'is', values: [30] }],
  [{ property: 'user_id', op: 'is_not', values: ['user1', 'user2'] }],
  [{ property: 'device_id', op: 'is', values: ['dev-1', 'dev-2', 'dev-3'] }],
  [{ property: 'missing_prop', op: 'is', values: ['x'] }],
  [{ property: 'missing_prop', op: 'is_not', values: ['x'] }],
  [{ property: 'platform', op: 'is', values: [] }],
  [{ property: 'platform', op: 'is', values: ['iOS', 'Web'] }, { property: 'plan', type: 'user', op: 'is_not', values: ['pro'] }],
  [{ property: 'event_type', op: 'is', values: ['open', '购买'] }],
];

// The segmentation oracle's requests over the adversarial events: every
// metric x interval x zone, each with no filter / an `is` filter / an
// `is_not` filter, crossed with no group-by / a field / an event property /
// a user property; then random extra shapes (special names, several
// filters, any event); then the high-cardinality burst. Returns the
// requests and the bad requests the service must refuse (not in requests).
export function segmentationRequests(rand) {
  const { pick, chance } = helpers(rand);
  const IS_FILTERS = FILTERS.filter((f) => f.length === 1 && f[0].op === 'is');
  const IS_NOT_FILTERS = FILTERS.filter((f) => f.length === 1 && f[0].op === 'is_not');
  const GROUP_KINDS = [null, pick(['platform', 'country']), pick(['color', '颜色', 'price', 'flag']),
    pick([{ property: 'plan', type: 'user' }, { property: 'age', type: 'user' }, { property: 'color', type: 'user' }])];
  const requests = [];
  for (const metric of ['totals', 'uniques']) {
    for (const interval of ['hour', 'day', 'week', 'month']) {
      for (const timezone of ZONES) {
        const shapes = [];
        for (const filters of [[], pick(IS_FILTERS), pick(IS_NOT_FILTERS)])
          for (const group_by of GROUP_KINDS) shapes.push({ filters, group_by });
        shapes.push({ filters: pick(FILTERS), group_by: pick(GROUPS) }, { filters: pick(FILTERS), group_by: pick(GROUPS) });
        for (const { filters, group_by } of shapes) {
          const [from, to] = pick(RANGES[interval]);
          const name = chance(0.15) ? '_all' : pick(EVENT_TYPES);
          const req = { event: { name, filters }, metric, from, to, interval };
          if (timezone !== 'UTC' || chance(0.5)) req.timezone = timezone;
          if (group_by !== null) req.group_by = group_by;
          requests.push(req);
        }
      }
    }
  }
  for (const metric of ['totals', 'uniques']) {
    for (const interval of ['hour', 'day']) {
      requests.push({ event: { name: 'open', filters: [{ property: 'sku', op: 'is', values: ['sku-3', 'sku-150'] }] },
        metric, from: '2026-03-07', to: '2026-03-09', interval });
      requests.push({ event: { name: 'open' }, metric, from: '2026-03-08', to: '2026-03-08', interval, group_by: 'sku' });
    }
  }
  requests.push(...extendedRequests(rand));
  // Errors the service must refuse.
  const errors = [
    { event: { name: 'open' }, metric: 'wau', from: '2026-03-01', to: '2026-03-08', interval: 'hour' },
    { event: { name: 'open' }, metric: 'sum', from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open' }, metric: 'uniques', property: 'price', from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', group_by: 'platform', limit: 0 },
    { events: [], from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open' }, events: [{ name: 'open' }], from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', group_by: ['a', 'b', 'c'] },
    { event: { name: 'open', filters: [{ property: 'price', op: 'gt', values: ['x'] }] }, from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open', filters: [{ or: [] }] }, from: '2026-03-01', to: '2026-03-08' },
    { event: { name: 'open' }, from: '2026-03-09', to: '2026-03-08', interval: 'day' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', interval: 'day', timezone: 'Mars/Base' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', interval: 'fortnight' },
    { event: { name: 'open', filters: [{ property: 'x', op: 'contains!', values: [] }] }, from: '2026-03-01', to: '2026-03-08' },
  ];
  return { requests, errors };
}

// Filters of every op, and AND/OR trees (docs/queries.md "Filters").
const OP_FILTERS = [
  [{ property: 'color', op: 'contains', values: ['re', '緑'] }],
  [{ property: 'country', op: 'does_not_contain', values: ['U', 'ω'] }],
  [{ property: 'event_type', op: 'contains', values: ['urchase'] }],
  [{ property: 'user_id', op: 'contains', values: ['1', '😀'] }],
  [{ property: 'price', op: 'contains', values: [9] }],
  [{ property: 'color', op: 'does_not_contain', values: [] }],
  [{ property: 'platform', op: 'contains', values: [''] }],
  [{ property: 'price', op: 'gt', values: [5] }],
  [{ property: 'price', op: 'gte', values: ['19.99'] }],
  [{ property: 'price', op: 'lt', values: [0] }],
  [{ property: 'price', op: 'lte', values: [0.5] }],
  [{ property: 'price', op: 'gte', values: [-0.25] }],
  [{ property: 'age', type: 'user', op: 'gte', values: [30] }],
  [{ property: 'color', op: 'lt', values: [10] }],
  [{ property: 'flag', op: 'gt', values: [0] }],
  [{ property: 'platform', op: 'set' }],
  [{ property: 'price', op: 'not_set' }],
  [{ property: 'plan', type: 'user', op: 'set', values: [] }],
  [{ property: 'user_id', op: 'not_set' }],
  [{ property: 'missing_prop', op: 'set' }],
  [{ or: [{ property: 'platform', op: 'is', values: ['iOS'] }, { property: 'price', op: 'gt', values: [10] }] }],
  [{ and: [{ property: 'color', op: 'set' }, { or: [{ property: 'plan', type: 'user', op: 'is', values: ['pro'] },
    { property: 'age', type: 'user', op: 'lt', values: [40] }] }] }, { property: 'country', op: 'not_set' }],
  [{ or: [{ property: 'missing_prop', op: 'set' }, { property: 'device_id', op: 'does_not_contain', values: ['dev-1'] }] }],
  [{ or: [{ and: [{ property: 'price', op: 'gte', values: [0] }, { property: 'price', op: 'lt', values: [20] }] },
    { property: 'flag', op: 'is', values: [false] }] }],
  [{ property: 'platform', op: 'is', values: ['iOS'] }, { or: [{ property: 'color', op: 'contains', values: ['r'] }] }],
];
const NUM_PROPS = ['price', 'price', { property: 'age', type: 'user' }, 'color', 'flag', 'missing_prop',
  { property: 'price', type: 'event' }];

// Requests beyond totals and uniques of one event: every other metric,
// every filter op, two group-bys, top-N with "(other)", several events.
function extendedRequests(rand) {
  const { pick, chance } = helpers(rand);
  const ALL_FILTERS = FILTERS.concat(OP_FILTERS);
  const GROUP_PAIRS = [['platform', { property: 'plan', type: 'user' }], ['country', 'color'],
    [{ property: 'age', type: 'user' }, 'event_type'], ['flag', 'missing_prop'], ['price', 'platform']];
  const out = [];
  function make(metric, { interval = pick(['hour', 'day', 'week', 'month']), filters = pick(ALL_FILTERS),
    group = undefined, limit = undefined, events = undefined } = {}) {
    const [from, to] = pick(RANGES[interval]);
    const req = { metric, from, to, interval };
    if (events) req.events = events;
    else req.event = { name: chance(0.15) ? '_all' : pick(EVENT_TYPES), filters };
    if (['sum', 'avg', 'min', 'max'].includes(metric)) req.property = pick(NUM_PROPS);
    const tz = pick(ZONES);
    if (tz !== 'UTC' || chance(0.5)) req.timezone = tz;
    const g = group === undefined ? (chance(0.4) ? pick(GROUPS) : null) : group;
    if (g !== null) req.group_by = g;
    if (limit !== undefined) req.limit = limit;
    out.push(req);
  }
  const someEvents = () => {
    const n = 2 + Math.floor(rand() * 3);
    const evs = [];
    for (let i = 0; i < n; i++) {
      const e = { name: chance(0.15) ? '_all' : pick(EVENT_TYPES) };
      if (chance(0.6)) e.filters = pick(OP_FILTERS);
      evs.push(e);
    }
    return evs;
  };
  // Active users: windows reaching back before `from` (ranges start on DST
  // days, at instants, in the middle of the data).
  for (const metric of ['dau', 'wau', 'mau'])
    for (let k = 0; k < 8; k++) make(metric, { interval: 'day', filters: k < 3 ? [] : pick(ALL_FILTERS) });
  for (const metric of ['sum', 'avg', 'min', 'max'])
    for (let k = 0; k < 8; k++) make(metric, { filters: k < 2 ? [] : pick(ALL_FILTERS) });
  for (let k = 0; k < 6; k++) make('per_user_avg');
  // Every op, as totals and uniques.
  for (const filters of OP_FILTERS)
    for (const metric of ['totals', 'uniques']) make(metric, { filters, group: chance(0.3) ? pick(GROUPS) : null });
  // Two group-bys.
  for (const pair of GROUP_PAIRS)
    make(pick(['totals', 'uniques', 'avg', 'wau']), { interval: 'day', group: pair });
  // Top-N and "(other)": one and two group-bys, every kind of metric.
  for (const metric of ['totals', 'uniques', 'dau', 'wau', 'sum', 'avg', 'min', 'max', 'per_user_avg'])
    for (const group of [pick(['platform', 'country', 'color', 'user_id', 'price', 'device_id']), pick(GROUP_PAIRS)])
      make(metric, { interval: ActiveMetric(metric) ? 'day' : pick(['hour', 'day', 'week', 'month']), group,
        limit: 1 + Math.floor(rand() * 4) });
  // Several events.
  for (let k = 0; k < 10; k++) {
    const metric = pick(['totals', 'uniques', 'wau', 'sum', 'max', 'per_user_avg']);
    make(metric, { interval: ActiveMetric(metric) ? 'day' : pick(['hour', 'day', 'week', 'month']),
      events: someEvents(), group: chance(0.5) ? pick(GROUPS.concat(GROUP_PAIRS)) : null,
      limit: chance(0.4) ? 2 : undefined });
  }
  return out;
}
const ActiveMetric = (m) => m === 'dau' || m === 'wau' || m === 'mau';

// ---------------------------------------------------------------- DuckDB
// The events table: read from the runner's NDJSON.
export function readEventsSql(path) {
  return `read_json('${path}', format = 'newline_delimited', columns = {
  seq: 'BIGINT', user_id: 'VARCHAR', device_id: 'VARCHAR', event_type: 'VARCHAR', time: 'BIGINT', arrival: 'BIGINT',
  insert_id: 'VARCHAR', platform: 'VARCHAR', country: 'VARCHAR', event_properties: 'JSON', user_properties: 'JSON'})`;
}

// Session settings and macros the expected answers use.
export async function duckSetup(conn) {
  await duckQuery("SET TimeZone = 'UTC'", conn);
  // The canonical text of a JSON property value (docs/queries.md): strings as
  // they are, integers in decimal, doubles in shortest form without a trailing
  // ".0", booleans true/false, nested objects and arrays as compact JSON.
  await duckQuery(`CREATE MACRO ptext(j, p) AS CASE json_type(j, p)
  WHEN 'VARCHAR' THEN json_extract_string(j, p)
  WHEN 'BIGINT' THEN json_extract_string(j, p)
  WHEN 'UBIGINT' THEN json_extract_string(j, p)
  WHEN 'BOOLEAN' THEN json_extract_string(j, p)
  WHEN 'DOUBLE' THEN regexp_replace(CAST(CAST(json_extract(j, p) AS DOUBLE) AS VARCHAR), '\\.0$', '')
  WHEN 'ARRAY' THEN CAST(json_extract(j, p) AS VARCHAR)
  WHEN 'OBJECT' THEN CAST(json_extract(j, p) AS VARCHAR)
  ELSE NULL END`, conn);
}

export const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

// The SQL condition of an audience leaf's range (docs/queries.md "Audiences"):
// a date is its whole local day, a timestamp without an offset a local time,
// one with Z or an offset an instant; `to` inclusive. `local` is the SQL of
// the event's local time in the request's zone; `time` is epoch ms.
export function audienceRangeSql(l, local) {
  const hasOffset = (s) => /(Z|[+-]\d{2}:\d{2})$/.test(s);
  const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s);
  const conds = [];
  if (isDate(l.from)) conds.push(`${local} >= TIMESTAMP ${sqlString(l.from)}`);
  else if (hasOffset(l.from)) conds.push(`time >= ${Date.parse(l.from)}`);
  else conds.push(`${local} >= TIMESTAMP ${sqlString(l.from.replace('T', ' '))}`);
  if (isDate(l.to)) conds.push(`${local} < (DATE ${sqlString(l.to)} + 1)::TIMESTAMP`);
  else if (hasOffset(l.to)) conds.push(`time <= ${Date.parse(l.to)}`);
  else conds.push(`${local} <= TIMESTAMP ${sqlString(l.to.replace('T', ' '))}`);
  return `(${conds.join(' AND ')})`;
}
function propExpr(p) {
  const ref = typeof p === 'string' ? { property: p } : p;
  const path = sqlString(`$."${ref.property}"`);
  if (ref.type === 'user') return `ptext(user_properties, ${path})`;
  if (ref.property === 'user_id') return `nullif(user_id, '')`;
  if (ref.property === 'device_id') return `nullif(device_id, '')`;
  if (ref.property === 'event_type') return `event_type`;
  // A top-level field when the event has it, else the event property.
  if (ref.property === 'platform' || ref.property === 'country')
    return `coalesce(${ref.property}, ptext(event_properties, ${path}))`;
  return `ptext(event_properties, ${path})`;
}
function valueText(v) {
  return typeof v === 'number' ? String(v) : String(v);
}
// The number a text holds (docs/queries.md "Filters"): JSON's number
// grammar, finite; NULL for anything else.
function numExpr(e) {
  return `(CASE WHEN regexp_full_match(${e}, '-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?')
    AND isfinite(TRY_CAST(${e} AS DOUBLE)) THEN TRY_CAST(${e} AS DOUBLE) END)`;
}
// A filter item: a leaf, or {and: [...]} / {or: [...]}.
function filterExpr(f) {
  if (f.and) return `(${f.and.map(filterExpr).join(' AND ')})`;
  if (f.or) return `(${f.or.map(filterExpr).join(' OR ')})`;
  const e = propExpr(f);
  const values = f.values ?? [];
  const list = values.map((v) => sqlString(valueText(v))).join(', ');
  const anyContains = values.map((v) => `contains(${e}, ${sqlString(valueText(v))})`).join(' OR ');
  const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
  switch (f.op) {
    case 'is': return values.length ? `(${e} IS NOT NULL AND ${e} IN (${list}))` : 'FALSE';
    case 'is_not': return values.length ? `(${e} IS NULL OR ${e} NOT IN (${list}))` : 'TRUE';
    case 'contains': return values.length ? `(${e} IS NOT NULL AND (${anyContains}))` : 'FALSE';
    case 'does_not_contain': return values.length ? `(${e} IS NULL OR NOT (${anyContains}))` : 'TRUE';
    case 'set': return `(${e} IS NOT NULL)`;
    case 'not_set': return `(${e} IS NULL)`;
    default: return `coalesce(${numExpr(e)} ${cmp} CAST(${sqlString(String(values[0]))} AS DOUBLE), FALSE)`;
  }
}
// A bound: a plain date, a timestamp with Z/offset (an instant) or without
// (local wall-clock time).
function bound(text, isTo) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return isTo ? { local: `(DATE ${sqlString(text)} + 1)::TIMESTAMP`, exclusive: true } : { local: `TIMESTAMP ${sqlString(text)}` };
  }
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) return { instantMs: Date.parse(text) };
  return { local: `TIMESTAMP ${sqlString(text.replace('T', ' '))}` };
}
const FMT = { hour: '%Y-%m-%dT%H:00', day: '%Y-%m-%d', week: '%Y-%m-%d', month: '%Y-%m-%d' };

// The expected chart of req over table (columns of readEventsSql plus ukey,
// the user key), as {series: [{event, group, points: [{t, value}]}]}.
export async function expectedChart(conn, req, table = 'ev') {
  return (await expectedCharts(conn, req, table, null)).get(0);
}

const WINDOW_DAYS = { dau: 1, wau: 7, mau: 30 };
const NUMERIC = ['sum', 'avg', 'min', 'max'];

// Neumaier's compensated sum, as docs/queries.md says sums are kept.
function nsum(xs) {
  let s = 0, c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}
const bytes = (s) => Buffer.from(s ?? '', 'utf8');
function compareGroups(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = Buffer.compare(bytes(a[i]), bytes(b[i]));
    if (c) return c;
  }
  return 0;
}

// The expected charts of req over the events of table with seq < n, for
// each n of prefixes (null: all events, returned under 0), as a Map n ->
// chart. One query for all prefixes (two with an "(other)" series): each
// event counts in every prefix that holds it.
export async function expectedCharts(conn, req, table, prefixes) {
  const tz = req.timezone ?? 'UTC';
  const iv = req.interval ?? 'day';
  const metric = req.metric ?? 'totals';
  const events = req.events ?? [req.event];
  const groups = req.group_by === undefined || req.group_by === null ? []
    : Array.isArray(req.group_by) ? req.group_by : [req.group_by];
  const window = WINDOW_DAYS[metric] ?? 0;
  const lt = `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ)`;
  const from = bound(req.from, false);
  const to = bound(req.to, true);
  // Active users read from window - 1 days before `from`: calendar days of a
  // local bound, 24-hour days of an instant.
  const back = Math.max(0, window - 1);
  const scanFrom = from.instantMs !== undefined ? `time >= ${from.instantMs - back * 86400000}`
    : `${lt} >= ${from.local} - INTERVAL ${back} DAY`;
  const toCond = to.instantMs !== undefined ? `time <= ${to.instantMs}`
    : to.exclusive ? `${lt} < ${to.local}` : `${lt} <= ${to.local}`;
  const gExpr = (i) => i < groups.length ? `coalesce(${propExpr(groups[i])}, '(none)')` : `''`;
  const num = NUMERIC.includes(metric) ? numExpr(propExpr(req.property)) : 'NULL::DOUBLE';
  const join = prefixes === null ? '' : `JOIN (SELECT unnest([${prefixes.join(',')}]::BIGINT[]) AS n) cp ON seq < cp.n`;
  const base = events.map((ev, i) => {
    const conds = [scanFrom, toCond];
    if (ev.name !== '_all') conds.push(`event_type = ${sqlString(ev.name)}`);
    for (const f of ev.filters ?? []) conds.push(filterExpr(f));
    return `SELECT ${i} AS e, ${prefixes === null ? '0' : 'cp.n'} AS n, ${lt} AS lt, ${gExpr(0)} AS g1, ${gExpr(1)} AS g2,
      ukey, ${num} AS num FROM ${table} ${join} WHERE ${conds.join(' AND ')}`;
  }).join('\nUNION ALL\n');

  // Every bucket from the one holding the first instant to the one holding
  // the last, in local time.
  const localOf = (b) => b.instantMs !== undefined
    ? `timezone(${sqlString(tz)}, epoch_ms(${b.instantMs})::TIMESTAMPTZ)` : b.local;
  const first = `date_trunc('${iv}', ${localOf(from)})`;
  const last = `date_trunc('${iv}', ${localOf(to)}${to.exclusive ? " - INTERVAL 1 millisecond" : ''})`;
  const labels = (await duckQuery(`SELECT strftime(ts, '${FMT[iv]}') AS t
    FROM generate_series(${first}, ${last}, INTERVAL 1 ${iv}) AS s(ts) ORDER BY ts`, conn)).map((r) => r.t);

  // Per (prefix, event, group, bucket): the metric's ingredients. `mapping`
  // relabels the groups merged into "(other)".
  async function points(mapping) {
    let src = `(${base})`;
    if (mapping.length) {
      const vals = mapping.map(([n, e, g1, g2]) => `(${n}, ${e}, ${sqlString(g1)}, ${sqlString(g2)})`).join(',');
      src = `(SELECT b.e, b.n, b.lt, b.ukey, b.num,
          CASE WHEN o.e IS NULL THEN b.g1 ELSE '(other)' END AS g1,
          CASE WHEN o.e IS NULL OR ${groups.length < 2} THEN b.g2 ELSE '(other)' END AS g2
        FROM (${base}) b
        LEFT JOIN (VALUES ${vals}) o(n, e, g1, g2) ON b.n = o.n AND b.e = o.e AND b.g1 = o.g1 AND b.g2 = o.g2)`;
    }
    if (window) {
      // Day d counts the users active on local days d - window + 1 .. d.
      const days = labels.map((t) => `DATE ${sqlString(t)}`).join(',');
      return duckQuery(`SELECT b.n, b.e, b.g1, b.g2, strftime(L.d, '%Y-%m-%d') AS t, count(DISTINCT ukey) AS v
        FROM ${src} b JOIN (SELECT unnest([${days}]) AS d) L
          ON CAST(b.lt AS DATE) BETWEEN L.d - ${window - 1} AND L.d
        GROUP BY ALL`, conn);
    }
    return duckQuery(`SELECT n, e, g1, g2, strftime(date_trunc('${iv}', lt), '${FMT[iv]}') AS t,
        count(*) AS totals, count(DISTINCT ukey) AS uniques, fsum(num) AS s, count(num) AS c,
        min(num) AS mn, max(num) AS mx
      FROM ${src} GROUP BY ALL`, conn);
  }
  const value = (r) => {
    if (window) return Number(r.v);
    const c = Number(r.c);
    switch (metric) {
      case 'totals': return Number(r.totals);
      case 'uniques': return Number(r.uniques);
      case 'sum': return c ? Number(r.s) : 0;
      case 'avg': return c ? Number(r.s) / c : null;
      case 'min': return c ? Number(r.mn) : null;
      case 'max': return c ? Number(r.mx) : null;
      case 'per_user_avg': return Number(r.uniques) ? Number(r.totals) / Number(r.uniques) : null;
    }
    throw new Error(`unknown metric ${metric}`);
  };
  const empty = ['avg', 'min', 'max', 'per_user_avg'].includes(metric) ? null : 0;
  // Series per prefix and event: Map n -> [Map key -> {e, group, values}].
  function build(rows) {
    const out = new Map();
    for (const n of prefixes ?? [0]) out.set(n, events.map(() => new Map()));
    for (const r of rows) {
      const n = Number(r.n);
      const e = Number(r.e);
      const key = JSON.stringify([r.g1, r.g2]);
      const m = out.get(n)[e];
      if (!m.has(key)) m.set(key, { g1: r.g1, g2: r.g2, values: new Map() });
      m.get(key).values.set(r.t, value(r));
    }
    return out;
  }
  const series = (s) => {
    const pts = labels.map((t) => ({ t, value: s.values.has(t) ? s.values.get(t) : empty }));
    const group = [s.g1, s.g2].slice(0, groups.length);
    return { group, points: pts, total: nsum(pts.filter((p) => p.value !== null).map((p) => p.value)) };
  };
  const order = (a, b) => (b.total - a.total) || compareGroups(a.group, b.group);
  let built = build(await points([]));
  if (req.limit) {
    const mapping = [];
    for (const [n, perEvent] of built) {
      perEvent.forEach((m, e) => {
        const all = [...m.values()].map(series).sort(order);
        if (all.length <= req.limit) return;
        for (const s of all.slice(req.limit)) mapping.push([n, e, s.group[0], s.group[1] ?? '']);
      });
    }
    if (mapping.length) built = build(await points(mapping));
  }
  const out = new Map();
  for (const [n, perEvent] of built) {
    const chart = [];
    perEvent.forEach((m, e) => {
      let all = [...m.values()].map(series);
      if (!groups.length && all.length === 0) all = [series({ g1: '', g2: '', values: new Map() })];
      all.sort(order);
      for (const s of all) {
        const group = !groups.length ? null : Array.isArray(req.group_by) ? s.group : s.group[0];
        chart.push({ event: events[e].name, group, points: s.points });
      }
    });
    out.set(n, { series: chart });
  }
  return out;
}

// The expected GET /api/v1/events answer's list over table.
export async function expectedNames(conn, table = 'ev') {
  const rows = await duckQuery(`SELECT event_type AS name, count(*) AS totals, count(DISTINCT ukey) AS users
    FROM ${table} GROUP BY 1`, conn);
  const want = rows.map((r) => ({ name: r.name, totals: Number(r.totals), users: Number(r.users) }));
  want.sort((a, b) => (b.totals - a.totals) || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return want;
}

// Compares Swell's chart a with DuckDB's b point by point; non-integral
// values (sums, averages) to 1e-9 relative. Returns {error: message} at the
// first difference, else {points, nonzero}.
export function compareChart(a, b, where) {
  let points = 0, nonzero = 0;
  a = a.series;
  b = b.series;
  const label = (s) => `${s.event ?? ''}:${JSON.stringify(s.group)}`;
  const same = (x, y) => x === y || (typeof x === 'number' && typeof y === 'number' &&
    Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)));
  if (a.length !== b.length)
    return { error: `${where}\n  series count: swell ${a.length} [${a.map(label)}], duckdb ${b.length} [${b.map(label)}]` };
  for (let s = 0; s < b.length; s++) {
    if (JSON.stringify(a[s].group) !== JSON.stringify(b[s].group) || (b[s].event !== undefined && a[s].event !== b[s].event))
      return { error: `${where}\n  series ${s}: swell ${label(a[s])}, duckdb ${label(b[s])}` +
        `\n  swell:  [${a.map(label)}]\n  duckdb: [${b.map(label)}]` };
    if (a[s].points.length !== b[s].points.length)
      return { error: `${where}\n  group ${JSON.stringify(b[s].group)}: swell ${a[s].points.length} points, duckdb ${b[s].points.length}` +
        `\n  swell first/last ${JSON.stringify(a[s].points[0])} ${JSON.stringify(a[s].points.at(-1))}` +
        `\n  duckdb first/last ${JSON.stringify(b[s].points[0])} ${JSON.stringify(b[s].points.at(-1))}` };
    for (let p = 0; p < b[s].points.length; p++) {
      const x = a[s].points[p], y = b[s].points[p];
      if (x.t !== y.t || !same(x.value, y.value))
        return { error: `${where}\n  ${label(b[s])} point ${p}: swell ${JSON.stringify(x)}, duckdb ${JSON.stringify(y)}` };
      points++;
      if (y.value) nonzero++;
    }
  }
  return { points, nonzero };
}
