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
// history: also check versions against each other (historyProblems), which
// holds for a lake that only sealing has written.
export function inspectLake(lakeDir, { history = false } = {}) {
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
  for (const [v, snap] of versions) problems.push(...versionProblems(v, snap));
  if (history) problems.push(...historyProblems(versions));
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

// Partition values as docs/formats.md "Partition value escaping" writes
// them: %XX is a byte.
function unescapePart(s) {
  return Buffer.from(s.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}
const EVENTS_KEY_RE = /^(events|sets)\/date=(\d{4}-\d{2}-\d{2})\/app_id=([^/]+)\/part-[0-9a-f]{32}\.parquet$/;
const USERS_KEY_RE = /^users\/app_id=([^/]+)\/part-[0-9a-f]{32}\.parquet$/;
const RAW_KEY_RE = /^raw\/app_id=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=([01]\d|2[0-3])\/[^/]+$/;

// The rules one version must keep beyond its checksum (docs/formats.md
// "Keys", "Manifest", "Sealing"): each file's app_id and date are the ones
// its key spells; an events file's rows lie on its UTC day; a partition
// (app-day) has at most one live events file and one live sets file (a
// re-seal swaps them); sealed_lsn only on events files.
export function versionProblems(v, snap) {
  const out = [];
  const live = new Set();
  if (!Number.isSafeInteger(snap.covered_lsn) || snap.covered_lsn < 0) out.push(`v${v}: covered_lsn ${snap.covered_lsn}`);
  for (const f of snap.files) {
    let app, date;
    let m;
    if ((m = EVENTS_KEY_RE.exec(f.key))) [, , date, app] = m;
    else if ((m = USERS_KEY_RE.exec(f.key))) [, app] = m;
    else if ((m = RAW_KEY_RE.exec(f.key))) [, app, date] = m;
    else { out.push(`v${v}: ${f.key} is not a key of docs/formats.md "Keys"`); continue; }
    if (unescapePart(app) !== f.app_id) out.push(`v${v}: ${f.key} has app_id ${JSON.stringify(f.app_id)}`);
    if (date !== undefined && f.date !== date) out.push(`v${v}: ${f.key} has date ${JSON.stringify(f.date)}`);
    if (date === undefined && f.date !== undefined && f.date !== '') out.push(`v${v}: ${f.key} has a date`);
    if (!(Number.isSafeInteger(f.rows) && f.rows >= 0) || !(Number.isSafeInteger(f.size) && f.size > 0))
      out.push(`v${v}: ${f.key} has rows ${f.rows}, size ${f.size}`);
    if (f.sealed_lsn !== undefined && (f.kind !== 'events' || !(f.sealed_lsn > 0)))
      out.push(`v${v}: ${f.key} (${f.kind}) has sealed_lsn ${f.sealed_lsn}`);
    if (f.kind === 'events' || f.kind === 'sets') {
      const part = `${f.kind} ${f.app_id}/${f.date}`;
      if (live.has(part)) out.push(`v${v}: two live ${f.kind} files for ${f.app_id} ${f.date}`);
      live.add(part);
    }
    if (f.kind === 'events') {
      const lo = Date.parse(`${f.date}T00:00:00Z`);
      if (f.rows === 0 || f.min_time_ms < lo || f.max_time_ms >= lo + 86400000 || f.min_time_ms > f.max_time_ms)
        out.push(`v${v}: ${f.key} (${f.rows} rows) has times ${f.min_time_ms}..${f.max_time_ms}, outside its day`);
    }
  }
  for (const part of live) {
    const [kind, rest] = part.split(' ');
    if (kind === 'events' && !live.has(`sets ${rest}`)) out.push(`v${v}: events of ${rest} without a sets file`);
  }
  return out;
}

// The rules between consecutive versions of a lake written by sealing
// alone (no rebuild from the raw tier): covered_lsn never decreases; a
// partition once sealed stays (events are never removed); a re-seal of it
// holds every row it held (rows do not decrease) with a cut (sealed_lsn) no
// older than the previous one, and the same file keeps its sealed_lsn and
// row count; raw files only accumulate.
export function historyProblems(versions) {
  const out = [];
  const vs = [...versions.keys()].sort((a, b) => a - b);
  for (let i = 1; i < vs.length; i++) {
    const a = versions.get(vs[i - 1]), b = versions.get(vs[i]);
    if (vs[i] !== vs[i - 1] + 1) continue;
    const where = `v${vs[i - 1]} -> v${vs[i]}`;
    if (b.covered_lsn < a.covered_lsn) out.push(`${where}: covered_lsn fell from ${a.covered_lsn} to ${b.covered_lsn}`);
    if (b.committed_ms < a.committed_ms - 60000) out.push(`${where}: committed_ms went back by ${a.committed_ms - b.committed_ms} ms`);
    const byPart = (s) => new Map(s.files.filter((f) => f.kind === 'events').map((f) => [`${f.app_id}/${f.date}`, f]));
    const pa = byPart(a), pb = byPart(b);
    for (const [part, fa] of pa) {
      const fb = pb.get(part);
      if (!fb) { out.push(`${where}: partition ${part} disappeared`); continue; }
      if (fb.key === fa.key) {
        if ((fb.sealed_lsn ?? 0) !== (fa.sealed_lsn ?? 0) || fb.rows !== fa.rows)
          out.push(`${where}: ${fa.key} changed its sealed_lsn/rows: ${fa.sealed_lsn}/${fa.rows} -> ${fb.sealed_lsn}/${fb.rows}`);
        continue;
      }
      if (fb.rows < fa.rows) out.push(`${where}: partition ${part} re-sealed with ${fb.rows} rows, it had ${fa.rows}`);
      if ((fb.sealed_lsn ?? 0) < (fa.sealed_lsn ?? 0))
        out.push(`${where}: partition ${part} re-sealed with sealed_lsn ${fb.sealed_lsn}, older than ${fa.sealed_lsn}`);
    }
    const keysB = new Set(b.files.map((f) => f.key));
    for (const f of a.files) if (f.kind === 'raw' && !keysB.has(f.key)) out.push(`${where}: raw file ${f.key} removed`);
  }
  return out;
}

// Files of a data directory's staging folder (seal scratch space).
export function stagingFiles(dataDir) {
  return walk(path.join(dataDir, 'staging'));
}

export function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }
