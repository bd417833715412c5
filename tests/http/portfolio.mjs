// Portfolio read keys (docs/api.md "Portfolios"): one key reads audiences
// across several apps and nothing else. A real `swell serve` with two apps
// and portfolios over them; the same user ids play in both apps.
// Usage: node portfolio.mjs /path/to/swell
import fs from 'node:fs';
import path from 'node:path';
import { Checks, configToml, getJson, isoDate, postJson, run, startServer, tempDir, todayMs } from './harness.mjs';

const bin = process.argv[2];
const t = new Checks('http_portfolio');
const T0 = todayMs();
const DAY = isoDate(T0);

const A = { id: 'game-a', ingest: 'game-a-ingest-key-0000001', read: 'game-a-read-key-00000001' };
const B = { id: 'game-b', ingest: 'game-b-ingest-key-0000001', read: 'game-b-read-key-00000001' };
const GAMES = { id: 'games', apps: [A.id, B.id], read: 'games-portfolio-key-000001' };
const ONLY_A = { id: 'only-a', apps: [A.id], read: 'only-a-portfolio-key-00001' };
const PORTFOLIO_ONLY = 'a portfolio key reads audiences only (POST /api/v1/audience)';

function portfolioToml(p) {
  return `\n[[portfolio]]\nid = "${p.id}"\napps = ${JSON.stringify(p.apps)}\nread_key = "${p.read}"\n`;
}

const bearer = (key) => ({ headers: { Authorization: `Bearer ${key}` } });

// Who plays what: players 1-8 in game A, 5-12 in game B (4 in A only, 4 in
// both, 4 in B only), and players 13-14 only open game A.
const player = (n) => `player-${String(n).padStart(3, '0')}`;
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => player(from + i));
const playsA = new Set(range(1, 8));
const playsB = new Set(range(5, 12));
const opensA = new Set(range(13, 14));
const aNotB = [...playsA].filter((u) => !playsB.has(u));
const aOrB = new Set([...playsA, ...playsB]);


const server = await startServer(bin, {
  config: configToml([A, B]) + portfolioToml(GAMES) + portfolioToml(ONLY_A),
});
const { url } = server;

try {
  // The startup banner lists the apps; the portfolio keys are accepted.
  t.ok(server.stdout().includes('"game-a"') && server.stdout().includes('"game-b"'), 'banner lists the apps',
    server.stdout());

  // Ingest through the Amplitude endpoint, one app at a time.
  async function ingest(app, users, eventType) {
    const events = [...users].map((u, i) => ({ user_id: u, event_type: eventType, time: T0 + i }));
    const r = await postJson(`${url}/2/httpapi`, { api_key: app.ingest, events });
    t.eq([r.status, r.json?.events_ingested], [200, events.length], `ingest ${eventType} into ${app.id}`);
  }
  await ingest(A, playsA, 'play');
  await ingest(A, opensA, 'open');
  await ingest(B, playsB, 'play');

  // A portfolio has no ingest key: its read key cannot send events.
  let r = await postJson(`${url}/2/httpapi`, { api_key: GAMES.read, events: [{ user_id: player(1), event_type: 'play', time: T0 }] });
  t.eq(r.status, 400, 'portfolio key used for ingest: 400');
  t.eq(r.json?.error, `Invalid API key: ${GAMES.read}`, 'portfolio key used for ingest: Invalid API key');

  // Each app key still reads its own app only.
  const playTree = { event: 'play', from: DAY, to: DAY };
  r = await postJson(`${url}/api/v1/audience`, { tree: playTree }, bearer(A.read));
  t.eq([r.status, r.json?.count], [200, playsA.size], 'game-a key: players of game-a');
  r = await postJson(`${url}/api/v1/audience`, { tree: playTree }, bearer(B.read));
  t.eq([r.status, r.json?.count], [200, playsB.size], 'game-b key: players of game-b');

  // A portfolio key on every other read route: 403, whatever the body.
  const q = { event: { name: 'play' }, metric: 'uniques', from: DAY, to: DAY, interval: 'day' };
  const funnel = { steps: [{ event: 'play' }, { event: 'open' }], from: DAY, to: DAY };
  const retention = { start: { event: 'play' }, return: { event: '_all' }, from: DAY, to: DAY, periods: 3 };
  for (const p of [GAMES, ONLY_A]) {
    for (const [route, body] of [['segmentation', q], ['funnel', funnel], ['retention', retention]]) {
      r = await postJson(`${url}/api/v1/${route}`, body, bearer(p.read));
      t.eq([r.status, r.json], [403, { error: PORTFOLIO_ONLY }], `${p.id} key on /api/v1/${route}: 403`);
      t.ok(r.headers.get('content-type')?.startsWith('application/json'), `${route} 403 is JSON`);
      r = await postJson(`${url}/api/v1/${route}`, '{"not json', { raw: true, ...bearer(p.read) });
      t.eq([r.status, r.json], [403, { error: PORTFOLIO_ONLY }], `${p.id} key on /api/v1/${route} with a bad body: 403`);
    }
    r = await getJson(`${url}/api/v1/events`, bearer(p.read).headers);
    t.eq([r.status, r.json], [403, { error: PORTFOLIO_ONLY }], `${p.id} key on /api/v1/events: 403`);
  }
  // The same routes still answer app keys.
  r = await postJson(`${url}/api/v1/segmentation`, q, bearer(A.read));
  t.eq(r.status, 200, 'game-a key on segmentation: 200');
  r = await getJson(`${url}/api/v1/events`, bearer(B.read).headers);
  t.eq(r.status, 200, 'game-b key on events: 200');

  // Keys that are not read keys, and requests without one.
  for (const [route, get] of [['audience', false], ['segmentation', false], ['events', true]]) {
    const send = (headers) => (get ? getJson(`${url}/api/v1/${route}`, headers)
      : postJson(`${url}/api/v1/${route}`, route === 'audience' ? { tree: playTree } : q, { headers }));
    r = await send({});
    t.eq(r.status, 401, `${route} without a key: 401`);
    t.eq(r.headers.get('www-authenticate'), 'Bearer', `${route} 401 asks for Bearer`);
    r = await send({ Authorization: GAMES.read });
    t.eq(r.status, 401, `${route} with a portfolio key but no Bearer scheme: 401`);
    r = await send({ Authorization: 'Bearer games-portfolio-key-000002' });
    t.eq([r.status, r.json], [403, { error: 'invalid read key' }], `${route} with a wrong key: 403 invalid read key`);
    r = await send({ Authorization: `Bearer ${GAMES.read}x` });
    t.eq([r.status, r.json?.error], [403, 'invalid read key'], `${route} with a portfolio key plus a byte: 403`);
    r = await send({ Authorization: `Bearer ${A.ingest}` });
    t.eq(r.status, 403, `${route} with an ingest key: 403`);
  }

  // Audiences across the apps (need AudienceAcross).
  const leaf = (app, event = 'play') => ({ event, app, from: DAY, to: DAY });
  const aNotBTree = { op: 'and', children: [leaf(A.id), { op: 'not', children: [leaf(B.id)] }] };

  // An app key naming the other app in a leaf: 403.
  r = await postJson(`${url}/api/v1/audience`, { tree: leaf(B.id) }, bearer(A.read));
  t.eq(r.status, 403, 'game-a key with a leaf naming game-b: 403');
  t.ok(typeof r.json?.error === 'string' && r.json.error.length > 0, 'that 403 has {"error"}', r.text);
  r = await postJson(`${url}/api/v1/audience`, { tree: aNotBTree, mode: 'estimate' }, bearer(A.read));
  t.eq(r.status, 403, 'game-a key with a tree over game-a and game-b: 403');

  // A portfolio key naming an app outside the portfolio: 403.
  r = await postJson(`${url}/api/v1/audience`, { tree: leaf(B.id), mode: 'estimate' }, bearer(ONLY_A.read));
  t.eq(r.status, 403, 'only-a portfolio key with a leaf naming game-b: 403');
  t.ok(typeof r.json?.error === 'string' && r.json.error.length > 0, 'that 403 has {"error"}', r.text);
  r = await postJson(`${url}/api/v1/audience`, { tree: { op: 'or', children: [leaf(A.id), leaf('game-z')] }, mode: 'estimate' },
    bearer(GAMES.read));
  t.eq(r.status, 403, 'games portfolio key with a leaf naming an app outside it: 403');

  // Estimate mode: players of A who never played B, as a set difference.
  r = await postJson(`${url}/api/v1/audience`, { tree: aNotBTree, mode: 'estimate' }, bearer(GAMES.read));
  t.eq(r.status, 200, 'portfolio estimate A and not B: 200');
  t.eq(r.json?.count, aNotB.length, 'portfolio estimate A and not B: the set difference');
  t.eq(r.json?.mode, 'estimate', 'answered in estimate mode');
  t.ok(r.json?.lower_bound <= r.json?.count && r.json?.count <= r.json?.upper_bound, 'bounds hold the count', r.text);
  // A leaf without "app" covers every app of the portfolio.
  r = await postJson(`${url}/api/v1/audience`, { tree: playTree, mode: 'estimate' }, bearer(GAMES.read));
  t.eq([r.status, r.json?.count], [200, aOrB.size], 'portfolio estimate, a leaf without app: players of either app');
  r = await postJson(`${url}/api/v1/audience`,
    { tree: { op: 'and', children: [leaf(A.id), leaf(B.id)] }, mode: 'estimate' }, bearer(GAMES.read));
  t.eq([r.status, r.json?.count], [200, [...playsA].filter((u) => playsB.has(u)).length],
    'portfolio estimate A and B: the intersection');

  // Exact mode reads one app: a tree over both is a bad request.
  r = await postJson(`${url}/api/v1/audience`, { tree: aNotBTree, mode: 'exact' }, bearer(GAMES.read));
  t.eq(r.status, 400, 'portfolio exact mode with leaves over both apps: 400');
  t.ok(typeof r.json?.error === 'string' && r.json.error.length > 0, 'that 400 has {"error"}', r.text);
} finally {
  const exit = await server.stop();
  t.eq(exit, { code: 0, signal: null }, 'SIGTERM stops the server cleanly');
  fs.rmSync(server.dir, { recursive: true, force: true });
}

// Config files with a bad portfolio are refused at start, naming it.
for (const [tag, portfolio, expect] of [
  ['a portfolio of an unknown app', { ...GAMES, apps: [A.id, 'game-z'] }, 'portfolio #1 "games": apps: "game-z" is not an app'],
  ['a portfolio listing an app twice', { ...GAMES, apps: [A.id, A.id] }, 'portfolio #1 "games": apps: "game-a" is listed twice'],
  ['a portfolio of no apps', { ...GAMES, apps: [] }, 'portfolio #1 "games": apps is empty'],
  ['a portfolio key equal to an app key', { ...GAMES, read: A.ingest }, 'portfolio #1 "games": read_key is already used'],
  ['a path-like portfolio id', { ...GAMES, id: '../games' }, 'portfolio #1 "../games": portfolio id'],
]) {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'swell.toml'), configToml([A, B]) + portfolioToml(portfolio));
  const res = run(bin, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--config', path.join(dir, 'swell.toml')]);
  t.eq(res.code, 1, `config with ${tag}: exit 1`);
  t.ok(res.stderr.includes(expect), `config with ${tag}: message`, res.stderr);
  fs.rmSync(dir, { recursive: true, force: true });
}

t.finish();
