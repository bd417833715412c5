// The benchmark's query catalog: every query type, as a Swell request and the
// equivalent DuckDB SQL, with a parser of each answer into a map
// "group|time" -> number, so answers are compared point by point.
//
// To plug in a query type when Swell gains it: fill in `swell` (the request)
// and `parseSwell` (its answer) of the entry below. An entry whose `swell` is
// null, or whose endpoint answers 404, is reported "not yet implemented" and
// only DuckDB is timed.
//
// ctx: { from, to }            inclusive dates 'YYYY-MM-DD' of the data set
//      { fromTs, toTs }         the same range as SQL timestamps, toTs exclusive
//      { src }                  the DuckDB relation: read_parquet('...') or a table
import { toNumber } from './lib/common.mjs';

// The user an event counts for (docs/queries.md): "u:" + user_id, else "d:" + device_id.
const USER_KEY = `coalesce('u:' || user_id, 'd:' || device_id)`;
const IN_RANGE = (ctx) => `time >= TIMESTAMP '${ctx.fromTs}' AND time < TIMESTAMP '${ctx.toTs}'`;

// A segmentation answer {"series": [{"group", "points": [{"t", "value"}]}]}.
// Without group_by every series is folded into one group "*".
function parseSegmentation(grouped) {
  return (json) => {
    const m = new Map();
    for (const s of json.series || []) {
      const g = grouped ? String(s.group ?? '(none)') : '*';
      for (const p of s.points || []) {
        const key = `${g}|${String(p.t).slice(0, 10)}`;
        m.set(key, (m.get(key) ?? 0) + toNumber(p.value));
      }
    }
    return m;
  };
}
function rowsToMap(rows, keyOf, valueOf = (r) => toNumber(r.v)) {
  const m = new Map();
  for (const r of rows) m.set(keyOf(r), valueOf(r));
  return m;
}

// groupBy: a column name, or {property, type: 'user'} for a user property
// (in DuckDB every property is a flattened column of the same name).
function segmentation({ id, title, event, filters = [], metric, groupBy, interval = 'day', target }) {
  const where = event === '_all' ? ['TRUE'] : [`event_type = '${event}'`];
  for (const f of filters) where.push(`${f.property} IN (${f.values.map((v) => `'${v}'`).join(', ')})`);
  const agg = metric === 'uniques' ? `count(DISTINCT ${USER_KEY})` : 'count(*)';
  const groupColumn = typeof groupBy === 'object' ? groupBy?.property : groupBy;
  const group = groupColumn ? `coalesce(${groupColumn}, '(none)')` : `'*'`;
  return {
    id,
    title,
    kind: 'segmentation',
    target,
    swell: (ctx) => ({
      method: 'POST',
      path: '/api/v1/segmentation',
      body: {
        event: { name: event, filters: filters.map((f) => ({ property: f.property, op: 'is', values: f.values })) },
        metric,
        from: ctx.from,
        to: ctx.to,
        interval,
        ...(groupBy ? { group_by: groupBy } : {}),
        timezone: 'UTC',
      },
    }),
    parseSwell: parseSegmentation(Boolean(groupBy)),
    duck: (ctx) =>
      `SELECT ${group} AS g, strftime(date_trunc('${interval}', time), '%Y-%m-%d') AS t, ${agg} AS v
       FROM ${ctx.src} WHERE ${where.join(' AND ')} AND ${IN_RANGE(ctx)} GROUP BY ALL`,
    parseDuck: (rows) => rowsToMap(rows, (r) => `${r.g}|${r.t}`),
  };
}

export const QUERIES = [
  segmentation({
    id: 'seg_uniques_day_country',
    title: 'Segmentation: unique users per day of view_item, platform is iOS, grouped by country',
    event: 'view_item',
    filters: [{ property: 'platform', values: ['iOS'] }],
    metric: 'uniques',
    groupBy: 'country',
    target: { faster: 10, duckdb_reference_ms: 140 },
  }),
  segmentation({
    id: 'seg_dau_all_plan',
    title: 'Segmentation: daily active users (any event) grouped by plan (a user property)',
    event: '_all',
    metric: 'uniques',
    groupBy: { property: 'plan', type: 'user' },
    target: { faster: 10 },
  }),
  segmentation({
    id: 'seg_totals_day',
    title: 'Segmentation: purchase totals per day',
    event: 'purchase',
    metric: 'totals',
    target: { faster: 10 },
  }),
  segmentation({
    id: 'seg_uniques_day_platform',
    title: 'Segmentation: unique users per day of session_start (DAU) grouped by platform',
    event: 'session_start',
    metric: 'uniques',
    groupBy: 'platform',
    target: { faster: 10 },
  }),
  {
    id: 'event_list',
    title: 'Event list: event names with counts (GET /api/v1/events)',
    kind: 'events',
    swell: () => ({ method: 'GET', path: '/api/v1/events' }),
    // {"events": [{"name", "totals", "users"}]}: both counts are checked.
    parseSwell: (json) => {
      const m = new Map();
      for (const it of json.events || []) {
        m.set(`${it.name}|totals`, toNumber(it.totals));
        if (it.users !== undefined) m.set(`${it.name}|users`, toNumber(it.users));
      }
      return m;
    },
    duck: (ctx) =>
      `SELECT event_type AS k, count(*) AS totals, count(DISTINCT ${USER_KEY}) AS users FROM ${ctx.src} GROUP BY ALL`,
    parseDuck: (rows) => {
      const m = new Map();
      for (const r of rows) {
        m.set(`${r.k}|totals`, toNumber(r.totals));
        m.set(`${r.k}|users`, toNumber(r.users));
      }
      return m;
    },
    target: null,
  },
  {
    // Amplitude's rule: each user counted once along the furthest path, every
    // view_item a candidate entry, the window rolling from the entry (1 day),
    // steps in this order. Greedy: the earliest next step after each entry.
    id: 'funnel_3step',
    title: 'Funnel: view_item -> add_to_cart -> purchase, 1-day window, unique users per step',
    kind: 'funnel',
    swell: null,  // not yet implemented (POST /api/v1/funnel)
    parseSwell: null,
    duck: (ctx) => `
      WITH e AS (SELECT ${USER_KEY} AS u, event_type, time FROM ${ctx.src}
                 WHERE event_type IN ('view_item', 'add_to_cart', 'purchase') AND ${IN_RANGE(ctx)}),
      s1 AS (SELECT u, time AS t1 FROM e WHERE event_type = 'view_item'),
      s2 AS (SELECT u, time AS t2 FROM e WHERE event_type = 'add_to_cart'),
      s3 AS (SELECT u, time AS t3 FROM e WHERE event_type = 'purchase'),
      a AS (SELECT s1.u, s1.t1, s2.t2 FROM s1 ASOF LEFT JOIN s2 ON s1.u = s2.u AND s2.t2 > s1.t1),
      b AS (SELECT a.u, a.t1, CASE WHEN a.t2 <= a.t1 + INTERVAL 1 DAY THEN a.t2 END AS t2 FROM a),
      c AS (SELECT b.u, b.t1, b.t2, s3.t3 FROM b ASOF LEFT JOIN s3 ON b.u = s3.u AND s3.t3 > b.t2),
      lvl AS (SELECT u, max(1 + (t2 IS NOT NULL)::INT + (t2 IS NOT NULL AND t3 <= t1 + INTERVAL 1 DAY)::INT) AS l
              FROM c GROUP BY u)
      SELECT count(*) FILTER (l >= 1) AS s1, count(*) FILTER (l >= 2) AS s2, count(*) FILTER (l >= 3) AS s3 FROM lvl`,
    parseDuck: (rows) => new Map([['step1', toNumber(rows[0].s1)], ['step2', toNumber(rows[0].s2)], ['step3', toNumber(rows[0].s3)]]),
    target: { faster: 5, duckdb_reference_ms: 270 },
  },
  {
    // Cohort: the first day a user did session_start in the range; value on
    // day N: cohort users who did session_start on calendar day cohort+N (UTC).
    id: 'retention_14d',
    title: 'Retention: 14-day N-day, start and return event session_start, per cohort day',
    kind: 'retention',
    swell: null,  // not yet implemented (POST /api/v1/retention)
    parseSwell: null,
    duck: (ctx) => `
      WITH a AS (SELECT DISTINCT ${USER_KEY} AS u, date_trunc('day', time) AS d FROM ${ctx.src}
                 WHERE event_type = 'session_start' AND ${IN_RANGE(ctx)}),
      c AS (SELECT u, min(d) AS c FROM a GROUP BY u)
      SELECT strftime(c.c, '%Y-%m-%d') AS cohort, datediff('day', c.c, a.d) AS n, count(*) AS v
      FROM c JOIN a USING (u) WHERE a.d <= c.c + INTERVAL 14 DAY GROUP BY ALL`,
    parseDuck: (rows) => rowsToMap(rows, (r) => `${r.cohort}|${toNumber(r.n)}`),
    target: { faster: 10, duckdb_reference_ms: 1300 },
  },
  {
    // (view_item with platform = iOS) AND add_to_cart AND NOT purchase, over the range.
    id: 'audience_3leaf',
    title: 'Audience: (view_item where platform = iOS) AND add_to_cart AND NOT purchase, user count',
    kind: 'audience',
    swell: (ctx) => {
      const leaf = (extra) => ({ from: ctx.from, to: ctx.to, ...extra });
      return {
        method: 'POST',
        path: '/api/v1/audience',
        body: {
          tree: { op: 'and', children: [
            leaf({ event: 'view_item', property: 'platform', value: 'iOS' }),
            leaf({ event: 'add_to_cart' }),
            { op: 'not', children: [leaf({ event: 'purchase' })] },
          ] },
          timezone: 'UTC',
        },
      };
    },
    parseSwell: (json) => new Map([['users', json.count]]),
    duck: (ctx) => `
      SELECT count(*) AS v FROM (
        SELECT ${USER_KEY} AS u,
               bool_or(event_type = 'view_item' AND platform = 'iOS') AS a,
               bool_or(event_type = 'add_to_cart') AS b,
               bool_or(event_type = 'purchase') AS c
        FROM ${ctx.src} WHERE event_type IN ('view_item', 'add_to_cart', 'purchase') AND ${IN_RANGE(ctx)}
        GROUP BY ALL) WHERE a AND b AND NOT c`,
    parseDuck: (rows) => new Map([['users', toNumber(rows[0].v)]]),
    target: { faster: 10, duckdb_reference_ms: 160 },
  },
];
