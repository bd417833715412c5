// Shared code of the benchmark scripts: timing, statistics, HTTP with
// keep-alive, and comparing answers point by point.
import http from 'node:http';
import fs from 'node:fs';

export const nowNs = () => process.hrtime.bigint();
export const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// Percentile by the nearest-rank method (p in [0, 100]).
export function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}
export const median = (v) => percentile(v, 50);

export function summarize(samples) {
  if (!samples.length) return null;
  return {
    n: samples.length,
    median_ms: median(samples),
    p99_ms: percentile(samples, 99),
    min_ms: Math.min(...samples),
    max_ms: Math.max(...samples),
  };
}

const defaultPool = new http.Agent({ keepAlive: true, maxSockets: 256 });

// One HTTP request; resolves {status, body (string), ms}. Never rejects on
// an HTTP error status; rejects on a connection error.
export function httpRequest(url, { method = 'GET', headers = {}, body, pool = defaultPool, timeoutMs = 600000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = nowNs();
    const u = new URL(url);
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const h = { ...headers };
    if (payload !== undefined) {
      h['Content-Type'] = h['Content-Type'] || 'application/json';
      h['Content-Length'] = Buffer.byteLength(payload);
    }
    const req = http.request(
      { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, agent: pool },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: msSince(t0) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
export { defaultPool };

// Compares two maps key -> number, treating a missing key as 0. Returns
// {equal, points, mismatches: [{key, swell, duckdb}] (first 20), mismatchCount}.
export function compareMaps(a, b, tolerance = 0) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const mismatches = [];
  let count = 0;
  for (const k of [...keys].sort()) {
    const x = a.get(k) ?? 0;
    const y = b.get(k) ?? 0;
    const ok = tolerance === 0 ? x === y : Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(y));
    if (!ok) {
      count++;
      if (mismatches.length < 20) mismatches.push({ key: k, swell: x, duckdb: y });
    }
  }
  return { equal: count === 0, points: keys.size, mismatchCount: count, mismatches };
}

export const toNumber = (v) => (typeof v === 'bigint' ? Number(v) : v === null || v === undefined ? 0 : Number(v));

export function readJson(path, fallback = null) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch {
    return fallback;
  }
}

export function writeJson(path, value) {
  fs.writeFileSync(path, JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n');
}

export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-/g, '_');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else {
      out[key] = next;
      i++;
    }
  }
  return out;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
