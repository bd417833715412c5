// A full disk (issue 10): `swell serve` with its data directory on a small
// tmpfs, fed by concurrent clients (events of past days, which the server
// seals every second, and current ones) until ingest answers 503.
//
//   node disk_full.mjs /path/to/swell      (root: it mounts a tmpfs; exit 77 = skipped)
//
// While the disk is full: every refusal is a 503 with Retry-After and a JSON
// error saying the disk is full and nothing was stored; nothing answers 500;
// the server stays up and GET /healthz answers 200; /metrics counts the
// refusals; seals fail without leaving files in the lake or staging that
// outlive the attempt, and every lake file DuckDB can see opens; a chart
// grouped by the events' unique `eid` counts every acknowledged event once
// and no event of a refused request. Then the tmpfs grows (as an operator
// frees space): ingest succeeds again, the refused requests sent again as an
// SDK would are acknowledged, the held past days are sealed into the lake,
// and after kill -9 and a restart every acknowledged event is still counted
// exactly once. Last, `swell import` into a fresh data directory on the
// nearly full tmpfs must stop with a disk-full error and a non-zero exit,
// keeping the batches it imported before. The tmpfs is unmounted at the end,
// also on failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APPS, configToml, startServer, isoDate } from '../http/harness.mjs';
import { inspectLake, stagingFiles, sleep } from './crash_lib.mjs';
import { duckConnect, duckQuery } from '../peers/index.mjs';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node disk_full.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}

const FULL_SIZE = '2m';     // the tmpfs while it fills
const FREED_SIZE = '256m';  // after space is "freed"
const CLIENTS = 8;
const EVENTS_PER_REQUEST = 20;
const REFUSALS_WANTED = 40;
const FILL_LIMIT_MS = 120000;
const DAY = 86400000;
const APP = APPS.web;
const started = Date.now();

// ---- the mount, and cleaning up whatever happens -------------------------

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'swell-disk-full-'));
const mnt = path.join(base, 'mnt');
fs.mkdirSync(mnt);
{
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${FULL_SIZE}`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`skipped: cannot mount a tmpfs at ${mnt} (${(r.stderr || r.error || `exit ${r.status}`).toString().trim()}); ` +
      'this test needs root (CAP_SYS_ADMIN)');
    fs.rmSync(base, { recursive: true, force: true });
    process.exit(77);
  }
}
let server = null;
let mounted = true;
function cleanup() {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
  if (mounted) {
    // Lazy: a server just killed may still hold files open for a moment.
    spawnSync('umount', ['-l', mnt]);
    mounted = false;
  }
  fs.rmSync(base, { recursive: true, force: true });
}
process.on('exit', cleanup);
let failures = 0;
function fail(msg) {
  if (++failures <= 40) console.error(`FAIL: ${msg}`);
}
function fatal(msg) {
  console.error(`FAIL: ${msg}`);
  if (server) console.error(`--- server stderr (last 4000 bytes) ---\n${server.stderr().slice(-4000)}`);
  process.exit(1);
}
process.on('uncaughtException', (e) => fatal(`uncaught: ${e.stack || e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled: ${e && e.stack ? e.stack : e}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));

function remount(size) {
  const r = spawnSync('mount', ['-o', `remount,size=${size}`, mnt], { encoding: 'utf8' });
  if (r.status !== 0) fatal(`remount ${size}: ${r.stderr}`);
}

const config = configToml([APP], '\n[lake]\nseal_delay_seconds = 0\nseal_interval_seconds = 1\n');
async function start() {
  server = await startServer(SWELL, { dir: mnt, config });
  server.exited = new Promise((r) => server.proc.once('exit', (code, sig) => r({ code, sig })));
}
const alive = () => server.proc.exitCode === null && server.proc.signalCode === null;

// ---- the events --------------------------------------------------------

// requests[i] = { id, past, eids, body, state: 'acked' | 'refused' | 'unknown', status }
const requests = [];
let nextId = 0;

function makeRequest(client) {
  const id = nextId++;
  const past = id % 2 === 0;
  const now = Date.now();
  const events = [];
  const eids = [];
  for (let j = 0; j < EVENTS_PER_REQUEST; ++j) {
    const eid = `${id}-${j}`;
    eids.push(eid);
    // Past events fall on the three days before today (sealed at once);
    // current ones in this hour (held until it ends).
    const time = past ? now - DAY * (1 + ((id + j) % 3)) - j * 1000 : now;
    events.push({ event_type: past ? 'old' : 'new', user_id: `user-${client}`, insert_id: `disk-full-${eid}`, time,
      event_properties: { eid, client, pad: 'p'.repeat(150) } });
  }
  return { id, past, eids, body: JSON.stringify({ api_key: APP.ingest, events }), state: 'unknown' };
}

const DISK_FULL_RE = /disk full/i;
const NOTHING_STORED_RE = /nothing from this request was stored/i;

// Sends req; checks a refusal's answer. Returns the status.
async function send(req) {
  let res, text;
  try {
    res = await fetch(`${server.url}/2/httpapi`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: req.body,
      signal: AbortSignal.timeout(30000),
    });
    text = await res.text();
  } catch (e) {
    fatal(`request ${req.id}: no answer (${e.cause || e}); server ${alive() ? 'alive' : 'gone'}`);
  }
  req.status = res.status;
  if (res.status === 200) {
    req.state = 'acked';
  } else if (res.status === 503) {
    req.state = 'refused';
    let body;
    try { body = JSON.parse(text); } catch { body = null; }
    if (!body || body.code !== 503 || typeof body.error !== 'string') fail(`503 body is not {code: 503, error}: ${text}`);
    else if (!DISK_FULL_RE.test(body.error) || !NOTHING_STORED_RE.test(body.error)) fail(`503 error does not say the disk is full and nothing was stored: ${body.error}`);
    const retry = res.headers.get('retry-after');
    if (!/^[1-9][0-9]*$/.test(retry ?? '')) fail(`503 without a Retry-After in seconds: ${retry}`);
  } else {
    req.state = 'refused';
    fail(`request ${req.id} answered ${res.status}: ${text.slice(0, 300)}`);
  }
  return res.status;
}

async function getText(p) {
  const res = await fetch(`${server.url}${p}`, { signal: AbortSignal.timeout(30000) });
  return { status: res.status, text: await res.text() };
}
function metric(text, name) {
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} ([0-9.e+-]+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// ---- the checks --------------------------------------------------------

// Counts every event by eid through the query API and checks each request:
// acknowledged events exactly once, refused ones not at all.
async function verify(label) {
  const counted = new Map();
  // One chart per client keeps each under the 10000-group limit.
  for (let c = 0; c < CLIENTS; ++c) {
    const body = { event: { name: '_all', filters: [{ property: 'client', op: 'is', values: [String(c)] }] },
      metric: 'totals', from: isoDate(Date.now() - 5 * DAY), to: isoDate(Date.now() + DAY), interval: 'week',
      group_by: 'eid', limit: 10000 };
    const res = await fetch(`${server.url}/api/v1/segmentation`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP.read}` },
      body: JSON.stringify(body), signal: AbortSignal.timeout(60000),
    });
    const text = await res.text();
    if (res.status !== 200) fatal(`${label}: segmentation -> ${res.status} ${text.slice(0, 300)}`);
    for (const s of JSON.parse(text).series) {
      let n = 0;
      for (const p of s.points) n += p.value;
      const group = String(s.group);
      if (group === '(other)' && n > 0) fail(`${label}: more than 10000 groups for client ${c}`);
      if (n > 0) counted.set(group, (counted.get(group) ?? 0) + n);
    }
  }
  // The ungrouped total, so that an event without the properties is not missed.
  const totalBody = { event: { name: '_all' }, metric: 'totals', from: isoDate(Date.now() - 5 * DAY),
    to: isoDate(Date.now() + DAY), interval: 'week' };
  const totalRes = await fetch(`${server.url}/api/v1/segmentation`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP.read}` },
    body: JSON.stringify(totalBody), signal: AbortSignal.timeout(60000),
  });
  let ungrouped = 0;
  for (const s of JSON.parse(await totalRes.text()).series) for (const p of s.points) ungrouped += p.value;
  const known = new Set();
  let acked = 0, refused = 0;
  for (const req of requests) {
    for (const e of req.eids) known.add(e);
    if (req.state === 'acked') acked++;
    else refused++;
    for (const e of req.eids) {
      const n = counted.get(e) ?? 0;
      if (req.state === 'acked' && n !== 1) fail(`${label}: acknowledged event ${e} counted ${n} times`);
      if (req.state !== 'acked' && n !== 0) fail(`${label}: event ${e} of a request answered ${req.status} counted ${n} times`);
    }
  }
  let total = 0;
  for (const [eid, n] of counted) {
    total += n;
    if (!known.has(eid)) fail(`${label}: event ${eid} counted but never sent`);
  }
  if (total !== ungrouped) fail(`${label}: per-event counts sum to ${total}, the ungrouped total is ${ungrouped}`);
  console.log(`${label}: ${acked} acknowledged requests, ${refused} refused; ${total} events counted`);
}

// Lake files (and staging files) that stay across two looks seconds apart:
// the ones a seal in progress writes have new names at every attempt.
function lakeLook() {
  const lake = inspectLake(path.join(server.dataDir, 'lake'));
  for (const p of lake.problems) fail(`lake: ${p}`);
  return { lake, staging: stagingFiles(server.dataDir) };
}

// Every Parquet file in the lake's folders, as DuckDB reading the lake by
// globbing sees them, opens and holds the rows the manifest says.
async function checkWithDuckDB(label, lake) {
  const conn = await duckConnect();
  const listed = new Map(lake.snap.files.map((f) => [f.key, f]));
  let opened = 0;
  for (const key of lake.files) {
    if (!key.endsWith('.parquet')) continue;
    const file = path.join(server.dataDir, 'lake', key);
    if (!fs.existsSync(file)) continue;  // swept meanwhile
    try {
      const [row] = await duckQuery(`SELECT count(*) AS n FROM read_parquet('${file}')`, conn);
      opened++;
      const f = listed.get(key);
      if (f && Number(row.n) !== f.rows) fail(`${label}: ${key} has ${row.n} rows, the manifest says ${f.rows}`);
    } catch (e) {
      fail(`${label}: DuckDB cannot read ${key}: ${e.message}`);
    }
  }
  return opened;
}

// ---- the run ----------------------------------------------------------

await start();
console.log(`serving from a ${FULL_SIZE} tmpfs at ${mnt}`);

// 1. Fill the disk.
let refusals = 0;
let stop = false;
const fillDeadline = Date.now() + FILL_LIMIT_MS;
await Promise.all(Array.from({ length: CLIENTS }, (_, c) => (async () => {
  while (!stop) {
    const req = makeRequest(c);
    requests.push(req);
    if ((await send(req)) === 503 && ++refusals >= REFUSALS_WANTED) stop = true;
    if (Date.now() > fillDeadline) stop = true;
  }
})()));
const ackedWhileFilling = requests.filter((r) => r.state === 'acked').length;
console.log(`filled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${requests.length} requests, ` +
  `${ackedWhileFilling} acknowledged, ${refusals} refused with 503`);
if (refusals < REFUSALS_WANTED) fatal(`only ${refusals} requests refused in ${FILL_LIMIT_MS / 1000} s: the disk never filled`);
if (ackedWhileFilling < 20) fail(`only ${ackedWhileFilling} requests acknowledged before the disk filled`);
if (!requests.some((r) => r.past && r.state === 'acked')) fail('no event of a past day acknowledged: nothing to seal');

// 2. While full: alive, healthy, counted, seals failing cleanly.
if (!alive()) fatal('the server exited while the disk was full');
const health = await getText('/healthz');
if (health.status !== 200) fail(`GET /healthz with the disk full -> ${health.status} ${health.text}`);
const before = lakeLook();
await sleep(3000);  // three seal rounds, all meeting the full disk
const after = lakeLook();
const metricsFull = (await getText('/metrics')).text;
const diskFullTotal = metric(metricsFull, 'swell_ingest_disk_full_total');
// One log append per request.
if (diskFullTotal !== refusals) fail(`swell_ingest_disk_full_total is ${diskFullTotal} after ${refusals} refused requests`);
const rejectedDiskFull = metric(metricsFull, 'swell_events_rejected_total{reason="disk_full"}');
if (rejectedDiskFull !== refusals * EVENTS_PER_REQUEST) fail(`swell_events_rejected_total{reason="disk_full"} is ${rejectedDiskFull}, expected ${refusals * EVENTS_PER_REQUEST}`);
const served503 = metric(metricsFull, 'swell_ingest_requests_total{route="/2/httpapi",code="503"}');
if (served503 !== refusals) fail(`swell_ingest_requests_total{code="503"} is ${served503}, expected ${refusals}`);
const sealFailures = metric(metricsFull, 'swell_seal_failures_total');
const sealLog = server.stderr().split('\n').filter((l) => /seal failed/.test(l));
if (!(sealFailures > 0) || !sealLog.some((l) => /No space left on device/.test(l))) {
  fail(`no seal failed for want of space while the disk was full (swell_seal_failures_total ${sealFailures})`);
} else {
  console.log(`while full: ${sealFailures} seal rounds failed, e.g. ${sealLog[sealLog.length - 1].slice(0, 240)}`);
  if (!/retried/.test(sealLog[sealLog.length - 1])) fail(`the seal failure log does not say it is retried: ${sealLog[sealLog.length - 1]}`);
}
const stay = (a, b) => a.filter((x) => b.includes(x));
for (const k of stay(before.lake.orphans, after.lake.orphans)) fail(`lake file ${k} listed by no version stays after failed seals`);
for (const k of stay(before.lake.temporaries, after.lake.temporaries)) fail(`lake temporary ${k} stays after failed seals`);
for (const k of stay(before.staging, after.staging)) fail(`staging file ${k} stays after failed seals`);
const opened = await checkWithDuckDB('while full', after.lake);
console.log(`while full: lake v${after.lake.version}, ${after.lake.files.length} files (${opened} Parquet files read by DuckDB)`);
if (!alive()) fatal('the server exited while the disk was full');
await verify('while full');

// 3. Space returns.
remount(FREED_SIZE);
const fresh = makeRequest(0);
requests.push(fresh);
if ((await send(fresh)) !== 200) fail(`a new request after space returned -> ${fresh.status}`);
const refused = requests.filter((r) => r.state === 'refused');
let resentOk = 0;
for (const r of refused) {
  // As an Amplitude SDK retries a 503: the same body, the same insert_ids.
  if ((await send(r)) === 200) resentOk++;
  else fail(`refused request ${r.id} sent again -> ${r.status}`);
}
console.log(`space back: ${resentOk} of ${refused.length} refused requests acknowledged when sent again`);

// Seals complete: the current version holds every acknowledged past event.
const pastAcked = requests.filter((r) => r.past && r.state === 'acked').length * EVENTS_PER_REQUEST;
const today = isoDate(Date.now());
let sealedPast = 0;
const sealDeadline = Date.now() + 60000;
while (Date.now() < sealDeadline) {
  const lake = inspectLake(path.join(server.dataDir, 'lake'));
  sealedPast = lake.snap.files.filter((f) => f.kind === 'events' && f.date < today).reduce((a, f) => a + f.rows, 0);
  if (sealedPast >= pastAcked) break;
  await sleep(500);
}
if (sealedPast !== pastAcked) fail(`the lake holds ${sealedPast} events of past days, ${pastAcked} were acknowledged`);
else console.log(`space back: seals completed, the lake holds all ${pastAcked} acknowledged past events`);
await verify('space back');

// 4. kill -9 and restart: still every acknowledged event exactly once.
server.proc.kill('SIGKILL');
await server.exited;
await start();
const health2 = await getText('/healthz');
if (health2.status !== 200) fail(`GET /healthz after restart -> ${health2.status}`);
await verify('after kill -9 and restart');
await checkWithDuckDB('after restart', lakeLook().lake);

server.proc.kill('SIGKILL');
await server.exited;

// 5. `swell import` meeting a full disk stops with a clear error and a
// non-zero exit; what it imported before stays.
const IMPORT_EVENTS = 60000;
const ndjson = path.join(base, 'import.ndjson');
{
  const lines = [];
  const t = Date.now() - 2 * DAY;
  for (let i = 0; i < IMPORT_EVENTS; ++i) {
    lines.push(JSON.stringify({ event_type: 'imported', user_id: `importer-${i % 50}`, insert_id: `import-${i}`,
      time: t + i, event_properties: { i, pad: 'q'.repeat(120) } }));
  }
  fs.writeFileSync(ndjson, `${lines.join('\n')}\n`);
}
const st = fs.statfsSync(mnt);
const usedKiB = Math.ceil(((st.blocks - st.bfree) * st.bsize) / 1024);
remount(`${usedKiB + 5 * 1024}k`);  // room for a few of the import's 10000-event batches
const importData = path.join(mnt, 'import-data');
const imp = spawnSync(SWELL, ['import', '--data', importData, '--app', 'default', '--no-progress', ndjson],
  { encoding: 'utf8', timeout: 120000 });
const importedBefore = /\((\d+) events of this file were imported and are durable\)/.exec(imp.stderr ?? '');
if (imp.status === 0 || !/disk full/i.test(imp.stderr) || !/No space left on device/.test(imp.stderr) || !importedBefore) {
  fail(`swell import on a full disk: exit ${imp.status}, stderr ${(imp.stderr ?? '').slice(0, 600)}`);
} else {
  console.log(`import on a full disk: exit ${imp.status}, ${importedBefore[1]} events imported before it stopped: ` +
    `${imp.stderr.trim().slice(0, 200)}`);
  remount(FREED_SIZE);
  const q = spawnSync(SWELL, ['query', 'segmentation', '--data', importData, '--json', JSON.stringify({
    event: { name: 'imported' }, metric: 'totals', from: isoDate(Date.now() - 5 * DAY), to: isoDate(Date.now() + DAY),
    interval: 'week' })], { encoding: 'utf8', timeout: 60000 });
  let n = -1;
  try { n = 0; for (const s of JSON.parse(q.stdout).series) for (const p of s.points) n += p.value; } catch { n = -1; }
  if (n !== Number(importedBefore[1])) fail(`after the failed import the data holds ${n} events, it reported ${importedBefore[1]}: ${q.stderr}`);
  if (Number(importedBefore[1]) === 0) fail('the import stopped before its first batch: nothing shows that earlier batches stay');
}

console.log(`${failures ? `FAILED (${failures} problems)` : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
