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

// SQL for a list of filters ({property, values}: op `is`, text compare; in
// DuckDB every property is a flattened column of the same name, NULL when absent).
const filterSql = (filters = []) =>
  filters.map((f) => ` AND ${f.property} IN (${f.values.map((v) => `'${v}'`).join(', ')})`).join('');
const requestFilters = (filters = []) => filters.map((f) => ({ property: f.property, op: 'is', values: f.values }));
// The column a property names, "(none)" when absent (the grouping rule).
const groupSql = (groupBy) => `coalesce(${typeof groupBy === 'object' ? groupBy.property : groupBy}, '(none)')`;
const addDay = (ymd) => {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

// A funnel, order `this` (docs/queries.md "Funnels"). The SQL relies on the
// step event names being distinct (checked here): then an event fills at most
// one step, and for each entry x1 the greedy chain (the earliest step-2 event
// at or after x1 — the same millisecond counts, and the generator does emit
// steps in one millisecond —, then the earliest step-3 event at or after that,
// ...) reaches as far as any chain from x1 and has, at every step k, the
// smallest t(xk) - t(x1). Those chains come from window functions over each
// user's step events sorted by time (one pass per step after the first; a
// RANGE frame from the current row includes its same-millisecond peers), not
// from a join of every pair. Per user: the furthest step over the entries, and
// per step the smallest time to convert; then users per step, median (SQL's,
// the mean of the middle two) and mean over users. Entries lie in the range;
// later steps may fall up to W after it. With groupBy, a user counts in the
// group of each entry (the property at x1), and the whole funnel ('*') counts
// each user once. (A DuckDB trap met on the way: an ASOF LEFT JOIN whose
// left-side time is NULL still matches a row, so ASOF chains need a guard.)
function funnel({ id, title, steps, window, windowMs, groupBy, target }) {
  const names = steps.map((s) => s.event);
  if (new Set(names).size !== names.length || names.includes('_all'))
    throw new Error(`${id}: the funnel SQL needs distinct step event names`);
  const K = steps.length;
  const W = windowMs;
  return {
    id,
    title,
    kind: 'funnel',
    target,
    tolerance: 1e-9,  // relative: exact for counts, rounding for the mean time to convert
    swell: (ctx) => ({
      method: 'POST',
      path: '/api/v1/funnel',
      body: {
        steps: steps.map((s) => ({ event: s.event, ...(s.filters ? { filters: requestFilters(s.filters) } : {}) })),
        from: ctx.from,
        to: ctx.to,
        timezone: 'UTC',
        window,
        order: 'this',
        ...(groupBy ? { group_by: groupBy } : {}),
      },
    }),
    // {"steps": [{"users", "median_ms", "avg_ms", ...}], "groups": [{"group", "steps"}]}
    parseSwell: (json) => {
      const m = new Map();
      const put = (g, ss) =>
        (ss || []).forEach((st, i) => {
          m.set(`${g}|step${i + 1}|users`, toNumber(st.users));
          if (i > 0 && st.median_ms !== null && st.median_ms !== undefined) m.set(`${g}|step${i + 1}|median_ms`, toNumber(st.median_ms));
          if (i > 0 && st.avg_ms !== null && st.avg_ms !== undefined) m.set(`${g}|step${i + 1}|avg_ms`, toNumber(st.avg_ms));
        });
      put('*', json.steps);
      if (groupBy) for (const g of json.groups || []) put(String(g.group ?? '(none)'), g.steps);
      return m;
    },
    duck: (ctx) => {
      const end = `TIMESTAMP '${ctx.toTs}'`;
      const stepOf = steps.map((s, i) => `WHEN event_type = '${s.event}'${filterSql(s.filters)} THEN ${i + 1}`).join(' ');
      const frame = 'WINDOW f AS (PARTITION BY u ORDER BY ms RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)';
      // Pass K: n<K> = the first step-K time at or after each row (peers in the same ms included).
      // Pass k < K: the chain of the first step-k event at or after each row: its time and the
      // times it leads to (taken from that event's row of the previous pass).
      const ctes = [
        `e AS (SELECT u, ms, k${groupBy ? ', g' : ''} FROM (
               SELECT ${USER_KEY} AS u, epoch_ms(time) AS ms, CASE ${stepOf} END AS k${groupBy ? `, ${groupSql(groupBy)} AS g` : ''}
               FROM ${ctx.src}
               WHERE event_type IN (${names.map((x) => `'${x}'`).join(', ')})
                 AND time >= TIMESTAMP '${ctx.fromTs}' AND time < ${end} + INTERVAL ${W} MILLISECOND)
             WHERE k IS NOT NULL)`,
        `p${K} AS (SELECT *, min(ms) FILTER (k = ${K}) OVER f AS n${K} FROM e ${frame})`,
      ];
      for (let j = K - 1; j >= 2; j--) {
        const carry = [`first(CASE WHEN k = ${j} THEN ms END IGNORE NULLS) OVER f AS n${j}`];
        for (let i = j + 1; i <= K; i++) carry.push(`first(CASE WHEN k = ${j} THEN n${i} END IGNORE NULLS) OVER f AS n${i}`);
        ctes.push(`p${j} AS (SELECT u, ms, k${groupBy ? ', g' : ''}, ${carry.join(', ')} FROM p${j + 1} ${frame})`);
      }
      // Entries: step-1 events in the range; the chain reaches step i while t_i <= t1 + W
      // (the times of a chain never decrease, so the reached steps are a prefix).
      const reached = (i) => `n${i} <= ms + ${W}`;
      const level = `1 + ${Array.from({ length: K - 1 }, (_, i) => `coalesce(${reached(i + 2)}, FALSE)::INT`).join(' + ')}`;
      const mins = Array.from({ length: K - 1 }, (_, i) => `min(n${i + 2} - ms) FILTER (${reached(i + 2)}) AS d${i + 2}`).join(', ');
      ctes.push(`ug AS (SELECT u, ${groupBy ? 'g' : 'NULL AS g'}, max(${level}) AS l, ${mins}
              FROM p2 WHERE k = 1 AND ms < epoch_ms(${end}) GROUP BY ALL)`);
      const dcols = Array.from({ length: K - 1 }, (_, i) => `d${i + 2}`);
      let users = 'ug';
      if (groupBy) {
        ctes.push(`uo AS (SELECT u, '*' AS g, max(l) AS l, ${dcols.map((d) => `min(${d}) AS ${d}`).join(', ')} FROM ug GROUP BY u)`);
        users = '(SELECT * FROM ug UNION ALL SELECT * FROM uo)';
      }
      const outs = ['count(*) AS s1'];
      for (let k = 2; k <= K; k++)
        outs.push(`count(*) FILTER (l >= ${k}) AS s${k}`, `quantile_cont(d${k}, 0.5) AS m${k}`, `avg(d${k}) AS a${k}`);
      return `WITH ${ctes.join(',\n      ')}
      SELECT coalesce(g, '*') AS g, ${outs.join(', ')} FROM ${users} GROUP BY ALL`;
    },
    // One line of the answer for the report: users per step and median time to convert.
    summary: (m) =>
      'users ' + names.map((x, i) => `${x} ${(m.get(`*|step${i + 1}|users`) ?? 0).toLocaleString('en-US')}` +
        (i && m.has(`*|step${i + 1}|median_ms`) ? ` (median ${(m.get(`*|step${i + 1}|median_ms`) / 1000).toFixed(1)} s)` : '')).join(' -> '),
    parseDuck: (rows) => {
      const m = new Map();
      for (const r of rows) {
        for (let k = 1; k <= K; k++) {
          m.set(`${r.g}|step${k}|users`, toNumber(r[`s${k}`]));
          if (k > 1 && r[`m${k}`] !== null) m.set(`${r.g}|step${k}|median_ms`, toNumber(r[`m${k}`]));
          if (k > 1 && r[`a${k}`] !== null) m.set(`${r.g}|step${k}|avg_ms`, toNumber(r[`a${k}`]));
        }
      }
      return m;
    },
  };
}

// Retention (docs/queries.md "Retention"), UTC, `calendar` days: a user's
// start is the first start event in the range, the cohort its day (Monday
// week); the period of a return event is the number of days (weeks) from the
// cohort's to the event's. Return events are not limited to the range (only
// those at or after `from` can follow a start). n_day: retained at N when a
// return event falls in period N; unbounded: in period N or any later one.
// Column 0 is the cohort's size. `overall` is checked too, with `as_of` the
// end of the range: a cohort's column N counts when cohort + (N + 1) periods
// <= as_of; column 0 counts every cohort.
function retention({ id, title, start, ret, mode = 'n_day', interval = 'day', periods = 14, target }) {
  const L = interval === 'week' ? 7 : 1;
  const match = (m) => (m.event === '_all' ? 'TRUE' : `event_type = '${m.event}'`) + filterSql(m.filters);
  const trunc = (col) => (interval === 'week' ? `date_trunc('week', ${col})::DATE` : `${col}::DATE`);
  const asOf = (ctx) => `${addDay(ctx.to)}T00:00:00Z`;
  // Adds the overall curve to a map of "cohort|N" -> retained.
  const addOverall = (m, asOfIso) => {
    const asOfMs = Date.parse(asOfIso);
    const cohorts = [...m.keys()].filter((k) => k.endsWith('|0')).map((k) => k.slice(0, -2));
    for (let n = 0; n <= periods; n++) {
      let users = 0, kept = 0;
      for (const c of cohorts) {
        if (n > 0 && Date.parse(`${c}T00:00:00Z`) + (n + 1) * L * 86400000 > asOfMs) continue;
        users += m.get(`${c}|0`);
        kept += m.get(`${c}|${n}`) ?? 0;
      }
      m.set(`overall|${n}|users`, users);
      m.set(`overall|${n}|retained`, kept);
    }
    return m;
  };
  let asOfUsed = null;
  return {
    id,
    title,
    kind: 'retention',
    target,
    swell: (ctx) => ({
      method: 'POST',
      path: '/api/v1/retention',
      body: {
        start: { event: start.event, ...(start.filters ? { filters: requestFilters(start.filters) } : {}) },
        return: { event: ret.event, ...(ret.filters ? { filters: requestFilters(ret.filters) } : {}) },
        from: ctx.from,
        to: ctx.to,
        timezone: 'UTC',
        mode,
        interval,
        periods,
        days: 'calendar',
        as_of: asOf(ctx),
      },
    }),
    // {"cohorts": [{"cohort", "users", "retained": [...]}], "overall": [{"column", "users", "retained"}]}
    parseSwell: (json) => {
      const m = new Map();
      for (const c of json.cohorts || []) {
        (c.retained || []).forEach((v, n) => m.set(`${c.cohort}|${n}`, toNumber(v)));
        if (toNumber(c.users) !== toNumber(c.retained?.[0])) m.set(`${c.cohort}|users`, toNumber(c.users));
      }
      for (const o of json.overall || []) {
        m.set(`overall|${o.column}|users`, toNumber(o.users));
        m.set(`overall|${o.column}|retained`, toNumber(o.retained));
      }
      return m;
    },
    duck: (ctx) => {
      asOfUsed = asOf(ctx);
      if (mode === 'n_day' && interval === 'day' && JSON.stringify(start) === JSON.stringify(ret)) {
        // Start and return the same: one scan of the user's active days; the cohort is the first
        // of them in the range (a window over the user's days, no self-join).
        return `WITH a AS (SELECT DISTINCT ${USER_KEY} AS u, time::DATE AS d FROM ${ctx.src}
                           WHERE ${match(start)} AND time >= TIMESTAMP '${ctx.fromTs}'),
        b AS (SELECT d, min(d) FILTER (d < DATE '${ctx.toTs}') OVER (PARTITION BY u) AS c FROM a)
        SELECT strftime(c, '%Y-%m-%d') AS cohort, datediff('day', c, d) AS n, count(*) AS v
        FROM b WHERE c IS NOT NULL AND d <= c + ${periods} GROUP BY ALL`;
      }
      const cohorts = `st AS (SELECT ${USER_KEY} AS u, ${trunc('min(time)')} AS c FROM ${ctx.src}
                          WHERE ${match(start)} AND ${IN_RANGE(ctx)} GROUP BY ALL)`;
      // n_day: the user's distinct return periods; unbounded: only the last return matters.
      const returns = mode === 'unbounded'
        ? `rt AS (SELECT ${USER_KEY} AS u, ${trunc('max(time)')} AS d FROM ${ctx.src}
                          WHERE ${match(ret)} AND time >= TIMESTAMP '${ctx.fromTs}' GROUP BY ALL)`
        : `rt AS (SELECT DISTINCT ${USER_KEY} AS u, ${trunc('time')} AS d FROM ${ctx.src}
                          WHERE ${match(ret)} AND time >= TIMESTAMP '${ctx.fromTs}')`;
      const periodOf = `datediff('day', st.c, rt.d) // ${L}`;
      const retained = mode === 'unbounded'
        ? `SELECT st.c, r.n, count(*) AS v FROM st JOIN rt USING (u), range(1, ${periods + 1}) r(n)
           WHERE ${periodOf} >= r.n GROUP BY ALL`
        : `SELECT st.c, ${periodOf} AS n, count(*) AS v FROM st JOIN rt USING (u)
           WHERE rt.d > st.c AND rt.d < st.c + INTERVAL ${(periods + 1) * L} DAY GROUP BY ALL`;
      return `WITH ${cohorts},
      ${returns}
      SELECT strftime(c, '%Y-%m-%d') AS cohort, n, v FROM (
        SELECT c, 0 AS n, count(*) AS v FROM st GROUP BY ALL
        UNION ALL ${retained})`;
    },
    // One line of the answer for the report: the overall curve.
    summary: (m) =>
      `overall: ${Array.from({ length: periods + 1 }, (_, n) => {
        const u = m.get(`overall|${n}|users`) ?? 0;
        return n === 0 ? `${u.toLocaleString('en-US')} users` : `${n}: ${u ? `${((100 * (m.get(`overall|${n}|retained`) ?? 0)) / u).toFixed(1)}%` : '—'}`;
      }).join(', ')}`,
    parseDuck: (rows) => addOverall(rowsToMap(rows, (r) => `${r.cohort}|${toNumber(r.n)}`), asOfUsed),
  };
}

// Amplitude's rule: each user counted once along the furthest path, every
// view_item a candidate entry, the window rolling from the entry (1 day),
// steps in this order.
const FUNNEL_3STEP = funnel({
  id: 'funnel_3step',
  title: 'Funnel: view_item -> add_to_cart -> purchase, 1-day window, unique users per step',
  steps: [{ event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }],
  window: '1d',
  windowMs: 86400000,
  target: { faster: 5, duckdb_reference_ms: 270 },
});

// Cohort: the first day a user did session_start in the range; value on
// day N: cohort users who did session_start on calendar day cohort+N (UTC).
const RETENTION_14D = retention({
  id: 'retention_14d',
  title: 'Retention: 14-day N-day, start and return event session_start, per cohort day',
  start: { event: 'session_start' },
  ret: { event: 'session_start' },
  target: { faster: 10, duckdb_reference_ms: 1300 },
});

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
  FUNNEL_3STEP,
  RETENTION_14D,
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
  funnel({
    id: 'funnel_cart_top_items_country',
    title: 'Funnel: view_item -> add_to_cart of a top-10 item -> purchase, 1-hour window, grouped by country',
    steps: [
      { event: 'view_item' },
      { event: 'add_to_cart', filters: [{ property: 'item_id', values: Array.from({ length: 10 }, (_, i) => `item_${String(i).padStart(6, '0')}`) }] },
      { event: 'purchase' },
    ],
    window: '1h',
    windowMs: 3600000,
    groupBy: 'country',
    target: null,
  }),
  retention({
    id: 'retention_unbounded_14d',
    title: 'Retention: 14-day unbounded, start view_item, return any event, per cohort day',
    start: { event: 'view_item' },
    ret: { event: '_all' },
    mode: 'unbounded',
    target: null,
  }),
  retention({
    id: 'retention_weekly_4w',
    title: 'Retention: 4-week N-day (weekly), start session_start, return purchase, per cohort week',
    start: { event: 'session_start' },
    ret: { event: 'purchase' },
    interval: 'week',
    periods: 4,
    target: null,
  }),
];
