// Shared by the seal crash tests (seal_crash.mjs, serve_seal_crash.mjs):
// running the real binary with a SIGKILL at a chosen moment, and checking a
// lake directory from outside Swell, from docs/formats.md "Lake" and
// "Manifest" only (CURRENT, the versions, their checksums, the files they
// list, orphans, temporaries).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs `bin args` to completion; kills it with SIGKILL after killAfterMs
// (when given). Resolves {code, signal, ms, stdout, stderr, killed}.
export function runProcess(bin, args, { killAfterMs, timeoutMs = 120000 } = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    let killed = false;
    const timers = [];
    if (killAfterMs !== undefined) {
      timers.push(setTimeout(() => { killed = true; proc.kill('SIGKILL'); }, Math.max(0, killAfterMs)));
    }
    timers.push(setTimeout(() => { proc.kill('SIGKILL'); stderr += `\n[timed out after ${timeoutMs} ms]`; }, timeoutMs));
    proc.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, killed: killed && signal === 'SIGKILL', stdout, stderr,
        ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

// ---------------------------------------------------------------- CRC-32C
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
export function crc32c(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- the lake
const VERSION_RE = /^v(\d{20})\.json$/;
const KINDS = ['events', 'sets', 'users', 'raw'];

// Every regular file under dir (relative paths), hidden ones included.
function walk(dir, rel = '') {
  const out = [];
  let names;
  try { names = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }); } catch { return out; }
  for (const d of names) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

// Parses and verifies one version object's text. Returns {snap} or {error}.
export function decodeVersion(text, expectVersion) {
  if (!text.endsWith('\n')) return { error: 'no trailing newline' };
  const marker = ',"checksum":"';
  const cut = text.lastIndexOf(marker);
  if (cut < 0) return { error: 'no checksum' };
  const want = text.slice(cut + marker.length, cut + marker.length + 8);
  const got = crc32c(Buffer.from(text.slice(0, cut), 'utf8')).toString(16).padStart(8, '0');
  if (want !== got) return { error: `checksum ${want}, computed ${got}` };
  let snap;
  try { snap = JSON.parse(text); } catch (e) { return { error: `not JSON: ${e.message}` }; }
  if (snap.format !== 'swell-manifest' || snap.format_version !== 1) return { error: 'bad format' };
  if (snap.version !== expectVersion) return { error: `version ${snap.version} in object of version ${expectVersion}` };
  if (snap.version > 1 && snap.parent !== snap.version - 1) return { error: `parent ${snap.parent}` };
  const keys = snap.files.map((f) => f.key);
  for (let i = 1; i < keys.length; i++) {
    if (!(Buffer.compare(Buffer.from(keys[i - 1]), Buffer.from(keys[i])) < 0)) return { error: `files not sorted/unique at ${keys[i]}` };
  }
  for (const f of snap.files) {
    if (!KINDS.includes(f.kind) || !f.key.startsWith(`${f.kind}/`)) return { error: `file ${f.key} of kind ${f.kind}` };
  }
  return { snap };
}

// Inspects a lake directory. Returns
//   {version, current, snap, versions: Map(v -> snap), problems: [..], info: [..],
//    orphans: [keys listed by no present version], unlisted: [keys not in the effective version],
//    temporaries: [hidden files], files: [all object keys under events/ sets/ users/ raw/]}
// problems are violations of docs/formats.md: a damaged version, a version
// listing a missing file or a file of another size, a gap in the versions.
export function inspectLake(lakeDir) {
  const problems = [];
  const info = [];
  const mdir = path.join(lakeDir, '_manifest');
  const versions = new Map();
  let names = [];
  try { names = fs.readdirSync(mdir); } catch { /* no manifest: empty lake */ }
  const temporaries = walk(lakeDir).filter((r) => r.split('/').some((s) => s.startsWith('.')));
  for (const n of names) {
    const m = VERSION_RE.exec(n);
    if (!m) continue;
    const v = Number(m[1]);
    const d = decodeVersion(fs.readFileSync(path.join(mdir, n), 'utf8'), v);
    if (d.error) problems.push(`_manifest/${n}: ${d.error}`);
    else versions.set(v, d.snap);
  }
  let current = 0;
  if (names.includes('CURRENT')) {
    const text = fs.readFileSync(path.join(mdir, 'CURRENT'), 'utf8');
    const m = /^(v(\d{20})\.json)\n$/.exec(text);
    if (!m) problems.push(`CURRENT is ${JSON.stringify(text)}`);
    else {
      current = Number(m[2]);
      if (!versions.has(current)) problems.push(`CURRENT names ${m[1]}, which is missing or damaged`);
    }
  } else if (versions.size > 0) {
    info.push('no CURRENT although versions exist');
  }
  // Load: CURRENT rolled forward while N+1 exists.
  let version = current;
  while (versions.has(version + 1)) version++;
  if (version !== current) info.push(`CURRENT names v${current}, rolled forward to v${version}`);
  const newest = versions.size ? Math.max(...versions.keys()) : 0;
  if (newest !== version) problems.push(`newest version object is v${newest} but Load reaches v${version}`);
  const present = [...versions.keys()].sort((a, b) => a - b);
  for (let i = 1; i < present.length; i++) {
    if (present[i] !== present[i - 1] + 1) problems.push(`versions are not contiguous: v${present[i - 1]} then v${present[i]}`);
  }
  // Every present version lists only files that exist, at the listed size
  // (sweep deletes versions before files, so this holds for all of them).
  const listedAny = new Set();
  for (const [v, snap] of versions) {
    for (const f of snap.files) {
      listedAny.add(f.key);
      let st;
      try { st = fs.statSync(path.join(lakeDir, f.key)); } catch { st = null; }
      if (!st) problems.push(`v${v} lists ${f.key}, which does not exist`);
      else if (st.size !== f.size) problems.push(`v${v} lists ${f.key} with size ${f.size}, the file has ${st.size}`);
    }
  }
  const snap = versions.get(version) ?? { version: 0, files: [], covered_lsn: 0 };
  const inCurrent = new Set(snap.files.map((f) => f.key));
  const files = [];
  for (const k of KINDS) {
    for (const r of walk(path.join(lakeDir, k))) {
      if (r.split('/').some((s) => s.startsWith('.'))) continue;
      files.push(`${k}/${r}`);
    }
  }
  const orphans = files.filter((k) => !listedAny.has(k));
  const unlisted = files.filter((k) => !inCurrent.has(k));
  return { version, current, snap, versions, problems, info, orphans, unlisted, temporaries, files };
}

// Files of a data directory's staging folder (seal scratch space).
export function stagingFiles(dataDir) {
  return walk(path.join(dataDir, 'staging'));
}

export function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }
