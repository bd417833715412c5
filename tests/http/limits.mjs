// The server's limits, end to end over a real server with small limits in its
// config: body size (plain and a gzip bomb), events per request, properties
// per event and their size, the range of a query, the series of a group-by
// without "limit", concurrent queries (429 with Retry-After while ingest
// goes on), and slow clients: connections trickling their headers or body a
// byte a second are closed while a normal client and a keep-alive client are
// served, and every event sent around them is counted exactly.
// Usage: node limits.mjs /path/to/swell
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { APPS, Checks, configToml, getJson, isoDate, postJson, segmentation, seriesTotal, startServer, todayMs } from './harness.mjs';

const bin = process.argv[2];
const t = new Checks('http_limits');
const T0 = todayMs();
const DAY = isoDate(T0);
const DAY_MS = 86400000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

function events(name, n, from = 0, props = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    user_id: `user-${name}-${(from + i) % 50}`, event_type: name, time: T0 + from + i, insert_id: `${name}-${from + i}`,
    event_properties: props(from + i),
  }));
}

async function ingest(url, evs, route = '/2/httpapi') {
  return postJson(`${url}${route}`, { api_key: APPS.web.ingest, events: evs });
}

async function total(url, name) {
  const r = await segmentation(url, APPS.web.read, { event: { name }, metric: 'totals', from: DAY, to: DAY, interval: 'day' });
  return r.status === 200 ? seriesTotal(r.json) : NaN;
}

// Part 1: request, query and concurrency limits.
async function requestAndQueryLimits() {
  const server = await startServer(bin, {
    args: ['--quiet'],
    config: configToml(undefined, `
[server]
threads = 16
[limits]
max_body_bytes = "8KiB"
max_events_per_request = 10
max_concurrent_queries = 1
query_queue_seconds = 0
max_query_days = 31
max_result_series = 5
`),
  });
  const url = server.url;
  try {
    // Body too large, plain: 413 in Amplitude's shape, nothing stored.
    const big = { api_key: APPS.web.ingest, events: events('big', 1, 0, () => ({ pad: 'x'.repeat(9000) })) };
    let r = await postJson(`${url}/2/httpapi`, big);
    t.eq(r.status, 413, 'body over max_body_bytes: 413');
    t.eq(r.json?.code, 413, 'body over max_body_bytes: Amplitude shape');
    // A gzip bomb: under the limit on the wire, 4 MiB inflated.
    const bomb = zlib.gzipSync(Buffer.from(JSON.stringify({ api_key: APPS.web.ingest, events: events('bomb', 1) }).slice(0, -1) +
      ',"pad":"' + ' '.repeat(4 << 20) + '"}'), { level: 9 });
    t.ok(bomb.length < 8192, 'the bomb is under max_body_bytes on the wire', bomb.length);
    const started = Date.now();
    const res = await fetch(`${url}/2/httpapi`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: bomb });
    t.eq(res.status, 413, 'gzip bomb: 413');
    t.eq((await res.json()).code, 413, 'gzip bomb: Amplitude shape');
    t.ok(Date.now() - started < 20000, 'gzip bomb is refused without inflating it all');
    // Too many events per request.
    r = await ingest(url, events('many', 11));
    t.eq(r.status, 413, '11 events over max_events_per_request 10: 413');
    t.ok(/Too many events in request: 11 \(the limit is 10/.test(r.json?.error ?? ''), 'too many events: message', r.text);
    // Too many properties in one event (2000 per map) and a value too large
    // (1 MiB): 400 naming the event's field. /batch has room for them.
    const manyProps = {};
    for (let i = 0; i < 2001; i++) manyProps[`p${i}`] = i;
    r = await ingest(url, events('props', 1, 0, () => manyProps), '/batch');
    t.eq(r.status, 400, '2001 properties: 400');
    t.ok(JSON.stringify(r.json?.events_with_invalid_fields ?? {}).includes('event_properties'), '2001 properties: names event_properties', r.text.slice(0, 300));
    t.ok(/more than the limit of 2000/.test(r.text), '2001 properties: says the limit', r.text.slice(0, 300));
    r = await ingest(url, events('bigvalue', 1, 0, () => ({ v: 'y'.repeat((1 << 20) + 1) })), '/batch');
    t.eq(r.status, 400, 'property value over 1 MiB: 400');
    t.ok(/larger than 1048576 bytes/.test(r.text), 'property value over 1 MiB: says the limit', r.text.slice(0, 300));
    for (const name of ['big', 'bomb', 'many', 'props', 'bigvalue']) t.eq(await total(url, name), 0, `nothing of refused "${name}" stored`);

    // Query range: 32 days is over max_query_days 31; 31 days is not.
    const seg = (body) => segmentation(url, APPS.web.read, body);
    r = await seg({ event: { name: 'x' }, from: '2026-01-01', to: '2026-02-01', interval: 'day' });
    t.eq(r.status, 400, 'segmentation over 31 days: 400');
    t.ok(/^from, to: the range spans 32 days; the server allows at most 31/.test(r.json?.error ?? ''), 'range error names from and to', r.text);
    r = await seg({ event: { name: 'x' }, from: '2026-01-01', to: '2026-01-31', interval: 'day' });
    t.eq(r.status, 200, 'segmentation of 31 days: 200');
    const readHeaders = { headers: { Authorization: `Bearer ${APPS.web.read}` } };
    r = await postJson(`${url}/api/v1/funnel`, { steps: [{ event: 'a' }, { event: 'b' }], from: '2025-01-01', to: '2026-01-01' }, readHeaders);
    t.eq(r.status, 400, 'funnel over 31 days: 400');
    t.ok(/from, to: the range spans/.test(r.json?.error ?? ''), 'funnel range error', r.text);
    r = await postJson(`${url}/api/v1/retention`, { start: { event: 'a' }, return: { event: 'b' }, from: '2025-01-01', to: '2026-01-01' }, readHeaders);
    t.eq(r.status, 400, 'retention over 31 days: 400');
    t.ok(/from, to: the range spans/.test(r.json?.error ?? ''), 'retention range error', r.text);
    r = await postJson(`${url}/api/v1/audience`, {
      tree: { op: 'and', children: [{ event: 'a', from: '2026-01-01', to: '2026-01-02' }, { event: 'b', from: '2024-01-01', to: '2026-01-01' }] },
    }, readHeaders);
    t.eq(r.status, 400, 'audience leaf over 31 days: 400');
    t.ok(/^tree\.children\[1\]\.from, tree\.children\[1\]\.to: the range spans 732 days/.test(r.json?.error ?? ''), 'audience range error names the leaf', r.text);

    // Result series: 8 groups (sizes 8..1) and max_result_series 5. Without
    // "limit" the 5 largest are kept and the rest (3+2+1) merge into (other).
    const groups = [];
    for (let g = 0; g < 8; g++) for (let k = 0; k <= 7 - g; k++) groups.push(`g${g}`);
    const grouped = events('grouped', groups.length, 0, (i) => ({ group: groups[i] }));
    for (let i = 0; i < grouped.length; i += 10) t.eq((await ingest(url, grouped.slice(i, i + 10))).status, 200, 'grouped events stored');
    const segGrouped = (extra) => seg({ event: { name: 'grouped' }, metric: 'totals', from: DAY, to: DAY, interval: 'day', group_by: 'group', ...extra });
    r = await segGrouped({});
    t.eq(r.status, 200, 'group-by without limit: 200');
    const got = Object.fromEntries((r.json?.series ?? []).map((s) => [String(s.group), s.points.reduce((a, p) => a + p.value, 0)])
      .sort(([a], [b]) => a.localeCompare(b)));
    t.eq(got, { '(other)': 6, g0: 8, g1: 7, g2: 6, g3: 5, g4: 4 }, 'group-by without limit: top 5 and (other)');
    r = await segGrouped({ limit: 10 });
    t.eq(r.json?.series?.length, 8, 'an explicit limit above max_result_series is honoured');

    // Concurrent queries: one runs at a time, none waits. Bursts of 24
    // queries, with ingest going on, until some are refused. Every answer
    // that is not a 429 must be right.
    // Queries of 30000 events in 1000 groups take long enough to overlap.
    const HEAVY = 30000;
    r = await ingest(url, events('heavy', HEAVY, 0, (i) => ({ k: i % 1000 })).map((e, i) => ({ ...e, user_id: `user-${i % 5000}` })), '/batch');
    t.eq(r.status, 200, 'heavy events stored');
    const QUERY = { event: { name: 'heavy' }, metric: 'totals', from: DAY, to: DAY, interval: 'hour', group_by: 'k' };
    let refused = 0, answered = 0, wrong = 0, ingested = 0, ingestFailed = 0;
    const burstIngest = async (round) => {
      for (let i = 0; i < 5; i++) {
        const r = await ingest(url, events('during', 10, round * 50 + i * 10));
        if (r.status === 200) ingested += 10; else ingestFailed++;
      }
    };
    let rounds = 0;
    for (let round = 0; round < 40 && refused === 0; round++, rounds++) {
      const ing = burstIngest(round);
      const answers = await Promise.all(Array.from({ length: 24 }, () => segmentation(url, APPS.web.read, QUERY)));
      for (const a of answers) {
        if (a.status === 429) {
          refused++;
          t.eq(a.headers.get('retry-after'), '1', '429 carries Retry-After: 1');
          t.ok(/too many queries at once: \d+ running, the server runs at most 1 .*retry after 1 s/.test(a.json?.error ?? ''), '429 says why and to retry', a.text);
        } else if (a.status === 200 && seriesTotal(a.json) === HEAVY && a.json.series.length === 6) {
          answered++;
        } else {
          wrong++;
          t.ok(false, 'a query that was not refused answers correctly', `${a.status} ${a.text.slice(0, 200)}`);
        }
      }
      await ing;
    }
    t.ok(refused > 0, 'parallel queries over max_concurrent_queries get 429', { refused, answered });
    t.ok(answered > 0, 'some parallel queries are answered', { refused, answered });
    t.eq(ingestFailed, 0, 'ingest is not limited by max_concurrent_queries');
    t.eq(await total(url, 'during'), ingested, 'events sent during the query bursts are all counted');
    const m = (await getJson(`${url}/metrics`)).text;
    t.eq(metric(m, 'swell_queries_refused_total'), refused, 'swell_queries_refused_total counts the 429s');
    t.eq(metric(m, 'swell_queries_in_flight'), 0, 'swell_queries_in_flight is back to 0');
    console.log(`concurrent queries: ${answered} answered, ${refused} refused (429) in ${rounds} rounds, ${ingested} events ingested meanwhile`);
  } finally {
    t.eq((await server.stop()).code, 0, 'server 1 stops cleanly');
  }
}

// A connection that sends `head` at once, then trickles `text` a byte a
// second, and records what comes back and when the server closes it.
function trickle(url, text, head = '') {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  if (head) sock.write(head);
  const state = { closed: false, closedAt: 0, answer: '', sent: 0 };
  sock.on('data', (d) => { state.answer += d; });
  sock.on('error', () => {});
  sock.on('close', () => { state.closed = true; state.closedAt = Date.now(); clearInterval(timer); });
  const timer = setInterval(() => {
    if (state.closed || state.sent >= text.length) return;
    sock.write(text[state.sent++]);
  }, 1000);
  state.destroy = () => { clearInterval(timer); sock.destroy(); };
  return state;
}

// A POST on a new connection of its own (closed after the answer).
function fresh(url, path, body, headers = {}) {
  return new Promise((resolve) => {
    const text = JSON.stringify(body);
    const req = http.request(`${url}${path}`, {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close', ...headers },
    }, (res) => {
      let out = '';
      res.on('data', (d) => { out += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(out); } catch { json = undefined; }
        resolve({ status: res.statusCode, text: out, json });
      });
    });
    req.on('error', (e) => resolve({ status: 0, text: String(e) }));
    req.end(text);
  });
}

// Part 2: slow clients on a server of 4 workers.
async function slowClients() {
  const HEADER_TIMEOUT = 3, BODY_TIMEOUT = 3;
  const server = await startServer(bin, {
    args: ['--quiet'],
    config: configToml(undefined, `
[server]
threads = 4
header_timeout_seconds = ${HEADER_TIMEOUT}
body_timeout_seconds = ${BODY_TIMEOUT}
`),
  });
  const url = server.url;
  const slow = [];
  try {
    // A keep-alive client (as the SDKs and bench/ingest.mjs): one connection,
    // a request a second throughout.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let sockets = 0;
    const keepAliveSend = (seq) => new Promise((resolve) => {
      const body = JSON.stringify({ api_key: APPS.web.ingest, events: events('kept', 5, seq * 5) });
      const req = http.request(`${url}/2/httpapi`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('socket', (s) => { if (!s.swellSeen) { s.swellSeen = true; sockets++; } });
      req.on('error', (e) => resolve({ status: 0, text: String(e) }));
      req.end(body);
    });
    let keptOk = 0, keptFailed = 0, keptDone = false;
    t.eq((await keepAliveSend(0)).status, 200, 'keep-alive client: first request');
    keptOk++;
    const keptLoop = (async () => {
      for (let seq = 1; !keptDone; seq++) {
        const r = await keepAliveSend(seq);
        if (r.status === 200) keptOk++; else { keptFailed++; console.error(`keep-alive request ${seq}: ${r.status} ${r.text}`); }
        await sleep(1000);
      }
    })();

    // 8 connections trickle headers that never end, 4 send their headers and
    // trickle a body that would take minutes.
    for (let i = 0; i < 8; i++) slow.push({ kind: 'headers', s: trickle(url, `POST /2/httpapi HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`) });
    const slowBody = JSON.stringify({ api_key: APPS.web.ingest, events: events('slowbody', 5) });
    const head = `POST /2/httpapi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${slowBody.length}\r\n\r\n`;
    for (let i = 0; i < 4; i++) slow.push({ kind: 'body', s: trickle(url, slowBody, head) });
    const attackStart = Date.now();
    await sleep(500);

    // A normal client, on a new connection: its request and a query are
    // answered within a generous bound.
    const normalStart = Date.now();
    const normal = await fresh(url, '/2/httpapi', { api_key: APPS.web.ingest, events: events('normal', 7) });
    const query = await fresh(url, '/api/v1/segmentation', { event: { name: 'normal' }, metric: 'totals', from: DAY, to: DAY, interval: 'day' },
      { Authorization: `Bearer ${APPS.web.read}` });
    t.eq(query.status, 200, 'a normal query is answered during the attack');
    t.eq(query.json ? seriesTotal(query.json) : NaN, 7, 'the normal query counts the normal events');
    const normalSeconds = (Date.now() - normalStart) / 1000;
    t.eq(normal.status, 200, 'a normal client is answered during the attack');
    // At worst its request waits for the slow headers ahead of it to be cut,
    // then for a first wave of slow bodies to time out.
    const BOUND = HEADER_TIMEOUT + BODY_TIMEOUT + 10;
    t.ok(normalSeconds < BOUND, `a normal client is answered within ${BOUND} s`, normalSeconds);
    console.log(`normal client answered in ${normalSeconds.toFixed(1)} s during the slow-client attack`);

    // Every slow connection is closed by the server, well before it would
    // have finished sending (200+ s); body ones are answered 408 first.
    const deadline = Date.now() + 40000;
    while (Date.now() < deadline && !slow.every((c) => c.s.closed)) await sleep(200);
    for (const [i, c] of slow.entries()) {
      t.ok(c.s.closed, `slow ${c.kind} connection ${i} closed by the server`, { sent: c.s.sent });
      if (c.kind === 'body') {
        t.ok(/^HTTP\/1\.1 408 /.test(c.s.answer), `slow body ${i} answered 408`, c.s.answer.slice(0, 200));
        t.ok(/body_timeout_seconds/.test(c.s.answer), `slow body ${i}: the 408 names the timeout`, c.s.answer.slice(-300));
      } else {
        t.ok(c.s.sent < 60, `slow headers ${i} closed within a minute of bytes`, c.s.sent);
      }
    }
    console.log(`slow connections closed after ${slow.map((c) => ((c.s.closedAt - attackStart) / 1000).toFixed(1)).join(' ')} s`);

    keptDone = true;
    await keptLoop;
    agent.destroy();
    t.eq(keptFailed, 0, 'the keep-alive client never failed during the attack');
    t.eq(sockets, 1, 'the keep-alive client kept its one connection');
    t.ok(keptOk >= 5, 'the keep-alive client sent throughout', keptOk);

    // Exactly what was acknowledged is counted; nothing of the slow bodies.
    t.eq(await total(url, 'kept'), keptOk * 5, 'keep-alive events counted exactly');
    t.eq(await total(url, 'normal'), 7, 'normal client events counted exactly');
    t.eq(await total(url, 'slowbody'), 0, 'nothing of the slow bodies stored');
    const m = (await getJson(`${url}/metrics`)).text;
    const slowHeaders = metric(m, 'swell_http_slow_clients_closed_total{phase="headers"}');
    const slowBodies = metric(m, 'swell_http_slow_clients_closed_total{phase="body"}');
    t.ok(slowHeaders >= 8, 'metrics count the slow headers', slowHeaders);
    t.eq(slowBodies, 4, 'metrics count the slow bodies');
  } finally {
    for (const c of slow) c.s.destroy?.();
    t.eq((await server.stop()).code, 0, 'server 2 stops cleanly');
  }
}

// Part 3: a query over the limit waits for a slot (query_queue_seconds)
// rather than being refused: with one running and two waiting allowed,
// three at a time are all answered.
async function queuedQueries() {
  const server = await startServer(bin, {
    args: ['--quiet'],
    config: configToml(undefined, `
[limits]
max_concurrent_queries = 1
query_queue_seconds = 20
`),
  });
  try {
    const N = 20000;
    const r = await ingest(server.url, events('queued', N, 0, (i) => ({ k: i % 500 })), '/batch');
    t.eq(r.status, 200, 'queued: events stored');
    const q = { event: { name: 'queued' }, metric: 'totals', from: DAY, to: DAY, interval: 'hour', group_by: 'k', limit: 500 };
    let ok = 0;
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 3 }, () => segmentation(server.url, APPS.web.read, q)));
      for (const a of answers) {
        if (t.eq(a.status, 200, 'a query within max_concurrent_queries + its queue is answered') && seriesTotal(a.json) === N) ok++;
      }
    }
    t.eq(ok, 15, 'queued queries answer correctly');
    const m = (await getJson(`${server.url}/metrics`)).text;
    t.eq(metric(m, 'swell_queries_refused_total'), 0, 'no query refused while the queue had room');
    t.eq(metric(m, 'swell_queries_waiting'), 0, 'swell_queries_waiting is back to 0');
  } finally {
    t.eq((await server.stop()).code, 0, 'server 3 stops cleanly');
  }
}

await requestAndQueryLimits();
await slowClients();
await queuedQueries();
t.finish();
