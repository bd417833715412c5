// Keys and tenant isolation (docs/api.md "Keys"), end to end: a real
// `swell serve` with two apps and a portfolio. Every route and method is
// tried with no key, malformed Authorization headers, wrong keys, keys of the
// wrong kind and the other app's key; hostile strings travel through ingest,
// queries, the lake and the data directory as plain data; path-like app ids
// are refused at start; and no key ever reaches the server's output or
// /metrics. Expected answers come from the events this script sent.
// Usage: node isolation.mjs /path/to/swell
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { duckQuery } from '../peers/index.mjs';
import { Checks, configToml, isoDate, run, startServer, tempDir, todayMs } from './harness.mjs';

const bin = path.resolve(process.argv[2]);
const t = new Checks('http_isolation');
const started = Date.now();
const dir = tempDir('swell-isolation-');
const DAY = 86400000;
const T0 = todayMs();                       // today 00:01 UTC
const DAYS = [T0 - 3 * DAY, T0 - 2 * DAY, T0 - DAY, T0].map(isoDate);
const FROM = DAYS[0];
const TO = DAYS[3];

const A = { id: 'tenant-alpha', ingest: 'alpha-ingest-3f9c2a71d0e845b6', read: 'alpha-read-8b1e4c7a9d2f6035' };
const B = { id: 'tenant-bravo', ingest: 'bravo-ingest-91d7e3c05a2b68f4', read: 'bravo-read-4e6a0c9f17b3d852' };
const P = { id: 'both-tenants', apps: [A.id, B.id], read: 'portfolio-read-5c0a7e2b94d1f368' };
const WRONG = 'wrong-key-77aa11bb22cc33dd';
const LONG_KEY = 'k'.repeat(5000);
const HUGE_KEY = 'q'.repeat(200000);
const PWNED = ['/tmp/pwned', path.join(dir, 'pwned')];
const pwnedBefore = PWNED.map((p) => fs.existsSync(p));

const portfolioToml = `\n[[portfolio]]\nid = "${P.id}"\napps = ${JSON.stringify(P.apps)}\nread_key = "${P.read}"\n`;
const lakeToml = (timer) => timer
  ? '\n[lake]\nseal_delay_seconds = 0\nseal_interval_seconds = 1\n'
  : '\n[lake]\nseal_interval_seconds = 86400\n';
const CONFIG = (timer) => configToml([A, B]) + portfolioToml + lakeToml(timer);

// Everything the servers and commands print, for the key check at the end;
// and what the servers printed while they held the hostile data.
let serverOutput = '';
let servedOutput = '';

// ---------------------------------------------------------------------------
// The events sent, per app: the model every expected answer is computed from.
const model = { [A.id]: [], [B.id]: [] };

const HOSTILE = [
  '../../etc/passwd', '..\\..\\x', '/', '%2e%2e%2f', 'nul\u0000byte', 'line\nbreak', 'cr\rreturn',
  "'; DROP TABLE events; --", '" OR 1=1', `$(touch ${PWNED[0]})`, `$(touch ${PWNED[1]})`, '`touch /tmp/pwned`',
  '${jndi:ldap://x}', '<script>alert(1)</script>', '\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0639\u0631\u0628\u064a',
  '\ud83d\ude00\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67', 'e\u0301\u0301 combining', '.', '..',
  'app_id=x', 'date=1999-01-01', '*?[]{}', 'C:\\Windows\\win.ini', 'tab\there', '%00%0a', '(none)x',
  '\u00e9'.repeat(512),           // 1024 bytes: at the limit of names and ids
  'x'.repeat(1024),
];
// A property value near the size limits of a request body.
const BIG_VALUE = 'v'.repeat(200000);

function hostileEvents(when) {
  // String i is sent i+1 times in each role, so mixed-up strings show as wrong counts.
  const events = [];
  HOSTILE.forEach((s, i) => {
    for (let j = 0; j <= i; ++j) {
      events.push({ event_type: 'alpha-probe', user_id: s, time: when + i * 1000 + j,
        event_properties: { tag: s, [s]: `v${i}` } });
      events.push({ event_type: s, user_id: `hostile-user-${i}`, time: when + i * 1000 + j });
    }
  });
  events.push({ event_type: 'alpha-big-probe', user_id: 'big-value-user', time: when, event_properties: { big: BIG_VALUE } });
  return events;
}

function baseEvents(app) {
  const ev = (user, name, time, props) => ({ user_id: user, event_type: name, time, ...(props ? { event_properties: props } : {}) });
  const [d3, d2, d1, d0] = [T0 - 3 * DAY, T0 - 2 * DAY, T0 - DAY, T0];
  if (app === A) {
    const out = [];
    for (let u = 1; u <= 4; ++u) out.push(ev(`alpha-user-${u}`, 'signup', d3 + u * 60000));
    out.push(ev('alpha-user-1', 'purchase', d3 + 60000 + 1000), ev('alpha-user-2', 'purchase', d3 + 120000 + 1000));
    for (let k = 0; k < 3; ++k) out.push(ev('alpha-user-1', 'alpha-only-event', d2 + k, { secret: 'alpha-secret-value', tier: 'alpha-gold' }));
    out.push(ev('alpha-user-1', 'app_open', d2 + 5000), ev('alpha-user-3', 'app_open', d1 + 5000));
    for (let u = 1; u <= 6; ++u) out.push(ev(`alpha-user-${u}`, 'app_open', d0 + u * 1000));
    out.push(ev('shared-person-01', 'app_open', d0 + 9000), ev('alpha-user-5', 'signup', d0 + 10000),
      ev('alpha-user-6', 'signup', d0 + 11000), ev('alpha-user-5', 'purchase', d0 + 12000));
    return out;
  }
  const out = [];
  out.push(ev('bravo-user-1', 'signup', d2 + 60000), ev('bravo-user-2', 'signup', d2 + 120000),
    ev('bravo-user-1', 'purchase', d2 + 61000),
    ev('bravo-user-3', 'bravo-only-event', d2 + 7, { secret: 'bravo-secret-value', tier: 'bravo-silver' }),
    ev('bravo-user-1', 'app_open', d1 + 1000), ev('shared-person-01', 'signup', d1 + 2000));
  for (let u = 1; u <= 4; ++u) out.push(ev(`bravo-user-${u}`, 'app_open', d0 + u * 1000));
  return out;
}

// Strings only one app holds: an answer to the other app's key never shows them.
const SECRETS = {
  [A.id]: ['alpha-only-event', 'alpha-secret-value', 'alpha-user-', 'alpha-gold', 'alpha-probe', 'hostile-user-'],
  [B.id]: ['bravo-only-event', 'bravo-secret-value', 'bravo-user-', 'bravo-silver', 'bravo-auth-probe'],
};
const KEYS = [A.ingest, A.read, B.ingest, B.read, P.read];
const TRIED_KEYS = [...KEYS, WRONG, A.read.slice(0, -1), `${A.read}x`, A.read.toUpperCase(), LONG_KEY.slice(0, 64),
  HUGE_KEY.slice(0, 64), `${A.ingest}\n`];

// ---------------------------------------------------------------------------
// Expected answers, computed from the model.
const dayIndex = (ms) => DAYS.indexOf(isoDate(ms));
const userOf = (e) => e.user_id;

function expectEvents(app) {
  const m = new Map();
  for (const e of model[app.id]) {
    const x = m.get(e.event_type) ?? { totals: 0, users: new Set() };
    x.totals++; x.users.add(userOf(e)); m.set(e.event_type, x);
  }
  return [...m].map(([name, x]) => ({ name, totals: x.totals, users: x.users.size }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function expectSegByName(app) {
  const m = {};
  for (const e of model[app.id]) {
    const d = dayIndex(e.time);
    if (d < 0) continue;
    (m[e.event_type] ??= [0, 0, 0, 0])[d]++;
  }
  return m;
}

function expectFunnel(app) {
  const from = T0 - 3 * DAY; const to = T0 + DAY;
  const signups = new Map();
  for (const e of model[app.id]) {
    if (e.event_type === 'signup' && e.time >= from && e.time < to && !signups.has(e.user_id)) signups.set(e.user_id, e.time);
  }
  let converted = 0;
  for (const [u, s] of signups) {
    if (model[app.id].some((e) => e.user_id === u && e.event_type === 'purchase' && e.time > s && e.time <= s + DAY)) converted++;
  }
  return [signups.size, converted];
}

function expectRetention(app) {
  const first = new Map();
  for (const e of [...model[app.id]].sort((a, b) => a.time - b.time)) {
    if (e.event_type === 'signup' && dayIndex(e.time) >= 0 && !first.has(e.user_id)) first.set(e.user_id, dayIndex(e.time));
  }
  return DAYS.map((day, c) => {
    const users = [...first].filter(([, d]) => d === c).map(([u]) => u);
    const retained = [users.length];
    for (let k = 1; k <= 3; ++k) {
      retained.push(users.filter((u) => model[app.id].some((e) => e.user_id === u && dayIndex(e.time) === c + k)).length);
    }
    return { cohort: day, users: users.length, retained };
  });
}

function expectUsers(app) {
  return new Set(model[app.id].filter((e) => dayIndex(e.time) >= 0).map(userOf));
}

// ---------------------------------------------------------------------------
// Requests: fetch for ordinary requests, a raw socket for what fetch will
// not send (repeated headers, control bytes, odd paths).
async function http(url, method, pathname, { headers = {}, body } = {}) {
  try {
    const res = await fetch(url + pathname, { method, headers, body });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  } catch (e) {
    return { status: 0, headers: new Headers(), text: `fetch failed: ${e.cause?.code ?? e.message}` };
  }
}

function rawRequest(url, request) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.createConnection({ host: hostname, port: Number(port) });
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      const body = split >= 0 ? text.slice(split + 4) : '';
      let json;
      try { json = JSON.parse(body); } catch { json = undefined; }
      resolve({ status, text, body, json });
    });
    s.on('error', () => {});
    s.setTimeout(10000, () => s.destroy());
    s.write(request);
  });
}

const bearer = (key) => ({ Authorization: `Bearer ${key}` });
const json = (o) => JSON.stringify(o);

async function ingest(url, app, events, { route = '/2/httpapi', minIdLength = 1 } = {}) {
  const r = await http(url, 'POST', route, {
    headers: { 'Content-Type': 'application/json' },
    body: json({ api_key: app.ingest, events, options: { min_id_length: minIdLength } }),
  });
  if (t.eq([r.status, r.json?.events_ingested], [200, events.length], `ingest ${events.length} events into ${app.id}`)) {
    // The server keeps each event under the key it parsed; the model keeps the JS string.
    model[app.id].push(...events);
  } else {
    console.error(r.text.slice(0, 500));
  }
}

// No answer to one app's key (or to no key) shows another app's strings.
function noForeignData(text, readerApps, what) {
  for (const app of [A, B]) {
    if (readerApps.includes(app.id)) continue;
    const leaked = SECRETS[app.id].find((s) => text.includes(s));
    if (leaked !== undefined) return t.ok(false, `${what}: shows ${app.id}'s data`, leaked);
  }
  return true;
}

// ---------------------------------------------------------------------------
// The read routes and their bodies.
const Q = {
  segmentation: { event: { name: '_all' }, metric: 'totals', from: FROM, to: TO, interval: 'day', group_by: 'event_type' },
  funnel: { steps: [{ event: 'signup' }, { event: 'purchase' }], from: FROM, to: TO, window: '1d' },
  retention: { start: { event: 'signup' }, return: { event: '_all' }, from: FROM, to: TO, periods: 3 },
  audience: { tree: { event: '_all', from: FROM, to: TO }, mode: 'exact', sample: 10000 },
};

function seriesMap(answer) {
  const m = {};
  for (const s of answer?.series ?? []) m[Array.isArray(s.group) ? s.group.join('|') : s.group] = s.points.map((p) => p.value);
  return m;
}
const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// Checks an authorized answer against the app's model, whole.
function checkAnswer(route, app, r, what) {
  if (!t.eq(r.status, 200, `${what}: 200`)) return console.error(r.text?.slice(0, 300));
  noForeignData(r.text, [app.id], what);
  const j = r.json;
  if (route === 'events') {
    const got = [...(j?.events ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    t.eq(got, expectEvents(app), `${what}: exactly the app's event names and counts`);
  } else if (route === 'segmentation') {
    t.eq(sortKeys(seriesMap(j)), sortKeys(expectSegByName(app)), `${what}: exactly the app's totals per event and day`);
  } else if (route === 'funnel') {
    t.eq(j?.steps?.map((s) => s.users), expectFunnel(app), `${what}: exactly the app's funnel`);
  } else if (route === 'retention') {
    t.eq(j?.cohorts, expectRetention(app), `${what}: exactly the app's retention cohorts`);
  } else if (route === 'audience') {
    const users = expectUsers(app);
    t.eq([j?.count, [...(j?.sample ?? [])].sort()], [users.size, [...users].sort()], `${what}: exactly the app's users`);
  }
}

async function read(url, route, headers, body = Q[route]) {
  if (route === 'events') return http(url, 'GET', '/api/v1/events', { headers });
  return http(url, 'POST', `/api/v1/${route}`, {
    headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : json(body),
  });
}
const READ_ROUTES = ['segmentation', 'funnel', 'retention', 'audience', 'events'];

const MISSING = { error: 'missing Authorization header: send Authorization: Bearer <read key>' };
const NOT_BEARER = { error: 'Authorization header must be: Bearer <read key>' };
const INVALID = { error: 'invalid read key' };
const INGEST_KEY_MSG = { error: "this is an ingest key, which can only send events; queries need the app's read key" };
const PORTFOLIO_ONLY = { error: 'a portfolio key reads audiences only (POST /api/v1/audience)' };

// Credentials that never read anything: [what, headers, status, body or null].
const REFUSED = [
  ['no key', {}, 401, MISSING],
  ['Bearer alone', { Authorization: 'Bearer' }, 401, NOT_BEARER],
  ['Bearer and spaces', { Authorization: 'Bearer    ' }, 401, NOT_BEARER],
  ['empty header', { Authorization: '' }, 401, [MISSING, NOT_BEARER]],
  ['Basic with the read key', { Authorization: `Basic ${Buffer.from(`${B.read}:`).toString('base64')}` }, 401, NOT_BEARER],
  ['Basic user:key', { Authorization: `Basic ${Buffer.from(`x:${A.read}`).toString('base64')}` }, 401, NOT_BEARER],
  ['the key without a scheme', { Authorization: A.read }, 401, NOT_BEARER],
  ['Token scheme', { Authorization: `Token ${A.read}` }, 401, NOT_BEARER],
  ['api_key header', { 'X-Api-Key': A.read }, 401, MISSING],
  ['a wrong key', bearer(WRONG), 403, INVALID],
  ['the read key less a byte', bearer(A.read.slice(0, -1)), 403, INVALID],
  ['the read key plus a byte', bearer(`${A.read}x`), 403, INVALID],
  ['the read key in upper case', bearer(A.read.toUpperCase()), 403, INVALID],
  ['two keys in one header', { Authorization: `Bearer ${B.read}, Bearer ${A.read}` }, 403, INVALID],
  ['a 5000-byte key', bearer(LONG_KEY), 403, INVALID],
  ["A's ingest key", bearer(A.ingest), 403, INGEST_KEY_MSG],
  ["B's ingest key", bearer(B.ingest), 403, INGEST_KEY_MSG],
];

async function checkReadRoutes(url, phase) {
  for (const route of READ_ROUTES) {
    for (const [what, headers, status, body] of REFUSED) {
      const r = await read(url, route, headers);
      const bodies = Array.isArray(body) ? body : [body];
      t.ok(r.status === status && bodies.some((b) => json(b) === json(r.json)), `${phase} ${route} with ${what}: ${status}`,
        `${r.status} ${r.text.slice(0, 200)}`);
      if (status === 401) t.eq(r.headers.get('www-authenticate'), 'Bearer', `${phase} ${route} with ${what}: WWW-Authenticate`);
      noForeignData(r.text, [], `${phase} ${route} with ${what}`);
    }
    // A refused key is refused whatever the body, a bad one included.
    let r = await read(url, route, bearer(WRONG), '{"not json');
    if (route !== 'events') t.eq([r.status, r.json], [403, INVALID], `${phase} ${route}: a wrong key with a bad body`);
    r = await read(url, route, {}, '{"not json');
    t.eq(r.status, 401, `${phase} ${route}: no key with a bad body`);
    // The api_key of ingest does not authorize a query.
    if (route !== 'events') {
      r = await read(url, route, {}, { ...Q[route], api_key: A.ingest });
      t.eq([r.status, r.json], [401, MISSING], `${phase} ${route}: an api_key in the body is not a read key`);
    }
    // The portfolio key outside /api/v1/audience.
    r = await read(url, route, bearer(P.read));
    if (route === 'audience') {
      const all = new Set([...expectUsers(A), ...expectUsers(B)]);
      r = await read(url, route, bearer(P.read), { tree: Q.audience.tree, mode: 'estimate' });
      t.eq([r.status, r.json?.count], [200, all.size], `${phase} audience with the portfolio key: users of both apps by id`);
      r = await read(url, route, bearer(P.read));
      t.eq(r.status, 400, `${phase} exact audience over two apps with the portfolio key: 400`);
    } else {
      t.eq([r.status, r.json], [403, PORTFOLIO_ONLY], `${phase} ${route} with the portfolio key: 403`);
    }
    // Each app key reads its own app, whole and exact.
    for (const app of [A, B]) checkAnswer(route, app, await read(url, route, bearer(app.read)), `${phase} ${route} with ${app.id}'s key`);
    // Scheme case and a trailing space (HTTP trims it) change nothing.
    checkAnswer(route, B, await read(url, route, { Authorization: `bearer ${B.read} ` }), `${phase} ${route}, lower-case scheme`);
  }

  // B's key asking for A's data every way a request could name an app.
  const tries = [
    ['events?app=', () => http(url, 'GET', `/api/v1/events?app=${A.id}&app_id=${A.id}`, { headers: bearer(B.read) }), 'events'],
    ['X-App header', () => read(url, 'events', { ...bearer(B.read), 'X-Swell-App': A.id, 'X-App-Id': A.id }), 'events'],
    ['segmentation?app=', () => http(url, 'POST', `/api/v1/segmentation?app=${A.id}`,
      { headers: { ...bearer(B.read), 'Content-Type': 'application/json' }, body: json(Q.segmentation) }), 'segmentation'],
  ];
  for (const [what, go, route] of tries) checkAnswer(route, B, await go(), `${phase} B's key with ${what}${A.id}`);
  for (const field of ['app', 'app_id']) {
    const r = await read(url, 'segmentation', bearer(B.read), { ...Q.segmentation, [field]: A.id });
    t.eq(r.status, 400, `${phase} segmentation with "${field}": "${A.id}" in the body: 400 (unknown field)`);
    noForeignData(r.text, [B.id], `${phase} segmentation with ${field} in the body`);
  }
  for (const [app, status] of [[A.id, 403], ['../../etc/passwd', 400], [P.id, 403]]) {
    const r = await read(url, 'audience', bearer(B.read), { tree: { ...Q.audience.tree, app } });
    t.eq(r.status, status, `${phase} audience leaf naming app ${JSON.stringify(app)} with B's key: ${status}`);
    noForeignData(r.text, [B.id], `${phase} audience leaf naming ${app}`);
  }
  const mixed = await read(url, 'audience', bearer(B.read), { tree: { op: 'or', children: [Q.audience.tree, { ...Q.audience.tree, app: A.id }] } });
  t.eq(mixed.status, 403, `${phase} audience with B's key and one leaf of A: 403`);
  // The same person id in both apps is counted in B only as B's user.
  const r = await read(url, 'audience', bearer(B.read), { tree: { event: 'signup', from: FROM, to: TO }, sample: 100 });
  t.eq(r.json?.sample?.sort(), model[B.id].filter((e) => e.event_type === 'signup').map(userOf).sort(),
    `${phase} B's signups: B's users only (shared id included once)`);
}

// Raw requests: repeated headers and bytes fetch refuses to send.
async function checkRawAuth(url, phase) {
  const get = (auth) => `GET /api/v1/events HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`;
  const eventsOf = (app) => JSON.stringify({ events: expectEvents(app) });
  const sameEvents = (r) => JSON.stringify({ events: [...(r.json?.events ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) });
  // Two Authorization headers: refused whatever they hold (which one counts
  // would depend on the parser, and a proxy in front may have checked the
  // other).
  for (const [first, second] of [[B.read, A.read], [A.ingest, B.read], [WRONG, B.read], [B.read, B.read]]) {
    const r = await rawRequest(url, get(`Authorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\n`));
    t.eq(r.status, 401, `${phase} two Authorization headers (${first.slice(0, 5)}…, ${second.slice(0, 5)}…): 401`);
    noForeignData(r.body, [], `${phase} two Authorization headers`);
  }
  const cases = [
    ['trailing tab', `Authorization: Bearer ${B.read}\t\r\n`, [200]],
    ['trailing bare CR and text', `Authorization: Bearer ${B.read}\rX\r\n`, [400, 403]],
    ['bare LF line end', `Authorization: Bearer ${B.read}\n\r\n`, [200, 400, 401]],
    ['tab after the scheme', `Authorization: Bearer\t${B.read}\r\n`, [200, 401]],
    ['folded header', `Authorization: Bearer\r\n ${B.read}\r\n`, [400, 401]],
    ['a key with a control byte inside', `Authorization: Bearer ${B.read.slice(0, 6)}\u0001${B.read.slice(6)}\r\n`, [400, 403]],
    ['a 200 kB key', `Authorization: Bearer ${HUGE_KEY}\r\n`, [400, 403, 431]],
  ];
  for (const [what, header, statuses] of cases) {
    const r = await rawRequest(url, get(header));
    t.ok(statuses.includes(r.status), `${phase} events with ${what}: one of ${statuses}`, `${r.status} ${r.text.slice(0, 200)}`);
    if (r.status === 200) t.eq(sameEvents(r), eventsOf(B), `${phase} events with ${what}: B's events exactly`);
    noForeignData(r.body, r.status === 200 ? [B.id] : [], `${phase} events with ${what}`);
  }
  // A NUL after a valid key: the whole value is compared, so it is no key.
  const nul = await rawRequest(url, get(`Authorization: Bearer ${B.read}\u0000${A.read}\r\n`));
  t.ok([400, 403].includes(nul.status), `${phase} key + NUL + another key: 400 or 403`, `${nul.status} ${nul.text.slice(0, 200)}`);
  noForeignData(nul.body, [], `${phase} key + NUL + another key`);
}

// Every route and method with every kind of credential.
const KNOWN = [
  ['/2/httpapi', ['POST', 'OPTIONS']], ['/batch', ['POST', 'OPTIONS']],
  ['/api/v1/segmentation', ['POST']], ['/api/v1/audience', ['POST']], ['/api/v1/funnel', ['POST']],
  ['/api/v1/retention', ['POST']], ['/api/v1/events', ['GET']],
  ['/healthz', ['GET']], ['/metrics', ['GET']], ['/', ['GET']],
];
const UNKNOWN = ['/api/v1/events/', '/api/v1/segmentation/x', '/API/V1/EVENTS', '/api/v1/users', '/api/v2/events',
  '/api/v1/tenant-alpha/events', '/lake/events', '/2/httpapi/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fshadow', '/index.html', '/.env', '/keys.toml', '/api/v1/events%00', '/batch/x'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const CREDENTIALS = [
  ['none', {}], ['Bearer alone', { Authorization: 'Bearer' }], ['Basic', { Authorization: 'Basic eDp5' }],
  ['wrong', bearer(WRONG)], ["A's ingest key", bearer(A.ingest)], ["B's read key", bearer(B.read)],
  ['portfolio key', bearer(P.read)], ['long key', bearer(LONG_KEY)],
];

async function checkEveryRoute(url, phase) {
  const PUBLIC_STRINGS = [...KEYS, ...SECRETS[A.id], ...SECRETS[B.id], A.id, B.id, P.id];
  for (const [p, allowed] of KNOWN) {
    for (const method of METHODS) {
      for (const [what, headers] of CREDENTIALS) {
        const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
        const route = p.startsWith('/api/v1/') ? p.slice('/api/v1/'.length) : '';
        // Each route gets the body it would answer: ingest a wrong api_key, queries their own question.
        const body = p === '/2/httpapi' || p === '/batch'
          ? { api_key: WRONG, events: [{ user_id: 'never-stored', event_type: 'never-stored' }] }
          : Q[route] ?? {};
        const r = await http(url, method, p, {
          headers: { ...headers, ...(hasBody ? { 'Content-Type': 'application/json' } : {}) },
          body: hasBody ? json(body) : undefined,
        });
        const label = `${phase} ${method} ${p} with ${what}`;
        const isAllowed = allowed.includes(method) || (method === 'HEAD' && allowed.includes('GET'));
        if (!isAllowed) {
          t.eq(r.status, 405, `${label}: 405`);
          if (method !== 'HEAD') t.eq(r.headers.get('allow'), allowed.join(', '), `${label}: Allow header`);
        } else if (method === 'OPTIONS') {
          t.eq(r.status, 204, `${label}: CORS preflight 204 without a key`);
        } else if (p === '/2/httpapi' || p === '/batch') {
          t.eq([r.status, r.json?.error], [400, `Invalid API key: ${WRONG}`], `${label}: the body's api_key decides, and it is wrong`);
        } else if (route) {
          if (what === "B's read key") {
            if (method === 'HEAD') t.eq(r.status, 200, `${label}: 200`);
            else checkAnswer(route, B, r, label);
          } else if (what === 'portfolio key') {
            t.eq(r.status, route === 'audience' ? 400 : 403, `${label}: ${route === 'audience' ? 400 : 403}`);
          } else {
            const want = ['none', 'Bearer alone', 'Basic'].includes(what) ? 401 : 403;
            t.eq(r.status, want, `${label}: ${want}`);
          }
        } else {
          t.eq(r.status, 200, `${label}: 200 without a key`);
          const leaked = PUBLIC_STRINGS.find((s) => r.text.includes(s));
          t.ok(leaked === undefined, `${label}: shows no key, app id or app data`, leaked);
        }
        if (what !== "B's read key") noForeignData(r.text, [], label);
        else noForeignData(r.text, [B.id], label);
      }
    }
  }
  for (const p of UNKNOWN) {
    for (const method of METHODS) {
      const r = await http(url, method, p, { headers: bearer(B.read), body: ['GET', 'HEAD', 'OPTIONS'].includes(method) ? undefined : '{}' });
      // fetch normalizes dot segments: /2/httpapi/../../etc/passwd is asked as /etc/passwd.
      t.eq(r.status, 404, `${phase} ${method} ${p}: 404`);
      noForeignData(r.text, [], `${phase} ${method} ${p}`);
    }
  }
  // Raw paths fetch would rewrite.
  for (const p of ['/api/v1/../v1/events', '/2/httpapi/../../../etc/hosts', '/./metrics/..', '//api/v1/events', 'api/v1/events', '*']) {
    const r = await rawRequest(url, `GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${B.read}\r\nConnection: close\r\n\r\n`);
    t.ok([400, 404].includes(r.status), `${phase} raw GET ${p}: 400 or 404`, r.text.slice(0, 200));
    noForeignData(r.body, [], `${phase} raw GET ${p}`);
  }
  // Percent-encoded known paths are the known route, key and all.
  const enc = await http(url, 'GET', '/api/v1/%65vents', {});
  t.ok([401, 404].includes(enc.status), `${phase} GET /api/v1/%65vents without a key: 401 or 404`, enc.status);
}

// Ingest with keys that are not the app's ingest key: nothing is stored.
async function checkIngestKeys(url, phase) {
  const ev = [{ user_id: 'never-stored-user', event_type: 'never-stored', time: T0 }];
  const cases = [
    ['no api_key', { events: ev }, 400, (j) => j?.missing_field === 'api_key'],
    ['empty api_key', { api_key: '', events: ev }, 400, (j) => j?.missing_field === 'api_key'],
    ['null api_key', { api_key: null, events: ev }, 400, (j) => j?.missing_field === 'api_key'],
    ['numeric api_key', { api_key: 12345678901234567, events: ev }, 400, (j) => j?.invalid_field === 'api_key'],
  ];
  for (const key of [WRONG, A.read, B.read, P.read, `${A.ingest} `, ` ${A.ingest}`, `${A.ingest}\n`, `${A.ingest}\u0000`,
    A.ingest.toUpperCase(), A.ingest.slice(0, -1), `${A.ingest}x`, LONG_KEY]) {
    cases.push([`api_key ${JSON.stringify(key.slice(0, 40))}`, { api_key: key, events: ev }, 400,
      (j) => j?.error === `Invalid API key: ${key}`]);
  }
  for (const route of ['/2/httpapi', '/batch']) {
    for (const [what, body, status, test] of cases) {
      const r = await http(url, 'POST', route, { headers: { 'Content-Type': 'application/json' }, body: json(body) });
      t.ok(r.status === status && test(r.json), `${phase} ${route} with ${what}: ${status}`, r.text.slice(0, 200));
    }
    // Neither a read key in the Authorization header nor an api_key in the URL is an ingest key.
    let r = await http(url, 'POST', `${route}?api_key=${A.ingest}`, {
      headers: { 'Content-Type': 'application/json', ...bearer(A.read) }, body: json({ events: ev }),
    });
    t.eq([r.status, r.json?.missing_field], [400, 'api_key'], `${phase} ${route}: a key in the URL or a Bearer header does not ingest`);
    r = await http(url, 'POST', route, { headers: { 'Content-Type': 'application/json', ...bearer(A.ingest) }, body: json({ events: ev }) });
    t.eq([r.status, r.json?.missing_field], [400, 'api_key'], `${phase} ${route}: an ingest key as Bearer does not ingest`);
  }
}

// Hostile strings, as data. Accepted ones come back exactly, per string.
async function checkHostile(url, phase) {
  const seg = (body) => read(url, 'segmentation', bearer(A.read), { from: FROM, to: TO, interval: 'day', ...body });
  const totalOf = (r) => (r.json?.series ?? []).reduce((n, s) => n + s.points.reduce((m, p) => m + p.value, 0), 0);
  const groupsOf = (r) => Object.fromEntries((r.json?.series ?? []).map((s) => [s.group, s.points.reduce((m, p) => m + p.value, 0)]));
  const probes = model[A.id].filter((e) => e.event_type === 'alpha-probe');
  const countProbes = (pred) => probes.filter(pred).length;
  const want = {};
  for (const e of probes) want[e.event_properties.tag] = (want[e.event_properties.tag] ?? 0) + 1;

  let r = await seg({ event: { name: 'alpha-probe' }, group_by: 'tag' });
  t.eq(sortKeys(groupsOf(r)), sortKeys(want), `${phase} probe totals grouped by tag: every hostile value, exact counts`);
  r = await seg({ event: { name: 'alpha-probe' }, group_by: 'user_id' });
  t.eq(sortKeys(groupsOf(r)), sortKeys(want), `${phase} probe totals grouped by user_id: every hostile id, exact counts`);
  r = await seg({ event: { name: 'alpha-probe' }, metric: 'uniques', group_by: 'tag' });
  t.eq(sortKeys(groupsOf(r)), sortKeys(Object.fromEntries(Object.keys(want).map((k) => [k, userDays(probes, k)]))),
    `${phase} probe uniques per day grouped by tag`);
  const events = await read(url, 'events', bearer(A.read));
  const listed = Object.fromEntries((events.json?.events ?? []).map((e) => [e.name, e.totals]));
  for (let i = 0; i < HOSTILE.length; ++i) {
    const s = HOSTILE[i];
    const label = `${phase} hostile #${i} ${JSON.stringify(s.slice(0, 24))}`;
    const n = countProbes((e) => e.event_properties.tag === s);
    r = await seg({ event: { name: 'alpha-probe', filters: [{ property: 'tag', op: 'is', values: [s] }] } });
    t.eq([r.status, totalOf(r)], [200, n], `${label}: filter tag is S counts exactly`);
    r = await seg({ event: { name: 'alpha-probe', filters: [{ property: 'tag', op: 'is_not', values: [s] }] } });
    t.eq(totalOf(r), probes.length - n, `${label}: filter tag is_not S`);
    r = await seg({ event: { name: 'alpha-probe', filters: [{ property: s, op: 'is', values: [`v${i}`] }] } });
    t.eq(totalOf(r), n, `${label}: filter on property S`);
    r = await seg({ event: { name: 'alpha-probe', filters: [{ property: 'user_id', op: 'is', values: [s] }] } });
    t.eq(totalOf(r), countProbes((e) => e.user_id === s), `${label}: filter on user_id S`);
    r = await seg({ event: { name: 'alpha-probe' }, group_by: s });
    t.eq(sortKeys(groupsOf(r)), sortKeys({ [`v${i}`]: n, '(none)': probes.length - n }), `${label}: group by property S`);
    const named = model[A.id].filter((e) => e.event_type === s).length;
    r = await seg({ event: { name: s } });
    t.eq([r.status, r.json?.series?.[0]?.event, totalOf(r)], [200, s, named], `${label}: event named S`);
    t.eq(listed[s], named, `${label}: listed by /api/v1/events`);
    r = await read(url, 'audience', bearer(A.read), { tree: { event: 'alpha-probe', property: 'tag', values: [s], from: FROM, to: TO }, sample: 5 });
    t.eq([r.json?.count, r.json?.sample], [1, [s]], `${label}: audience by tag returns the user id S`);
    // B sees none of it.
    r = await read(url, 'segmentation', bearer(B.read), { event: { name: s }, from: FROM, to: TO, interval: 'day' });
    t.eq([r.status, totalOf(r)], [200, 0], `${label}: B's key counts no event named S`);
  }
  r = await seg({ event: { name: 'alpha-big-probe' }, group_by: 'big' });
  t.eq(groupsOf(r), { [BIG_VALUE]: countProbesNamed('alpha-big-probe') }, `${phase} a 200 kB property value round-trips`);
  // Hostile strings in a query that match nothing: answers, not errors.
  for (const s of ["' OR '1'='1", '"; DROP TABLE events; --', '../../../../etc/shadow', '${jndi:ldap://y}']) {
    r = await seg({ event: { name: s, filters: [{ property: s, op: 'contains', values: [s] }] }, group_by: s });
    t.eq([r.status, r.json?.series], [200, []], `${phase} query of unknown hostile names ${JSON.stringify(s)}: no series`);
  }
}
// Unique users per day, summed over the days: distinct (day, user) pairs.
function userDays(probes, tag) {
  return new Set(probes.filter((e) => e.event_properties.tag === tag).map((e) => `${isoDate(e.time)}|${e.user_id}`)).size;
}
function countProbesNamed(name) { return model[A.id].filter((e) => e.event_type === name).length; }

// Refused hostile input: 400 naming the field, nothing stored.
async function checkRefusedInput(url, phase) {
  const base = { user_id: 'refused-user', event_type: 'refused-probe', time: T0 };
  const cases = [
    ['event_type of 1025 bytes', { event_type: 'x'.repeat(1025) }, 'event_type'],
    ['event_type of 513 two-byte chars', { event_type: '\u00e9'.repeat(513) }, 'event_type'],
    ['user_id of 1025 bytes', { user_id: 'u'.repeat(1025) }, 'user_id'],
    ['property key of 1025 bytes', { event_properties: { ['k'.repeat(1025)]: 1 } }, 'event_properties'],
    ['empty property key', { event_properties: { '': 'x' } }, 'event_properties'],
    ['platform of 4097 bytes', { platform: 'p'.repeat(4097) }, 'platform'],
    ['a path as an unknown event field', { '../../etc/passwd': 'x' }, '../../etc/passwd'],
  ];
  for (const [what, fields, field] of cases) {
    const r = await http(url, 'POST', '/2/httpapi', {
      headers: { 'Content-Type': 'application/json' }, body: json({ api_key: A.ingest, events: [{ ...base, ...fields }] }),
    });
    t.ok(r.status === 400 && Object.keys(r.json?.events_with_invalid_fields ?? {}).includes(field),
      `${phase} ${what}: 400 naming ${field}`, r.text.slice(0, 300));
  }
  const big = await http(url, 'POST', '/batch', {
    headers: { 'Content-Type': 'application/json' },
    body: json({ api_key: A.ingest, events: [{ ...base, event_properties: { big: 'b'.repeat((1 << 20) + 1) } }] }),
  });
  t.ok(big.status === 400 && big.json?.events_with_invalid_fields?.event_properties, `${phase} a property value over 1 MiB: 400 naming event_properties`,
    big.text.slice(0, 300));
  // Query fields: refused with the field's path.
  for (const [what, body, prefix] of [
    ['group_by of a number', { group_by: 42 }, 'group_by'],
    ['a filter op of SQL', { event: { name: 'alpha-probe', filters: [{ property: 'tag', op: "is'; DROP TABLE x; --", values: ['a'] }] } }, 'event.filters[0].op'],
    ['a timezone path', { timezone: '../../../etc/localtime' }, 'timezone'],
    ['an unknown field named like a path', { '../x': 1 }, '../x'],
  ]) {
    const r = await read(url, 'segmentation', bearer(A.read), { event: { name: 'alpha-probe' }, from: FROM, to: TO, ...body });
    t.ok(r.status === 400 && typeof r.json?.error === 'string' && r.json.error.includes(prefix), `${phase} segmentation with ${what}: 400 naming ${prefix}`, r.text.slice(0, 200));
  }
}

// Files under the data directory: only the documented layout.
function checkTree(dataDir, phase) {
  const files = [];
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { files.push(`${r}/`); walk(path.join(d, e.name), r); } else files.push(r);
    }
  };
  walk(dataDir, '');
  const APP = `(${A.id}|${B.id})`;
  const allowed = [
    /^LOCK$/, /^wal\/$/, /^wal\/[0-9a-z._-]+$/, /^apps\/$/, new RegExp(`^apps/${APP}/$`), new RegExp(`^apps/${APP}/[0-9a-z._-]+$`),
    /^staging\/$/, /^staging\/.+$/, /^lake\/$/, /^lake\/(events|sets)\/$/, /^lake\/(events|sets)\/date=\d{4}-\d{2}-\d{2}\/$/,
    new RegExp(`^lake/(events|sets)/date=\\d{4}-\\d{2}-\\d{2}/app_id=${APP}/$`),
    new RegExp(`^lake/(events|sets)/date=\\d{4}-\\d{2}-\\d{2}/app_id=${APP}/part-[0-9a-f]{32}\\.parquet$`),
    /^lake\/users\/$/, new RegExp(`^lake/users/app_id=${APP}/$`), new RegExp(`^lake/users/app_id=${APP}/part-[0-9a-f]{32}\\.parquet$`),
    /^lake\/_manifest\/$/, /^lake\/_manifest\/(CURRENT|v\d{20}\.json)$/,
  ];
  const odd = files.filter((f) => !allowed.some((re) => re.test(f)));
  t.eq(odd, [], `${phase}: every file under the data directory is in the documented layout`);
  const named = files.filter((f) => HOSTILE.some((s) => s.length >= 3 && f.includes(s)));
  t.eq(named, [], `${phase}: no file is named after an event, property or value`);
  t.ok(files.some((f) => /^lake\/events\/date=.*part-.*\.parquet$/.test(f)), `${phase}: the lake holds events files`, files);
  return files;
}

// Everything is sealed now: the live files of the manifest, read by DuckDB,
// hold each app's events under its own app_id, names and ids byte for byte.
async function checkLakeWithDuckDB(lake) {
  const current = fs.readFileSync(path.join(lake, '_manifest', 'CURRENT'), 'utf8').trim();
  const manifest = JSON.parse(fs.readFileSync(path.join(lake, '_manifest', current), 'utf8'));
  for (const app of [A, B]) {
    const files = manifest.files.filter((f) => f.kind === 'events' && f.app_id === app.id)
      .map((f) => `'${path.join(lake, f.key).replace(/'/g, "''")}'`);
    t.ok(files.length > 0 && manifest.files.every((f) => f.app_id === A.id || f.app_id === B.id), `lake: ${app.id} has events files, no other app ids`);
    // Names and ids as hex: the bytes, not a rendering of them.
    const rows = await duckQuery(`SELECT hex(event_type) AS name, hex(user_id) AS uid, count(*)::INTEGER AS n
      FROM read_parquet([${files.join(', ')}], hive_partitioning = true) GROUP BY ALL`);
    const hex = (x) => Buffer.from(x, 'utf8').toString('hex').toUpperCase();
    const want = {};
    for (const e of model[app.id]) want[`${hex(e.event_type)} ${hex(e.user_id)}`] = (want[`${hex(e.event_type)} ${hex(e.user_id)}`] ?? 0) + 1;
    const got = Object.fromEntries(rows.map((r) => [`${r.name} ${r.uid}`, r.n]));
    t.eq(sortKeys(got), sortKeys(want), `lake read by DuckDB: ${app.id}'s events, names and user ids exact`);
  }
}

// Outside the data directory: nothing the hostile strings could have made.
function checkNothingOutside(phase) {
  PWNED.forEach((p, i) => {
    if (!pwnedBefore[i]) t.ok(!fs.existsSync(p), `${phase}: ${p} was not created`);
  });
  const top = fs.readdirSync(dir).sort();
  t.ok(top.every((n) => ['data', 'swell.toml'].includes(n)), `${phase}: nothing beside the data directory`, top);
}

async function metricsClean(url, phase) {
  const m = await http(url, 'GET', '/metrics');
  t.eq(m.status, 200, `${phase} /metrics answers without a key`);
  const shown = [...TRIED_KEYS, ...SECRETS[A.id], ...SECRETS[B.id], A.id, B.id, P.id, ...HOSTILE.filter((s) => s.length >= 4)]
    .filter((s) => m.text.includes(s));
  t.eq(shown, [], `${phase} /metrics shows no key, app id, event name or property value`);
  // Its labels are fixed sets of words, none of them per app.
  const labels = new Set([...m.text.matchAll(/^swell_\w+\{([^}]*)\}/gm)].flatMap((x) => x[1].split(',').map((kv) => kv.split('=')[0])));
  const known = ['code', 'le', 'phase', 'reason', 'result', 'route', 'source'];
  t.eq([...labels].filter((l) => !known.includes(l)), [], `${phase} /metrics label names are the known ones`);
  t.ok(![...labels].some((l) => /app/.test(l)), `${phase} /metrics has no per-app label`, [...labels]);
  return m.text;
}

async function withServer(phase, timer, fn) {
  const server = await startServer(bin, { dir, config: CONFIG(timer) });
  try {
    t.ok(!KEYS.some((k) => server.stdout().includes(k)), `${phase}: the start banner shows no key`, server.stdout());
    t.ok(server.stdout().includes(server.configPath), `${phase}: the start banner names the config file`, server.stdout());
    t.ok(server.stdout().includes(`"${A.id}"`) && server.stdout().includes(`"${B.id}"`), `${phase}: the banner names the apps`);
    await fn(server.url);
  } finally {
    t.eq(await server.stop(), { code: 0, signal: null }, `${phase}: the server stops cleanly`);
    serverOutput += server.stdout() + server.stderr();
    servedOutput += server.stdout() + server.stderr();
  }
}

async function fullCheck(url, phase) {
  await checkReadRoutes(url, phase);
  await checkRawAuth(url, phase);
  await checkHostile(url, phase);
  await metricsClean(url, phase);
}

{
  // Phase 1: everything in memory.
  await withServer('memory', false, async (url) => {
    await ingest(url, A, baseEvents(A));
    await ingest(url, B, baseEvents(B));
    await ingest(url, A, hostileEvents(T0 - 2 * DAY + 3600000), { route: '/batch' });
    await checkIngestKeys(url, 'memory');
    await checkRefusedInput(url, 'memory');
    // B's ingest key writes B only.
    await ingest(url, B, [{ user_id: 'bravo-user-2', event_type: 'bravo-auth-probe', time: T0 + 20000 }]);
    await checkEveryRoute(url, 'memory');
    await fullCheck(url, 'memory');
  });

  // Sealed by hand with the server stopped: every day goes to the lake.
  for (const app of [A, B]) {
    const r = run(bin, ['seal', '--data', path.join(dir, 'data'), '--app', app.id, '--config', path.join(dir, 'swell.toml')]);
    t.eq(r.code, 0, `swell seal --app ${app.id}`, r.stderr);
    serverOutput += r.stdout + r.stderr;
  }
  checkTree(path.join(dir, 'data'), 'after swell seal');

  // Phase 2: the lake plus fresh events in memory.
  await withServer('lake + memory', false, async (url) => {
    await ingest(url, A, [{ user_id: 'alpha-user-2', event_type: 'app_open', time: T0 + 30000 },
      { user_id: HOSTILE[0], event_type: 'alpha-probe', time: T0 + 31000, event_properties: { tag: HOSTILE[0], [HOSTILE[0]]: 'v0' } }]);
    await ingest(url, B, [{ user_id: 'bravo-user-4', event_type: 'purchase', time: T0 + 30000 }]);
    await fullCheck(url, 'lake + memory');
  });

  // Phase 3: the serve seal timer seals a past day of new hostile events.
  await withServer('seal timer', true, async (url) => {
    const late = hostileEvents(T0 - DAY + 7200000).filter((e) => e.event_type !== 'alpha-big-probe').slice(0, 120);
    await ingest(url, A, late, { route: '/batch' });
    // Every held event is of an hour that closed: the timer seals them all.
    let sealed = 0;
    let held = -1;
    for (let i = 0; i < 150 && (sealed < late.length || held !== 0); ++i) {
      await new Promise((res) => setTimeout(res, 200));
      const m = await http(url, 'GET', '/metrics');
      sealed = Number(/^swell_sealed_events_total (\d+)/m.exec(m.text)?.[1] ?? 0);
      held = Number(/^swell_speed_events (\d+)/m.exec(m.text)?.[1] ?? -1);
    }
    t.ok(sealed >= late.length && held === 0, 'the seal timer sealed the late events', { sealed, held });
    await fullCheck(url, 'after the seal timer');
  });
  checkTree(path.join(dir, 'data'), 'after the seal timer');
  await checkLakeWithDuckDB(path.join(dir, 'data', 'lake'));

  checkNothingOutside('after all phases');
}

// Path-like app ids: refused at start, naming the app, creating nothing.
{
  const badDir = path.join(dir, 'badids');
  fs.mkdirSync(badDir);
  const ids = ['..', '.', 'a/b', '../../etc/passwd', 'app=x', '', 'x'.repeat(65), 'caf\u00e9', 'a\\b', ' a', 'a b', 'a\u0000b', '%2e%2e'];
  ids.forEach((id, i) => {
    const config = path.join(badDir, `bad${i}.toml`);
    const data = path.join(badDir, `data${i}`);
    const idToml = JSON.stringify(id).replace(/\\u0000/g, '\\u0000');
    fs.writeFileSync(config, `[[app]]\nid = ${idToml}\ningest_key = "${A.ingest}"\nread_key = "${A.read}"\n`);
    const r = run(bin, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--config', config]);
    t.eq(r.code, 1, `app id ${JSON.stringify(id)}: exit 1`);
    t.ok(/app #1 ".*"/.test(r.stderr) && r.stderr.includes('app id'), `app id ${JSON.stringify(id)}: the message names the app`, r.stderr);
    t.ok(!fs.existsSync(data), `app id ${JSON.stringify(id)}: no data directory created`);
    t.ok(!KEYS.some((k) => r.stdout.includes(k) || r.stderr.includes(k)), `app id ${JSON.stringify(id)}: no key printed`);
    serverOutput += r.stdout + r.stderr;
  });
  const pconfig = path.join(badDir, 'portfolio.toml');
  fs.writeFileSync(pconfig, configToml([A]) + `\n[[portfolio]]\nid = "../p"\napps = ["${A.id}"]\nread_key = "${P.read}"\n`);
  const r = run(bin, ['serve', '--data', path.join(badDir, 'pdata'), '--listen', '127.0.0.1:0', '--config', pconfig]);
  t.ok(r.code === 1 && r.stderr.includes('portfolio #1 "../p"'), 'a path-like portfolio id is refused, named', r.stderr);
  t.ok(!fs.existsSync(path.join(badDir, 'pdata')), 'a path-like portfolio id: no data directory created');
  // The CLI's --app names an app of the data directory, never a path.
  const snapshot = () => [dir, path.join(dir, 'data'), path.join(dir, 'data', 'apps')].map((d) => fs.readdirSync(d).sort());
  const before = snapshot();
  for (const cmd of [['query', 'events'], ['seal']]) {
    for (const app of ['../../etc', '../apps/x', '..', 'a/b']) {
      const q = run(bin, [...cmd, '--data', path.join(dir, 'data'), '--app', app]);
      t.ok(q.code !== 0, `swell ${cmd.join(' ')} --app ${app} fails`, q.stdout + q.stderr);
      serverOutput += q.stdout + q.stderr;
    }
  }
  t.eq(snapshot(), before, 'swell query/seal with a path-like --app create nothing');
}

// Without --config: generated keys are printed on the run that created them
// only; later runs name the file they are in.
{
  const d = path.join(dir, 'defaults');
  const start = async () => {
    const proc = spawn(bin, ['serve', '--data', d, '--listen', '127.0.0.1:0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stderr.on('data', (x) => { out += x; });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(out)), 30000);
      proc.stdout.on('data', (x) => { out += x; if (/Listening on/.test(out)) { clearTimeout(timer); resolve(); } });
      proc.on('exit', () => reject(new Error(out)));
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    const code = await exited;
    return { out, code };
  };
  const first = await start();
  const keysFile = path.join(d, 'keys.toml');
  const stored = [...fs.readFileSync(keysFile, 'utf8').matchAll(/_key = "([^"]+)"/g)].map((m) => m[1]);
  t.eq(stored.length, 2, 'keys.toml holds two keys');
  t.ok(stored.every((k) => first.out.includes(k)), 'the first start prints the keys it generated', first.out);
  t.ok(first.out.includes(keysFile), 'the first start names the keys file', first.out);
  const second = await start();
  t.ok(!stored.some((k) => second.out.includes(k)), 'a later start prints no key', second.out);
  t.ok(second.out.includes(keysFile), 'a later start names the keys file', second.out);
  t.eq([first.code, second.code], [0, 0], 'both starts stop cleanly');
}

// No key anywhere in what the servers and commands printed.
{
  const shown = TRIED_KEYS.filter((k) => serverOutput.includes(k));
  t.eq(shown, [], 'no key (ingest, read, portfolio or a wrong one tried) in the server output');
  t.ok(serverOutput.includes('/api/v1/segmentation'), 'the request log was captured', serverOutput.slice(0, 300));
  const hostileLogged = HOSTILE.filter((s) => s.length >= 8 && servedOutput.includes(s));
  t.eq(hostileLogged, [], 'no event name or property value in the server output');
}

console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
t.finish();
if (!t.failures) fs.rmSync(dir, { recursive: true, force: true });
