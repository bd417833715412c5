// Concurrent ingest: 32 clients on loopback; every acknowledged event is
// counted exactly once, concurrent requests share fsyncs (group commit), and
// after a kill -9 in the middle of a stream no acknowledged event is lost and
// no batch is half there. Prints events/s and ack latency.
// Usage: node concurrent_ingest.mjs /path/to/swell
import fs from 'node:fs';
import { APPS, Checks, getJson, isoDate, postJson, segmentation, seriesTotal, startServer, todayMs } from './harness.mjs';

const bin = process.argv[2];
const t = new Checks('http_concurrent_ingest');
const T0 = todayMs();
const DAY = isoDate(T0);
const CLIENTS = 32;
const REQUESTS = 20;
const BATCH = 100;

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

function batch(name, client, seq) {
  return {
    api_key: APPS.web.ingest,
    events: Array.from({ length: BATCH }, (_, i) => ({
      user_id: `user-${client}-${i % 10}`, event_type: name, time: T0 + seq, insert_id: `${name}-${client}-${seq}-${i}`,
      event_properties: { client, seq, i },
    })),
  };
}

async function total(url, name) {
  const r = await segmentation(url, APPS.web.read, { event: { name }, metric: 'totals', from: DAY, to: DAY, interval: 'day' });
  return r.json ? seriesTotal(r.json) : NaN;
}

const server = await startServer(bin, { args: ['--quiet'] });
let dir = server.dir;
try {
  // Phase 1: throughput and exact counts.
  const before = (await getJson(`${server.url}/metrics`)).text;
  const latencies = [];
  let acked = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let s = 0; s < REQUESTS; s++) {
      const body = batch('load', c, s);
      const t0 = process.hrtime.bigint();
      const r = await postJson(`${server.url}/2/httpapi`, body);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (t.eq(r.status, 200, 'concurrent request acknowledged')) acked += r.json.events_ingested;
    }
  }));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  const after = (await getJson(`${server.url}/metrics`)).text;
  const fsyncs = metric(after, 'swell_wal_fsync_seconds_count') - metric(before, 'swell_wal_fsync_seconds_count');
  console.log(`${CLIENTS} clients x ${REQUESTS} requests x ${BATCH} events: ${(acked / secs).toFixed(0)} events/s, ` +
    `${(CLIENTS * REQUESTS / secs).toFixed(0)} requests/s, ack latency p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms, ` +
    `${fsyncs} fsyncs for ${CLIENTS * REQUESTS} requests`);
  t.eq(acked, CLIENTS * REQUESTS * BATCH, 'every request acknowledged');
  t.eq(await total(server.url, 'load'), acked, 'every acknowledged event counted exactly once');
  t.ok(fsyncs > 0 && fsyncs < CLIENTS * REQUESTS, 'concurrent requests share fsyncs', fsyncs);

  // Resending acknowledged batches (a client retrying after a timeout) does
  // not double count: insert_id dedup.
  const resend = await postJson(`${server.url}/2/httpapi`, batch('load', 0, 0));
  t.eq(resend.status, 200, 'a resent batch is acknowledged');
  t.eq(await total(server.url, 'load'), acked, 'a resent batch is not counted twice');

  // Stops a server in the middle of a stream of requests from 8 clients;
  // returns the events acknowledged and the exit status.
  async function interruptStream(srv, name, signal) {
    let ackedEvents = 0;
    let others = 0;
    let stop = false;
    const streams = Array.from({ length: 8 }, async (_, c) => {
      for (let s = 0; !stop; s++) {
        try {
          const r = await postJson(`${srv.url}/2/httpapi`, batch(name, c, s));
          if (r.status === 200) ackedEvents += BATCH;
          else others++;
        } catch {
          return;  // the server is gone: the outcome of this request is unknown
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    srv.proc.kill(signal);
    const exit = await srv.stop();
    stop = true;
    await Promise.all(streams);
    t.eq(others, 0, `${signal}: no answer other than 200 before the stop`);
    t.ok(ackedEvents > 0, `${signal}: some batches were acknowledged before the stop`, ackedEvents);
    return { ackedEvents, exit };
  }

  async function checkAfterRestart(srv, name, ackedEvents, signal) {
    const n = await total(srv.url, name);
    t.ok(n >= ackedEvents, `after ${signal} every acknowledged event is there`, `${n} < ${ackedEvents}`);
    t.ok(n <= ackedEvents + 8 * BATCH, `after ${signal} at most the in-flight batches beyond that`, `${n} vs ${ackedEvents}`);
    t.eq(n % BATCH, 0, `after ${signal} no batch is half there`);
  }

  // Phase 2: SIGTERM in the middle of a stream: a clean exit.
  const term = await interruptStream(server, 'term', 'SIGTERM');
  t.eq(term.exit, { code: 0, signal: null }, 'SIGTERM under load exits 0');
  const second = await startServer(bin, { dir, args: ['--quiet'] });
  await checkAfterRestart(second, 'term', term.ackedEvents, 'SIGTERM');

  // Phase 3: kill -9 in the middle of a stream.
  const crash = await interruptStream(second, 'crash', 'SIGKILL');
  const again = await startServer(bin, { dir, args: ['--quiet'] });
  try {
    await checkAfterRestart(again, 'crash', crash.ackedEvents, 'kill -9');
    t.eq(await total(again.url, 'load'), acked, 'phase 1 events survive the crash exactly');
  } finally {
    await again.stop();
  }
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
t.finish();
