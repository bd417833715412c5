// Hot backup and restore, as docs/operations.md "Backup and restore" tells
// operators to do it: copy the data directory while the server runs (the
// bulk: sealed Parquet never changes once written), then pause the server
// with SIGSTOP, copy again what changed since (the log, the manifest, the
// newest files), and let it go on with SIGCONT. A paused process is stopped
// between system calls, so the second copy is the state a kill -9 at that
// instant would leave, which Swell recovers from.
//
//   node backup_restore.mjs /path/to/swell
//
// Concurrent clients send events over the past days (sealed every second)
// and today, each with a unique `eid`, during both copies and after. The
// copy is then started as a server of its own, and must count every event
// acknowledged before the pause exactly once, none acknowledged after it,
// and each request in flight at the pause all or not at all; its lake must
// pass the outside check; it must take new events and seal them. The
// original server, stopped gracefully, must still count everything it
// acknowledged, so the pause cost nothing.
import fs from 'node:fs';
import path from 'node:path';
import { configToml, startServer, tempDir } from '../http/harness.mjs';
import { inspectLake, sleep } from './crash_lib.mjs';

const SWELL = process.argv[2];
if (!SWELL || !fs.existsSync(SWELL)) {
  console.error(`usage: node backup_restore.mjs PATH_TO_SWELL (got ${SWELL})`);
  process.exit(2);
}

const APP = { id: 'bk', ingest: 'backup-ingest-key-00001', read: 'backup-read-key-0000001' };
// Charts grouped by eid list every event: no cap on their series.
const CONFIG = configToml([APP], '\n[lake]\nseal_delay_seconds = 0\nseal_interval_seconds = 1\n' +
  '\n[limits]\nmax_result_series = 10000000\n');
const CLIENTS = 6;
const EVENTS_PER_REQUEST = 20;
const DAY = 86400000;

let failures = 0;
function check(ok, what) {
  if (!ok) {
    failures += 1;
    console.error(`FAIL: ${what}`);
  }
}

// ---- copying -----------------------------------------------------------

// Copies src into dst file by file, skipping the LOCK file and files that
// vanish mid-copy (a sweep or a finished seal removing them). With
// `changedOnly`, a file already in dst with the same size and mtime is kept;
// files in dst that src no longer has are removed (rsync -a --delete).
function syncTree(src, dst, { changedOnly }) {
  let copied = 0;
  let bytes = 0;
  const seen = new Set();
  const visit = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(src, rel), { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    fs.mkdirSync(path.join(dst, rel), { recursive: true });
    seen.add(rel);
    for (const ent of entries) {
      const r = path.join(rel, ent.name);
      if (r === 'LOCK') continue;
      if (ent.isDirectory()) {
        visit(r);
        continue;
      }
      seen.add(r);
      let st;
      try {
        st = fs.statSync(path.join(src, r));
      } catch (e) {
        if (e.code === 'ENOENT') continue;
        throw e;
      }
      if (changedOnly) {
        try {
          const old = fs.statSync(path.join(dst, r));
          if (old.size === st.size && old.mtimeMs === st.mtimeMs) continue;
        } catch { /* not copied yet */ }
      }
      try {
        fs.copyFileSync(path.join(src, r), path.join(dst, r));
        fs.utimesSync(path.join(dst, r), st.atime, st.mtime);
      } catch (e) {
        if (e.code === 'ENOENT') continue;
        throw e;
      }
      copied += 1;
      bytes += st.size;
    }
  };
  visit('');
  if (changedOnly) {
    const prune = (rel) => {
      for (const ent of fs.readdirSync(path.join(dst, rel), { withFileTypes: true })) {
        const r = path.join(rel, ent.name);
        if (ent.isDirectory()) {
          if (!seen.has(r)) fs.rmSync(path.join(dst, r), { recursive: true, force: true });
          else prune(r);
        } else if (!seen.has(r)) {
          fs.rmSync(path.join(dst, r), { force: true });
        }
      }
    };
    prune('');
  }
  return { copied, bytes };
}

// ---- traffic -------------------------------------------------------------

// requests: { eids, body, state: 'acked' | 'refused' | 'unknown', phase }
const requests = [];
let phase = 'before';  // 'before' the pause, 'paused' (in flight at it), 'after'
let nextSeq = 0;

function makeRequest(client) {
  const seq = nextSeq++;
  const now = Date.now();
  const events = [];
  const eids = [];
  for (let j = 0; j < EVENTS_PER_REQUEST; ++j) {
    const eid = `${client}-${seq}-${j}`;
    eids.push(eid);
    // Most events fall on the past three days (sealed within a second),
    // the rest now (held in memory).
    const back = j % 4 === 0 ? 0 : (1 + (seq + j) % 3) * DAY + (seq * 7919 + j * 104729) % DAY;
    events.push({
      event_type: j % 3 === 0 ? 'purchase' : 'view',
      user_id: `user-${(seq * 31 + j) % 500}`,
      insert_id: `bk-${eid}`,
      time: now - back,
      event_properties: { eid },
    });
  }
  return { eids, body: JSON.stringify({ api_key: APP.ingest, events }), state: 'unknown', phase };
}

async function send(url, req) {
  try {
    const res = await fetch(`${url}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: req.body,
      signal: AbortSignal.timeout(60000),
    });
    await res.arrayBuffer();
    req.status = res.status;
    req.state = res.status === 200 ? 'acked' : 'refused';
  } catch (e) {
    req.state = 'unknown';
    req.error = String(e.cause || e);
  }
}

function startTraffic(url) {
  let stop = false;
  const loops = [];
  for (let c = 0; c < CLIENTS; ++c) {
    loops.push((async () => {
      while (!stop) {
        const req = makeRequest(c);
        requests.push(req);
        await send(url, req);
        // A request sent before the pause and answered after it was in
        // flight at the pause: the copy may hold it or not.
        if (req.phase === 'before' && phase !== 'before') req.phase = 'paused';
      }
    })());
  }
  return async () => {
    stop = true;
    await Promise.all(loops);
  };
}

// ---- counting --------------------------------------------------------------

// How many times the server counts each eid (a chart grouped by eid over
// the whole span of the test's events).
async function countByEid(url) {
  const from = new Date(Date.now() - 5 * DAY).toISOString().slice(0, 10);
  const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
  const res = await fetch(`${url}/api/v1/segmentation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${APP.read}`, 'content-type': 'application/json' },
    body: JSON.stringify({ event: { name: '_all' }, metric: 'totals', from, to, interval: 'month', group_by: 'eid' }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`segmentation answered ${res.status}: ${text.slice(0, 300)}`);
  const counts = new Map();
  for (const s of JSON.parse(text).series) {
    const total = s.points.reduce((a, p) => a + p.value, 0);
    counts.set(String(s.group), (counts.get(String(s.group)) ?? 0) + total);
  }
  return counts;
}

// Every event of `expect` requests counted once, of `absent` never, and of
// `either` all once or all never.
function checkCounts(label, counts, { expect, absent, either }) {
  let bad = 0;
  const report = (msg) => { if (bad++ < 10) console.error(`FAIL: ${label}: ${msg}`); };
  for (const req of expect) {
    for (const eid of req.eids) if ((counts.get(eid) ?? 0) !== 1) report(`acknowledged ${eid} counted ${counts.get(eid) ?? 0} times`);
  }
  for (const req of absent) {
    for (const eid of req.eids) if (counts.has(eid)) report(`${eid} (${req.state}, ${req.phase}) counted`);
  }
  for (const req of either) {
    const n = req.eids.map((e) => counts.get(e) ?? 0);
    if (!(n.every((x) => x === 0) || n.every((x) => x === 1))) report(`in-flight request counted partly: ${n.join(',')}`);
  }
  if (bad) failures += 1;
  return bad;
}

// ---- the run ---------------------------------------------------------------

const work = tempDir('swell-backup-');
const backupParent = path.join(work, 'restored');
const backupData = path.join(backupParent, 'data');
let original = null;
let restored = null;
try {
  fs.mkdirSync(path.join(work, 'original'), { recursive: true });
  original = await startServer(SWELL, { dir: path.join(work, 'original'), config: CONFIG });
  const stopTraffic = startTraffic(original.url);
  await sleep(2500);  // some events, some seals

  const bulk = syncTree(original.dataDir, backupData, { changedOnly: false });
  await sleep(1000);

  const pauseStart = Date.now();
  original.proc.kill('SIGSTOP');
  phase = 'paused';
  const delta = syncTree(original.dataDir, backupData, { changedOnly: true });
  const pausedMs = Date.now() - pauseStart;
  original.proc.kill('SIGCONT');
  phase = 'after';
  console.log(`bulk copy: ${bulk.copied} files, ${(bulk.bytes / 1048576).toFixed(1)} MiB while running; ` +
    `paused ${pausedMs} ms to copy ${delta.copied} changed files (${(delta.bytes / 1048576).toFixed(1)} MiB)`);

  await sleep(1500);
  await stopTraffic();
  const lakeCopy = inspectLake(path.join(backupData, 'lake'));
  check(lakeCopy.problems.length === 0, `the copied lake fails the outside check: ${lakeCopy.problems.join('; ')}`);
  check(lakeCopy.version > 0, 'the copy holds no sealed version: nothing was sealed before the pause');

  const beforePause = requests.filter((r) => r.phase === 'before');
  const inFlight = requests.filter((r) => r.phase === 'paused');
  const afterPause = requests.filter((r) => r.phase === 'after');
  const acked = (rs) => rs.filter((r) => r.state === 'acked');
  check(acked(beforePause).length > 20, `only ${acked(beforePause).length} requests acknowledged before the pause`);
  check(acked(afterPause).length > 0, 'no request acknowledged after the pause: the server did not resume');
  check(requests.every((r) => r.state !== 'refused'), `refused requests: ${requests.filter((r) => r.state === 'refused').map((r) => r.status).join(',')}`);

  // The copy, started on its own: the state at the pause.
  restored = await startServer(SWELL, { dir: backupParent, config: CONFIG });
  const copyCounts = await countByEid(restored.url);
  checkCounts('the restored copy', copyCounts, {
    expect: acked(beforePause),
    absent: afterPause.filter((r) => r.state === 'acked'),
    either: inFlight,
  });
  let copied = 0;
  for (const r of acked(beforePause)) copied += r.eids.length;
  console.log(`restored copy counts ${copied} events acknowledged before the pause exactly once`);

  // The copy is a working server: it takes new events and seals them.
  const fresh = makeRequest(99);
  fresh.phase = 'restored';
  await send(restored.url, fresh);
  check(fresh.state === 'acked', `the restored server refused new events (${fresh.status} ${fresh.error ?? ''})`);
  await sleep(2500);
  const afterNew = await countByEid(restored.url);
  checkCounts('the restored copy after new events', afterNew, {
    expect: [...acked(beforePause), fresh], absent: [], either: [],
  });
  check((await restored.stop()).code === 0, 'the restored server did not stop cleanly');
  restored = null;
  const lakeAfter = inspectLake(path.join(backupData, 'lake'));
  check(lakeAfter.problems.length === 0, `the restored lake fails the outside check: ${lakeAfter.problems.join('; ')}`);
  check(lakeAfter.version > lakeCopy.version, `the restored server sealed nothing (v${lakeCopy.version} -> v${lakeAfter.version})`);

  // The original lost nothing to the pause.
  const origCounts = await countByEid(original.url);
  checkCounts('the original server', origCounts, {
    expect: acked(requests.filter((r) => r.phase !== 'restored')),
    absent: [],
    either: requests.filter((r) => r.state === 'unknown'),
  });
  check((await original.stop()).code === 0, 'the original server did not stop cleanly');
  original = null;
} catch (e) {
  failures += 1;
  console.error(`FAIL: ${e.stack || e}`);
} finally {
  for (const s of [original, restored]) {
    if (s && s.proc.exitCode === null) {
      s.proc.kill('SIGCONT');
      s.proc.kill('SIGKILL');
    }
  }
  if (failures) {
    for (const s of [original, restored]) if (s) console.error(`--- server stderr ---\n${s.stderr().slice(-3000)}`);
    console.error(`data left in ${work}`);
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
if (failures) {
  console.error(`backup_restore: ${failures} failure(s)`);
  process.exit(1);
}
console.log('backup_restore: ok');
