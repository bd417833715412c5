// Load test: ingest and queries together, for minutes, against a `swell serve`
// this script starts (temp data directory, loopback, a config with fast seals
// and a bounded partition cache).
//
//   node bench/load.mjs --swell PATH_TO_SWELL [--seconds 300] [--ingest-clients 16] [--query-clients 4]
//        [--rate 0] [--days 30] [--seal-interval 5] [--cache 256MiB] [--report docs/benchmarks.md | --no-report]
//        [--out load.json] [--keep]
//   node bench/load.mjs --render load.json [--note TEXT] [--report FILE]   # rewrites the section from a run's --out
//   node bench/load.mjs --ci --swell PATH   # ~25 s, fewer clients, no report (CTest: load_short)
//
// Ingest clients send Amplitude HTTP V2 batches (POST /2/httpapi) of the sizes
// the SDKs send; a 200 is a durable ack. Events of a fixed population of users
// go to closed past days and 5% to the current hour (eventTime below: a window
// of recent days fills during the warm-up third, then gets late events only,
// while the rest goes to older days, a new one every few seconds), so seal
// rounds rewrite a day or two of bounded size all the time. A tenth of the
// batches carry an insert_id on every event, and a quarter of those are sent a
// second time after their ack (an SDK retry whose answer was lost: the repeat
// must be dropped). Every 16th batch or so carries one "load_mark" event with a
// unique property value: each acknowledged mark must be counted exactly once.
// Query clients meanwhile run segmentation (uniques, group-by, dau by a user
// property), funnel, retention, audience (exact and estimate) and the events
// list, back to back, mostly over the window.
//
// Fails (exit 1) on: any answer other than 200 (429 is counted, retried and
// reported), any connection error, a seal failure, an event lost or counted
// twice (per day, per event name, per mark; after the load, after the next
// seal round, and after a restart), or memory that grows. Memory: RSS minus
// what the server reports holding by design (the speed layer estimate, which
// includes the user dictionary and the insert_id index; the partition cache,
// bounded by [lake] cache; the audience result cache) is the "rest"; after a
// warm-up third, its median over the last third may exceed its median over the
// middle third by at most 10% + 48 MiB (--ci: 50% + 128 MiB). The data keeps
// legitimate growth small and visible: the user dictionary stops growing in
// the first seconds, property values are a bounded set, insert_ids are on a
// tenth of the batches only (the index holds each for 7 days, inside the speed
// layer estimate), and after the warm-up the days the queries read grow only
// by the late events, so their working memory stays the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpRequest, parseArgs, percentile, sleep, writeJson } from './lib/common.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const ci = argv.includes('--ci');
const args = parseArgs(argv, ci
  ? { seconds: '25', ingest_clients: '4', query_clients: '2', rate: '4000', days: '8', seal_interval: '2', cache: '32MiB' }
  : { seconds: '300', ingest_clients: '16', query_clients: '4', rate: '0', days: '30', seal_interval: '5', cache: '256MiB',
      report: path.join(REPO, 'docs', 'benchmarks.md') });
if ((!args.swell || args.swell === true) && !args.render) {
  console.error('usage: node bench/load.mjs --swell PATH_TO_SWELL [--ci] [--seconds N] [--ingest-clients N] [--query-clients M] [--report FILE]');
  process.exit(2);
}
const log = (...a) => console.error('[load]', ...a);
const SECONDS = Number(args.seconds);
const INGEST_CLIENTS = Number(args.ingest_clients);
const QUERY_CLIENTS = Number(args.query_clients);
const RATE = Number(args.rate);  // events/s offered by all ingest clients together; 0: as fast as they go
const DAYS = Number(args.days);
const SEAL_INTERVAL = Number(args.seal_interval);
// The short run sees only a few seal rounds, each of which trims the heap
// (a sawtooth); its bound catches a gross leak, the full run a slow one.
const MEM_SLACK = ci ? { pct: 50, mib: 128 } : { pct: 10, mib: 48 };

const APP = { id: 'load', ingest: 'load-ingest-key-000000001', read: 'load-read-key-0000000001' };
const CONFIG = `[[app]]
id = "${APP.id}"
ingest_key = "${APP.ingest}"
read_key = "${APP.read}"

[server]
threads = 64

[limits]
memory_limit = "2GiB"

[lake]
seal_delay_seconds = 0
seal_interval_seconds = ${SEAL_INTERVAL}
cache = "${args.cache}"

[query]
result_cache = "32MiB"
`;

const DAY_MS = 86400000;
const HOUR_MS = 3600000;
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
const T0 = Date.now();
const TODAY0 = Math.floor(T0 / DAY_MS) * DAY_MS;

// ---- failures ----
const failures = [];
const fail = (what) => { failures.push(what); log(`FAIL ${what}`); };

// ---- the events ----
const USERS = 20000;
const NAMES = [['session_start', 10], ['page_view', 30], ['view_item', 20], ['add_to_cart', 8], ['purchase', 3],
  ['search', 12], ['click_button', 17]];
const NAME_TABLE = NAMES.flatMap(([n, w]) => Array(w).fill(n));
const PLATFORMS = ['iOS', 'Android', 'Web'];
const COUNTRIES = ['US', 'IN', 'BR', 'DE', 'GB', 'FR', 'JP', 'ID', 'MX', 'CA'];
const PLANS = ['free', 'plus', 'pro', 'team'];
// Per user, the part of the event that does not change: ids, device fields,
// user properties (a device-only user every 20th).
const userHead = Array.from({ length: USERS }, (_, u) =>
  (u % 20 === 0 ? '' : `"user_id":"load-user-${u}",`) + `"device_id":"load-device-${u}","platform":"${PLATFORMS[u % 3]}",` +
  `"country":"${COUNTRIES[(u * 7) % 10]}","app_version":"5.1.${u % 5}","user_properties":{"plan":"${PLANS[u % 4]}"}`);
// SDK batch sizes: browser and mobile SDKs flush 30 events (or what a few
// seconds gathered), server SDKs a few hundred; an occasional single event.
const BATCH_SIZES = [1, 5, 10, 30, 30, 30, 30, 100, 100, 300];
const rnd = (n) => Math.floor(Math.random() * n);
const runTag = `${process.pid.toString(36)}${T0.toString(36)}`;

// What the test expects the server to count: acknowledged events, per UTC
// day and per event name; marks acknowledged (each must count once).
const expect = { total: 0, byDay: new Map(), byName: new Map(), marks: new Set(), marksRefused: new Set() };
const bump = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
let markSeq = 0, idSeq = 0;
const MAX_MARKS = 9000;  // below the segmentation group limit (10000) used to read them back

// Which day an event goes to. The queries read a window of the W most recent
// past days and today. During the warm-up third the window fills, a day at a
// time; after it, the window only gets late events (2%, one of its days at a
// time, so that day is rewritten at every seal round while queries read it)
// and most events go to the older days, a new one every sliceMs: seal rounds
// then rewrite a day or two of bounded size, and the data the queries read
// grows no more than the trickle, so their working memory stays the same.
// 5% of the events go to the current hour.
const W = Math.min(7, Math.max(1, Math.floor(DAYS / 2)));
const warmMs = (SECONDS * 1000) / 3;
const sliceMs = Math.max(2 * SEAL_INTERVAL * 1000, (2 * warmMs) / Math.max(1, DAYS - W));
function eventTime(now) {
  const r = Math.random();
  if (r < 0.05) {
    const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
    return hourStart + rnd(Math.max(1, now - hourStart));
  }
  const el = now - T0;
  let dayBack;
  if (el < warmMs) dayBack = 1 + (Math.floor(el / (warmMs / W)) % W);
  else if (r < 0.07 || DAYS <= W) dayBack = 1 + (Math.floor((el - warmMs) / sliceMs) % W);
  else dayBack = W + 1 + (Math.floor((el - warmMs) / sliceMs) % (DAYS - W));
  return TODAY0 - dayBack * DAY_MS + rnd(DAY_MS);
}

// One batch: {body, n, days: Map day -> n, names: Map, marks: [], withIds, resend}.
function makeBatch() {
  const n = BATCH_SIZES[rnd(BATCH_SIZES.length)];
  const withIds = Math.random() < 0.1;
  const now = Date.now();
  const parts = [];
  const days = new Map(), names = new Map(), marks = [];
  const push = (name, extraProps) => {
    const t = eventTime(now);
    bump(days, ymd(t));
    bump(names, name);
    const u = rnd(USERS);
    parts.push(`{"event_type":"${name}",${userHead[u]},"time":${t},` +
      `"event_properties":{"item_id":"item-${rnd(500)}","price":${(rnd(10000) / 100).toFixed(2)}${extraProps}}` +
      (withIds ? `,"insert_id":"${runTag}-${idSeq++}"` : '') + '}');
  };
  for (let i = 0; i < n; i++) push(NAME_TABLE[rnd(NAME_TABLE.length)], '');
  if (markSeq < MAX_MARKS && Math.random() < 1 / 16) {
    const mark = `m${markSeq++}`;
    marks.push(mark);
    push('load_mark', `,"mark":"${mark}"`);
  }
  return {
    body: `{"api_key":"${APP.ingest}","events":[${parts.join(',')}]}`,
    n: parts.length, days, names, marks, withIds, resend: withIds && Math.random() < 0.25,
  };
}

// ---- the load ----
const stats = {
  ingest: { requests: 0, acked_requests: 0, events: 0, resent_events: 0, lat: [], at: [], sizes: [], status429: 0, refused_batches: 0 },
  queries: {},  // type -> {requests, lat: [], at: [] (when each answer came), status429}
  errors: [],   // {what, detail}
  ambiguousEvents: 0,  // events of requests whose fate is unknown (connection error)
};
const recordError = (what, detail) => {
  stats.errors.push({ what, detail: String(detail).slice(0, 300) });
  if (stats.errors.length <= 10) log(`error: ${what}: ${String(detail).slice(0, 300)}`);
};

let server;
let deadline;
let paceAt = 0;
// Spaces batches so all clients together offer RATE events/s.
async function pace(n) {
  if (!RATE) return;
  const now = Date.now();
  const slot = Math.max(paceAt, now);
  paceAt = slot + (n / RATE) * 1000;
  if (slot > now) await sleep(slot - now);
}

const ingestPool = new http.Agent({ keepAlive: true, maxSockets: INGEST_CLIENTS });
// Sends a batch until a 200 (backing off on 429, as the SDKs do), or until
// the grace after the deadline runs out. Returns 'acked', 'refused' (only
// 429s: nothing stored) or 'error'.
async function send(batch) {
  for (;;) {
    let r;
    try {
      r = await httpRequest(`${server.url}/2/httpapi`, { method: 'POST', body: batch.body, pool: ingestPool, timeoutMs: 120000 });
    } catch (e) {
      stats.ambiguousEvents += batch.n;
      recordError('ingest connection', e.message || e);
      return 'error';
    }
    stats.ingest.requests++;
    if (r.status === 200) {
      stats.ingest.lat.push(r.ms);
      stats.ingest.at.push(Date.now());
      stats.ingest.sizes.push(batch.n);
      return 'acked';
    }
    if (r.status === 429) {
      stats.ingest.status429++;
      if (Date.now() > deadline + 30000) return 'refused';
      await sleep(250);
      continue;
    }
    recordError(`ingest HTTP ${r.status}`, r.body);
    return 'error';
  }
}

async function ingestClient() {
  while (Date.now() < deadline) {
    const batch = makeBatch();
    await pace(batch.n);
    const outcome = await send(batch);
    if (outcome === 'acked') {
      stats.ingest.acked_requests++;
      stats.ingest.events += batch.n;
      expect.total += batch.n;
      for (const [d, k] of batch.days) bump(expect.byDay, d, k);
      for (const [nm, k] of batch.names) bump(expect.byName, nm, k);
      for (const m of batch.marks) expect.marks.add(m);
      if (batch.resend) {
        // The same body again: every event is an insert_id repeat.
        const again = await send(batch);
        if (again === 'acked') { stats.ingest.acked_requests++; stats.ingest.resent_events += batch.n; }
      }
    } else {
      if (outcome === 'refused') stats.ingest.refused_batches++;
      for (const m of batch.marks) expect.marksRefused.add(m);
    }
  }
}

// The query mix. Ranges: the window (W past days and today), its last few
// days, and (one query) every day the run writes to.
const FROM_ALL = ymd(TODAY0 - DAYS * DAY_MS);
const FROM_WINDOW = ymd(TODAY0 - W * DAY_MS);
const SHORT = Math.min(3, W) + 1;
const FROM_SHORT = ymd(TODAY0 - (SHORT - 1) * DAY_MS);
const TO = ymd(TODAY0 + DAY_MS);  // tomorrow: covers a run that passes midnight
const seg = (body) => ({ method: 'POST', path: '/api/v1/segmentation', body: { timezone: 'UTC', interval: 'day', ...body } });
const QUERIES = [
  [`segmentation uniques by country (${SHORT} d)`, () => seg({ event: { name: 'view_item' }, metric: 'uniques', group_by: 'country', from: FROM_SHORT, to: TO })],
  [`segmentation totals of all events by platform (all ${DAYS + 1} d)`, () => seg({ event: { name: '_all' }, metric: 'totals', group_by: 'platform', from: FROM_ALL, to: TO })],
  [`segmentation dau by user plan, filtered (${W + 1} d)`, () => seg({ event: { name: 'session_start', filters: [{ property: 'platform', op: 'is', values: ['iOS', 'Web'] }] },
    metric: 'dau', group_by: { property: 'plan', type: 'user' }, from: FROM_WINDOW, to: TO })],
  [`funnel view_item > add_to_cart > purchase, 1 d window (${SHORT} d)`, () => ({ method: 'POST', path: '/api/v1/funnel', body: {
    steps: [{ event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }], from: FROM_SHORT, to: TO, window: '1d', timezone: 'UTC' } })],
  [`retention session_start > any event, 7 periods (${W + 1} d)`, () => ({ method: 'POST', path: '/api/v1/retention', body: {
    start: { event: 'session_start' }, return: { event: '_all' }, from: FROM_WINDOW, to: TO, periods: 7, timezone: 'UTC' } })],
  [`audience exact: view_item ≥ 2 and not purchase, plan pro (${W + 1} d)`, () => ({ method: 'POST', path: '/api/v1/audience', body: {
    tree: { op: 'and', children: [{ event: 'view_item', from: FROM_WINDOW, to: TO, min_count: 2 },
      { op: 'not', children: [{ event: 'purchase', from: FROM_WINDOW, to: TO }] },
      { event: 'session_start', property: 'plan', type: 'user', values: ['pro'], from: FROM_SHORT, to: TO }] },
    mode: 'exact', sample: 3 } })],
  [`audience estimate: add_to_cart or search, not purchase (${W + 1} d)`, () => ({ method: 'POST', path: '/api/v1/audience', body: {
    tree: { op: 'and', children: [{ op: 'or', children: [{ event: 'add_to_cart', from: FROM_WINDOW, to: TO }, { event: 'search', from: FROM_SHORT, to: TO }] },
      { op: 'not', children: [{ event: 'purchase', from: FROM_WINDOW, to: TO }] }] }, mode: 'estimate', std_devs: 2 } })],
  ['events list', () => ({ method: 'GET', path: '/api/v1/events' })],
];
for (const [name] of QUERIES) stats.queries[name] = { requests: 0, lat: [], at: [], status429: 0 };

const queryPool = new http.Agent({ keepAlive: true, maxSockets: QUERY_CLIENTS });
const readHeaders = { Authorization: `Bearer ${APP.read}` };
async function queryClient(index) {
  for (let i = index; Date.now() < deadline; i++) {
    const [name, make] = QUERIES[i % QUERIES.length];
    const q = make();
    const s = stats.queries[name];
    let r;
    try {
      r = await httpRequest(`${server.url}${q.path}`, { method: q.method, body: q.body, headers: readHeaders, pool: queryPool, timeoutMs: 180000 });
    } catch (e) {
      recordError(`query connection (${name})`, e.message || e);
      await sleep(200);
      continue;
    }
    s.requests++;
    if (r.status === 200) {
      s.lat.push(r.ms);
      s.at.push(Date.now());
      try { JSON.parse(r.body); } catch { recordError(`query answer not JSON (${name})`, r.body); }
    } else if (r.status === 429) {
      // The query gate is full (Retry-After: 1); the next query of the mix comes after that.
      s.status429++;
      await sleep(1000);
    } else {
      recordError(`query HTTP ${r.status} (${name})`, r.body);
    }
  }
}

// ---- sampling: RSS, server CPU and /metrics every second ----
const samplePool = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
const CLK_TCK = 100;
function procStats(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rss_kib: rss, cpu_s: (Number(f[11]) + Number(f[12])) / CLK_TCK };
  } catch {
    return null;
  }
}
async function scrapeMetrics() {
  const r = await httpRequest(`${server.url}/metrics`, { pool: samplePool, timeoutMs: 30000 });
  if (r.status !== 200) throw new Error(`/metrics answered HTTP ${r.status}`);
  const m = {};
  for (const line of r.body.split('\n')) {
    if (!line || line[0] === '#') continue;
    const sp = line.lastIndexOf(' ');
    m[line.slice(0, sp)] = Number(line.slice(sp + 1));
  }
  return m;
}
const metric = (m, name) => m?.[name] ?? 0;
let sampling = false;
async function sampler(t0) {
  while (sampling) {
    const tick = Date.now();
    const ps = procStats(server.proc.pid);
    let m = null;
    try {
      m = await scrapeMetrics();
    } catch (e) {
      recordError('metrics scrape', e.message || e);
    }
    if (ps && m) {
      samples.push({
        t: (tick - t0) / 1000, rss_kib: ps.rss_kib, cpu_s: ps.cpu_s,
        speed_bytes: metric(m, 'swell_speed_memory_bytes'), speed_events: metric(m, 'swell_speed_events'),
        cache_bytes: metric(m, 'swell_partition_cache_bytes'), result_cache_bytes: metric(m, 'swell_query_result_cache_bytes'),
        seal_runs: metric(m, 'swell_seal_runs_total'), seal_failures: metric(m, 'swell_seal_failures_total'),
        sealed_partitions: metric(m, 'swell_sealed_partitions_total'), sealed_events: metric(m, 'swell_sealed_events_total'),
        ingested: metric(m, 'swell_events_ingested_total'), duplicates: metric(m, 'swell_events_duplicate_total'),
        lake_bytes: metric(m, 'swell_lake_bytes'), wal_disk_bytes: metric(m, 'swell_wal_disk_bytes'),
        lake_files: metric(m, 'swell_lake_files'), lake_version: metric(m, 'swell_lake_version'),
      });
    }
    await sleep(Math.max(0, 1000 - (Date.now() - tick)));
  }
}

// ---- checks: every acknowledged event counted exactly once ----
async function query(q) {
  const r = await httpRequest(`${server.url}${q.path}`, { method: q.method, body: q.body, headers: readHeaders, timeoutMs: 300000 });
  if (r.status !== 200) throw new Error(`HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
}
async function checkCounts(phase) {
  const result = { phase, ok: true, problems: [] };
  const problem = (s) => { result.ok = false; if (result.problems.length < 20) result.problems.push(s); };
  const days = [...expect.byDay.keys()].sort();
  // Per day: totals of every event.
  const perDay = await query(seg({ event: { name: '_all' }, metric: 'totals', from: days[0], to: days[days.length - 1] }));
  const got = new Map();
  for (const s of perDay.series) for (const p of s.points) bump(got, String(p.t).slice(0, 10), Number(p.value));
  let gotTotal = 0;
  for (const d of new Set([...days, ...got.keys()])) {
    const e = expect.byDay.get(d) ?? 0, g = got.get(d) ?? 0;
    gotTotal += g;
    if (e !== g) problem(`day ${d}: expected ${e} events, counted ${g}`);
  }
  // Per event name, all time.
  const list = await query({ method: 'GET', path: '/api/v1/events' });
  for (const name of new Set([...expect.byName.keys(), ...list.events.map((e) => e.name)])) {
    const e = expect.byName.get(name) ?? 0, g = list.events.find((x) => x.name === name)?.totals ?? 0;
    if (e !== g) problem(`event ${name}: expected ${e}, counted ${g}`);
  }
  // Each mark once; a refused one not at all.
  const marks = await query(seg({ event: { name: 'load_mark' }, metric: 'totals', group_by: 'mark', limit: 10000, from: days[0], to: days[days.length - 1] }));
  const gotMarks = new Map();
  for (const s of marks.series) bump(gotMarks, String(s.group), s.points.reduce((a, p) => a + Number(p.value), 0));
  let marksOk = 0;
  for (const m of expect.marks) {
    const g = gotMarks.get(m) ?? 0;
    if (g === 1) marksOk++;
    else problem(`mark ${m}: acknowledged, counted ${g} times`);
  }
  for (const [m, g] of gotMarks) if (!expect.marks.has(m) && g) problem(`mark ${m}: ${expect.marksRefused.has(m) ? 'refused' : 'never acknowledged'}, counted ${g} times`);
  Object.assign(result, { expected_events: expect.total, counted_events: gotTotal, days: days.length, marks: expect.marks.size, marks_once: marksOk });
  log(`check ${phase}: ${result.ok ? 'ok' : 'FAILED'}: ${gotTotal} of ${expect.total} events counted over ${days.length} days, ` +
      `${marksOk} of ${expect.marks.size} marks exactly once${result.ok ? '' : `; ${result.problems.slice(0, 5).join('; ')}`}`);
  if (!result.ok) fail(`no-loss check ${phase}: ${result.problems.slice(0, 3).join('; ')}`);
  return result;
}

// ---- memory ----
const MIB = 1024 * 1024;
const med = (v) => percentile(v, 50);
function memoryVerdict(load) {
  const T = load.length ? load[load.length - 1].t : 0;
  const mid = load.filter((s) => s.t >= T / 3 && s.t < (2 * T) / 3);
  const last = load.filter((s) => s.t >= (2 * T) / 3);
  const rest = (s) => s.rss_kib * 1024 - s.speed_bytes - s.cache_bytes - s.result_cache_bytes;
  const v = {
    slack: MEM_SLACK,
    mid_samples: mid.length, last_samples: last.length,
    rss_mid_median_mib: med(mid.map((s) => s.rss_kib / 1024)), rss_last_median_mib: med(last.map((s) => s.rss_kib / 1024)),
    rss_mid_max_mib: Math.max(...mid.map((s) => s.rss_kib / 1024)), rss_last_max_mib: Math.max(...last.map((s) => s.rss_kib / 1024)),
    rest_mid_median_mib: med(mid.map(rest)) / MIB, rest_last_median_mib: med(last.map(rest)) / MIB,
    speed_mid_median_mib: med(mid.map((s) => s.speed_bytes)) / MIB, speed_last_median_mib: med(last.map((s) => s.speed_bytes)) / MIB,
    cache_mid_median_mib: med(mid.map((s) => s.cache_bytes)) / MIB, cache_last_median_mib: med(last.map((s) => s.cache_bytes)) / MIB,
  };
  v.limit_mib = v.rest_mid_median_mib * (1 + MEM_SLACK.pct / 100) + MEM_SLACK.mib;
  v.ok = mid.length >= 3 && last.length >= 3 && v.rest_last_median_mib <= v.limit_mib;
  return v;
}

// ---- report ----
const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const fms = (v) => (v === null || v === undefined ? '—' : v < 10 ? `${fmt(v, 2)} ms` : v < 1000 ? `${fmt(v, 1)} ms` : `${fmt(v / 1000, 2)} s`);
function reportSection(R) {
  const L = [];
  const p = (...s) => L.push(...s);
  const table = (head, rows) => {
    p(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of rows) p(`| ${r.join(' | ')} |`);
    p('');
  };
  p('<!-- load:begin -->', '## Load: ingest and queries together', '');
  p(`Generated by \`bench/load.mjs\` on ${R.date}; written by the script itself (\`bench/run.sh\` keeps this section).`,
    `${fmt(R.seconds)} s of ingest and queries at once against one \`swell serve\` on loopback, started by the script on an`,
    `empty data directory. ${R.ingest_clients} ingest clients (keep-alive, \`POST /2/httpapi\`, batches of 1–300 events as the SDKs send,`,
    `${R.rate ? `${fmt(R.rate)} events/s offered in all` : 'each sending back to back'}; a 200 is a durable ack) and ${R.query_clients} query clients asking the`,
    `mix below back to back. ${fmt(R.users)} users. During the first third the events fill the ${R.window} most recent past days`,
    `(the window most queries read); after it that window gets only late events (2%, one of its days at a time) and most`,
    `events go to older days, a new one every ${fmt(R.slice_s, 1)} s over ${R.days} days; 5% go to the current hour. With`,
    `\`[lake] seal_delay_seconds = 0\` and \`seal_interval_seconds = ${R.seal_interval}\`, seal rounds rewrite a day or two all the time;`,
    `\`[lake] cache = "${R.cache}"\`. A tenth of the batches carry insert_ids, and a quarter of those are sent twice (an SDK`,
    'retry): the repeats must be dropped. The load generator shares the cores with the server.', '');
  table(['', ''], [
    ['Machine', `${R.machine.cpu} — ${R.machine.nproc} cores, ${fmt(R.machine.ram_gib, 1)} GiB RAM, kernel ${R.machine.kernel}; load average ${R.machine.loadavg_start} at the start (a machine shared with other work)`],
    ['Swell', `\`${R.machine.swell_version}\`, Node ${R.machine.node}`],
    ['Command', `\`${R.command}\``],
    ['Verdict', R.ok ? '**pass**: no error, no lost or doubled event, memory flat' : `**FAIL**: ${R.failures.join('; ')}`],
  ]);
  if (R.note) p(`> ${R.note}`, '');
  const I = R.ingest;
  p('### Ingest under query load', '');
  table(['events acknowledged', 'events/s', 'requests (200)', 'request p50', 'p99', 'max', 'insert_id repeats sent (dropped)', '429 answers', 'errors'], [[
    fmt(I.events), fmt(I.events_per_s), fmt(I.acked_requests), fms(I.p50_ms), fms(I.p99_ms), fms(I.max_ms),
    `${fmt(I.resent_events)} (${fmt(R.server.duplicates)} dropped)`, fmt(I.status429), fmt(R.errors.filter((e) => e.what.startsWith('ingest')).length)]]);
  p('### Queries under ingest load', '');
  p(`The server lets \`max_concurrent_queries\` queries run at once (default: one per hardware thread) and answers 429 to`,
    'one that waited 2 s for a slot; the client then waits 1 s (`Retry-After`) and goes on with the next query of the mix.', '');
  table(['query', 'answers', 'p50', 'p99', 'max', 'after the warm-up third: answers, p50 / p99', '429 answers'],
    Object.entries(R.queries).map(([name, q]) => [name, fmt(q.answers), fms(q.p50_ms), fms(q.p99_ms), fms(q.max_ms),
      `${fmt(q.answers_after_warmup)}, ${fms(q.p50_after_warmup_ms)} / ${fms(q.p99_after_warmup_ms)}`, fmt(q.status429)]));
  p('Per minute (all query types together):', '');
  table(['minute', 'events/s acknowledged', 'ingest request p50 / p99', 'queries answered', 'query p50 / p99'],
    R.memory.per_minute.map((m) => [m.minute, fmt(m.events_per_s), `${fms(m.ingest_p50_ms)} / ${fms(m.ingest_p99_ms)}`, fmt(m.queries),
      `${fms(m.query_p50_ms)} / ${fms(m.query_p99_ms)}`]));
  p('### Seals, lake, log', '');
  p(`${fmt(R.server.seal_runs)} seal rounds, ${fmt(R.server.seal_failures)} failed; ${fmt(R.server.sealed_partitions)} app-days committed, ` +
    `${fmt(R.server.sealed_events)} events moved into the lake (days rewritten as they grow). At the end: lake ${fmt(R.server.lake_bytes / MIB, 1)} MiB, ` +
    `log ${fmt(R.server.wal_disk_bytes / MIB, 1)} MiB, speed layer ${fmt(R.server.speed_events)} events. Server CPU ${fmt(R.server.cpu_s, 0)} s, load generator CPU ${fmt(R.client_cpu_s, 0)} s in ${fmt(R.seconds)} s.`, '');
  p('### Memory', '');
  p('`VmRSS` of the server every second; "speed layer" and "partition cache" are the server\'s own figures',
    '(`swell_speed_memory_bytes`, which includes the user dictionary and the insert_id index, and',
    '`swell_partition_cache_bytes`); "rest" is RSS minus those and the audience result cache. Per minute, medians except where said:', '');
  table(['minute', 'RSS min / median / max', 'speed layer', 'partition cache', 'rest', 'events in memory'],
    R.memory.per_minute.map((m) => [m.minute, `${fmt(m.rss_min_mib)} / ${fmt(m.rss_median_mib)} / ${fmt(m.rss_max_mib)} MiB`,
      `${fmt(m.speed_mib, 1)} MiB`, `${fmt(m.cache_mib, 1)} MiB`, `${fmt(m.rest_mib)} MiB`, fmt(m.speed_events)]));
  const V = R.memory.verdict;
  p(`Criterion: after a warm-up third, the median "rest" over the last third may exceed the median over the middle third by at most ` +
    `${V.slack.pct}% + ${V.slack.mib} MiB (legitimate growth — users, insert_ids, loaded days — is in the server's own figures). ` +
    `Middle third ${fmt(V.rest_mid_median_mib)} MiB, last third ${fmt(V.rest_last_median_mib)} MiB, limit ${fmt(V.limit_mib)} MiB: **${V.ok ? 'flat' : 'GROWS'}** ` +
    `(RSS median ${fmt(V.rss_mid_median_mib)} → ${fmt(V.rss_last_median_mib)} MiB, max ${fmt(V.rss_mid_max_mib)} → ${fmt(V.rss_last_max_mib)} MiB).`, '');
  p('### Every acknowledged event counted once', '');
  p('Totals per day (segmentation of every event), per event name (`GET /api/v1/events`) and per mark (one event with a',
    'unique property value in every 16th batch, read back grouped by that value) against the script\'s own count of',
    'acknowledged events; insert_id repeats must not count. Asked right after the load, after the next seal round, and after a restart:', '');
  table(['when', 'events expected / counted', 'days', 'marks counted exactly once', 'result'],
    R.checks.map((c) => [c.phase, `${fmt(c.expected_events)} / ${fmt(c.counted_events)}`, fmt(c.days), `${fmt(c.marks_once)} of ${fmt(c.marks)}`,
      c.ok ? 'ok' : `**FAIL**: ${c.problems.slice(0, 3).join('; ')}`]));
  p('Reproduce: `cmake --build build --target swell && node bench/load.mjs --swell build/src/cli/swell` (5 minutes of load, then the checks: about 10 minutes; `--ci` is the',
    '25-second version CTest runs as `load_short`).', '<!-- load:end -->');
  return L.join('\n');
}

function writeReport(file, section) {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* a new file */ }
  const begin = text.indexOf('<!-- load:begin -->'), end = text.indexOf('<!-- load:end -->');
  const audiences = text.indexOf('\n## Audiences');  // where bench/report.mjs puts the section
  if (begin >= 0 && end > begin) text = text.slice(0, begin) + section + text.slice(end + '<!-- load:end -->'.length);
  else if (audiences >= 0) text = `${text.slice(0, audiences + 1)}${section}\n\n${text.slice(audiences + 1)}`;
  else text = `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, text);
  log(`wrote the load section of ${file}`);
}

// Starts `swell serve` on DIR/data (any free loopback port) and resolves once
// it listens. The start after the run replays the whole log: minutes may pass.
async function startServer(bin, dir) {
  fs.writeFileSync(path.join(dir, 'swell.toml'), CONFIG);
  const proc = spawn(bin, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--config', path.join(dir, 'swell.toml'), '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 600 s:\n${stdout}\n${stderr}`)), 600000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = /Listening on (http:\/\/\S+)/.exec(stdout);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}:\n${stdout}\n${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { url, proc, dataDir: path.join(dir, 'data'), stderr: () => stderr, stop: () => { proc.kill('SIGTERM'); return exited; } };
}

// ---- main ----
async function main() {
  if (args.render && args.render !== true) {
    // Re-renders the section from a run's --out JSON (with --note TEXT: a remark under the verdict).
    const R = JSON.parse(fs.readFileSync(args.render, 'utf8'));
    if (args.note && args.note !== true) R.note = args.note;
    writeReport(args.report, reportSection(R));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swell-load-'));
  const started = new Date();
  const loadavgStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  server = await startServer(args.swell, dir);
  log(`server ${server.url} (pid ${server.proc.pid}), data ${server.dataDir}; ${SECONDS} s, ${INGEST_CLIENTS} ingest + ${QUERY_CLIENTS} query clients, ` +
      `rate ${RATE || 'unlimited'}, ${DAYS} days, a new day every ${(sliceMs / 1000).toFixed(1)} s`);
  const t0 = Date.now();
  deadline = t0 + SECONDS * 1000;
  sampling = true;
  const samplerDone = sampler(t0);
  const cpu0 = process.cpuUsage();
  // Progress every 30 s (every 5 s in --ci).
  const progress = setInterval(() => {
    const s = samples[samples.length - 1];
    if (s) log(`${s.t.toFixed(0)} s: ${stats.ingest.events} events acked, RSS ${(s.rss_kib / 1024).toFixed(0)} MiB, speed ${(s.speed_bytes / MIB).toFixed(1)} MiB ` +
      `(${s.speed_events} events), cache ${(s.cache_bytes / MIB).toFixed(1)} MiB, ${s.seal_runs} seal rounds, ` +
      `${Object.values(stats.queries).reduce((a, q) => a + q.lat.length, 0)} queries, ${stats.errors.length} errors`);
  }, ci ? 5000 : 30000);
  await Promise.all([
    ...Array.from({ length: INGEST_CLIENTS }, () => ingestClient()),
    ...Array.from({ length: QUERY_CLIENTS }, (_, i) => queryClient(i)),
  ]);
  const wall = (Date.now() - t0) / 1000;
  sampling = false;
  await samplerDone;
  clearInterval(progress);
  const cpu = process.cpuUsage(cpu0);
  const loadSamples = samples.slice();
  const atEnd = loadSamples[loadSamples.length - 1] ?? {};

  // Server-side counters against the client's.
  const m = await scrapeMetrics();
  if (metric(m, 'swell_events_ingested_total') !== expect.total)
    fail(`swell_events_ingested_total ${metric(m, 'swell_events_ingested_total')} != ${expect.total} events acknowledged`);
  if (metric(m, 'swell_events_duplicate_total') !== stats.ingest.resent_events)
    fail(`swell_events_duplicate_total ${metric(m, 'swell_events_duplicate_total')} != ${stats.ingest.resent_events} insert_id repeats sent`);
  if (metric(m, 'swell_seal_failures_total') > 0) fail(`${metric(m, 'swell_seal_failures_total')} seal rounds failed`);
  if (metric(m, 'swell_sealed_partitions_total') < 1) fail('no seal committed anything during the load');

  const checks = [];
  checks.push(await checkCounts('after the load'));
  // The next complete seal round: the one running now may have cut before the last events.
  const runs0 = metric(m, 'swell_seal_runs_total');
  const waitUntil = Date.now() + Math.max(60, 4 * SEAL_INTERVAL) * 1000 + 120000;
  let m2 = m;
  while (metric(m2, 'swell_seal_runs_total') < runs0 + 2 && Date.now() < waitUntil) {
    await sleep(500);
    m2 = await scrapeMetrics();
  }
  if (metric(m2, 'swell_seal_runs_total') < runs0 + 2) fail('no seal round completed after the load');
  checks.push(await checkCounts(`after the next seal round (${metric(m2, 'swell_speed_events')} events left in memory)`));
  const serverFinal = procStats(server.proc.pid);
  const stderrBefore = server.stderr();
  const exit1 = await server.stop();
  if (exit1.code !== 0) fail(`the server exited ${exit1.code ?? exit1.signal} on SIGTERM`);
  const tRestart = Date.now();
  server = await startServer(args.swell, dir);
  const restartS = (Date.now() - tRestart) / 1000;
  checks.push(await checkCounts(`after a restart (${restartS.toFixed(1)} s to listen)`));
  const exit2 = await server.stop();
  if (exit2.code !== 0) fail(`the restarted server exited ${exit2.code ?? exit2.signal} on SIGTERM`);
  for (const line of (stderrBefore + server.stderr()).split('\n')) if (/seal failed|error/i.test(line)) fail(`server said: ${line.slice(0, 200)}`);

  // Verdicts.
  if (stats.errors.length) fail(`${stats.errors.length} error answers or connection errors, e.g. ${stats.errors.slice(0, 3).map((e) => `${e.what}: ${e.detail}`).join(' | ')}`);
  if (stats.ingest.refused_batches) fail(`${stats.ingest.refused_batches} batches still refused (429) 30 s after the end`);
  for (const [name, q] of Object.entries(stats.queries)) if (!q.lat.length) fail(`no answer to "${name}" during the load`);
  const verdict = memoryVerdict(loadSamples);
  if (!verdict.ok) fail(`memory grows: "rest" (RSS minus the server's own figures) median ${verdict.rest_mid_median_mib.toFixed(0)} MiB over the middle third, ` +
    `${verdict.rest_last_median_mib.toFixed(0)} MiB over the last (limit ${verdict.limit_mib.toFixed(0)} MiB)`);
  log(`memory: rest ${verdict.rest_mid_median_mib.toFixed(0)} -> ${verdict.rest_last_median_mib.toFixed(0)} MiB (limit ${verdict.limit_mib.toFixed(0)}), ` +
      `RSS median ${verdict.rss_mid_median_mib.toFixed(0)} -> ${verdict.rss_last_median_mib.toFixed(0)} MiB, ` +
      `speed ${verdict.speed_mid_median_mib.toFixed(1)} -> ${verdict.speed_last_median_mib.toFixed(1)} MiB, cache ${verdict.cache_mid_median_mib.toFixed(1)} -> ${verdict.cache_last_median_mib.toFixed(1)} MiB`);

  const perMinute = [];
  // Whole minutes of the run; the last one also takes the seconds after the
  // deadline (requests in flight then finish).
  const minutes = Math.max(1, Math.ceil(SECONDS / 60));
  const minuteEnd = (k) => (k === minutes - 1 ? Infinity : (k + 1) * 60);
  for (let k = 0; k < minutes; k++) {
    const w = loadSamples.filter((s) => s.t >= k * 60 && s.t < minuteEnd(k));
    if (!w.length) continue;
    const rss = w.map((s) => s.rss_kib / 1024);
    perMinute.push({ k, minute: `${k}–${k + 1}`, rss_min_mib: Math.min(...rss), rss_median_mib: med(rss), rss_max_mib: Math.max(...rss),
      speed_mib: med(w.map((s) => s.speed_bytes)) / MIB, cache_mib: med(w.map((s) => s.cache_bytes)) / MIB,
      rest_mib: med(w.map((s) => s.rss_kib * 1024 - s.speed_bytes - s.cache_bytes - s.result_cache_bytes)) / MIB,
      speed_events: med(w.map((s) => s.speed_events)) });
  }
  // Per minute: events acknowledged per second, ingest and query latencies (all query types together).
  const inMinute = (at, k) => at.map((t, i) => [(t - t0) / 1000, i]).filter(([t]) => t >= k * 60 && t < minuteEnd(k)).map(([, i]) => i);
  const allQ = Object.values(stats.queries);
  perMinute.forEach((pm) => {
    const k = pm.k;
    const ii = inMinute(stats.ingest.at, k);
    const secs = Math.min(minuteEnd(k), wall) - k * 60;
    pm.events_per_s = ii.reduce((a, i) => a + stats.ingest.sizes[i], 0) / secs;
    pm.ingest_p50_ms = percentile(ii.map((i) => stats.ingest.lat[i]), 50);
    pm.ingest_p99_ms = percentile(ii.map((i) => stats.ingest.lat[i]), 99);
    const ql = allQ.flatMap((q) => inMinute(q.at, k).map((i) => q.lat[i]));
    pm.queries = ql.length;
    pm.query_p50_ms = percentile(ql, 50);
    pm.query_p99_ms = percentile(ql, 99);
  });
  // Query latencies after the warm-up third (the steady state), per type.
  const after = (q) => q.lat.filter((_, i) => q.at[i] - t0 >= warmMs);
  const I = stats.ingest;
  const R = {
    ok: failures.length === 0, failures, date: started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    command: `node bench/load.mjs ${argv.map((a) => (a === args.swell ? path.relative(REPO, path.resolve(a)) : a)).join(' ')}`,
    seconds: wall, ingest_clients: INGEST_CLIENTS, query_clients: QUERY_CLIENTS, rate: RATE, users: USERS, days: DAYS,
    slice_s: sliceMs / 1000, window: W, seal_interval: SEAL_INTERVAL, cache: args.cache,
    machine: {
      cpu: os.cpus()[0]?.model ?? '?', nproc: os.availableParallelism?.() ?? os.cpus().length, ram_gib: os.totalmem() / 2 ** 30,
      kernel: os.release(), node: process.version, loadavg_start: loadavgStart,
      swell_version: (spawnSync(args.swell, ['--version'], { encoding: 'utf8' }).stdout || '?').trim(),
    },
    ingest: { events: I.events, events_per_s: I.events / wall, acked_requests: I.acked_requests, requests: I.requests,
      resent_events: I.resent_events, status429: I.status429, refused_batches: I.refused_batches,
      p50_ms: percentile(I.lat, 50), p99_ms: percentile(I.lat, 99), max_ms: I.lat.length ? Math.max(...I.lat) : null },
    queries: Object.fromEntries(Object.entries(stats.queries).map(([k, q]) => [k, { answers: q.lat.length, status429: q.status429,
      p50_ms: percentile(q.lat, 50), p99_ms: percentile(q.lat, 99), max_ms: q.lat.length ? Math.max(...q.lat) : null,
      answers_after_warmup: after(q).length, p50_after_warmup_ms: percentile(after(q), 50), p99_after_warmup_ms: percentile(after(q), 99) }])),
    server: { seal_runs: metric(m, 'swell_seal_runs_total'), seal_failures: metric(m, 'swell_seal_failures_total'),
      sealed_partitions: metric(m, 'swell_sealed_partitions_total'), sealed_events: metric(m, 'swell_sealed_events_total'),
      duplicates: metric(m, 'swell_events_duplicate_total'), lake_bytes: metric(m, 'swell_lake_bytes'),
      wal_disk_bytes: metric(m, 'swell_wal_disk_bytes'), speed_events: atEnd.speed_events, cpu_s: serverFinal?.cpu_s },
    client_cpu_s: (cpu.user + cpu.system) / 1e6,
    memory: { verdict, per_minute: perMinute, samples: loadSamples },
    checks, errors: stats.errors.slice(0, 50), ambiguous_events: stats.ambiguousEvents, restart_s: restartS,
  };
  log(`ingest: ${I.events} events acked in ${wall.toFixed(0)} s (${(I.events / wall).toFixed(0)} events/s), request p50 ${R.ingest.p50_ms?.toFixed(1)} ms, ` +
      `p99 ${R.ingest.p99_ms?.toFixed(1)} ms, ${I.status429} 429s, ${I.resent_events} repeats sent, ${R.server.duplicates} dropped`);
  for (const [k, q] of Object.entries(R.queries))
    log(`query ${k}: ${q.answers} answers, p50 ${q.p50_ms?.toFixed(1)} ms, p99 ${q.p99_ms?.toFixed(1)} ms, ${q.status429} 429s`);
  log(`seals: ${R.server.seal_runs} rounds, ${R.server.sealed_partitions} app-days, ${R.server.sealed_events} events sealed`);
  if (args.out && args.out !== true) writeJson(args.out, R);
  if (!ci && args.report && args.report !== true && !args.no_report) writeReport(args.report, reportSection(R));
  if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
  console.log(`load: ${R.ok ? 'PASS' : 'FAIL'} (${failures.length} failures)${R.ok ? '' : `: ${failures.join('; ')}`}`);
  process.exitCode = R.ok ? 0 : 1;
  for (const p of [ingestPool, queryPool, samplePool]) p.destroy();
}

main().catch((e) => {
  console.error(e);
  try { server?.proc.kill('SIGKILL'); } catch { /* gone */ }
  process.exit(1);
});
