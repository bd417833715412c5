// Runs the real `swell` binary for end-to-end tests: a temp data directory, a
// config file, a free loopback port (the server picks it: --listen
// 127.0.0.1:0, and prints "Listening on URL").
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APPS = {
  web: { id: 'web', ingest: 'web-ingest-key-000000001', read: 'web-read-key-0000000001' },
  ios: { id: 'ios', ingest: 'ios-ingest-key-000000001', read: 'ios-read-key-0000000001' },
};

export function configToml(apps = Object.values(APPS), extra = '') {
  return apps
    .map((a) => `[[app]]\nid = "${a.id}"\ningest_key = "${a.ingest}"\nread_key = "${a.read}"\n`)
    .join('\n') + extra;
}

export function tempDir(prefix = 'swell-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Starts `swell serve` and resolves once it listens.
export async function startServer(bin, { dir = tempDir(), config = configToml(), args = [] } = {}) {
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'swell.toml');
  fs.writeFileSync(configPath, config);
  const proc = spawn(bin, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--config', configPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stdout}\n${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = /Listening on (http:\/\/\S+)/.exec(stdout);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url, dir, dataDir, configPath, proc,
    stdout: () => stdout,
    stderr: () => stderr,
    // SIGTERM, then the exit status (a graceful stop exits 0).
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

// Runs the binary to completion.
export function run(bin, args, opts = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30000, ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function postJson(url, body, { headers = {}, raw = false } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

// Sum of all points of a segmentation answer.
export function seriesTotal(answer) {
  let total = 0;
  for (const s of answer.series) for (const p of s.points) total += p.value;
  return total;
}

export async function segmentation(url, readKey, request) {
  return postJson(`${url}/api/v1/segmentation`, request, { headers: { Authorization: `Bearer ${readKey}` } });
}

// A minimal test runner: named checks, a summary, a non-zero exit on failure.
export class Checks {
  constructor(name) { this.name = name; this.failures = 0; this.passed = 0; }
  ok(cond, what, detail = '') {
    if (cond) { this.passed++; return true; }
    this.failures++;
    console.error(`FAIL ${what}${detail ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
    return false;
  }
  eq(actual, expected, what) {
    return this.ok(JSON.stringify(actual) === JSON.stringify(expected), what,
      `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  finish() {
    console.log(`${this.name}: ${this.passed} checks passed, ${this.failures} failed`);
    process.exitCode = this.failures ? 1 : 0;
  }
}

// Midnight UTC of today plus a minute: event times that fall on one day.
export function todayMs() {
  const day = 86400000;
  return Math.floor(Date.now() / day) * day + 60000;
}

export function isoDate(ms) { return new Date(ms).toISOString().slice(0, 10); }
