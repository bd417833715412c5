// Serve seal crash test: `swell serve` sealing on its own timer
// ([lake] seal_delay_seconds = 0, seal_interval_seconds = 1, so every hour
// that has ended is sealed within a second), fed by concurrent HTTP clients
// whose events fall over the past days, and killed with SIGKILL at random
// moments, several times.
//
//   node serve_seal_crash.mjs /path/to/swell
//   SWELL_CRASH_CYCLES=20 node serve_seal_crash.mjs /path/to/swell
//
// Every event carries a unique `eid` and an insert_id. After every kill:
// the lake is checked from outside (crash_lib.mjs inspectLake: intact
// versions listing only existing files of the listed size), the server must
// start again, and a chart grouped by eid must count every acknowledged
// event exactly once, no refused one, and an unanswered request's events all
// once or all not at all. Then the unanswered requests and a sample of
// acknowledged ones (some of them sealed by now) are sent again with the same
// insert_ids, as a client retry would, and every event must be counted
// exactly once; totals and uniques per day must equal the counts the test
// keeps itself. At the end, after a graceful stop and `swell seal --sweep`,
// DuckDB reads the current version's events files: no event twice, none that
// was not sent, and the lake plus the events still held equal the
// acknowledged ones.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng } from '../oracle/oracle_lib.mjs';
import { runProcess, inspectLake, stagingFiles, sleep, isoDay } from './crash_lib.mjs';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node serve_seal_crash.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}
const CYCLES = Number(process.env.SWELL_CRASH_CYCLES ?? 4);
const SEED = Number(process.env.SWELL_CRASH_SEED ?? 20261125);
// SWELL_CRASH_RAW=1: with the raw tier; SWELL_CRASH_MEMORY_LIMIT=8MiB: a
// small speed layer, so that memory pressure seals too (ingest answers 429
// until then; the clients retry).
const RAW = process.env.SWELL_CRASH_RAW === '1';
const MEMORY_LIMIT = process.env.SWELL_CRASH_MEMORY_LIMIT ?? '';
const CLIENTS = 8;
const EVENTS_PER_REQUEST = 10;
const RESEND_ACKED = 40;
const DAY = 86400000;
const APP = 'crash';
const INGEST = 'serve-crash-ingest-00001';
const READ = 'serve-crash-read-0000001';
const rand = prng(SEED);
const t0 = Date.now();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swell-serve-seal-crash-'));
const dataDir = path.join(dir, 'data');
const configPath = path.join(dir, 'swell.toml');
fs.writeFileSync(configPath, `[[app]]\nid = "${APP}"\ningest_key = "${INGEST}"\nread_key = "${READ}"\n\n` +
  '[server]\nthreads = 16\n\n[lake]\nseal_delay_seconds = 0\nseal_interval_seconds = 1\nseal_parallel = 2\n' +
  (RAW ? 'raw_tier = true\n' : '') + (MEMORY_LIMIT ? `\n[limits]\nmemory_limit = "${MEMORY_LIMIT}"\n` : ''));

let server = null;
let failed = false;
let problems = 0;
function fail(msg) {
  failed = true;
  if (problems++ < 30) console.error(`FAIL: ${msg}`);
}
function finish() {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (failed) {
    if (server) console.error(`--- server output (last 3000 chars) ---\n${server.log.join('').slice(-3000)}`);
    console.error(`serve_seal_crash: FAILED (seed ${SEED}, ${problems} problems) in ${secs} s; data kept in ${dir}`);
    process.exit(1);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`serve_seal_crash: passed in ${secs} s`);
  process.exit(0);
}
function fatal(msg) {
  fail(msg);
  finish();
}
process.on('uncaughtException', (e) => fatal(`uncaught: ${e.stack || e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled: ${e && e.stack ? e.stack : e}`));

async function startServer() {
  const log = [];
  const proc = spawn(SWELL, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--config', configPath, '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.on('data', (d) => log.push(d.toString()));
  const exited = new Promise((r) => proc.once('exit', (code, sig) => r({ code, sig })));
  const url = await new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(null), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      log.push(d.toString());
      const m = /Listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(() => { clearTimeout(timer); resolve(null); });
  });
  server = { proc, url, log, exited };
  if (!url) fatal(`the server did not start (refused to start after a kill?):\n${log.join('')}`);
}

async function kill9() {
  server.proc.kill('SIGKILL');
  const { sig } = await server.exited;
  if (sig !== 'SIGKILL') fatal(`server ended with ${sig} before the kill:\n${server.log.join('').slice(-2000)}`);
}

// ---------------------------------------------------------------- traffic
const NAMES = ['app_open', 'view_item', 'purchase', 'search'];
// Event times: over the past 4 days (hours that have ended: sealed within a
// second), and a share in the current hour (held until it ends).
function eventTime() {
  const now = Date.now();
  if (rand() < 0.15) return now - Math.floor(rand() * 60000);
  return now - 3600000 - Math.floor(rand() * 4 * DAY);
}
const requests = [];  // {client, seq, events, body, state: acked | refused | unknown, status}
const seqOf = new Array(CLIENTS).fill(0);
function makeRequest(client, cycle) {
  const seq = seqOf[client]++;
  const events = [];
  for (let j = 0; j < EVENTS_PER_REQUEST; j++) {
    const eid = `${client}-${seq}-${j}`;
    const user = `user-${Math.floor(rand() * 500)}`;
    events.push({ event_type: NAMES[Math.floor(rand() * NAMES.length)], user_id: user, insert_id: `serve-crash-${eid}`,
      time: eventTime(), platform: rand() < 0.5 ? 'iOS' : 'Android', event_properties: { eid, cycle } });
  }
  return { client, seq, events, body: JSON.stringify({ api_key: INGEST, events }), state: 'unknown' };
}
// Sends a request; a 429 (speed layer full until a seal frees it) is
// retried as an SDK would.
async function send(req) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${server.url}/2/httpapi`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: req.body, signal: AbortSignal.timeout(30000) });
      await res.text();
      req.status = res.status;
      if (res.status === 429 && attempt < 200) {
        req.throttled = (req.throttled ?? 0) + 1;
        await sleep(50);
        continue;
      }
      req.state = res.status === 200 ? 'acked' : 'refused';
    } catch (e) {
      req.state = 'unknown';
      req.error = String(e.cause || e);
    }
    return;
  }
}
async function metrics() {
  try {
    const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const get = (name) => Number((text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm')) ?? [])[1]);
    return { runs: get('swell_seal_runs_total'), failures: get('swell_seal_failures_total'),
      partitions: get('swell_sealed_partitions_total'), sealed: get('swell_sealed_events_total') };
  } catch {
    return null;
  }
}
async function traffic(cycle, ms) {
  let stop = false;
  const loops = [];
  for (let c = 0; c < CLIENTS; c++) {
    loops.push((async () => {
      while (!stop) {
        const req = makeRequest(c, cycle);
        requests.push(req);
        await send(req);
      }
    })());
  }
  let how = 'at a random moment';
  let m;
  if (cycle % 2 === 1) {
    // Odd cycles: the kill waits for a seal in progress (a new file in
    // DATA/staging, where a seal writes before storing into the lake), then
    // lands 0-40 ms later: while Parquet files are written, stored or
    // committed.
    await sleep(ms / 2);
    m = await metrics();
    const known = new Set(stagingFiles(dataDir));
    const deadline = Date.now() + 3 * ms;
    how = 'no seal seen in progress';
    while (Date.now() < deadline) {
      if (stagingFiles(dataDir).some((f) => !known.has(f))) {
        await sleep(Math.floor(rand() * 40));
        how = 'during a seal';
        break;
      }
      await sleep(2);
    }
  } else {
    await sleep(ms);
    m = await metrics();
  }
  stop = true;
  await kill9();
  await Promise.all(loops);
  return { ...m, how };
}

// ---------------------------------------------------------------- checks
async function segmentation(body) {
  const res = await fetch(`${server.url}/api/v1/segmentation`, { method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${READ}` }, body: JSON.stringify(body),
    signal: AbortSignal.timeout(120000) });
  const text = await res.text();
  if (res.status !== 200) fatal(`segmentation ${JSON.stringify(body)} -> ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
const FROM = isoDay(Date.now() - 6 * DAY);
const TO = () => isoDay(Date.now() + DAY);

async function verify(label, { allowUnknown }) {
  const counted = new Map();
  const byEid = await segmentation({ event: { name: '_all' }, metric: 'totals', from: FROM, to: TO(), interval: 'week', group_by: 'eid' });
  for (const s of byEid.series) counted.set(s.group, s.points.reduce((a, p) => a + p.value, 0));
  let acked = 0, refused = 0, unknownIn = 0, unknownOut = 0;
  const known = new Set();
  const counts = new Map();  // day -> {totals, users}
  const count = (e) => {
    const d = isoDay(e.time);
    if (!counts.has(d)) counts.set(d, { totals: 0, users: new Set() });
    counts.get(d).totals++;
    counts.get(d).users.add(e.user_id);
  };
  for (const req of requests) {
    const ns = req.events.map((e) => counted.get(e.event_properties.eid) ?? 0);
    for (const e of req.events) known.add(e.event_properties.eid);
    if (req.state === 'acked') {
      acked++;
      ns.forEach((n, j) => n !== 1 && fail(`${label}: acknowledged event ${req.events[j].event_properties.eid} ` +
        `(${new Date(req.events[j].time).toISOString()}) counted ${n} times`));
      req.events.forEach(count);
    } else if (req.state === 'refused') {
      refused++;
      ns.forEach((n, j) => n !== 0 && fail(`${label}: event ${req.events[j].event_properties.eid} of a request answered ${req.status} counted ${n} times`));
    } else {
      if (!allowUnknown) fail(`${label}: request ${req.client}-${req.seq} still has no answer`);
      ns.forEach((n, j) => n > 1 && fail(`${label}: unanswered event ${req.events[j].event_properties.eid} counted ${n} times`));
      const some = ns.some((n) => n > 0);
      if (some && !ns.every((n) => n === 1)) fail(`${label}: request ${req.client}-${req.seq} is partly counted: ${ns}`);
      if (some) { unknownIn++; req.events.forEach(count); } else unknownOut++;
    }
  }
  let total = 0;
  for (const [eid, n] of counted) {
    total += n;
    if (!known.has(eid)) fail(`${label}: event ${eid} counted but never sent`);
  }
  // Totals and uniques per day against the test's own counts.
  const totals = await segmentation({ event: { name: '_all' }, metric: 'totals', from: FROM, to: TO(), interval: 'day' });
  const uniques = await segmentation({ event: { name: '_all' }, metric: 'uniques', from: FROM, to: TO(), interval: 'day' });
  for (const [chart, metric] of [[totals, 'totals'], [uniques, 'uniques']]) {
    for (const p of chart.series[0]?.points ?? []) {
      const c = counts.get(p.t);
      const want = c ? (metric === 'totals' ? c.totals : c.users.size) : 0;
      if (p.value !== want) fail(`${label}: ${metric} of ${p.t}: swell ${p.value}, expected ${want}`);
    }
  }
  console.log(`  ${label}: ${acked} acknowledged requests, ${refused} refused, ${unknownIn + unknownOut} unanswered ` +
    `(${unknownIn} counted, ${unknownOut} not); ${total} events counted`);
  return total;
}

function checkLake(label) {
  const ins = inspectLake(path.join(dataDir, 'lake'));
  for (const p of ins.problems) fail(`${label}: manifest: ${p}`);
  return ins;
}

// ---------------------------------------------------------------- the run
console.log(`serve_seal_crash: ${CYCLES} kills of a sealing server under ${CLIENTS} clients (seed ${SEED}${RAW ? ", raw tier" : ""}${MEMORY_LIMIT ? `, memory_limit ${MEMORY_LIMIT}` : ""}); data in ${dir}`);
await startServer();
const phases = [];
for (let cycle = 0; cycle < CYCLES && !failed; cycle++) {
  if (cycle > 0) {
    // Retry what got no answer, and resend some acknowledged requests
    // (many of them sealed by now): all must be counted exactly once.
    const retry = requests.filter((r) => r.state === 'unknown');
    const acked = requests.filter((r) => r.state === 'acked');
    for (let i = 0; i < RESEND_ACKED && acked.length; i++) retry.push({ ...acked[Math.floor(rand() * acked.length)], resend: true });
    await Promise.all(retry.map(async (r) => {
      const copy = { ...r };
      await send(copy);
      if (copy.status !== 200) fail(`resend of ${r.client}-${r.seq} -> ${copy.status ?? copy.error}`);
      if (!r.resend) r.state = copy.state;
    }));
    await verify(`cycle ${cycle} after resending ${retry.length} requests`, { allowUnknown: false });
  }
  const ms = 1500 + Math.floor(rand() * 3000);
  const before = requests.length;
  const m = await traffic(cycle, ms);
  const sent = requests.slice(before);
  const acked = sent.filter((r) => r.state === 'acked').length;
  const refused = sent.filter((r) => r.state === 'refused');
  for (const r of refused.slice(0, 3)) fail(`cycle ${cycle}: request ${r.client}-${r.seq} refused with ${r.status}`);
  const ins = checkLake(`cycle ${cycle} after the kill`);
  phases.push(m.how);
  const throttled = sent.reduce((a, r) => a + (r.throttled ?? 0), 0);
  console.log(`cycle ${cycle}: killed ${m.how}; ${sent.length} requests in ${ms} ms, ${acked} acknowledged (${throttled} 429s retried), killed with ` +
    `${sent.length - acked - refused.length} in flight; seals before the kill: ${m.runs !== undefined ? `${m.runs} runs, ${m.partitions} ` +
    `partitions, ${m.sealed} events, ${m.failures} failures` : 'metrics unavailable'}; lake v${ins.version}, ` +
    `${ins.orphans.length} orphans, ${ins.temporaries.length} temporaries${ins.info.length ? `, ${ins.info.join('; ')}` : ''}`);
  if (m.failures > 0) fail(`cycle ${cycle}: ${m.failures} seal rounds failed`);
  if (m.partitions === 0) fail(`cycle ${cycle}: no seal committed before the kill: the test did not test sealing`);
  if (acked < 20) fail(`cycle ${cycle}: only ${acked} requests acknowledged before the kill`);
  await startServer();
  await verify(`cycle ${cycle} after restart`, { allowUnknown: true });
}

// ---------------------------------------------------------------- the end
if (!failed) {
  const retry = requests.filter((r) => r.state === 'unknown');
  await Promise.all(retry.map(async (r) => {
    await send(r);
    if (r.status !== 200) fail(`resend of ${r.client}-${r.seq} -> ${r.status ?? r.error}`);
  }));
  await sleep(2500);  // one more seal round
  const expectedTotal = await verify(`final, after resending ${retry.length} requests`, { allowUnknown: false });
  server.proc.kill('SIGTERM');
  const { code } = await server.exited;
  if (code !== 0) fail(`graceful stop exited ${code}`);
  const r = await runProcess(SWELL, ['seal', '--data', dataDir, '--app', APP, '--config', configPath, '--sweep']);
  if (r.code !== 0) fail(`swell seal --sweep exited ${r.code}: ${r.stderr}`);
  const ins = checkLake('after seal --sweep');
  if (ins.orphans.length) fail(`after --sweep, ${ins.orphans.length} objects that no retained version lists`);
  if (ins.temporaries.length) {
    const msg = `after --sweep, ${ins.temporaries.length} temporaries left in the lake: ${ins.temporaries.slice(0, 3).join(', ')}`;
    if (process.env.SWELL_CRASH_LEAKS !== 'warn') fail(msg);
    else console.log(`WARNING (leak): ${msg}`);
  }
  const staged = stagingFiles(dataDir);
  if (staged.length) {
    const msg = `${staged.length} files left in DATA/staging by the killed seals: ${staged.slice(0, 3).join(', ')}`;
    if (process.env.SWELL_CRASH_LEAKS !== 'warn') fail(msg);
    else console.log(`WARNING (leak): ${msg}`);
  }
  const files = ins.snap.files.filter((f) => f.kind === 'events').map((f) => path.join(dataDir, 'lake', f.key));
  const conn = await duckConnect();
  await duckQuery("SET TimeZone = 'UTC'", conn);
  const rows = files.length ? await duckQuery(`SELECT json_extract_string(event_properties, '$.eid') AS eid, count(*) AS n,
      any_value(CAST(date AS VARCHAR)) AS date, any_value(strftime(time, '%Y-%m-%d')) AS day
    FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}], hive_partitioning = true) GROUP BY 1`, conn) : [];
  const sentEids = new Set(requests.flatMap((q) => q.events.map((e) => e.event_properties.eid)));
  let inLake = 0;
  for (const row of rows) {
    inLake += Number(row.n);
    if (Number(row.n) !== 1) fail(`lake: event ${row.eid} is ${row.n} times in the lake`);
    if (!sentEids.has(row.eid)) fail(`lake: event ${row.eid} was never sent`);
    if (row.date !== row.day) fail(`lake: event ${row.eid} of ${row.day} in partition date=${row.date}`);
  }
  // Everything is sealed now (the seal above took all held days).
  if (inLake !== expectedTotal) fail(`lake: DuckDB reads ${inLake} events, ${expectedTotal} were acknowledged`);
  console.log(`  lake: v${ins.version}, ${files.length} events files, ${inLake} events read by DuckDB, each once`);
}
console.log(`serve_seal_crash: ${CYCLES} kills: ${JSON.stringify(phases)}`);
finish();
