// The crash loop (serve seal crash test): `swell serve` sealing on its own
// timer ([lake] seal_delay_seconds = 0, seal_interval_seconds = 1, so every
// hour that has ended is sealed within a second), fed by concurrent HTTP
// clients whose events fall over the past days, asked queries by two more
// clients at the same time, and killed with SIGKILL, round after round.
//
//   node serve_seal_crash.mjs /path/to/swell            (5 rounds)
//   SWELL_CRASH_CYCLES=50 node serve_seal_crash.mjs /path/to/swell
//   SWELL_CRASH_SEED=N ...                              (another seed)
//   SWELL_CRASH_PACE_MS=0 ...          (ingest clients without their 20 ms pause)
//
// The kill moment of round r rotates over five kinds (crash_queries.mjs
// has the questions): `ingest` (a random moment, ingest and seals only),
// `seal` (0-40 ms after a seal starts writing into DATA/staging),
// `lake-query` (while a query is answered that made the server load sealed
// days into its partition cache), `replay` (a random moment, then the
// restarted server is killed again while it replays its log), `random`. In
// all but `ingest`, every query answered before the kill must be a 200 (or
// 429) of the documented shape, and a chart of all events must count at
// least every event acknowledged before it was asked and at most every
// event sent by the time it was answered.
//
// Every event carries a unique `eid` and an insert_id. After every kill:
// the lake is checked from outside (crash_lib.mjs inspectLake: intact
// versions listing only existing files of the listed size), the server must
// start again, and a chart grouped by eid must count every acknowledged
// event exactly once, no refused one, and an unanswered request's events all
// once or all not at all (by eid for the last two rounds and one older
// round in turn, since a chart keeps at most 10000 groups; every round by
// a chart grouped by round, which must equal the events present). Then the unanswered requests and a sample of
// acknowledged ones (some of them sealed by now) are sent again with the same
// insert_ids, as a client retry would, and every event must be counted
// exactly once; totals and uniques per day must equal the counts the test
// keeps itself. At the end, after a graceful stop and `swell seal --sweep`,
// DuckDB reads the current version's events files: no event twice, none that
// was not sent, and the lake plus the events still held equal the
// acknowledged ones.
//
// Besides, after every kill: the manifest history (crash_lib.mjs
// historyProblems: covered_lsn and each day's sealed_lsn and rows never go
// back, no day disappears, one events and one sets file per day), each new
// events file holds the rows its version lists (DuckDB reads the Parquet
// metadata), and the restarted server reads the newest version. After every
// restart a fixed set of questions (segmentation totals and uniques per day
// grouped by a property, a 3-step and a grouped 2-step funnel, a retention,
// audiences with and/or/not, the event names) is asked twice, and every
// answer must equal DuckDB's over exactly the events the test knows to be
// present: the acknowledged ones and the unanswered requests found counted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng } from '../oracle/oracle_lib.mjs';
import { runProcess, inspectLake, stagingFiles, sleep, isoDay } from './crash_lib.mjs';
import { NAMES, PLANS, fixedQueries, liveQueries, allTotalsQuery, ask, shapeProblem, loadPresent, expectedAnswer, compareAnswer }
  from './crash_queries.mjs';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node serve_seal_crash.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}
const CYCLES = Number(process.env.SWELL_CRASH_CYCLES ?? 5);
const SEED = Number(process.env.SWELL_CRASH_SEED ?? 20261125);
// SWELL_CRASH_RAW=1: with the raw tier; SWELL_CRASH_MEMORY_LIMIT=8MiB: a
// small speed layer, so that memory pressure seals too (ingest answers 429
// until then; the clients retry).
const RAW = process.env.SWELL_CRASH_RAW === '1';
const MEMORY_LIMIT = process.env.SWELL_CRASH_MEMORY_LIMIT ?? '';
const CLIENTS = 8;
// Pause of each ingest client between its requests, so that a long run's
// data (and DuckDB's work after every round) grows by a few thousand events
// a round rather than by whatever the machine can take.
const PACE_MS = Number(process.env.SWELL_CRASH_PACE_MS ?? 20);
const QUERY_CLIENTS = 2;
const USERS = 3000;
const MODES = ['ingest', 'seal', 'lake-query', 'replay', 'random'];
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
let round = -1;  // the round under way, for failure messages
let failRound = null;
function fail(msg) {
  failed = true;
  if (failRound === null) failRound = round;
  const where = round >= 0 ? `round ${round} (${MODES[round % MODES.length]})` : 'after the rounds';
  if (problems++ < 30) console.error(`FAIL [seed ${SEED}, ${where}]: ${msg}`);
}
function finish() {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (failed) {
    if (server) console.error(`--- server output of the last starts (last 4000 chars) ---\n${serverLog.join('').slice(-4000)}`);
    console.error(`serve_seal_crash: FAILED (seed ${SEED}, first in ${failRound >= 0 ? `round ${failRound}` : 'the final checks'}, ` +
      `${problems} problems) in ${secs} s; data kept in ${dir}\n` +
      `  reproduce: SWELL_CRASH_SEED=${SEED} SWELL_CRASH_CYCLES=${failRound >= 0 ? failRound + 1 : CYCLES} node ${process.argv[1]} ${SWELL}`);
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

// Starts the server; with killAfterMs, kills it that long after the spawn
// (during the replay of its log when that takes longer) and resolves
// {listening} instead of failing when it had not started yet.
let lastStartMs = 500;
const serverLog = [];  // every start's output, for a failure report
let starts = 0;
async function startServer({ killAfterMs } = {}) {
  const started = Date.now();
  const log = serverLog;
  log.push(`--- start ${++starts} (round ${round}${killAfterMs !== undefined ? `, killed after ${killAfterMs} ms` : ''}) ---\n`);
  const proc = spawn(SWELL, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--config', configPath, '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.on('data', (d) => log.push(d.toString()));
  const exited = new Promise((r) => proc.once('exit', (code, sig) => {
    log.push(`--- exited: code ${code}, signal ${sig} ---\n`);
    r({ code, sig });
  }));
  let killTimer = null;
  if (killAfterMs !== undefined) killTimer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
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
  if (killTimer) {
    const listening = url !== null;
    await new Promise((r) => setTimeout(r, Math.max(0, started + killAfterMs - Date.now())));
    await kill9();
    return { listening, ms: Date.now() - started };
  }
  if (!url) fatal(`the server did not start (refused to start after a kill?):\n${log.join("").slice(-4000)}`);
  lastStartMs = Date.now() - started;
  return { listening: true, ms: lastStartMs };
}

async function kill9() {
  server.killedAt = Date.now();
  server.proc.kill('SIGKILL');
  const { sig } = await server.exited;
  if (sig !== 'SIGKILL') fatal(`server ended with ${sig} before the kill:\n${server.log.join('').slice(-2000)}`);
}

// ---------------------------------------------------------------- traffic
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
    // Some users far more active than others: audiences and funnels get
    // users on both sides of their conditions.
    const u = Math.floor(USERS * rand() ** 2);
    events.push({ event_type: NAMES[Math.floor(rand() * NAMES.length)], user_id: `user-${u}`, insert_id: `serve-crash-${eid}`,
      time: eventTime(), platform: rand() < 0.5 ? 'iOS' : 'Android', event_properties: { eid, cycle, client },
      user_properties: { plan: PLANS[u % PLANS.length] } });
  }
  return { client, seq, cycle, events, body: JSON.stringify({ api_key: INGEST, events }), state: 'unknown' };
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
    const values = new Map();
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
      if (m) values.set(m[1], Number(m[2]));
    }
    const get = (name) => values.get(name);
    return { runs: get('swell_seal_runs_total'), failures: get('swell_seal_failures_total'),
      partitions: get('swell_sealed_partitions_total'), sealed: get('swell_sealed_events_total'),
      lakeVersion: get('swell_lake_version'), misses: get('swell_partition_cache_requests_total{result="miss"}'),
      scanned: get('swell_query_partitions_total{source="events"}') };
  } catch {
    return null;
  }
}
// The questions asked during a round, by QUERY_CLIENTS loops and by the
// lake-query kill. st: {base: events present when the round began, acked:
// events acknowledged in it so far, sent: events sent in it so far}.
// Before the kill every answer must be 200 (or 429, a concurrency limit)
// and of its shape; the chart of all events counts at least what was
// acknowledged before it was asked and at most what was sent by its answer.
async function askLive(q, st) {
  const lower = st.base + st.acked;
  st.asked++;
  const a = await ask(server.url, READ, q);
  const upper = st.base + st.sent;
  if (!a.error) st.ms.push(a.ms);
  else st.cut.push(a.ms);
  const what = `${q.route} ${JSON.stringify(q.body ?? '')}`;
  if (a.error) {
    if (server.killedAt === undefined) fail(`live query failed before the kill: ${a.error}: ${what}`);
    return a;
  }
  if (a.status === 429) { st.throttled++; return a; }
  if (a.status !== 200) { fail(`live query -> ${a.status} ${a.text.slice(0, 300)}: ${what}`); return a; }
  const shape = shapeProblem(q, a.body);
  if (shape) { fail(`live answer of the wrong shape (${shape}): ${what}: ${a.text.slice(0, 300)}`); return a; }
  st.answered.set(q.route, (st.answered.get(q.route) ?? 0) + 1);
  if (q.all) {
    const total = a.body.series[0].points.reduce((x, p) => x + p.value, 0);
    if (total < lower || total > upper)
      fail(`live chart of all events counts ${total}; acknowledged before it was asked: ${lower}, sent by its answer: ${upper}`);
    st.bounded++;
  }
  return a;
}
async function queryLoop(qc, st) {
  for (let i = 0; !st.stop; i++) {
    const now = Date.now();
    const qs = [...liveQueries(now), { ...allTotalsQuery(now), all: true }];
    await askLive(qs[(i + qc * 5) % qs.length], st);
  }
}

async function traffic(cycle, ms, base) {
  const mode = MODES[cycle % MODES.length];
  const st = { stop: false, base, acked: 0, sent: 0, asked: 0, throttled: 0, bounded: 0, answered: new Map(), ms: [], cut: [] };
  const loops = [];
  for (let c = 0; c < CLIENTS; c++) {
    loops.push((async () => {
      while (!st.stop) {
        const req = makeRequest(c, cycle);
        requests.push(req);
        st.sent += req.events.length;
        await send(req);
        if (req.state === 'acked') st.acked += req.events.length;
        if (PACE_MS) await sleep(PACE_MS);
      }
    })());
  }
  if (mode !== 'ingest') for (let q = 0; q < QUERY_CLIENTS; q++) loops.push(queryLoop(q, st));
  // The kill moments below count from this server's first committed seal
  // (on a loaded machine the first round can take seconds).
  for (const deadline = Date.now() + 30000; Date.now() < deadline && !((await metrics())?.partitions > 0);) await sleep(100);
  let how = `at a random moment (${mode})`;
  let m;
  if (mode === 'seal') {
    // The kill waits for a seal in progress (a new file in DATA/staging,
    // where a seal writes before storing into the lake), then lands 0-40 ms
    // later: while Parquet files are written, stored or committed.
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
  } else if (mode === 'lake-query') {
    // The kill lands while a query that scans every sealed day is answered,
    // once the partition cache has counted a miss since it was asked (the
    // server loads a sealed day's events file; every seal replaces some).
    await sleep(ms / 2);
    m = await metrics();
    const deadline = Date.now() + 3 * ms;
    how = 'no query seen loading lake partitions';
    while (Date.now() < deadline && !failed) {
      const before = (await metrics())?.misses;
      const now = Date.now();
      const q = { route: 'segmentation', body: { event: { name: '_all' }, metric: 'uniques', from: isoDay(now - 6 * DAY),
        to: isoDay(now + DAY), interval: 'hour', group_by: 'platform' } };
      let done = false;
      const p = askLive(q, st).then((a) => { done = true; return a; });
      loops.push(p);
      // Polls while the query runs; the first poll that sees a miss
      // counted since the query was asked, with the query still running,
      // kills.
      let hit = false;
      while (!done && !hit) {
        const after = await metrics();
        hit = !done && after && after.misses > before;
      }
      if (hit) { how = 'during a query loading lake partitions'; break; }
      await p;
    }
  } else {
    await sleep(ms);
    m = await metrics();
  }
  st.stop = true;
  await kill9();
  await Promise.all(loops);
  return { ...m, how, mode, st };
}

// ---------------------------------------------------------------- checks
async function segmentation(body) {
  const t = Date.now();
  let res, text;
  try {
    res = await fetch(`${server.url}/api/v1/segmentation`, { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${READ}` }, body: JSON.stringify(body),
      signal: AbortSignal.timeout(120000) });
    text = await res.text();
  } catch (e) {
    await sleep(200);
    fatal(`segmentation ${JSON.stringify(body)} failed after ${Date.now() - t} ms: ${e.cause?.code ?? ''} ${e.cause?.message ?? e}; ` +
      `the server ${server.proc.exitCode === null && server.proc.signalCode === null ? 'is still running' :
        `exited (code ${server.proc.exitCode}, signal ${server.proc.signalCode})`}`);
  }
  if (res.status !== 200) fatal(`segmentation ${JSON.stringify(body)} -> ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
const FROM = isoDay(Date.now() - 6 * DAY);
const TO = () => isoDay(Date.now() + DAY);

// The events the last verify found present: the acknowledged ones and those
// of unanswered requests found counted.
let presentEvents = [];
// Counts by eid of the events whose property `cycle` is one of cycles: a
// chart grouped by eid keeps at most 10000 groups (docs/api.md "Limits"), so
// a round's events are asked by client when a round has more.
const sum = (s) => s.points.reduce((a, p) => a + p.value, 0);
async function countByEid(cycles, counted) {
  const chart = (filters) => segmentation({ event: { name: '_all', filters }, metric: 'totals', from: FROM, to: TO(),
    interval: 'month', group_by: 'eid', limit: 10000 });
  const whole = await chart([{ property: 'cycle', op: 'is', values: cycles }]);
  if (!whole.series.some((s) => s.group === '(other)')) {
    for (const s of whole.series) counted.set(s.group, sum(s));
    return;
  }
  for (const c of cycles) {
    for (let k = 0; k < CLIENTS; k++) {
      const part = await chart([{ property: 'cycle', op: 'is', values: [c] }, { property: 'client', op: 'is', values: [k] }]);
      if (part.series.some((s) => s.group === '(other)')) fail(`more than 10000 events of round ${c}, client ${k}`);
      for (const s of part.series) counted.set(s.group, sum(s));
    }
  }
}
let verifications = 0;
// Every event of the rounds `cycle` and `cycle - 1` (where unanswered
// requests are settled) and of one older round (in turn) is checked by eid;
// every round by its count.
async function verify(label, { allowUnknown, cycle }) {
  const counted = new Map();
  const present = [];
  const byEid = new Set([cycle, cycle - 1, verifications++ % (cycle + 1)].filter((c) => c >= 0));
  await countByEid([...byEid], counted);
  const byCycle = new Map();
  const cycles = await segmentation({ event: { name: '_all' }, metric: 'totals', from: FROM, to: TO(), interval: 'month',
    group_by: 'cycle', limit: 10000 });
  for (const s of cycles.series) byCycle.set(s.group, sum(s));
  const expectCycle = new Map();
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
    if (!byEid.has(req.cycle)) {
      // Settled in an earlier verify: counted in its round's total.
      if (req.state === 'unknown') fail(`${label}: request ${req.client}-${req.seq} of round ${req.cycle} still has no answer`);
      if (req.state === 'acked') {
        acked++;
        req.events.forEach(count);
        present.push(...req.events);
        expectCycle.set(String(req.cycle), (expectCycle.get(String(req.cycle)) ?? 0) + req.events.length);
      }
      continue;
    }
    const ns = req.events.map((e) => counted.get(e.event_properties.eid) ?? 0);
    for (const e of req.events) known.add(e.event_properties.eid);
    if (req.state === 'acked') {
      acked++;
      ns.forEach((n, j) => n !== 1 && fail(`${label}: acknowledged event ${req.events[j].event_properties.eid} ` +
        `(${new Date(req.events[j].time).toISOString()}) counted ${n} times`));
      req.events.forEach(count);
      present.push(...req.events);
      expectCycle.set(String(req.cycle), (expectCycle.get(String(req.cycle)) ?? 0) + req.events.length);
    } else if (req.state === 'refused') {
      refused++;
      ns.forEach((n, j) => n !== 0 && fail(`${label}: event ${req.events[j].event_properties.eid} of a request answered ${req.status} counted ${n} times`));
    } else {
      if (!allowUnknown) fail(`${label}: request ${req.client}-${req.seq} still has no answer`);
      ns.forEach((n, j) => n > 1 && fail(`${label}: unanswered event ${req.events[j].event_properties.eid} counted ${n} times`));
      const some = ns.some((n) => n > 0);
      if (some && !ns.every((n) => n === 1)) fail(`${label}: request ${req.client}-${req.seq} is partly counted: ${ns}`);
      if (some) {
        unknownIn++;
        req.events.forEach(count);
        present.push(...req.events);
        expectCycle.set(String(req.cycle), (expectCycle.get(String(req.cycle)) ?? 0) + req.events.length);
      } else unknownOut++;
    }
  }
  for (const [eid, n] of counted) {
    if (!known.has(eid)) fail(`${label}: event ${eid} counted but never sent`);
  }
  let total = 0;
  for (const [c, n] of byCycle) {
    total += n;
    if (n !== (expectCycle.get(c) ?? 0)) fail(`${label}: round ${c} counts ${n} events, ${expectCycle.get(c) ?? 0} are present`);
  }
  for (const [c, n] of expectCycle) if (!byCycle.has(c)) fail(`${label}: round ${c} has no events, ${n} are present`);
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
  presentEvents = present;
  return total;
}

function checkLake(label) {
  const ins = inspectLake(path.join(dataDir, 'lake'), { history: true });
  for (const p of ins.problems) fail(`${label}: manifest: ${p}`);
  return ins;
}

// Every events file of the current version not read before: DuckDB reads
// its Parquet footer, which must hold the rows the manifest lists.
const duck = await duckConnect();
const rowsChecked = new Set();
async function checkRows(label, ins) {
  for (const f of ins.snap.files) {
    if (f.kind !== 'events' || rowsChecked.has(f.key)) continue;
    rowsChecked.add(f.key);
    const file = path.join(dataDir, 'lake', f.key);
    const rows = await duckQuery(`SELECT sum(num_rows) AS n FROM parquet_file_metadata('${file}')`, duck);
    if (Number(rows[0].n) !== f.rows) fail(`${label}: ${f.key} holds ${rows[0].n} rows, v${ins.version} lists ${f.rows}`);
  }
}

// The fixed questions, asked twice (the second answer may come from the
// result cache), against DuckDB over the events found present.
const fixedNonzero = new Map();  // query index -> non-zero numbers over the run
const oracleStats = { rounds: 0, answers: 0, ms: 0 };
async function compareWithDuckDB(label) {
  const t = Date.now();
  const n = await loadPresent(duck, presentEvents, path.join(dir, 'present.ndjson'));
  const qs = fixedQueries(Date.now());
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i];
    // DuckDB works while Swell answers the first time.
    const first = ask(server.url, READ, q);
    const want = await expectedAnswer(duck, q);
    for (const pass of ['asked', 'asked again']) {
      const where = `${label}: ${q.route} ${JSON.stringify(q.body ?? '')} (${pass}; ${n} events present)`;
      const a = pass === 'asked' ? await first : await ask(server.url, READ, q);
      if (a.error || a.status !== 200) { fail(`${where} -> ${a.error ?? `${a.status} ${a.text.slice(0, 300)}`}`); continue; }
      const shape = shapeProblem(q, a.body);
      if (shape) fail(`${where}: answer of the wrong shape (${shape}): ${a.text.slice(0, 300)}`);
      const c = compareAnswer(q, a.body, want, where);
      if (c.error) { fail(`answer differs from DuckDB: ${c.error}`); continue; }
      fixedNonzero.set(i, (fixedNonzero.get(i) ?? 0) + c.nonzero);
      oracleStats.answers++;
    }
  }
  oracleStats.rounds++;
  oracleStats.ms += Date.now() - t;
  console.log(`  ${label}: ${qs.length} questions asked twice, equal to DuckDB over ${n} events (${Date.now() - t} ms)`);
}

// ---------------------------------------------------------------- the run
console.log(`serve_seal_crash: ${CYCLES} kills of a sealing server under ${CLIENTS} clients (seed ${SEED}${RAW ? ", raw tier" : ""}${MEMORY_LIMIT ? `, memory_limit ${MEMORY_LIMIT}` : ""}); data in ${dir}`);
await startServer();
const phases = [];
const answeredRoutes = new Map();
let base = 0;
for (let cycle = 0; cycle < CYCLES && !failed; cycle++) {
  round = cycle;
  const mode = MODES[cycle % MODES.length];
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
    base = await verify(`cycle ${cycle} after resending ${retry.length} requests`, { allowUnknown: false, cycle: cycle - 1 });
  }
  const ms = 1500 + Math.floor(rand() * 3000);
  const before = requests.length;
  const m = await traffic(cycle, ms, base);
  const sent = requests.slice(before);
  const acked = sent.filter((r) => r.state === 'acked').length;
  const refused = sent.filter((r) => r.state === 'refused');
  for (const r of refused.slice(0, 3)) fail(`cycle ${cycle}: request ${r.client}-${r.seq} refused with ${r.status}`);
  let ins = checkLake(`cycle ${cycle} after the kill`);
  await checkRows(`cycle ${cycle} after the kill`, ins);
  phases.push(m.how);
  for (const [r, k] of m.st.answered) answeredRoutes.set(r, (answeredRoutes.get(r) ?? 0) + k);
  const throttled = sent.reduce((a, r) => a + (r.throttled ?? 0), 0);
  console.log(`cycle ${cycle}: killed ${m.how}; ${sent.length} requests in ${ms} ms, ${acked} acknowledged (${throttled} 429s retried), killed with ` +
    `${sent.length - acked - refused.length} in flight; seals before the kill: ${m.runs !== undefined ? `${m.runs} runs, ${m.partitions} ` +
    `partitions, ${m.sealed} events, ${m.failures} failures` : 'metrics unavailable'}; lake v${ins.version}, ` +
    `${ins.orphans.length} orphans, ${ins.temporaries.length} temporaries${ins.info.length ? `, ${ins.info.join('; ')}` : ''}`);
  if (mode !== 'ingest') {
    console.log(`  live queries: ${m.st.asked} asked, ${[...m.st.answered].map(([r, k]) => `${k} ${r}`).join(', ')} answered, ` +
      `${m.st.throttled} 429s, ${m.st.bounded} totals within their bounds; answered in ${m.st.ms.length ? `${Math.min(...m.st.ms)}-${Math.max(...m.st.ms)}` : '-'} ms, ` +
      `${m.st.cut.length} cut by the kill after ${m.st.cut.join(', ') || '-'} ms`);
  }
  if (m.failures > 0) fail(`cycle ${cycle}: ${m.failures} seal rounds failed`);
  if (m.partitions === 0) fail(`cycle ${cycle}: no seal committed before the kill: the test did not test sealing`);
  if (acked < 20) fail(`cycle ${cycle}: only ${acked} requests acknowledged before the kill`);
  if (mode === 'replay') {
    // Killed again while it starts: at a random moment of the time the
    // last start took to listen (the replay of the log comes first).
    const r = await startServer({ killAfterMs: Math.floor(rand() * lastStartMs) });
    console.log(`  killed again ${r.ms} ms after the restart, ${r.listening ? 'listening already' : 'before listening (replaying)'}`);
    ins = checkLake(`cycle ${cycle} after the kill during the restart`);
    await checkRows(`cycle ${cycle} after the kill during the restart`, ins);
  }
  const tr = Date.now();
  await startServer();
  const mm = await metrics();
  if (!mm || !(mm.lakeVersion >= ins.version))
    fail(`cycle ${cycle}: the restarted server reads lake v${mm?.lakeVersion}, the lake holds v${ins.version}`);
  await verify(`cycle ${cycle} after restart (listening after ${lastStartMs} ms, ${((Date.now() - tr) / 1000).toFixed(1)} s with the count)`,
    { allowUnknown: true, cycle });
  if (!failed) await compareWithDuckDB(`cycle ${cycle} after restart`);
}

// ---------------------------------------------------------------- the end
round = -1;
if (!failed) {
  const retry = requests.filter((r) => r.state === 'unknown');
  await Promise.all(retry.map(async (r) => {
    await send(r);
    if (r.status !== 200) fail(`resend of ${r.client}-${r.seq} -> ${r.status ?? r.error}`);
  }));
  await sleep(2500);  // one more seal round
  const expectedTotal = await verify(`final, after resending ${retry.length} requests`, { allowUnknown: false, cycle: CYCLES - 1 });
  if (!failed) await compareWithDuckDB('final');
  const qs = fixedQueries(Date.now());
  for (let i = 0; i < qs.length; i++) {
    if (!fixedNonzero.get(i)) fail(`the fixed question ${qs[i].route} ${JSON.stringify(qs[i].body ?? '')} was empty in every round`);
  }
  if (CYCLES >= MODES.length) {
    for (const r of ['segmentation', 'funnel', 'retention', 'audience', 'events'])
      if (!answeredRoutes.get(r)) fail(`no live ${r} query was answered before a kill in any round`);
  }
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
console.log(`serve_seal_crash: ${CYCLES} kills: ${JSON.stringify(phases)}; live answers ${JSON.stringify(Object.fromEntries(answeredRoutes))}; ` +
  `DuckDB comparisons: ${oracleStats.answers} answers in ${oracleStats.rounds} rounds, ${(oracleStats.ms / 1000).toFixed(1)} s`);
finish();
