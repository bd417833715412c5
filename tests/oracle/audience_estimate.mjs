// Audience oracle, estimate mode (POST /api/v1/audience "mode": "estimate",
// theta sketches lg_k 12 / k 4096 / seed 9001, docs/api.md): leaves large
// enough that the sketches estimate (tens of thousands of users each), some
// days sealed into the lake (whose sets rows carry the sketches) and some in
// the speed layer, then more events over HTTP (fresh days, late events into
// sealed days, resends of sealed insert_ids), then everything sealed. Every
// random tree (depth 1-5, and/or/not, min_count 1-2, property leaves, some
// trees tweaked copies of an earlier one: a range moved by a day or one leaf
// changed, the result cache's reuse case) is asked at each of 3 checkpoints
// in exact and in estimate mode through `swell serve`:
//   - exact must equal DuckDB's count (SQL written from docs/queries.md
//     "Audiences", as audience.mjs, over the events deduplicated by
//     insert_id), and lower_bound = upper_bound = count;
//   - estimate: lower_bound <= count <= upper_bound always; an answer with
//     lower_bound = upper_bound must be the exact count; when every set of
//     the tree (each node, and the universe of a `not`) has < 4096 users the
//     answer must be exact (an estimate over an all-exact range equals the
//     exact count); the 2-sigma coverage (exact count within the bounds)
//     over the estimated answers must reach a binomial threshold (below);
//   - the same estimate request asked twice gives identical bytes;
//   - std_devs 1 and 3 (at the last checkpoint) nest around 2's bounds.
// Prints coverage and relative error by depth. The checkpoints: (1) days 0-6
// sealed by `swell import --seal`, days 7-8 and late events of days 3-6
// imported into the write-ahead log (served from the speed layer);
// (2) after POST /batch of day 9, late events of days 0-2 and resends;
// (3) after `swell seal` of everything and a restart (cache empty). The
// server runs with `[query] audience_chunk_days = 3` when the build knows
// the key (so ranges cross result-cache chunk edges), else its defaults.
// Unlike audience.mjs it drives `swell` itself, not seal_oracle_runner: at
// this size the runner's random seal per batch would seal hundreds of times;
// seal/restart races are audience.mjs's job, the sizes that make sketches
// estimate are this one's.
//
// Usage: node audience_estimate.mjs PATH/TO/swell [seed]
// SWELL_ORACLE_USERS (default 70000) scales the data (~4.5 events a user);
// SWELL_ORACLE_TREES (default 200) the trees; SWELL_ORACLE_KEEP=1 keeps the
// files; SWELL_ORACLE_EXACT_ONLY=1 checks exact mode only (while estimate
// mode is not there yet).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { audienceRangeSql, prng, helpers, readEventsSql, duckSetup, sqlString, dedupKept } from './oracle_lib.mjs';

const swell = process.argv[2];
const seed = Number(process.argv[3] ?? process.env.SWELL_ORACLE_SEED ?? 20261125);
const USERS = Number(process.env.SWELL_ORACLE_USERS ?? 70000);
const TREES = Number(process.env.SWELL_ORACLE_TREES ?? 200);
const EXACT_ONLY = process.env.SWELL_ORACLE_EXACT_ONLY === '1';
if (!swell) {
  console.error('usage: node audience_estimate.mjs SWELL [seed]');
  process.exit(2);
}
const DAY = 86400000;
const K = 4096;          // sketch entries (lg_k 12): sets below this are exact
const NOMINAL_2SD = 0.9545;
const t0 = Date.now();
const log = (...a) => console.error(`[audience_estimate ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const rand = prng(seed);
const { pick, chance } = helpers(rand);

// ---------------------------------------------------------------- data
// Ten UTC days ending two days ago: `swell serve` is configured to seal
// nothing by itself (seal_delay_seconds of a year), so what is in the lake
// is what this script sealed.
const LAST_DAY = Math.floor(Date.now() / DAY) - 2;
const FIRST_DAY = LAST_DAY - 9;
const dayStart = (d) => (FIRST_DAY + d) * DAY;
const ymd = (d) => new Date(dayStart(d)).toISOString().slice(0, 10);
const EVENTS = [['open', 40], ['view', 25], ['add_to_cart', 15], ['purchase', 10], ['share', 6], ['rate', 4]];
const weighted = (xs) => {
  const total = xs.reduce((a, x) => a + x[1], 0);
  let r = rand() * total;
  for (const [v, w] of xs) if ((r -= w) < 0) return v;
  return xs.at(-1)[0];
};
const PLATFORMS = [['iOS', 45], ['Android', 40], ['Web', 15]];
const COUNTRIES = [['US', 40], ['DE', 20], ['IN', 20], ['BR', 17], ['IS', 3]];  // IS: small sets
const PLANS = [['free', 70], ['pro', 25], ['team', 5]];
const COLORS = ['red', 'green', 'blue'];

// Users active on a few days each, in sessions of a few events. Returns the
// events in file order (parts A, B, C) with seq = index.
function generate() {
  const byPart = { A: [], B: [], C: [] };
  let ins = 0;
  for (let u = 0; u < USERS; u++) {
    const deviceOnly = chance(0.08);
    const who = deviceOnly ? { device_id: `device-${u}-${Math.floor(rand() * 1e6)}` }
      : { user_id: `user-${u}`, device_id: `device-${u}` };
    const platform = weighted(PLATFORMS), country = weighted(COUNTRIES), plan = weighted(PLANS);
    const p = 0.04 + rand() * 0.26;
    for (let d = 0; d < 10; d++) {
      if (!chance(p)) continue;
      const sessions = 1 + (chance(0.3) ? 1 : 0);
      for (let s = 0; s < sessions; s++) {
        let t = dayStart(d) + Math.floor(rand() * (DAY - 600000));
        const n = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < n; k++) {
          t += Math.floor(rand() * 60000);
          const e = { ...who, event_type: weighted(EVENTS), time: t, insert_id: `ins-${ins++}-${u}` };
          if (chance(0.95)) e.platform = platform;
          e.country = country;
          if (e.event_type === 'view' || e.event_type === 'add_to_cart') e.event_properties = { color: pick(COLORS) };
          if (chance(0.9)) e.user_properties = { plan };
          // Which part: days 0-6 are imported and sealed (A), days 7-8 go
          // to the log (B), day 9 over HTTP (C); late events of days 3-6 in
          // B and of days 0-2 in C (their days already sealed).
          let part = d <= 6 ? 'A' : d <= 8 ? 'B' : 'C';
          if (d <= 6 && chance(0.04)) part = d >= 3 ? 'B' : 'C';
          byPart[part].push(e);
          // An SDK resend (same insert_id and payload) in a later part: dropped by dedup.
          if (chance(0.01)) byPart[part === 'A' ? pick(['B', 'C']) : 'C'].push({ ...e });
        }
      }
    }
  }
  // Shuffle within each part (arrival order is not time order).
  for (const xs of Object.values(byPart))
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
  const all = [...byPart.A, ...byPart.B, ...byPart.C].map((e, i) => ({ ...e, seq: i, arrival: i }));
  return { all, nA: byPart.A.length, nB: byPart.B.length, nC: byPart.C.length };
}

// ---------------------------------------------------------------- trees
const ZONES = ['UTC', 'UTC', 'UTC', 'America/New_York', 'Asia/Kolkata'];
const PROPS = [
  { property: 'platform', values: ['iOS', 'Android', 'Web'] },
  { property: 'country', values: ['US', 'DE', 'IN', 'BR', 'IS'] },
  { property: 'plan', type: 'user', values: ['free', 'pro', 'team'] },
  { property: 'color', values: COLORS },
];
const iso = (t) => new Date(t).toISOString();
// A range over the data: whole days (mostly several), local hours, instants.
function range(small) {
  if (small) {
    // One hour (every leaf of a small tree shares it): ~2k users, so the
    // universe of a `not` over it stays below k.
    const from = dayStart(Math.floor(rand() * 10)) + Math.floor(rand() * 23) * 3600000;
    const to = from + 3600000 - 1;
    return chance(0.5) ? { from: iso(from), to: iso(to) } : { from: iso(from).slice(0, 19), to: iso(to).slice(0, 23) };
  }
  const kind = pick(['date', 'date', 'date', 'date', 'local', 'instant']);
  // Half of them most of the data (leaves of tens of thousands of users).
  const wide = chance(0.5);
  const a = wide ? Math.floor(rand() * 3) - (chance(0.2) ? 1 : 0) : Math.floor(rand() * 10) - (chance(0.1) ? 1 : 0);
  const b = wide ? 7 + Math.floor(rand() * 4) : Math.min(10, a + Math.floor(rand() * (10 - a + 1)));
  if (kind === 'date') return { from: ymd(a), to: ymd(b) };
  const from = dayStart(a) + Math.floor(rand() * 24) * 3600000;
  const to = Math.max(from, dayStart(b) + Math.floor(rand() * 24) * 3600000 - 1);
  if (kind === 'local') return { from: iso(from).slice(0, 19), to: iso(to).slice(0, 23) };
  return { from: iso(from), to: iso(to) };
}
function leaf(shared, small) {
  const l = { event: chance(0.06) ? '_all' : weighted(EVENTS) };
  const smallProp = small && chance(0.5);
  if (smallProp || chance(0.3)) {
    const p = smallProp ? PROPS[1] : pick(PROPS);
    l.property = p.property;
    if (p.type) l.type = p.type;
    if (p.property === 'color') l.event = pick(['view', 'add_to_cart']);
    if (smallProp) l.value = 'IS';
    else if (chance(0.5)) l.value = pick(p.values);
    else l.values = [...new Set([pick(p.values), pick(p.values)])];
  }
  Object.assign(l, small || chance(0.5) ? shared : range(false));
  if (chance(0.25)) l.min_count = 2;
  return l;
}
function tree(depth, shared, small) {
  if (depth <= 1) return leaf(shared, small);
  const op = pick(['and', 'or', 'or', 'not']);
  if (op === 'not') return { op, children: [tree(depth - 1, shared, small)] };
  const n = 2 + Math.floor(rand() * 2);
  const children = [tree(depth - 1, shared, small)];
  for (let i = 1; i < n; i++)
    children.push(chance(0.5) ? leaf(shared, small) : tree(depth - 1 - Math.floor(rand() * 2), shared, small));
  return { op, children };
}
const depthOf = (n) => (n.op ? 1 + Math.max(...n.children.map(depthOf)) : 1);
function leavesOf(node, out = []) {
  if (node.op) for (const c of node.children) leavesOf(c, out);
  else out.push(node);
  return out;
}
const hasNot = (n) => n.op === 'not' || (n.op !== undefined && n.children.some(hasNot));
// A tweak of an earlier tree (the result cache's case): every range moved
// by one day, or one leaf replaced.
function tweak(t) {
  const copy = JSON.parse(JSON.stringify(t));
  const ls = leavesOf(copy.tree);
  if (chance(0.5)) {
    const shift = (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(Date.parse(s) + DAY).toISOString().slice(0, 10)
      : /Z$/.test(s) ? iso(Date.parse(s) + DAY) : iso(Date.parse(s + 'Z') + DAY).slice(0, s.length));
    for (const l of ls) { l.from = shift(l.from); l.to = shift(l.to); }
  } else {
    const l = pick(ls);
    const repl = leaf({ from: l.from, to: l.to }, false);
    for (const k of Object.keys(l)) delete l[k];
    Object.assign(l, repl);
  }
  copy.tweak = true;
  copy.small = false;
  return copy;
}
function makeTrees(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    if (out.length > 4 && chance(0.2)) {
      out.push(tweak(pick(out)));
      continue;
    }
    const small = chance(0.15);
    const req = { tree: tree(1 + (i % 5), range(small), small), small };
    const tz = pick(ZONES);
    if (tz !== 'UTC' || chance(0.2)) req.timezone = tz;
    out.push(req);
  }
  return out;
}

// ---------------------------------------------------------------- DuckDB
// As audience.mjs (from docs/queries.md): a property's text (a top-level
// field wins over the event property of the same name; "type": "user" reads
// the user properties), here a column of ev computed once per event.
const PROP_COLUMNS = {
  platform: `coalesce(platform, ptext(event_properties, '$."platform"'))`,
  country: `coalesce(country, ptext(event_properties, '$."country"'))`,
  color: `ptext(event_properties, '$."color"')`,
  'user.plan': `ptext(user_properties, '$."plan"')`,
};
const propSql = (l) => `"p_${l.type === 'user' ? 'user.' : ''}${l.property}"`;
// (The local time in each zone of ZONES is a column of ev, computed once.)
const localCol = (tz) => `"lt_${tz}"`;
const rangeSql = (l, tz) => audienceRangeSql(l, localCol(tz));
// The counts of a tree at every prefix of the events (the checkpoints): a
// user joins a leaf at the seq of their min_count-th matching event (a
// prefix keeps dedup's decisions: the first occurrence wins), and the
// universe of `not` at their first event in any leaf's range; a node's
// membership at prefix n is then a boolean expression of "joined before n".
// Returns, per prefix, the root's count and the largest node (universe
// included) for the "all sets below k" rule.
async function expected(conn, req, prefixes) {
  const tz = req.timezone ?? 'UTC';
  const ls = leavesOf(req.tree);
  const ids = new Map();
  const ctes = [];
  for (const l of ls) {
    const key = JSON.stringify(l);
    if (ids.has(key)) continue;
    const i = ids.size;
    ids.set(key, i);
    const conds = [rangeSql(l, tz)];
    if (l.event !== '_all') conds.push(`event_type = ${sqlString(l.event)}`);
    if (l.property !== undefined) {
      const vals = (l.values ?? [l.value]).map((v) => sqlString(String(v))).join(', ');
      conds.push(`${propSql(l)} IN (${vals})`);
    }
    const m = l.min_count ?? 1;
    ctes.push(`l${i} AS (SELECT ukey, list_sort(list(seq))[${m}] AS j FROM ev WHERE ${conds.join(' AND ')}
      GROUP BY ukey HAVING count(*) >= ${m})`);
  }
  const withNot = hasNot(req.tree);
  if (withNot)
    ctes.push(`lu AS (SELECT ukey, min(seq) AS j FROM ev WHERE ${[...new Set(ls.map((l) => rangeSql(l, tz)))].join(' OR ')} GROUP BY ukey)`);
  const names = [...ids.values()].map((i) => `l${i}`).concat(withNot ? ['lu'] : []);
  const nodes = [];
  const expr = (node) => {
    let e;
    if (!node.op) e = `coalesce(l${ids.get(JSON.stringify(node))}.j < cp.n, false)`;
    else if (node.op === 'not') e = `(coalesce(lu.j < cp.n, false) AND NOT ${expr(node.children[0])})`;
    else e = `(${node.children.map(expr).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    nodes.push(e);
    return e;
  };
  const root = expr(req.tree);
  if (withNot) nodes.push('coalesce(lu.j < cp.n, false)');
  // Every node's size only for the trees made small (elsewhere the largest
  // set is that of some leaf of a whole day or more: far above k).
  if (!req.small) nodes.length = 0;
  const sql = `WITH ${ctes.join(',\n')},
    keys AS (${names.map((n) => `SELECT ukey FROM ${n}`).join(' UNION ')}),
    cp AS (SELECT unnest([${prefixes.join(',')}]::BIGINT[]) AS n)
    SELECT cp.n AS n, count(*) FILTER (WHERE ${root}) AS c,
      ${nodes.length ? `greatest(${nodes.map((e) => `count(*) FILTER (WHERE ${e})`).join(', ')}, 0)` : 'NULL'} AS biggest
    FROM keys ${names.map((n) => `LEFT JOIN ${n} USING (ukey)`).join(' ')} CROSS JOIN cp
    WHERE keys.ukey IS NOT NULL GROUP BY cp.n`;
  const rows = await duckQuery(sql, conn);
  const out = new Map(prefixes.map((n) => [n, { count: 0, biggest: 0 }]));
  for (const r of rows) out.set(Number(r.n), { count: Number(r.c), biggest: r.biggest === null ? Infinity : Number(r.biggest) });
  return out;
}

// ---------------------------------------------------------------- swell
const dir = mkdtempSync(join(tmpdir(), 'swell-audience-estimate-'));
const DATA = join(dir, 'data');
const APP = 'oracle-estimate';
const INGEST_KEY = 'oracle-ingest-key-0123456789';
const READ_KEY = 'oracle-read-key-0123456789ab';
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let server = null;
let failed = false;
const fail = (msg) => {
  console.error(`oracle_audience_estimate: FAIL (files kept in ${dir})\n${msg}`);
  failed = true;
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
function config(port, extra) {
  return `[server]\nlisten = "127.0.0.1:${port}"\n\n[limits]\nmemory_limit = "8GiB"\n\n` +
    `[lake]\nseal_delay_seconds = 31622400\nseal_interval_seconds = 86400\n\n${extra}` +
    `[[app]]\nid = "${APP}"\ningest_key = "${INGEST_KEY}"\nread_key = "${READ_KEY}"\n`;
}
function run(args) {
  const r = spawnSync(swell, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`swell ${args.join(' ')}: exit ${r.status}\n${r.stderr}${r.stdout}`.slice(0, 4000));
  return r;
}
function request(port, method, path, body, key) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { Authorization: `Bearer ${key ?? READ_KEY}` };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const t = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'),
        ms: Number(process.hrtime.bigint() - t) / 1e6 }));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
// Starts `swell serve`: with a [query] section (small result-cache chunks,
// so ranges cross chunk edges) when this build knows the keys, else without.
let queryConfig = null;
async function startServe() {
  const candidates = queryConfig !== null ? [queryConfig]
    : ['[query]\naudience_chunk_days = 3\n\n', '[query]\naudience_chunk_days = 60\n\n', ''];
  for (const extra of candidates) {
    const port = await freePort();
    const cfg = join(dir, 'swell.toml');
    writeFileSync(cfg, config(port, extra));
    const child = spawn(swell, ['serve', '--data', DATA, '--listen', `127.0.0.1:${port}`, '--config', cfg, '--quiet'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    let exited = null;
    child.on('exit', (code) => { exited = code ?? -1; });
    for (let i = 0; i < 12000 && exited === null; i++) {
      const ok = await request(port, 'GET', '/healthz').then((r) => r.status === 200, () => false);
      if (ok) {
        queryConfig = extra;
        server = { child, port };
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (exited === null) child.kill('SIGKILL');
    log(`swell serve did not start with ${JSON.stringify(extra)}: ${Buffer.concat(err).toString().slice(0, 300)}`);
  }
  throw new Error('swell serve does not start');
}
async function stopServe() {
  if (!server) return;
  const { child } = server;
  const done = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await done;
  server = null;
}
async function metric(name) {
  const r = await request(server.port, 'GET', '/metrics');
  const m = r.body.match(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'm'));
  return m ? Number(m[2]) : null;
}
// Runs fns with at most `width` in flight.
async function pool(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// ---------------------------------------------------------------- the run
const stats = { answers: 0, exactChecked: 0, estimated: 0, covered: 0, exactSmall: 0, identical: 0,
  tweaks: 0, checkpoints: [] };
const byDepth = new Map();  // depth -> {n, covered, errs[]}
const perTree = new Map();  // tree index -> estimated at any checkpoint
const nested = { n: 0, covered1: 0, covered3: 0 };
let estimateMissing = false;

async function checkpoint(name, trees, want, prefix, final) {
  const tc = Date.now();
  const before = { hits: await metric('swell_query_result_cache_hits_total') };
  const latency = { exact: [], estimate: [] };
  await pool(trees, 2, async (req, i) => {
    if (failed) return;
    const { count: exact, biggest } = want[i].get(prefix);
    const where = `${name}, tree ${i} (depth ${depthOf(req.tree)}, DuckDB count ${exact}, largest set ${biggest})`;
    const body = { tree: req.tree, ...(req.timezone ? { timezone: req.timezone } : {}) };
    const ex = await request(server.port, 'POST', '/api/v1/audience', { ...body, mode: 'exact' });
    latency.exact.push(ex.ms);
    stats.answers++;
    if (ex.status !== 200) return fail(`${where}: exact answered ${ex.status} ${ex.body.slice(0, 300)}\n  ${JSON.stringify(body)}`);
    const e = JSON.parse(ex.body);
    if (e.count !== exact || e.lower_bound !== exact || e.upper_bound !== exact || e.mode !== 'exact')
      return fail(`${where}: exact answer ${ex.body.slice(0, 300)}\n  ${JSON.stringify(body)}`);
    stats.exactChecked++;
    if (EXACT_ONLY || estimateMissing) return;
    const est = await request(server.port, 'POST', '/api/v1/audience', { ...body, mode: 'estimate' });
    latency.estimate.push(est.ms);
    stats.answers++;
    if (est.status === 400 && /estimate/.test(est.body) && /not|support|implement/i.test(est.body)) {
      estimateMissing = true;
      return fail(`estimate mode is not implemented (${est.body.slice(0, 200)}); SWELL_ORACLE_EXACT_ONLY=1 checks exact mode alone`);
    }
    if (est.status !== 200) return fail(`${where}: estimate answered ${est.status} ${est.body.slice(0, 300)}\n  ${JSON.stringify(body)}`);
    const a = JSON.parse(est.body);
    const { count, lower_bound: lo, upper_bound: hi } = a;
    if (a.mode !== 'estimate' || ![count, lo, hi].every(Number.isFinite) || !(lo <= count && count <= hi) || lo < 0)
      return fail(`${where}: estimate answer ${est.body.slice(0, 300)} (want lower_bound <= count <= upper_bound, mode estimate)\n  ${JSON.stringify(body)}`);
    if (lo === hi && count !== exact)
      return fail(`${where}: estimate claims exactness (lower_bound = upper_bound) but says ${count}\n  ${JSON.stringify(body)}`);
    if (biggest < K) {
      if (count !== exact || lo !== exact || hi !== exact)
        return fail(`${where}: every set is below ${K} users, so the estimate must be exact; got ${est.body.slice(0, 300)}\n  ${JSON.stringify(body)}`);
      stats.exactSmall++;
    }
    // The same request again: identical bytes (a result-cache hit or not).
    if (!final || i % 2 === 0) {
      const again = await request(server.port, 'POST', '/api/v1/audience', { ...body, mode: 'estimate' });
      if (again.status !== 200 || again.body !== est.body)
        return fail(`${where}: the same estimate request twice: ${JSON.stringify(est.body)} then ${again.status} ${JSON.stringify(again.body)}`);
      stats.identical++;
    }
    if (lo < hi) {
      const d = depthOf(req.tree);
      if (!byDepth.has(d)) byDepth.set(d, { n: 0, covered: 0, errs: [], sizes: [] });
      const s = byDepth.get(d);
      const covered = lo <= exact && exact <= hi;
      s.n++;
      s.covered += covered;
      s.errs.push(Math.abs(count - exact) / Math.max(1, exact));
      s.sizes.push(exact);
      stats.estimated++;
      stats.covered += covered;
      perTree.set(i, true);
      if (final) {
        // 1 and 3 standard deviations: the same count, nested bounds.
        const [r1, r3] = await Promise.all([1, 3].map((sd) =>
          request(server.port, 'POST', '/api/v1/audience', { ...body, mode: 'estimate', std_devs: sd })));
        if (r1.status !== 200 || r3.status !== 200)
          return fail(`${where}: std_devs 1/3 answered ${r1.status} ${r1.body.slice(0, 200)} / ${r3.status} ${r3.body.slice(0, 200)}`);
        const a1 = JSON.parse(r1.body), a3 = JSON.parse(r3.body);
        if (a1.count !== count || a3.count !== count || !(a3.lower_bound <= lo && lo <= a1.lower_bound &&
            a1.lower_bound <= count && count <= a1.upper_bound && a1.upper_bound <= hi && hi <= a3.upper_bound))
          return fail(`${where}: bounds at 1/2/3 std_devs do not nest: ${r1.body} ${est.body} ${r3.body}`);
        nested.n++;
        nested.covered1 += a1.lower_bound <= exact && exact <= a1.upper_bound;
        nested.covered3 += a3.lower_bound <= exact && exact <= a3.upper_bound;
      }
    }
  });
  const hits = await metric('swell_query_result_cache_hits_total');
  const q = (xs, p) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : null);
  const lat = Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, { p50_ms: q(v, 0.5)?.toFixed(1), p99_ms: q(v, 0.99)?.toFixed(1) }]));
  stats.checkpoints.push({ name, seconds: (Date.now() - tc) / 1000, cache_hits: hits === null ? 'no metric' : hits - (before.hits ?? 0), latency: lat });
  log(`checkpoint ${name}: ${JSON.stringify(stats.checkpoints.at(-1))}`);
}

// P(X <= x) for X ~ Binomial(n, p), summed in log space.
function binomCdf(x, n, p) {
  let lg = [0];
  for (let i = 1; i <= n; i++) lg[i] = lg[i - 1] + Math.log(i);
  let s = 0;
  for (let k = 0; k <= x; k++) s += Math.exp(lg[n] - lg[k] - lg[n - k] + k * Math.log(p) + (n - k) * Math.log1p(-p));
  return s;
}

try {
  const { all, nA, nB, nC } = generate();
  log('generated');
  const trees = makeTrees(TREES);
  stats.tweaks = trees.filter((t) => t.tweak).length;
  log(`${all.length} events (A ${nA}, B ${nB}, C ${nC}), ${USERS} users, days ${ymd(0)}..${ymd(9)}, ${trees.length} trees`);
  const strip = (e) => {
    const { seq, arrival, ...rest } = e;
    return rest;
  };
  const nd = (xs) => xs.map((e) => JSON.stringify(strip(e))).join('\n') + '\n';
  writeFileSync(join(dir, 'all.ndjson'), all.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(join(dir, 'a.ndjson'), nd(all.slice(0, nA)));
  writeFileSync(join(dir, 'b.ndjson'), nd(all.slice(nA, nA + nB)));
  writeFileSync(join(dir, 'import.toml'), config(0, ''));

  // DuckDB: the events deduplicated (first occurrence of an insert_id wins;
  // every event arrives within the window), and the expected counts.
  const conn = await duckConnect();
  await duckSetup(conn);
  // Every event arrives within the dedup window (7 days) of the first with
  // its insert_id, so dedup keeps the first occurrence in arrival order.
  const kept = dedupKept(all).length;
  const locals = [...new Set(ZONES)].map((tz) => `timezone(${sqlString(tz)}, epoch_ms(time)::TIMESTAMPTZ) AS ${localCol(tz)}`);
  const props = Object.entries(PROP_COLUMNS).map(([k, e]) => `${e} AS "p_${k}"`);
  await duckQuery(`CREATE TABLE ev AS SELECT seq, event_type, time, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey,
      ${locals.join(', ')}, ${props.join(', ')}
    FROM ${readEventsSql(join(dir, 'all.ndjson'))}
    QUALIFY insert_id IS NULL OR row_number() OVER (PARTITION BY insert_id ORDER BY seq) = 1`, conn);
  const nev = Number((await duckQuery('SELECT count(*) AS n FROM ev', conn))[0].n);
  if (nev !== kept) throw new Error(`DuckDB kept ${nev} events, dedupKept ${kept}`);
  log('DuckDB: events loaded');
  const P1 = nA + nB, P2 = nA + nB + nC;
  const want = [];
  for (const t of trees) {
    const tq = Date.now();
    want.push(await expected(conn, t, [P1, P2]));
    if (process.env.SWELL_ORACLE_VERBOSE) log(`tree ${want.length - 1} depth ${depthOf(t.tree)}: ${Date.now() - tq} ms`);
  }
  log(`DuckDB: expected counts of ${trees.length} trees (${kept} events kept)`);

  run(['import', '--data', DATA, '--app', APP, '--config', join(dir, 'import.toml'), '--no-progress', '--seal', join(dir, 'a.ndjson')]);
  run(['import', '--data', DATA, '--app', APP, '--config', join(dir, 'import.toml'), '--no-progress', join(dir, 'b.ndjson')]);
  log('imported A (sealed) and B (log)');
  await startServe();
  log(`serving with ${JSON.stringify(queryConfig)}`);
  await checkpoint('1-lake+speed', trees, want, P1, false);

  // Part C over HTTP, then the same trees: cached chunks must not hide it.
  for (let i = P1; i < P2 && !failed; i += 20000) {
    const events = all.slice(i, Math.min(P2, i + 20000)).map(strip);
    const r = await request(server.port, 'POST', '/batch', { api_key: INGEST_KEY, events });
    if (r.status !== 200) fail(`POST /batch: ${r.status} ${r.body.slice(0, 300)}`);
  }
  if (!failed) await checkpoint('2-after-http-ingest', trees, want, P2, false);

  await stopServe();
  if (!failed) {
    run(['seal', '--data', DATA, '--app', APP, '--config', join(dir, 'import.toml')]);
    await startServe();
    await checkpoint('3-all-sealed-restarted', trees, want, P2, true);
  }
} catch (err) {
  fail(err.stack ?? String(err));
} finally {
  await stopServe().catch(() => {});
}

// ---------------------------------------------------------------- verdict
// Coverage threshold. Each estimated answer covers the exact count with
// probability ~0.9545 at 2 standard deviations (DataSketches' bounds are
// that or a little wider). The answers are not independent: the three
// checkpoints ask the same trees of nearly the same data, trees share leaves
// and every sketch uses the same hash (seed 9001). The pooled fraction of a
// tree's correlated answers varies no more than one answer does, so count
// one trial per tree that estimated, then halve that for the leaves and the
// hash the trees share (a design effect of 2): n_eff = floor(trees / 2).
// The threshold t is the largest count with P(Binomial(n_eff, 0.9545) < t)
// < 1e-4, and the pooled coverage must be >= t / n_eff. E.g. 200 trees
// estimate -> n_eff 100 -> t = 86 (P(X <= 85) = 4.8e-5): coverage >= 0.86;
// n_eff 80 -> 0.85 (6.4e-5); n_eff 120 -> 0.867 (3.3e-5). 1-sigma bounds
// sold as 2-sigma (68%) fail it with probability > 0.999.
if (!failed && !EXACT_ONLY) {
  const nEff = Math.floor(perTree.size / 2);
  let t = 0;
  while (t < nEff && binomCdf(t, nEff, NOMINAL_2SD) < 1e-4) t++;  // t: first with P(X <= t) >= 1e-4
  const threshold = nEff ? t / nEff : 1;
  const coverage = stats.estimated ? stats.covered / stats.estimated : 1;
  stats.coverage_2sd = Number(coverage.toFixed(4));
  stats.threshold_2sd = Number(threshold.toFixed(4));
  stats.trees_estimated = perTree.size;
  if (perTree.size < 60) fail(`only ${perTree.size} trees estimated (leaves too small?): the coverage check has no power`);
  else if (coverage < threshold)
    fail(`2-sigma coverage ${coverage.toFixed(4)} (${stats.covered}/${stats.estimated}) < ${threshold.toFixed(4)} ` +
      `(binomial n_eff ${nEff}, p ${NOMINAL_2SD}, P < 1e-4)`);
  if (stats.exactSmall < 5) fail(`only ${stats.exactSmall} answers had every set below ${K} users`);
  if (nested.n) {
    stats.coverage_1sd = Number((nested.covered1 / nested.n).toFixed(4));
    stats.coverage_3sd = Number((nested.covered3 / nested.n).toFixed(4));
  }
  console.log('depth  estimated  median users  coverage@2sd  mean rel err  p95 rel err  max rel err');
  for (const d of [...byDepth.keys()].sort()) {
    const s = byDepth.get(d);
    const errs = [...s.errs].sort((a, b) => a - b);
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const median = [...s.sizes].sort((a, b) => a - b)[Math.floor(s.sizes.length / 2)];
    console.log(`${String(d).padStart(5)}  ${String(s.n).padStart(9)}  ${String(median).padStart(12)}  ${(s.covered / s.n).toFixed(3).padStart(12)}  ` +
      `${(100 * mean).toFixed(2).padStart(11)}%  ${(100 * errs[Math.floor(0.95 * (errs.length - 1))]).toFixed(2).padStart(10)}%  ` +
      `${(100 * errs.at(-1)).toFixed(2).padStart(10)}%`);
  }
}
if (!failed && process.env.SWELL_ORACLE_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
console.log(`oracle_audience_estimate: ${failed ? 'FAIL' : 'ok'} ${JSON.stringify(stats)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
