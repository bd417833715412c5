// Audiences (POST /api/v1/audience): accuracy of estimate mode against exact
// mode, and latency of both, cold / repeated / tweaked, against a running
// `swell serve` (bench/run.sh starts and restarts it).
//
//   node bench/audience.mjs accuracy --swell URL --read-key KEY --from D --to D
//        [--trees 500] [--parquet FILE --check 30] [--seed 1] [--out FILE]
//     Random audiences (depth 1-5: and/or/not over leaves of the benchmark's
//     events, with platform/country/plan properties and min_count 1-3), each
//     asked in exact mode and in estimate mode at std_devs 1, 2 and 3: the
//     share of exact counts within each sigma's bounds and the relative error
//     of the estimate (mean, p95, max), by depth. --check N of them are also
//     counted by DuckDB over --parquet (bench/compare.mjs's Parquet of the
//     deduplicated events): exact mode must equal it.
//
//   node bench/audience.mjs latency --swell URL --read-key KEY --to D --spans 30,180,730
//        [--per-depth 4] [--reps 5] [--label L] [--seed 1] [--out FILE]
//     Audiences of depth 1-5 whose leaves cover the last `span` days up to --to,
//     per span, exact and estimate: "cold" (each asked the first time, on a
//     server just started: an empty result cache), "repeated" (the same again,
//     --reps times: cache hits), "tweaked" (every range moved one day earlier
//     and one leaf changed: only the changed chunks are recomputed). p50/p99
//     per span x mode x phase and per depth, and the result cache's hit/miss
//     counters (/metrics) per phase.
//
// Both take --pid PID (the server's) to record its peak RSS (VmHWM) at the end.
// An estimate request answered 400 (estimate mode not there yet) is reported
// as "not yet implemented" and the rest goes on. Exit 3 when an exact answer
// disagrees with DuckDB.
import fs from 'node:fs';
import { duckdb } from '../tests/peers/index.mjs';
import { httpRequest, parseArgs, percentile, writeJson } from './lib/common.mjs';

const [command, ...rest] = process.argv.slice(2);
const args = parseArgs(rest, { trees: '500', check: '30', seed: '1', reps: '5', per_depth: '4', spans: '30',
  label: 'main', out: `audience-${command}.json` });
const log = (...a) => console.error('[audience]', ...a);
const DAY = 86400000;
const NYI = 'not yet implemented';

// mulberry32, as the oracles.
function prng(s) {
  return () => {
    s |= 0; s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(Number(args.seed) * 7919 + (command === 'latency' ? 17 : 0));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
const addDays = (d, n) => ymd(Date.parse(`${d}T00:00:00Z`) + n * DAY);

// ---------------------------------------------------------------- audiences
// The benchmark generator's events (bench/gen/generate.cc): the session and
// funnel events and the most frequent filler names; top-level platform and
// country, user property plan.
const EVENTS = ['session_start', 'session_start', 'view_item', 'view_item', 'add_to_cart', 'purchase', 'page_view',
  'screen_view', 'click_button', 'scroll', 'search', 'app_open', 'video_play', 'share', 'login'];
const PROPS = [
  { property: 'platform', values: ['iOS', 'Android', 'Web'] },
  { property: 'country', values: ['US', 'IN', 'BR', 'DE', 'GB', 'FR', 'JP', 'KE'] },
  { property: 'plan', type: 'user', values: ['free', 'starter', 'pro', 'enterprise'] },
];
function leaf(range) {
  const l = { event: chance(0.05) ? '_all' : pick(EVENTS) };
  if (chance(0.3)) {
    const p = pick(PROPS);
    l.property = p.property;
    if (p.type) l.type = p.type;
    if (chance(0.5)) l.value = pick(p.values);
    else l.values = [...new Set([pick(p.values), pick(p.values)])];
  }
  Object.assign(l, range());
  if (chance(0.25)) l.min_count = 2 + Math.floor(rand() * 2);
  return l;
}
function tree(depth, range) {
  if (depth <= 1) return leaf(range);
  const op = pick(['and', 'or', 'or', 'not']);
  if (op === 'not') return { op, children: [tree(depth - 1, range)] };
  const n = 2 + Math.floor(rand() * 2);
  const children = [tree(depth - 1, range)];
  for (let i = 1; i < n; i++) children.push(chance(0.5) ? leaf(range) : tree(depth - 1 - Math.floor(rand() * 2), range));
  return { op, children };
}
const depthOf = (n) => (n.op ? 1 + Math.max(...n.children.map(depthOf)) : 1);
const leavesOf = (n, out = []) => {
  if (n.op) for (const c of n.children) leavesOf(c, out);
  else out.push(n);
  return out;
};
const hasNot = (n) => n.op === 'not' || (n.op !== undefined && n.children.some(hasNot));

// ---------------------------------------------------------------- HTTP
const headers = { Authorization: `Bearer ${args.read_key}` };
async function ask(body) {
  const r = await httpRequest(`${args.swell}/api/v1/audience`, { method: 'POST', headers, body });
  let json = null;
  try { json = JSON.parse(r.body); } catch { /* reported below */ }
  return { status: r.status, body: r.body, json, ms: r.ms };
}
const isNyi = (r) => r.status === 400 && /estimate|std_devs/i.test(r.body);
async function metrics() {
  const r = await httpRequest(`${args.swell}/metrics`, { headers });
  const get = (name) => {
    const m = r.body.match(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'm'));
    return m ? Number(m[2]) : null;
  };
  return { hits: get('swell_query_result_cache_hits_total'), misses: get('swell_query_result_cache_misses_total') };
}
function peakRssKib() {
  if (!args.pid) return null;
  try {
    const m = fs.readFileSync(`/proc/${args.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
const stats = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: percentile(s, 50), p95: percentile(s, 95),
    p99: percentile(s, 99), max: s.at(-1) };
};

// ---------------------------------------------------------------- DuckDB
// The users of a tree as docs/queries.md "Audiences" says, over the Parquet
// of bench/compare.mjs (columns event_type, user_id, device_id, time as a
// UTC TIMESTAMP, platform, country, plan; insert_id duplicates dropped).
// Ranges here are whole UTC days.
const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const rangeSql = (l) => `(time >= TIMESTAMP ${sqlString(l.from)} AND time < (DATE ${sqlString(l.to)} + 1)::TIMESTAMP)`;
function nodeSql(node, universe) {
  if (!node.op) {
    const conds = [rangeSql(node)];
    if (node.event !== '_all') conds.push(`event_type = ${sqlString(node.event)}`);
    if (node.property) conds.push(`${node.property} IN (${(node.values ?? [node.value]).map(sqlString).join(', ')})`);
    return `SELECT ukey FROM ev WHERE ${conds.join(' AND ')} GROUP BY ukey HAVING count(*) >= ${node.min_count ?? 1}`;
  }
  const parts = node.children.map((c) => `SELECT ukey FROM (${nodeSql(c, universe)})`);
  if (node.op === 'and') return parts.join(' INTERSECT ');
  if (node.op === 'or') return parts.join(' UNION ');
  return `SELECT ukey FROM (${universe}) EXCEPT ${parts[0]}`;
}
async function duckCount(conn, t) {
  const universe = `SELECT DISTINCT ukey FROM ev WHERE ${[...new Set(leavesOf(t).map(rangeSql))].join(' OR ')}`;
  const sql = `SELECT count(*) AS n FROM (${nodeSql(t, hasNot(t) ? universe : null)})`;
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRowObjects()[0].n);
}

// ---------------------------------------------------------------- accuracy
async function accuracy() {
  const days = Math.round((Date.parse(args.to) - Date.parse(args.from)) / DAY) + 1;
  const range = () => {
    // Mostly long ranges (the leaves are then large), some a few days.
    const len = chance(0.6) ? Math.max(1, Math.floor(days * (0.5 + rand() * 0.5))) : 1 + Math.floor(rand() * Math.min(7, days));
    const start = Math.floor(rand() * (days - len + 1));
    return { from: addDays(args.from, start), to: addDays(args.from, start + len - 1) };
  };
  const trees = [];
  for (let i = 0; i < Number(args.trees); i++) {
    const shared = range();
    trees.push(tree(1 + (i % 5), () => (chance(0.6) ? shared : range())));
  }
  const out = { trees: trees.length, from: args.from, to: args.to, estimate: 'ok', by_depth: {}, all: null, checks: [],
    latency: {}, samples: [] };
  const rows = [];
  const lat = { exact: [], estimate: [] };
  let nyi = false;
  for (let i = 0; i < trees.length; i++) {
    const t = trees[i];
    const ex = await ask({ tree: t, mode: 'exact' });
    if (ex.status !== 200) throw new Error(`exact answered ${ex.status}: ${ex.body.slice(0, 300)}\n${JSON.stringify(t)}`);
    lat.exact.push(ex.ms);
    const row = { depth: depthOf(t), exact: ex.json.count };
    if (!nyi) {
      for (const sd of [2, 1, 3]) {
        const r = await ask({ tree: t, mode: 'estimate', std_devs: sd });
        if (isNyi(r)) {
          nyi = true;
          out.estimate = `${NYI}: ${r.body.slice(0, 200)}`;
          log(`estimate mode: ${r.status} ${r.body.slice(0, 200)}; exact mode only from here`);
          break;
        }
        if (r.status !== 200) throw new Error(`estimate answered ${r.status}: ${r.body.slice(0, 300)}`);
        if (sd === 2) lat.estimate.push(r.ms);
        if (sd === 2) row.count = r.json.count;
        else if (r.json.count !== row.count) row.count_differs_by_std_devs = true;
        row[`lo${sd}`] = r.json.lower_bound;
        row[`hi${sd}`] = r.json.upper_bound;
      }
    }
    rows.push(row);
    if (i < 20) out.samples.push({ tree: t, ...row });
    if ((i + 1) % 100 === 0) log(`accuracy: ${i + 1}/${trees.length} audiences`);
  }
  const summarize = (rs) => {
    const est = rs.filter((r) => r.count !== undefined);
    const estimated = est.filter((r) => r.lo2 < r.hi2);
    const cov = (sd) => (estimated.length ? estimated.filter((r) => r[`lo${sd}`] <= r.exact && r.exact <= r[`hi${sd}`]).length / estimated.length : null);
    const err = stats(estimated.map((r) => Math.abs(r.count - r.exact) / Math.max(1, r.exact)));
    return { audiences: rs.length, estimated: estimated.length, exact_answers: est.length - estimated.length,
      coverage_1sd: cov(1), coverage_2sd: cov(2), coverage_3sd: cov(3),
      rel_err_mean: err?.mean ?? null, rel_err_p95: err?.p95 ?? null, rel_err_max: err?.max ?? null,
      exact_users_median: stats(rs.map((r) => r.exact))?.p50 ?? null,
      bounds_violations: est.filter((r) => !(r.lo2 <= r.count && r.count <= r.hi2)).length,
      count_differs_by_std_devs: est.filter((r) => r.count_differs_by_std_devs).length };
  };
  for (let d = 1; d <= 5; d++) out.by_depth[d] = summarize(rows.filter((r) => r.depth === d));
  out.all = summarize(rows);
  out.latency = { exact: stats(lat.exact), estimate: stats(lat.estimate) };

  if (args.parquet && Number(args.check) > 0) {
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await conn.run(`CREATE VIEW ev AS SELECT *, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
      FROM read_parquet(${sqlString(args.parquet)})`);
    const step = Math.max(1, Math.floor(trees.length / Number(args.check)));
    for (let i = 0; i < trees.length && out.checks.length < Number(args.check); i += step) {
      const t0 = Date.now();
      const want = await duckCount(conn, trees[i]);
      out.checks.push({ index: i, depth: rows[i].depth, swell: rows[i].exact, duckdb: want, equal: want === rows[i].exact,
        duckdb_ms: Date.now() - t0 });
      if (want !== rows[i].exact) log(`!!! audience ${i}: exact ${rows[i].exact}, DuckDB ${want}: ${JSON.stringify(trees[i])}`);
    }
    log(`DuckDB checks: ${out.checks.filter((c) => c.equal).length}/${out.checks.length} agree`);
  }
  out.peak_rss_kib = peakRssKib();
  return out;
}

// ---------------------------------------------------------------- latency
async function latency() {
  const spans = String(args.spans).split(',').map(Number).filter(Boolean);
  const out = { label: args.label, to: args.to, spans, estimate: 'ok', results: [], cache: {} };
  const sets = [];
  for (const span of spans) {
    const from = addDays(args.to, -(span - 1));
    const range = () => ({ from, to: args.to });
    for (let d = 1; d <= 5; d++)
      for (let k = 0; k < Number(args.per_depth); k++) sets.push({ span, depth: d, tree: tree(d, range) });
  }
  // The tweak: every range one day earlier, and one leaf replaced.
  const tweak = (t) => {
    const c = JSON.parse(JSON.stringify(t));
    const ls = leavesOf(c);
    for (const l of ls) { l.from = addDays(l.from, -1); l.to = addDays(l.to, -1); }
    const l = pick(ls);
    const repl = leaf(() => ({ from: l.from, to: l.to }));
    for (const k of Object.keys(l)) delete l[k];
    Object.assign(l, repl);
    return c;
  };
  for (const s of sets) s.tweaked = tweak(s.tree);
  let estimateOk = true;
  const samples = new Map();  // key span|mode|phase -> [{ms, depth}]
  const add = (span, mode, phase, depth, ms) => {
    const key = `${span}|${mode}|${phase}`;
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key).push({ ms, depth });
  };
  const run = async (span, phase, which, reps) => {
    const m0 = await metrics();
    for (let r = 0; r < reps; r++)
      for (const s of sets.filter((x) => x.span === span))
        for (const mode of ['exact', 'estimate']) {
          if (mode === 'estimate' && !estimateOk) continue;
          const res = await ask({ tree: s[which], mode });
          if (mode === 'estimate' && isNyi(res)) {
            estimateOk = false;
            out.estimate = `${NYI}: ${res.body.slice(0, 200)}`;
            continue;
          }
          if (res.status !== 200) throw new Error(`${phase} ${mode} answered ${res.status}: ${res.body.slice(0, 300)}`);
          add(s.span, mode, phase, s.depth, res.ms);
        }
    const m1 = await metrics();
    out.cache[`${span}|${phase}`] = m0.hits === null ? null : { hits: m1.hits - m0.hits, misses: m1.misses - m0.misses };
    log(`latency ${args.label} ${span} days ${phase}: ${JSON.stringify(out.cache[`${span}|${phase}`])}`);
  };
  // Span by span (shortest first), each: cold, repeated, tweaked.
  for (const span of spans) {
    await run(span, 'cold', 'tree', 1);
    await run(span, 'repeated', 'tree', Number(args.reps));
    await run(span, 'tweaked', 'tweaked', 1);
  }
  for (const [key, xs] of samples) {
    const [span, mode, phase] = key.split('|');
    const all = stats(xs.map((x) => x.ms));
    const byDepth = {};
    for (let d = 1; d <= 5; d++) {
      const s = stats(xs.filter((x) => x.depth === d).map((x) => x.ms));
      if (s) byDepth[d] = { p50_ms: s.p50, p99_ms: s.p99 };
    }
    out.results.push({ span: Number(span), mode, phase, n: all.n, p50_ms: all.p50, p99_ms: all.p99, mean_ms: all.mean,
      max_ms: all.max, by_depth: byDepth });
  }
  out.peak_rss_kib = peakRssKib();
  return out;
}

let result;
if (command === 'accuracy') result = await accuracy();
else if (command === 'latency') result = await latency();
else {
  console.error('usage: node bench/audience.mjs accuracy|latency --swell URL --read-key KEY ... (see the header)');
  process.exit(2);
}
writeJson(args.out, result);
log(`wrote ${args.out}`);
if (result.checks?.some((c) => !c.equal)) process.exit(3);
