// Every kind of bad input gets its documented status and message (docs/api.md),
// and valid data sent before and after each bad request is counted exactly.
// Usage: node bad_input.mjs /path/to/swell
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import {
  APPS, Checks, configToml, getJson, isoDate, postJson, run, segmentation, seriesTotal, startServer, tempDir, todayMs,
} from './harness.mjs';

const bin = process.argv[2];
const t = new Checks('http_bad_input');
const T0 = todayMs();
const DAY = isoDate(T0);

// Parses Prometheus text format 0.0.4 strictly enough to catch malformed
// output: every sample line is `name{labels} value`, and belongs to a family
// declared with # TYPE.
function parseMetrics(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m;
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      types.set(m[1], m[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(line);
    if (!t.ok(m, 'metrics line parses', line)) continue;
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    t.ok(types.has(m[1]) || types.has(family), 'metric has a # TYPE', m[1]);
    t.ok(!Number.isNaN(Number(m[3])) || m[3] === '+Inf', 'metric value is a number', line);
    samples.set(m[1] + (m[2] || ''), Number(m[3]));
  }
  return samples;
}

// Built before the server starts: compressing blocks the event loop, which
// would let an idle keep-alive connection expire unnoticed.
const bomb = zlib.gzipSync(Buffer.alloc(128 << 20));  // 128 MiB of zeros in ~130 KB

const server = await startServer(bin);
const { url } = server;
const web = APPS.web;
const ios = APPS.ios;

try {
  const metricsBefore = parseMetrics((await getJson(`${url}/metrics`)).text);

  // What we expect the server to hold for app web, event "hello".
  let helloTotal = 0;
  const helloUsers = new Set();
  let userSeq = 0;
  const counts = { ok200: 0, bad400: 0, big413: 0, httpapiEvents: 0, badKeyEvents: 0 };

  async function sendValid(tag) {
    const events = [];
    for (let i = 0; i < 3; i++) {
      const user = `user-${String(userSeq++ % 7).padStart(4, '0')}`;
      events.push({ user_id: user, event_type: 'hello', time: T0 + i, event_properties: { tag } });
      helloUsers.add(user);
    }
    const r = await postJson(`${url}/2/httpapi`, { api_key: web.ingest, events });
    t.eq(r.status, 200, `valid batch after ${tag}: status`);
    t.eq(r.json?.code, 200, `valid batch after ${tag}: code`);
    t.eq(r.json?.events_ingested, 3, `valid batch after ${tag}: events_ingested`);
    t.ok(typeof r.json?.payload_size_bytes === 'number' && r.json.payload_size_bytes > 0, 'payload_size_bytes');
    t.ok(Math.abs(r.json?.server_upload_time - Date.now()) < 60000, 'server_upload_time is now');
    t.ok(r.headers.get('content-type')?.startsWith('application/json'), 'ingest answers JSON');
    t.eq(r.headers.get('access-control-allow-origin'), '*', 'CORS header on ingest');
    helloTotal += 3;
    counts.ok200++;
    counts.httpapiEvents += 3;
  }

  // Sends a bad request and checks its status and Amplitude-shaped body.
  async function bad(tag, body, status, check = () => {}, opts = {}) {
    const r = await postJson(`${url}${opts.route ?? '/2/httpapi'}`, body, opts);
    t.eq(r.status, status, `${tag}: status`);
    t.ok(r.json !== undefined, `${tag}: JSON body`, r.text.slice(0, 200));
    t.ok(r.headers.get('content-type')?.startsWith('application/json'), `${tag}: JSON content type`);
    if (r.json) {
      t.eq(r.json.code, status, `${tag}: code field`);
      t.ok(typeof r.json.error === 'string' && r.json.error.length > 0, `${tag}: error message`, r.json);
      check(r.json);
    }
    if ((opts.route ?? '/2/httpapi') === '/2/httpapi') {
      if (status === 400) counts.bad400++;
      if (status === 413) counts.big413++;
    }
    await sendValid(tag);
    return r;
  }

  await sendValid('start');

  // Malformed JSON, several kinds.
  const ev = (extra = {}) => ({ user_id: 'user-json', event_type: 'hello', time: T0, ...extra });
  for (const [tag, raw] of [
    ['truncated object', '{"api_key": "' + web.ingest + '", "events": [{"user_id": "user-0001"'],
    ['trailing comma', `{"api_key":"${web.ingest}","events":[${JSON.stringify(ev())},]}`],
    ['not JSON', 'api_key=' + web.ingest],
    ['empty body', ''],
    ['garbage after document', `{"api_key":"${web.ingest}","events":[${JSON.stringify(ev())}]} trailing`],
    ['top level array', `[{"api_key":"${web.ingest}"}]`],
    ['single quotes', `{'api_key':'${web.ingest}'}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from(`{"api_key":"${web.ingest}","events":[{"user_id":"user-0001","event_type":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')])],
  ]) {
    await bad(`malformed JSON (${tag})`, raw, 400, () => {}, { raw: true });
  }

  // Wrong types.
  await bad('events is an object', { api_key: web.ingest, events: {} }, 400, (j) => t.eq(j.invalid_field, 'events', 'names events'));
  await bad('api_key is a number', { api_key: 12345678901234567, events: [ev()] }, 400, (j) => t.eq(j.invalid_field, 'api_key', 'names api_key'));
  await bad('event_type is a number', { api_key: web.ingest, events: [ev({ event_type: 42 })] }, 400,
    (j) => t.eq(j.events_with_invalid_fields?.event_type, [0], 'names event_type of event 0'));
  await bad('user_id is an object', { api_key: web.ingest, events: [ev(), ev({ user_id: { a: 1 } })] }, 400,
    (j) => t.eq(j.events_with_invalid_fields?.user_id, [1], 'names user_id of event 1'));
  await bad('time is a string', { api_key: web.ingest, events: [ev({ time: 'yesterday' })] }, 400,
    (j) => t.eq(j.events_with_invalid_fields?.time, [0], 'names time'));
  await bad('event_properties is an array', { api_key: web.ingest, events: [ev({ event_properties: [1, 2] })] }, 400,
    (j) => t.eq(j.events_with_invalid_fields?.event_properties, [0], 'names event_properties'));
  await bad('missing event_type', { api_key: web.ingest, events: [{ user_id: 'user-0001', time: T0 }] }, 400,
    (j) => t.eq(j.events_with_missing_fields?.event_type, [0], 'names missing event_type'));

  // Keys.
  await bad('missing api_key', { events: [ev()] }, 400, (j) => {
    t.eq(j.missing_field, 'api_key', 'missing_field api_key');
    t.eq(j.error, 'Request missing required field', 'Amplitude message');
  });
  const wrongKey = 'not-a-key-of-this-server';
  await bad('wrong api_key', { api_key: wrongKey, events: [ev(), ev()] }, 400,
    (j) => t.eq(j.error, `Invalid API key: ${wrongKey}`, 'Invalid API key message'));
  counts.badKeyEvents += 2;
  await bad('read key used for ingest', { api_key: web.read, events: [ev()] }, 400,
    (j) => t.eq(j.error, `Invalid API key: ${web.read}`, 'read key refused for ingest'));
  counts.badKeyEvents += 1;
  await bad('path-like api_key', { api_key: '../../etc/passwd', events: [ev()] }, 400,
    (j) => t.eq(j.error, 'Invalid API key: ../../etc/passwd', 'path-like key refused'));
  counts.badKeyEvents += 1;

  // Unknown keys, short ids.
  await bad('unknown top-level key', { api_key: web.ingest, events: [ev()], evnts: [] }, 400,
    (j) => t.eq(j.invalid_field, 'evnts', 'names the unknown key'));
  await bad('unknown event field', { api_key: web.ingest, events: [ev({ evnt_type: 'x' })] }, 400,
    (j) => t.ok(j.events_with_invalid_fields?.evnt_type?.[0] === 0, 'names the unknown field', j));
  await bad('too-short user_id', { api_key: web.ingest, events: [ev({ user_id: 'abc' })] }, 400,
    (j) => t.eq(j.events_with_invalid_id_lengths?.user_id, [0], 'names the short id'));

  // Sizes: over 1 MiB on the wire, a gzip body that inflates past 1 MiB, a
  // gzip bomb, too many events.
  const bigEvent = ev({ event_properties: { pad: 'x'.repeat((1 << 20) + 10) } });
  await bad('body over 1 MiB', { api_key: web.ingest, events: [bigEvent] }, 413,
    (j) => t.eq(j.error, 'Payload too large', 'Amplitude 413 message'));
  const inflates = zlib.gzipSync(JSON.stringify({ api_key: web.ingest, events: [bigEvent] }));
  t.ok(inflates.length < 1 << 20, 'compressed body is under the limit');
  await bad('gzip body inflating over 1 MiB', inflates, 413, (j) => t.eq(j.error, 'Payload too large', '413 message'),
    { raw: true, headers: { 'Content-Encoding': 'gzip' } });
  const bombStart = Date.now();
  await bad('gzip bomb', bomb, 413, () => {}, { raw: true, headers: { 'Content-Encoding': 'gzip' } });
  t.ok(Date.now() - bombStart < 5000, 'a gzip bomb is refused without inflating it', Date.now() - bombStart);
  await bad('corrupt gzip', Buffer.from('definitely not gzip'), 400, () => {},
    { raw: true, headers: { 'Content-Encoding': 'gzip' } });
  const many = Array.from({ length: 2001 }, (_, i) => ev({ user_id: `many-${i}-user` }));
  await bad('2001 events', { api_key: web.ingest, events: many }, 413);

  // /batch takes what /2/httpapi refuses: bigger bodies, more events.
  const batchEvents = Array.from({ length: 2001 }, (_, i) => ({
    user_id: `batch-user-${i % 50}`, event_type: 'batch_event', time: T0, event_properties: { pad: 'y'.repeat(600) },
  }));
  const batchBody = JSON.stringify({ api_key: web.ingest, events: batchEvents });
  t.ok(batchBody.length > 1 << 20, '/batch body is over 1 MiB');
  let r = await postJson(`${url}/batch`, batchBody, { raw: true });
  t.eq(r.status, 200, '/batch accepts 2001 events in over 1 MiB');
  t.eq(r.json?.events_ingested, 2001, '/batch events_ingested');

  // Gzip bodies are accepted on both routes.
  const gzEvents = Array.from({ length: 5 }, (_, i) => ({ user_id: `gzip-user-${i}`, event_type: 'hello', time: T0 }));
  r = await postJson(`${url}/2/httpapi`, zlib.gzipSync(JSON.stringify({ api_key: web.ingest, events: gzEvents })),
    { raw: true, headers: { 'Content-Encoding': 'gzip' } });
  t.eq(r.status, 200, 'gzip body accepted');
  t.eq(r.json?.events_ingested, 5, 'gzip events_ingested');
  helloTotal += 5;
  counts.ok200++;
  counts.httpapiEvents += 5;
  for (let i = 0; i < 5; i++) helloUsers.add(`gzip-user-${i}`);

  // Path-like values are data, never paths: stored and counted under their names.
  r = await postJson(`${url}/2/httpapi`, {
    api_key: web.ingest,
    events: [{ user_id: 'user-path', event_type: '../../etc/passwd', time: T0, event_properties: { '../../etc/passwd': '/etc/shadow' } }],
  });
  t.eq(r.status, 200, 'path-like event_type and property key are accepted as data');
  counts.ok200++;
  counts.httpapiEvents += 1;
  const seg = await segmentation(url, web.read, {
    event: { name: '../../etc/passwd', filters: [{ property: '../../etc/passwd', op: 'is', values: ['/etc/shadow'] }] },
    metric: 'totals', from: DAY, to: DAY, interval: 'day',
  });
  t.eq(seg.status, 200, 'query by path-like names');
  t.eq(seg.json && seriesTotal(seg.json), 1, 'path-like event counted once');
  t.ok(!fs.existsSync(path.join(server.dataDir, '..', '..', 'etc', 'passwd')), 'nothing written outside the data dir');

  // Query auth: missing 401, wrong 403, ingest key 403, JSON errors.
  const q = { event: { name: 'hello' }, metric: 'totals', from: DAY, to: DAY, interval: 'day' };
  r = await postJson(`${url}/api/v1/segmentation`, q);
  t.eq(r.status, 401, 'query without Authorization: 401');
  t.ok(typeof r.json?.error === 'string', '401 has {"error"}');
  r = await postJson(`${url}/api/v1/segmentation`, q, { headers: { Authorization: 'Bearer wrong-key-wrong-key' } });
  t.eq(r.status, 403, 'query with a wrong key: 403');
  t.ok(typeof r.json?.error === 'string', '403 has {"error"}');
  r = await segmentation(url, web.ingest, q);
  t.eq(r.status, 403, 'ingest key used for a query: 403');
  r = await getJson(`${url}/api/v1/events`, { Authorization: `Bearer ${web.ingest}` });
  t.eq(r.status, 403, 'ingest key used for /api/v1/events: 403');
  r = await getJson(`${url}/api/v1/events`);
  t.eq(r.status, 401, '/api/v1/events without a key: 401');

  // Bad query requests: 400 with {"error"}.
  for (const [tag, body] of [
    ['malformed query JSON', '{"event": '],
    ['unknown query field', JSON.stringify({ ...q, bogus: 1 })],
    ['wrong type in query', JSON.stringify({ ...q, metric: 7 })],
    ['missing from', JSON.stringify({ event: { name: 'hello' }, to: DAY })],
  ]) {
    r = await postJson(`${url}/api/v1/segmentation`, body, { raw: true, headers: { Authorization: `Bearer ${web.read}` } });
    t.eq(r.status, 400, `${tag}: 400`);
    t.ok(typeof r.json?.error === 'string' && r.json.error.length > 0, `${tag}: {"error"}`, r.text);
  }

  // Another app's read key sees nothing of this app.
  r = await segmentation(url, ios.read, q);
  t.eq(r.status, 200, 'ios read key can query');
  t.eq(r.json && seriesTotal(r.json), 0, "ios read key does not see web's events");
  r = await getJson(`${url}/api/v1/events`, { Authorization: `Bearer ${ios.read}` });
  t.eq(r.status, 200, 'ios events list');
  t.ok(!r.text.includes('hello'), "ios events list has none of web's events", r.text);

  // Routing: 404, 405, OPTIONS preflight, health, index.
  r = await getJson(`${url}/no/such/path`);
  t.eq(r.status, 404, 'unknown route 404');
  t.ok(typeof r.json?.error === 'string', '404 is JSON');
  r = await getJson(`${url}/2/httpapi`);
  t.eq(r.status, 405, 'GET on an ingest route 405');
  t.ok(typeof r.json?.error === 'string', '405 is JSON');
  t.eq(r.headers.get('allow'), 'POST, OPTIONS', '405 names the allowed methods');
  const pre = await fetch(`${url}/2/httpapi`, { method: 'OPTIONS', headers: { Origin: 'http://example.com', 'Access-Control-Request-Method': 'POST' } });
  t.eq(pre.status, 204, 'CORS preflight 204');
  t.eq(pre.headers.get('access-control-allow-origin'), '*', 'preflight allows any origin');
  t.ok(pre.headers.get('access-control-allow-methods')?.includes('POST'), 'preflight allows POST');
  r = await getJson(`${url}/healthz`);
  t.eq([r.status, r.json], [200, { status: 'ok' }], 'healthz');
  const index = await fetch(`${url}/`);
  t.ok(index.status === 200 && (await index.text()).includes('<title>Swell</title>'), 'index page');

  // Everything valid was counted exactly, and nothing else.
  r = await segmentation(url, web.read, q);
  t.eq(r.json && seriesTotal(r.json), helloTotal, 'hello totals equal what was sent');
  r = await segmentation(url, web.read, { ...q, metric: 'uniques' });
  t.eq(r.json && seriesTotal(r.json), helloUsers.size, 'hello uniques equal the users sent');
  r = await segmentation(url, web.read, { ...q, event: { name: 'batch_event' }, metric: 'uniques' });
  t.eq(r.json && seriesTotal(r.json), 50, 'batch_event uniques');
  // Audiences over HTTP: the same users, the same keys rules.
  const aud = { tree: { event: 'hello', from: DAY, to: DAY }, sample: 3 };
  r = await postJson(`${url}/api/v1/audience`, aud, { headers: { Authorization: `Bearer ${web.read}` } });
  t.eq(r.status, 200, 'audience 200');
  t.eq(r.json?.count, helloUsers.size, 'audience of hello users equals the users sent');
  t.eq([r.json?.lower_bound, r.json?.upper_bound, r.json?.mode], [helloUsers.size, helloUsers.size, 'exact'], 'exact bounds');
  t.ok(Array.isArray(r.json?.sample) && r.json.sample.every((u) => helloUsers.has(u)), 'audience sample holds hello users', r.text);
  // not: the users active in the range (any event) who did not say hello.
  const active = await postJson(`${url}/api/v1/audience`, { tree: { event: '_all', from: DAY, to: DAY } },
    { headers: { Authorization: `Bearer ${web.read}` } });
  r = await postJson(`${url}/api/v1/audience`, { tree: { op: 'not', children: [aud.tree] } },
    { headers: { Authorization: `Bearer ${web.read}` } });
  t.eq([r.status, r.json?.count], [200, active.json?.count - helloUsers.size], 'not(hello) = active users minus hello users');
  t.ok(r.json?.count > 0, 'not(hello) is not empty here (batch_event users)');
  r = await postJson(`${url}/api/v1/audience`, aud);
  t.eq(r.status, 401, 'audience without a key: 401');
  r = await postJson(`${url}/api/v1/audience`, aud, { headers: { Authorization: `Bearer ${web.ingest}` } });
  t.eq(r.status, 403, 'audience with an ingest key: 403');
  r = await postJson(`${url}/api/v1/audience`, { tree: { op: 'not', children: [aud.tree, aud.tree] } },
    { headers: { Authorization: `Bearer ${web.read}` } });
  t.eq(r.status, 400, 'a not with two children: 400');
  t.ok(/not/.test(r.json?.error ?? ''), 'the 400 names the problem', r.text);
  r = await postJson(`${url}/api/v1/audience`, aud, { headers: { Authorization: `Bearer ${ios.read}` } });
  t.eq([r.status, r.json?.count], [200, 0], "ios read key does not see web's audience");

  // Funnels and retention over HTTP: the same users, the same key rules.
  const asWeb = { headers: { Authorization: `Bearer ${web.read}` } };
  const funnel = { steps: [{ event: 'hello' }, { event: 'no such event' }], from: DAY, to: DAY };
  r = await postJson(`${url}/api/v1/funnel`, funnel, asWeb);
  t.eq([r.status, r.json?.steps?.map((s) => s.users)], [200, [helloUsers.size, 0]], 'funnel: hello users enter, none convert', r.text);
  const retention = { start: { event: 'hello' }, return: { event: '_all' }, from: DAY, to: DAY, periods: 3 };
  r = await postJson(`${url}/api/v1/retention`, retention, asWeb);
  t.eq([r.status, r.json?.cohorts?.[0]?.users], [200, helloUsers.size], 'retention cohort holds the hello users', r.text);
  for (const [path, body] of [['funnel', funnel], ['retention', retention]]) {
    r = await postJson(`${url}/api/v1/${path}`, body);
    t.eq(r.status, 401, `${path} without a key: 401`);
    r = await postJson(`${url}/api/v1/${path}`, body, { headers: { Authorization: `Bearer ${web.ingest}` } });
    t.eq(r.status, 403, `${path} with an ingest key: 403`);
    r = await postJson(`${url}/api/v1/${path}`, { ...body, from: 12 }, asWeb);
    t.eq(r.status, 400, `${path} with a number as from: 400`);
    t.ok(/^from/.test(r.json?.error ?? ''), `the ${path} 400 names the field`, r.text);
    r = await postJson(`${url}/api/v1/${path}`, { ...body, '../../etc': 1 }, asWeb);
    t.eq(r.status, 400, `${path} with an unknown key: 400`);
  }
  r = await postJson(`${url}/api/v1/funnel`, funnel, { headers: { Authorization: `Bearer ${ios.read}` } });
  t.eq([r.status, r.json?.steps?.[0]?.users], [200, 0], "ios read key does not see web's funnel");
  r = await postJson(`${url}/api/v1/retention`, retention, { headers: { Authorization: `Bearer ${ios.read}` } });
  t.eq([r.status, r.json?.cohorts?.[0]?.users], [200, 0], "ios read key does not see web's retention");

  r = await getJson(`${url}/api/v1/events`, { Authorization: `Bearer ${web.read}` });
  t.eq(r.status, 200, 'events list');
  const names = Object.fromEntries((r.json?.events ?? []).map((e) => [e.name, e.totals]).sort());
  t.eq(names, { '../../etc/passwd': 1, 'batch_event': 2001, 'hello': helloTotal }, 'events list counts');

  // Metrics moved by exactly what happened.
  const after = parseMetrics((await getJson(`${url}/metrics`)).text);
  const delta = (k) => (after.get(k) ?? 0) - (metricsBefore.get(k) ?? 0);
  t.eq(delta('swell_events_ingested_total'), counts.httpapiEvents + 2001, 'swell_events_ingested_total delta');
  t.eq(delta('swell_ingest_requests_total{route="/2/httpapi",code="200"}'), counts.ok200, 'httpapi 200 count');
  t.eq(delta('swell_ingest_requests_total{route="/2/httpapi",code="400"}'), counts.bad400, 'httpapi 400 count');
  t.eq(delta('swell_ingest_requests_total{route="/2/httpapi",code="413"}'), counts.big413, 'httpapi 413 count');
  t.eq(delta('swell_ingest_requests_total{route="/batch",code="200"}'), 1, 'batch 200 count');
  t.eq(delta('swell_events_rejected_total{reason="invalid_api_key"}'), counts.badKeyEvents, 'rejected invalid_api_key');
  t.eq(delta('swell_events_rejected_total{reason="too_many_events"}'), 2001, 'rejected too_many_events counts the 2001 events');
  t.ok(delta('swell_wal_bytes_total') > 0, 'wal bytes grew');
  t.eq(after.get('swell_wal_fsync_seconds_count'), after.get('swell_wal_fsync_seconds_bucket{le="+Inf"}'), 'fsync histogram count');
  t.ok(after.get('swell_wal_fsync_seconds_count') >= 1, 'fsyncs happened');
  t.ok(after.get('swell_speed_events') >= counts.httpapiEvents + 2001, 'speed layer holds the events');
  t.ok(after.get('swell_speed_memory_bytes') > 0, 'speed memory reported');
  t.ok(after.has('swell_replayed_records'), 'replayed records reported');
  t.ok(after.get('swell_http_request_seconds_count{route="/2/httpapi"}') >= counts.ok200, 'request latency histogram');

  // No key ever reaches the request log.
  const log = server.stderr();
  t.ok(log.includes('POST /2/httpapi 200'), 'requests are logged');
  for (const key of [web.ingest, web.read, ios.ingest, ios.read]) t.ok(!log.includes(key), 'no key in the log');
} finally {
  const exit = await server.stop();
  t.eq(exit, { code: 0, signal: null }, 'SIGTERM stops the server cleanly');
}

// Restart on the same data: everything acknowledged is still there.
{
  const again = await startServer(bin, { dir: server.dir });
  const r = await segmentation(again.url, web.read, { event: { name: '_all' }, metric: 'totals', from: DAY, to: DAY, interval: 'day' });
  t.ok(r.json && seriesTotal(r.json) > 2001, 'events survive a restart', r.text);
  await again.stop();
}

// A full speed layer answers 429 (Retry-After), stores nothing of the refused
// requests, and keeps what it acknowledged.
{
  const small = await startServer(bin, { args: ['--memory-limit', '64KiB', '--quiet'] });
  try {
    let acked = 0;
    let refused = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const events = Array.from({ length: 100 }, (_, j) => ({ user_id: `mem-user-${j}`, event_type: 'mem', time: T0, event_properties: { i, j } }));
      const r = await postJson(`${small.url}/2/httpapi`, { api_key: web.ingest, events });
      if (r.status === 200) acked += 100;
      else refused = r;
    }
    t.ok(refused, 'the memory limit is reached');
    if (refused) {
      t.eq(refused.status, 429, 'full speed layer: 429');
      t.eq(refused.json?.code, 429, '429 code field');
      t.ok(refused.json?.error?.startsWith('Too many requests'), '429 message', refused.json);
      t.ok(Number(refused.headers.get('retry-after')) > 0, '429 has Retry-After');
    }
    const r = await segmentation(small.url, web.read, { event: { name: 'mem' }, metric: 'totals', from: DAY, to: DAY, interval: 'day' });
    t.eq(r.json && seriesTotal(r.json), acked, 'after 429 exactly the acknowledged events are counted');
    const m = parseMetrics((await getJson(`${small.url}/metrics`)).text);
    t.eq(m.get('swell_events_rejected_total{reason="too_many_requests"}'), 100, 'rejected too_many_requests counts the events');
    t.eq(m.get('swell_ingest_requests_total{route="/2/httpapi",code="429"}'), 1, '429 request counted');
  } finally {
    t.eq(await small.stop(), { code: 0, signal: null }, 'small server stops cleanly');
    fs.rmSync(small.dir, { recursive: true, force: true });
  }
}

// Config files that must be refused at start, with the app named.
for (const [tag, apps, expect] of [
  ['path-like app id', [{ id: '../../etc/passwd', ingest: 'ingest-key-00000000001', read: 'read-key-000000000001' }], 'app #1 "../../etc/passwd"'],
  ['app id with a slash', [{ id: 'a/b', ingest: 'ingest-key-00000000001', read: 'read-key-000000000001' }], 'may only contain letters'],
  ['short key', [{ id: 'web', ingest: 'short', read: 'read-key-000000000001' }], 'ingest_key is shorter than 16'],
  ['shared key', [APPS.web, { id: 'ios', ingest: APPS.web.ingest, read: 'read-key-000000000009' }], 'already used'],
]) {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'swell.toml'), configToml(apps));
  const res = run(bin, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--config', path.join(dir, 'swell.toml')]);
  t.eq(res.code, 1, `config with ${tag}: exit 1`);
  t.ok(res.stderr.includes(expect), `config with ${tag}: message`, res.stderr);
  t.ok(!fs.existsSync(path.join(dir, 'etc')), `config with ${tag}: nothing created`);
  fs.rmSync(dir, { recursive: true, force: true });
}

fs.rmSync(server.dir, { recursive: true, force: true });
t.finish();
