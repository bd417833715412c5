// The queries of the crash loop (serve_seal_crash.mjs): the requests asked
// while the server ingests, seals and gets killed (every answer 200, or 429
// from a concurrency limit, and of the documented shape), and the fixed set
// asked after every restart, whose answers must equal DuckDB's over exactly
// the events the test knows to be present. The expected answers are the
// oracles' SQL (tests/oracle/oracle_lib.mjs segmentation and event names,
// behavior_lib.mjs funnels and retention, the audience rules of
// tests/oracle/audience.mjs over oracle_lib's range SQL).
import fs from 'node:fs';
import { duckQuery } from '../peers/index.mjs';
import { readEventsSql, duckSetup, expectedChart, expectedNames, compareChart, audienceRangeSql, sqlString, toNdjson }
  from '../oracle/oracle_lib.mjs';
import { expectedFunnels, expectedRetentions, compareFunnel, compareRetention, propSql } from '../oracle/behavior_lib.mjs';

const DAY = 86400000;
const HOUR = 3600000;
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);
const isoAt = (t) => new Date(t).toISOString();

// The traffic's vocabulary (serve_seal_crash.mjs generates the events).
export const NAMES = ['app_open', 'view_item', 'purchase', 'search'];
export const PLANS = ['free', 'pro', 'team'];

// ---------------------------------------------------------------- requests
// The fixed questions, for a moment `now` (ms): the event times of the
// traffic lie in the 4 days before the current hour and in the last
// minute. Each is {route, body} (GET when body is undefined).
export function fixedQueries(now) {
  const from = isoDay(now - 6 * DAY);
  const to = isoDay(now + DAY);
  const h = now - (now % HOUR);
  const seg = (extra) => ({ route: 'segmentation', body: { from, to, interval: 'day', ...extra } });
  return [
    seg({ event: { name: '_all' }, metric: 'totals', group_by: 'platform' }),
    seg({ event: { name: '_all' }, metric: 'uniques', group_by: 'platform' }),
    seg({ event: { name: '_all' }, metric: 'uniques', group_by: { property: 'plan', type: 'user' } }),
    // Shapes the sets files answer for sealed days (named event, no
    // group-by, one `is` filter), next to the scans above.
    seg({ event: { name: 'purchase' }, metric: 'uniques' }),
    seg({ events: [{ name: 'view_item', filters: [{ property: 'platform', op: 'is', values: ['iOS'] }] }, { name: 'search' }],
      metric: 'totals' }),
    { route: 'funnel', body: { steps: [{ event: 'app_open' }, { event: 'view_item' }, { event: 'purchase' }], from, to, window: '1h' } },
    { route: 'funnel', body: { steps: [{ event: 'search' }, { event: 'purchase', filters: [{ property: 'platform', op: 'is', values: ['Android'] }] }],
      from: isoAt(h - 3 * DAY), to: isoAt(h - DAY), window: '2h', group_by: 'platform' } },
    { route: 'retention', body: { start: { event: 'app_open' }, return: { event: 'purchase' }, from, to: isoDay(now),
      periods: 5, as_of: isoAt(now) } },
    { route: 'audience', body: { tree: { op: 'and', children: [
      { event: 'view_item', from: isoAt(h - 3 * DAY), to: isoAt(h - DAY), min_count: 2 },
      { op: 'not', children: [{ op: 'or', children: [
        { event: 'purchase', property: 'platform', values: ['iOS'], from: isoAt(h - 2 * DAY), to: isoAt(h - DAY - 12 * HOUR) },
        { event: 'search', from: isoDay(now - 2 * DAY), to: isoDay(now - 2 * DAY) }] }] }] } } },
    { route: 'audience', body: { tree: { op: 'or', children: [
      { event: 'purchase', property: 'plan', type: 'user', values: ['pro'], from: isoDay(now - 3 * DAY), to: isoDay(now - 3 * DAY), min_count: 2 },
      { event: 'app_open', from: isoAt(now - 2 * HOUR), to: isoAt(now) }] } } },
    { route: 'events' },
  ];
}

// The questions asked while the server ingests and seals: the fixed set
// (at that moment), and a segmentation of every event over the whole range
// whose total the caller bounds by what was acknowledged and sent.
export function liveQueries(now) {
  return fixedQueries(now);
}
export function allTotalsQuery(now) {
  return { route: 'segmentation', body: { event: { name: '_all' }, metric: 'totals', from: isoDay(now - 6 * DAY),
    to: isoDay(now + DAY), interval: 'month' } };
}

// Asks one question. Resolves {status, body (parsed or null), text, ms} or
// {error} when the connection failed.
export async function ask(url, readKey, q, timeoutMs = 120000) {
  const started = Date.now();
  try {
    const res = await fetch(`${url}/api/v1/${q.route}`, q.body === undefined
      ? { headers: { authorization: `Bearer ${readKey}` }, signal: AbortSignal.timeout(timeoutMs) }
      : { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
        body: JSON.stringify(q.body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* shape check reports it */ }
    return { status: res.status, body, text, ms: Date.now() - started };
  } catch (e) {
    return { error: String(e.cause || e), ms: Date.now() - started };
  }
}

// ---------------------------------------------------------------- shapes
const isCount = (x) => Number.isSafeInteger(x) && x >= 0;
const isRate = (x) => typeof x === 'number' && x >= 0 && x <= 1;
// Checks an answer's shape against docs/api.md and docs/queries.md.
// Returns a message, or null.
export function shapeProblem(q, body) {
  if (body === null || typeof body !== 'object') return 'not a JSON object';
  const b = q.body;
  switch (q.route) {
    case 'segmentation': {
      if (!Array.isArray(body.series)) return 'no series';
      const events = b.events ?? [b.event];
      if (b.group_by === undefined && body.series.length !== events.length) return `${body.series.length} series for ${events.length} events`;
      let labels = null;
      for (const s of body.series) {
        if (!events.some((e) => e.name === s.event)) return `series of event ${JSON.stringify(s.event)}`;
        if (b.group_by === undefined ? s.group !== null : typeof s.group !== 'string') return `series group ${JSON.stringify(s.group)}`;
        if (!Array.isArray(s.points) || !s.points.length) return 'series without points';
        const ts = s.points.map((p) => p.t);
        if (labels === null) labels = JSON.stringify(ts);
        else if (JSON.stringify(ts) !== labels) return 'series with different buckets';
        for (let i = 0; i < s.points.length; i++) {
          if (!isCount(s.points[i].value)) return `point ${JSON.stringify(s.points[i])}`;
          if (i && !(s.points[i - 1].t < s.points[i].t)) return `buckets out of order at ${s.points[i].t}`;
        }
      }
      return null;
    }
    case 'funnel': {
      const check = (steps) => {
        if (!Array.isArray(steps) || steps.length !== b.steps.length) return `${steps?.length} steps`;
        for (let j = 0; j < steps.length; j++) {
          const s = steps[j];
          if (s.event !== b.steps[j].event || !isCount(s.users) || !isRate(s.conversion) || !isRate(s.conversion_from_previous))
            return `step ${j + 1}: ${JSON.stringify(s)}`;
          if (j && s.users > steps[j - 1].users) return `users grow at step ${j + 1}`;
          if ((j === 0 || s.users === 0) !== (s.median_ms === null)) return `step ${j + 1} median ${s.median_ms}`;
        }
        return null;
      };
      const e = check(body.steps);
      if (e) return e;
      if ((b.group_by !== undefined) !== Array.isArray(body.groups)) return 'groups without group_by or missing';
      for (const g of body.groups ?? []) {
        const ge = check(g.steps);
        if (ge) return `group ${JSON.stringify(g.group)}: ${ge}`;
      }
      return null;
    }
    case 'retention': {
      const n = (b.periods ?? 14) + 1;
      if (!Array.isArray(body.cohorts) || !body.cohorts.length || !Array.isArray(body.overall) || body.overall.length !== n)
        return 'cohorts/overall missing or of the wrong length';
      for (const c of body.cohorts) {
        if (!isCount(c.users) || !Array.isArray(c.retained) || c.retained.length !== n || c.retained[0] !== c.users ||
          c.retained.some((r) => !isCount(r) || r > c.users)) return `cohort ${JSON.stringify(c)}`;
      }
      for (const o of body.overall) {
        if (!isCount(o.users) || !isCount(o.retained) || o.retained > o.users || (o.users ? !isRate(o.rate) : o.rate !== null))
          return `overall ${JSON.stringify(o)}`;
      }
      return null;
    }
    case 'audience':
      if (!isCount(body.count) || body.lower_bound !== body.count || body.upper_bound !== body.count || body.mode !== 'exact')
        return JSON.stringify(body);
      return null;
    case 'events': {
      if (!Array.isArray(body.events)) return 'no events';
      for (let i = 0; i < body.events.length; i++) {
        const e = body.events[i];
        if (!NAMES.includes(e.name) || !isCount(e.totals) || !isCount(e.users) || e.users < 1 || e.users > e.totals)
          return `event ${JSON.stringify(e)}`;
        if (i && e.totals > body.events[i - 1].totals) return 'events not sorted by totals';
      }
      return null;
    }
  }
  return `unknown route ${q.route}`;
}

// ---------------------------------------------------------------- DuckDB
// Loads events (objects as the traffic sends them) into table ev with the
// columns of oracle_lib.mjs readEventsSql plus the user key, through an
// NDJSON file at file. The set only grows from one call to the next (what
// was present stays present), so only events not loaded before are read;
// when an earlier one is missing the table is built anew.
export async function loadPresent(conn, events, file) {
  if (!conn.swellLoaded) {
    await duckSetup(conn);
    conn.swellLoaded = new Set();
  }
  const ids = new Set(events.map((e) => e.insert_id));
  let loaded = conn.swellLoaded;
  if (![...loaded].every((id) => ids.has(id))) {
    await duckQuery('DROP TABLE IF EXISTS ev', conn);
    loaded = conn.swellLoaded = new Set();
  }
  const fresh = events.filter((e) => !loaded.has(e.insert_id));
  if (fresh.length) {
    fs.writeFileSync(file, toNdjson(fresh.map((e, i) => ({ seq: loaded.size + i, user_id: e.user_id, device_id: null,
      event_type: e.event_type, time: e.time, arrival: 0, insert_id: e.insert_id, platform: e.platform, country: null,
      event_properties: e.event_properties, user_properties: e.user_properties }))));
    const rows = `SELECT *, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey FROM ${readEventsSql(file)}`;
    await duckQuery(loaded.size ? `INSERT INTO ev ${rows}` : `CREATE TABLE ev AS ${rows}`, conn);
    for (const e of fresh) loaded.add(e.insert_id);
  }
  const n = Number((await duckQuery('SELECT count(*) AS n, count(DISTINCT insert_id) AS d FROM ev', conn))[0].n);
  if (n !== events.length || loaded.size !== events.length) throw new Error(`DuckDB holds ${n} events, ${events.length} are present`);
  return n;
}

// Audiences (docs/queries.md "Audiences"), the rules of
// tests/oracle/audience.mjs: a leaf's users with at least min_count events
// in its range (with one of the values of its property); and/or intersect
// and unite; not is the universe (users with any event in any leaf's range)
// minus the child.
function leavesOf(node, out = []) {
  if (node.op) for (const c of node.children) leavesOf(c, out);
  else out.push(node);
  return out;
}
function audienceNodeSql(node, tz, universe) {
  const rangeSql = (l) => audienceRangeSql(l, `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ)`);
  if (!node.op) {
    const conds = [rangeSql(node)];
    if (node.event !== '_all') conds.push(`event_type = ${sqlString(node.event)}`);
    if (node.property !== undefined) {
      const vals = (node.values ?? [node.value]).map((v) => sqlString(String(v))).join(', ');
      conds.push(`${propSql(node)} IN (${vals})`);
    }
    return `SELECT ukey FROM ev WHERE ${conds.join(' AND ')} GROUP BY ukey HAVING count(*) >= ${node.min_count ?? 1}`;
  }
  const parts = node.children.map((c) => `SELECT ukey FROM (${audienceNodeSql(c, tz, universe)})`);
  if (node.op === 'and') return parts.join(' INTERSECT ');
  if (node.op === 'or') return parts.join(' UNION ');
  return `SELECT ukey FROM (${universe}) EXCEPT ${parts[0]}`;
}
async function expectedAudience(conn, req) {
  const tz = req.timezone ?? 'UTC';
  const lt = `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ)`;
  const universe = `SELECT DISTINCT ukey FROM ev WHERE ${leavesOf(req.tree).map((l) => audienceRangeSql(l, lt)).join(' OR ')}`;
  const rows = await duckQuery(`SELECT count(DISTINCT ukey) AS n FROM (${audienceNodeSql(req.tree, tz, universe)})`, conn);
  const n = Number(rows[0].n);
  return { count: n, lower_bound: n, upper_bound: n, mode: 'exact' };
}

// DuckDB's answer to q over table ev (loadPresent).
export async function expectedAnswer(conn, q) {
  switch (q.route) {
    case 'segmentation': return expectedChart(conn, q.body, 'ev');
    case 'funnel': return (await expectedFunnels(conn, q.body, [Number.MAX_SAFE_INTEGER], { table: 'ev' })).get(Number.MAX_SAFE_INTEGER);
    case 'retention':
      return (await expectedRetentions(conn, q.body, [Number.MAX_SAFE_INTEGER], Date.parse(q.body.as_of), 'ev')).get(Number.MAX_SAFE_INTEGER);
    case 'audience': return expectedAudience(conn, q.body);
    case 'events': return { events: await expectedNames(conn, 'ev') };
  }
  throw new Error(`unknown route ${q.route}`);
}

// Compares Swell's answer got with DuckDB's want point by point. Returns
// {error} or {nonzero}: the non-zero numbers compared.
export function compareAnswer(q, got, want, where) {
  switch (q.route) {
    case 'segmentation': return compareChart(got, want, where);
    case 'funnel': return compareFunnel(got, want, where);
    case 'retention': return compareRetention(got, want, where);
    case 'audience':
      if (JSON.stringify(got) !== JSON.stringify(want))
        return { error: `${where}\n  swell ${JSON.stringify(got)}, duckdb ${JSON.stringify(want)}` };
      return { nonzero: want.count ? 1 : 0 };
    case 'events':
      if (JSON.stringify(got.events) !== JSON.stringify(want.events))
        return { error: `${where}\n  swell  ${JSON.stringify(got.events)}\n  duckdb ${JSON.stringify(want.events)}` };
      return { nonzero: want.events.length };
  }
  return { error: `${where}: unknown route` };
}
