// HTTP ingest load generator and freshness probe, against a running
// `swell serve` on loopback.
//
// Load: --connections keep-alive clients each send Amplitude HTTP V2 batches
// (POST /2/httpapi) back to back for --seconds, once per batch size in
// --batches; a 200 is a durable ack. Reports events/s, ack latency p50/p99.
// Freshness: while the load runs (and again when idle), a probe sends one
// event with a unique name and polls a segmentation query until it counts;
// the time from the ack to the first answer that counts it is the freshness.
//
//   node bench/ingest.mjs --swell http://127.0.0.1:PORT --ingest-key K --read-key K
//        [--connections 32] [--batches 100,1000] [--seconds 20] [--probes 20] [--out ingest.json]
import http from 'node:http';
import { httpRequest, msSince, nowNs, parseArgs, percentile, sleep, writeJson } from './lib/common.mjs';

const args = parseArgs(process.argv.slice(2), {
  connections: '32', batches: '100,1000', seconds: '20', probes: '20', idle_probes: '10', out: 'ingest.json',
});
const log = (...a) => console.error('[ingest]', ...a);
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const runTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

// Pre-serialized events, cut at the insert_id so every sent event gets a
// unique one for little client work.
const PLATFORMS = ['iOS', 'Android', 'Web'];
const NAMES = ['page_view', 'session_start', 'screen_view', 'view_item', 'click_button', 'scroll', 'search', 'add_to_cart', 'purchase'];
const COUNTRIES = ['US', 'IN', 'BR', 'DE', 'GB', 'FR', 'JP', 'ID', 'MX', 'CA'];
const templates = [];
for (let i = 0; i < 4096; i++) {
  const u = (i * 7919) % 100000;
  templates.push(
    `{"event_type":"${NAMES[i % NAMES.length]}","user_id":"user_${String(u).padStart(7, '0')}","device_id":"device-${String(u).padStart(7, '0')}",` +
      `"platform":"${PLATFORMS[u % 3]}","country":"${COUNTRIES[u % 10]}","app_version":"4.3.${u % 5}",` +
      `"event_properties":{"item_id":"item_${String(i * 13 % 100000).padStart(6, '0')}"},"user_properties":{"plan":"free"},` +
      `"time":`,
  );
}
let counter = 0;
function body(n) {
  const now = Date.now();
  const parts = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = counter++;
    parts[i] = `${templates[c & 4095]}${now - (c % 60000)},"insert_id":"${runTag}-${c}"}`;
  }
  return `{"api_key":"${args.ingest_key}","events":[${parts.join(',')}]}`;
}

const loadPool = new http.Agent({ keepAlive: true, maxSockets: connections });
const probePool = new http.Agent({ keepAlive: true, maxSockets: 2 });

async function loadPhase(batch) {
  const lat = [];
  let events = 0, requests = 0, errors = 0;
  const errorSamples = [];
  const deadline = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  async function client() {
    while (Date.now() < deadline) {
      const payload = body(batch);
      try {
        const r = await httpRequest(`${args.swell}/2/httpapi`, { method: 'POST', body: payload, pool: loadPool });
        requests++;
        if (r.status === 200) {
          events += batch;
          lat.push(r.ms);
        } else {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`${r.status} ${r.body.slice(0, 200)}`);
          if (r.status === 429 || r.status >= 500) await sleep(50);
        }
      } catch (e) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String(e.message || e));
        await sleep(50);
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, client));
  const wall = msSince(t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    batch, connections, seconds: wall, requests, events, errors, error_samples: errorSamples,
    events_per_s: events / wall,
    ack_p50_ms: percentile(lat, 50), ack_p99_ms: percentile(lat, 99), ack_max_ms: lat.length ? Math.max(...lat) : null,
    client_cpu_s: (cpu.user + cpu.system) / 1e6,
  };
}

// One freshness sample: ack of a uniquely named event -> first query that counts it.
let probeSeq = 0;
async function probe() {
  const name = `probe_${runTag}_${probeSeq++}`;
  const now = Date.now();
  const ev = { event_type: name, user_id: 'probe_user', time: now, insert_id: `${name}-0` };
  const ack = await httpRequest(`${args.swell}/2/httpapi`, {
    method: 'POST', body: { api_key: args.ingest_key, events: [ev] }, pool: probePool,
  });
  if (ack.status !== 200) throw new Error(`probe ingest: HTTP ${ack.status} ${ack.body.slice(0, 200)}`);
  const tAck = nowNs();
  const day = new Date(now).toISOString().slice(0, 10);
  const q = { event: { name }, metric: 'totals', from: day, to: day, interval: 'day', timezone: 'UTC' };
  let polls = 0;
  for (;;) {
    polls++;
    const r = await httpRequest(`${args.swell}/api/v1/segmentation`, {
      method: 'POST', body: q, headers: { Authorization: `Bearer ${args.read_key}` }, pool: probePool,
    });
    if (r.status !== 200) throw new Error(`probe query: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    const json = JSON.parse(r.body);
    let total = 0;
    for (const s of json.series || []) for (const p of s.points || []) total += Number(p.value);
    if (total >= 1) return { ms: msSince(tAck), polls, ack_ms: ack.ms };
    if (msSince(tAck) > 30000) return { ms: Infinity, polls, ack_ms: ack.ms };
  }
}

async function probes(count, gapMs, stopWhen) {
  const samples = [];
  const errors = [];
  for (let i = 0; i < count && !(stopWhen && stopWhen()); i++) {
    try {
      samples.push(await probe());
    } catch (e) {
      errors.push(String(e.message || e));
      if (errors.length > 3) break;
    }
    await sleep(gapMs);
  }
  const ms = samples.map((s) => s.ms);
  return {
    samples: ms.length, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: ms.length ? Math.max(...ms) : null,
    probe_ack_p50_ms: percentile(samples.map((s) => s.ack_ms), 50), errors,
  };
}

// The server's write-ahead log fsync histogram (GET /metrics, Prometheus text):
// {count, sum_s, buckets: [[le_seconds, cumulative]]}, or null.
async function scrapeFsync() {
  try {
    const r = await httpRequest(`${args.swell}/metrics`, { pool: probePool });
    if (r.status !== 200) return null;
    const out = { count: 0, sum_s: 0, buckets: [] };
    for (const line of r.body.split('\n')) {
      let m = line.match(/^swell_wal_fsync_seconds_bucket\{le="([^"]+)"\}\s+(\S+)/);
      if (m) out.buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
      else if ((m = line.match(/^swell_wal_fsync_seconds_sum\s+(\S+)/))) out.sum_s = Number(m[1]);
      else if ((m = line.match(/^swell_wal_fsync_seconds_count\s+(\S+)/))) out.count = Number(m[1]);
    }
    return out.buckets.length ? out : null;
  } catch {
    return null;
  }
}

// The fsyncs between two scrapes: count, mean, and p50/p99 as histogram
// bucket upper bounds ("at most").
function fsyncDelta(a, b, events) {
  if (!a || !b) return null;
  const count = b.count - a.count;
  if (count <= 0) return { count: 0 };
  const q = (p) => {
    for (let i = 0; i < b.buckets.length; i++) {
      if (b.buckets[i][1] - (a.buckets[i]?.[1] ?? 0) >= p * count) return b.buckets[i][0] * 1000;
    }
    return Infinity;
  };
  return { count, mean_ms: ((b.sum_s - a.sum_s) / count) * 1000, p50_le_ms: q(0.5), p99_le_ms: q(0.99),
           events_per_fsync: events / count };
}

async function main() {
  const result = { connections, seconds, phases: [], freshness: {} };
  // Idle freshness first (nothing else running), then under each load.
  result.freshness.idle = await probes(Number(args.idle_probes), 50);
  log(`freshness idle: p50 ${result.freshness.idle.p50_ms?.toFixed(2)} ms, p99 ${result.freshness.idle.p99_ms?.toFixed(2)} ms`);
  for (const batch of String(args.batches).split(',').map(Number)) {
    const before = await scrapeFsync();
    let done = false;
    const gap = Math.max(50, (seconds * 1000) / (Number(args.probes) + 1));
    const [phase, fresh] = await Promise.all([
      loadPhase(batch).finally(() => { done = true; }),
      (async () => { await sleep(Math.min(1000, seconds * 100)); return probes(Number(args.probes), gap, () => done); })(),
    ]);
    phase.freshness = fresh;
    phase.fsync = fsyncDelta(before, await scrapeFsync(), phase.events);
    result.phases.push(phase);
    log(`batch ${batch} x ${connections} connections: ${Math.round(phase.events_per_s)} events/s, ack p50 ${phase.ack_p50_ms?.toFixed(2)} ms, ` +
        `p99 ${phase.ack_p99_ms?.toFixed(2)} ms, ${phase.errors} errors; freshness under load p50 ${fresh.p50_ms?.toFixed(2)} ms, p99 ${fresh.p99_ms?.toFixed(2)} ms`);
    if (phase.fsync?.count) log(`  fsyncs: ${phase.fsync.count}, mean ${phase.fsync.mean_ms.toFixed(2)} ms, p50 <= ${phase.fsync.p50_le_ms} ms, p99 <= ${phase.fsync.p99_le_ms} ms, ${phase.fsync.events_per_fsync.toFixed(0)} events per fsync`);
    if (phase.errors) log(`  errors: ${phase.error_samples.join(' | ')}`);
  }
  writeJson(args.out, result);
  loadPool.destroy();
  probePool.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
