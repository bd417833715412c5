// End-to-end durability: concurrent ingest clients, `kill -9` of the server in
// the middle of the stream, restart on the same data directory, and a count of
// every event through the query API.
//
//   node kill9.mjs /path/to/swell
//
// Each event carries a unique property `eid`; a per-client segmentation
// grouped by `eid` shows how many times each event is counted. After every
// restart: an event whose request got a 200 is counted exactly once, an event
// whose request got an error status is not counted, and an event whose request
// had no answer (in flight at the kill) is counted at most once, with all the
// events of its request or none. Every seventh request carries one event
// without a user or device id: the server must refuse the whole request with
// 400, and none of its valid events may be counted. Then the unanswered requests and a sample of
// acknowledged ones are sent again with the same insert_ids, as a client retry
// would, and every one of those events must still be counted exactly once.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node kill9.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}

const CLIENTS = 16;
const EVENTS_PER_REQUEST = 4;
const CYCLES = 3;
const TRAFFIC_MS = 1500;
const RESEND_ACKED = 24;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swell-kill9-'));
const ingestKey = `crash-ingest-${randomBytes(12).toString('hex')}`;
const readKey = `crash-read-${randomBytes(12).toString('hex')}`;
const configPath = path.join(dataDir, 'swell.toml');
const serverData = path.join(dataDir, 'data');
// Charts grouped by eid list every event: no cap on their series.
fs.writeFileSync(configPath, `[[app]]\nid = "crash"\ningest_key = "${ingestKey}"\nread_key = "${readKey}"\n` +
  '\n[limits]\nmax_result_series = 10000000\n');

let server = null;  // { proc, port, log: string[] }
let failed = false;
function fail(msg) {
  failed = true;
  console.error(`FAIL: ${msg}`);
}
function fatal(msg) {
  console.error(`FAIL: ${msg}`);
  if (server) console.error(`--- server output ---\n${server.log.join('')}`);
  cleanup();
  process.exit(1);
}
function cleanup() {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
  if (!failed) fs.rmSync(dataDir, { recursive: true, force: true });
  else console.error(`data left in ${dataDir}`);
}
process.on('uncaughtException', (e) => fatal(`uncaught: ${e.stack || e}`));
process.on('unhandledRejection', (e) => fatal(`unhandled: ${e && e.stack ? e.stack : e}`));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer() {
  for (let attempt = 0; attempt < 5; ++attempt) {
    const port = await freePort();
    const log = [];
    const proc = spawn(
      SWELL,
      ['serve', '--data', serverData, '--listen', `127.0.0.1:${port}`, '--config', configPath],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout.on('data', (d) => log.push(d.toString()));
    proc.stderr.on('data', (d) => log.push(d.toString()));
    const exited = new Promise((r) => proc.once('exit', (code, sig) => r({ code, sig })));
    server = { proc, port, log, exited };
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    if (proc.exitCode === null && proc.signalCode === null) fatal('server did not answer GET /healthz 200 within 30 s');
    const text = log.join('');
    // Another process may have taken the port between the probe and the bind.
    if (!/address|in use|bind/i.test(text)) fatal(`server exited at start (code ${proc.exitCode})`);
    console.error(`port ${port} taken, retrying`);
  }
  fatal('could not start the server on a free port');
}

async function kill9() {
  server.proc.kill('SIGKILL');
  const { sig } = await server.exited;
  if (sig !== 'SIGKILL') fatal(`server ended with ${sig} before the kill`);
}

// ---- the events --------------------------------------------------------

// requests[i] = { client, seq, invalid, body, eids, state: 'acked' | 'rejected' | 'unknown', status }
const requests = [];
const seqOf = new Array(CLIENTS).fill(0);

function makeRequest(client, cycle) {
  const seq = seqOf[client]++;
  const invalid = seq % 7 === 3;
  const now = Date.now();
  const events = [];
  const eids = [];
  for (let j = 0; j < EVENTS_PER_REQUEST; ++j) {
    const eid = `${client}-${seq}-${j}`;
    eids.push(eid);
    events.push({
      event_type: 'tick',
      user_id: `user-${client}`,
      insert_id: `kill9-${eid}`,
      time: now,
      event_properties: { client, seq, cycle, eid },
    });
  }
  if (invalid) delete events[EVENTS_PER_REQUEST - 1].user_id;
  return { client, seq, cycle, invalid, eids, body: JSON.stringify({ api_key: ingestKey, events }), state: 'unknown' };
}

async function send(req) {
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: req.body,
      signal: AbortSignal.timeout(20000),
    });
    const text = await res.text();
    req.status = res.status;
    if (res.status === 200) {
      req.state = 'acked';
    } else {
      req.state = 'rejected';
      req.error = text.slice(0, 200);
    }
  } catch (e) {
    // No answer: the server died with the request in flight.
    req.state = 'unknown';
    req.error = String(e.cause || e);
  }
}

async function traffic(cycle) {
  let stop = false;
  const loops = [];
  for (let c = 0; c < CLIENTS; ++c) {
    loops.push((async () => {
      while (!stop) {
        const req = makeRequest(c, cycle);
        requests.push(req);
        await send(req);
      }
    })());
  }
  await sleep(TRAFFIC_MS);
  const metrics = await scrapeWalMetrics();
  stop = true;  // no new requests; the ones in flight meet the kill
  await kill9();
  await Promise.all(loops);
  return metrics;
}

// Group commit as the server reports it (GET /metrics), for the log.
async function scrapeWalMetrics() {
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const get = (name) => {
      const m = text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm'));
      return m ? Number(m[1]) : NaN;
    };
    const records = get('swell_wal_records_total');
    const fsyncs = get('swell_wal_fsync_seconds_count');
    const seconds = get('swell_wal_fsync_seconds_sum');
    return `${records} log records, ${fsyncs} fsyncs (${(records / fsyncs).toFixed(1)} records each, ` +
      `mean ${((seconds / fsyncs) * 1000).toFixed(2)} ms)`;
  } catch (e) {
    return `metrics unavailable: ${e}`;
  }
}

// ---- the checks --------------------------------------------------------

function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
const FROM = isoDate(Date.now() - 86400000);

async function query(body) {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/segmentation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60000),
  });
  const text = await res.text();
  if (res.status !== 200) fatal(`segmentation ${JSON.stringify(body)} -> ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

function seriesTotals(result) {
  const out = new Map();
  for (const s of result.series) {
    let sum = 0;
    for (const p of s.points) sum += p.value;
    out.set(s.group, (out.get(s.group) || 0) + sum);
  }
  return out;
}

// Counts every event of the app, per eid, and checks each request's events.
async function verify(label, { allowUnknown }) {
  const to = isoDate(Date.now() + 86400000);
  const counted = new Map();
  for (let c = 0; c < CLIENTS; ++c) {
    const res = await query({
      event: { name: 'tick', filters: [{ property: 'client', op: 'is', values: [String(c)] }] },
      metric: 'totals', from: FROM, to, interval: 'day', group_by: 'eid',
    });
    for (const [eid, n] of seriesTotals(res)) {
      if (n > 0) counted.set(eid, n);
    }
  }
  const total = seriesTotals(await query({ event: { name: 'tick' }, metric: 'totals', from: FROM, to, interval: 'day' }));
  let totalSum = 0;
  for (const v of total.values()) totalSum += v;

  let acked = 0, rejected = 0, unknownIn = 0, unknownOut = 0, problems = 0;
  const known = new Set();
  const report = (msg) => {
    if (problems++ < 20) fail(`${label}: ${msg}`);
  };
  for (const req of requests) {
    const ns = req.eids.map((e) => counted.get(e) || 0);
    for (const e of req.eids) known.add(e);
    if (req.state === 'acked') {
      acked++;
      ns.forEach((n, j) => n !== 1 && report(`acknowledged event ${req.eids[j]} counted ${n} times`));
    } else if (req.state === 'rejected') {
      rejected++;
      ns.forEach((n, j) => n !== 0 && report(`event ${req.eids[j]} of a request answered ${req.status} counted ${n} times`));
    } else {
      if (!allowUnknown) report(`request ${req.client}-${req.seq} still has no answer`);
      ns.forEach((n, j) => n > 1 && report(`unanswered event ${req.eids[j]} counted ${n} times`));
      const some = ns.some((n) => n > 0);
      if (some && !ns.every((n) => n === 1)) report(`request ${req.client}-${req.seq} is partly counted: ${ns}`);
      if (some) unknownIn++;
      else unknownOut++;
    }
  }
  let countedSum = 0;
  for (const [eid, n] of counted) {
    countedSum += n;
    if (!known.has(eid)) report(`event ${eid} counted but never sent`);
  }
  if (countedSum !== totalSum) report(`grouped counts sum to ${countedSum} but the ungrouped total is ${totalSum}`);
  console.log(`${label}: ${acked} acknowledged requests, ${rejected} refused, ` +
    `${unknownIn + unknownOut} unanswered (${unknownIn} counted, ${unknownOut} not); ${totalSum} events counted`);
  if (problems > 20) fail(`${label}: ${problems - 20} more problems`);
}

// ---- the run ----------------------------------------------------------

const started = Date.now();
await startServer();
for (let cycle = 0; cycle < CYCLES; ++cycle) {
  if (cycle > 0) {
    // A client that got no answer or a duplicate delivery retries with the same insert_ids.
    const retry = requests.filter((r) => r.state === 'unknown');
    const acked = requests.filter((r) => r.state === 'acked');
    for (let i = 0; i < RESEND_ACKED && acked.length > 0; ++i) {
      retry.push({ ...acked[(i * 7919) % acked.length], state: 'resend' });
    }
    for (const r of retry) {
      const copy = { ...r };
      await send(copy);
      const expected = r.invalid ? 400 : 200;
      if (copy.status !== expected) fail(`resend of ${r.client}-${r.seq} -> ${copy.status || copy.error}, expected ${expected}`);
      if (r.state === 'unknown') r.state = copy.state;
    }
    await verify(`cycle ${cycle} after resending ${retry.length} requests`, { allowUnknown: false });
  }
  const before = requests.length;
  const walMetrics = await traffic(cycle);
  const sent = requests.slice(before);
  const acked = sent.filter((r) => r.state === 'acked').length;
  const refused = sent.filter((r) => r.state === 'rejected');
  for (const r of sent) {
    if (r.invalid && r.state === 'acked') fail(`request ${r.client}-${r.seq} with an invalid event was acknowledged`);
    if (!r.invalid && r.state === 'rejected') fail(`valid request ${r.client}-${r.seq} refused: ${r.status} ${r.error}`);
    if (r.invalid && r.state === 'rejected' && r.status !== 400) fail(`invalid request ${r.client}-${r.seq} got ${r.status}, expected 400`);
  }
  console.log(`cycle ${cycle}: ${sent.length} requests in ${TRAFFIC_MS} ms, ${acked} acknowledged, ` +
    `${refused.length} refused, killed with ${sent.length - acked - refused.length} in flight; server: ${walMetrics}`);
  if (refused.length === 0) fail(`cycle ${cycle}: no request was refused, so the check that refused events stay uncounted is empty`);
  if (acked < 50) fail(`cycle ${cycle}: only ${acked} requests acknowledged before the kill`);
  await startServer();
  await verify(`cycle ${cycle} after restart`, { allowUnknown: true });
}
await kill9();
console.log(`${failed ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
cleanup();
process.exit(failed ? 1 : 0);
