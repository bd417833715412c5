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
const PRICES = [5, 19.99, 0.5, -7, 100, '@@3.0@@', '@@2.50@@', 0.1, 1234567, '19.99'];

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
  // Errors the service must refuse.
  const errors = [
    { event: { name: 'open' }, from: '2026-03-09', to: '2026-03-08', interval: 'day' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', interval: 'day', timezone: 'Mars/Base' },
    { event: { name: 'open' }, from: '2026-03-01', to: '2026-03-08', interval: 'fortnight' },
    { event: { name: 'open', filters: [{ property: 'x', op: 'contains!', values: [] }] }, from: '2026-03-01', to: '2026-03-08' },
  ];
  return { requests, errors };
}

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
function filterExpr(f) {
  const e = propExpr(f);
  const list = f.values.map((v) => sqlString(valueText(v))).join(', ');
  if (f.op === 'is') return f.values.length ? `(${e} IS NOT NULL AND ${e} IN (${list}))` : 'FALSE';
  return f.values.length ? `(${e} IS NULL OR ${e} NOT IN (${list}))` : 'TRUE';
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
// the user key), as {series: [{group, points: [{t, value}]}]}.
export async function expectedChart(conn, req, table = 'ev') {
  return (await expectedCharts(conn, req, table, null)).get(0);
}

// The expected charts of req over the events of table with seq < n, for
// each n of prefixes (null: all events, returned under 0), as a Map n ->
// chart. One query for all prefixes: each event counts in every prefix
// that holds it.
export async function expectedCharts(conn, req, table, prefixes) {
  const tz = req.timezone ?? 'UTC';
  const iv = req.interval;
  const lt = `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ)`;
  const from = bound(req.from, false);
  const to = bound(req.to, true);
  const conds = [];
  if (req.event.name !== '_all') conds.push(`event_type = ${sqlString(req.event.name)}`);
  conds.push(from.instantMs !== undefined ? `time >= ${from.instantMs}` : `${lt} >= ${from.local}`);
  if (to.instantMs !== undefined) conds.push(`time <= ${to.instantMs}`);
  else conds.push(to.exclusive ? `${lt} < ${to.local}` : `${lt} <= ${to.local}`);
  for (const f of req.event.filters ?? []) conds.push(filterExpr(f));
  const group = req.group_by ? `coalesce(${propExpr(req.group_by)}, '(none)')` : `'(all)'`;
  const tExpr = `strftime(date_trunc('${iv}', ${lt}), '${FMT[iv]}')`;
  const rows = prefixes === null
    ? await duckQuery(`SELECT 0 AS n, ${tExpr} AS t, ${group} AS g,
      count(*) AS totals, count(DISTINCT ukey) AS uniques
    FROM ${table} WHERE ${conds.join(' AND ')} GROUP BY ALL`, conn)
    : await duckQuery(`SELECT cp.n AS n, t, g, count(*) AS totals, count(DISTINCT ukey) AS uniques
    FROM (SELECT seq, ${tExpr} AS t, ${group} AS g, ukey FROM ${table} WHERE ${conds.join(' AND ')}) e
      JOIN (SELECT unnest([${prefixes.join(',')}]::BIGINT[]) AS n) cp ON e.seq < cp.n
    GROUP BY ALL`, conn);
  // Every bucket from the one holding the first instant to the one holding
  // the last, in local time.
  const localOf = (b) => b.instantMs !== undefined
    ? `timezone(${sqlString(tz)}, epoch_ms(${b.instantMs})::TIMESTAMPTZ)` : b.local;
  const first = `date_trunc('${iv}', ${localOf(from)})`;
  const last = `date_trunc('${iv}', ${localOf(to)}${to.exclusive ? " - INTERVAL 1 millisecond" : ''})`;
  const labels = (await duckQuery(`SELECT strftime(ts, '${FMT[iv]}') AS t
    FROM generate_series(${first}, ${last}, INTERVAL 1 ${iv}) AS s(ts) ORDER BY ts`, conn)).map((r) => r.t);
  const out = new Map();
  for (const n of prefixes ?? [0]) {
    const groups = new Map();
    for (const r of rows) {
      if (Number(r.n) !== n) continue;
      if (!groups.has(r.g)) groups.set(r.g, new Map());
      groups.get(r.g).set(r.t, Number(req.metric === 'uniques' ? r.uniques : r.totals));
    }
    if (!req.group_by && groups.size === 0) groups.set('(all)', new Map());
    const series = [...groups.entries()].map(([g, m]) => {
      const points = labels.map((t) => ({ t, value: m.get(t) ?? 0 }));
      return { group: req.group_by ? g : null, points, total: points.reduce((a, p) => a + p.value, 0) };
    });
    const bytes = (s) => Buffer.from(s ?? '', 'utf8');
    series.sort((a, b) => (b.total - a.total) || Buffer.compare(bytes(a.group), bytes(b.group)));
    out.set(n, { series: series.map(({ group, points }) => ({ group, points })) });
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

// Compares Swell's chart a with DuckDB's b point by point. Returns
// {error: message} at the first difference, else {points, nonzero}.
export function compareChart(a, b, where) {
  let points = 0, nonzero = 0;
  a = a.series;
  b = b.series;
  if (a.length !== b.length)
    return { error: `${where}\n  series count: swell ${a.length} [${a.map((s) => s.group)}], duckdb ${b.length} [${b.map((s) => s.group)}]` };
  for (let s = 0; s < b.length; s++) {
    if (a[s].group !== b[s].group)
      return { error: `${where}\n  series ${s}: swell group ${JSON.stringify(a[s].group)}, duckdb ${JSON.stringify(b[s].group)}` };
    if (a[s].points.length !== b[s].points.length)
      return { error: `${where}\n  group ${JSON.stringify(b[s].group)}: swell ${a[s].points.length} points, duckdb ${b[s].points.length}` +
        `\n  swell first/last ${JSON.stringify(a[s].points[0])} ${JSON.stringify(a[s].points.at(-1))}` +
        `\n  duckdb first/last ${JSON.stringify(b[s].points[0])} ${JSON.stringify(b[s].points.at(-1))}` };
    for (let p = 0; p < b[s].points.length; p++) {
      const x = a[s].points[p], y = b[s].points[p];
      if (x.t !== y.t || x.value !== y.value)
        return { error: `${where}\n  group ${JSON.stringify(b[s].group)} point ${p}: swell ${JSON.stringify(x)}, duckdb ${JSON.stringify(y)}` };
      points++;
      if (y.value) nonzero++;
    }
  }
  return { points, nonzero };
}
