// The real Amplitude Node SDK, pointed at Swell, sends events that a
// segmentation query counts exactly within a second of the SDK's flush.
// Usage: node amplitude_node.mjs /path/to/swell
import fs from 'node:fs';
import { amplitude } from '../peers/index.mjs';
import { APPS, Checks, isoDate, segmentation, seriesTotal, startServer, todayMs } from '../http/harness.mjs';

const bin = process.argv[2];
const t = new Checks('sdk_amplitude_node');
const T0 = todayMs();
const DAY = isoDate(T0);
const server = await startServer(bin, { args: ['--quiet'] });
const { url } = server;

async function query(readKey, request) {
  const r = await segmentation(url, readKey, { from: DAY, to: DAY, interval: 'day', ...request });
  t.eq(r.status, 200, `query ${JSON.stringify(request)}`);
  return r.json;
}

try {
  // Two SDK instances: one on the HTTP V2 route, one on the Batch route.
  const routes = [
    { name: 'httpapi', serverUrl: `${url}/2/httpapi`, useBatch: false, prefix: 'v2' },
    { name: 'batch', serverUrl: `${url}/batch`, useBatch: true, prefix: 'batch' },
  ];
  for (const route of routes) {
    const client = amplitude.createInstance();
    await client.init(APPS.web.ingest, {
      serverUrl: route.serverUrl, useBatch: route.useBatch, flushIntervalMillis: 100, flushQueueSize: 50,
      logLevel: amplitude.Types.LogLevel.None,
    }).promise;

    // Users with different activity: user i views i+1 pages, every other
    // user buys once on a "pro" plan, and a few events carry unicode.
    const users = Array.from({ length: 8 }, (_, i) => `${route.prefix}-user-${i}`);
    let views = 0;
    const buyers = new Set();
    const proBuyers = new Set();
    const results = [];
    users.forEach((user, i) => {
      for (let v = 0; v <= i; v++) {
        results.push(client.track(`${route.prefix}_view`, { page: `/p/${v}`, title: 'Café ☕' }, { user_id: user, time: T0 + v }).promise);
        views++;
      }
      if (i % 2 === 0) {
        const plan = i % 4 === 0 ? 'pro' : 'free';
        results.push(client.track(`${route.prefix}_purchase`, { plan, price: 9.5 + i }, { user_id: user, time: T0 + 100, platform: 'Node' }).promise);
        buyers.add(user);
        if (plan === 'pro') proBuyers.add(user);
      }
    });
    await client.flush().promise;
    const flushed = Date.now();
    const outcomes = await Promise.all(results);
    t.ok(outcomes.every((o) => o.code === 200), `${route.name}: every SDK send got 200`, outcomes.map((o) => `${o.code} ${o.message}`).filter((m) => !m.startsWith('200')));

    const viewTotals = await query(APPS.web.read, { event: { name: `${route.prefix}_view` }, metric: 'totals' });
    const viewUniques = await query(APPS.web.read, { event: { name: `${route.prefix}_view` }, metric: 'uniques' });
    const buyTotals = await query(APPS.web.read, { event: { name: `${route.prefix}_purchase` }, metric: 'totals' });
    const proUniques = await query(APPS.web.read, {
      event: { name: `${route.prefix}_purchase`, filters: [{ property: 'plan', op: 'is', values: ['pro'] }] }, metric: 'uniques',
    });
    const byPlan = await query(APPS.web.read, { event: { name: `${route.prefix}_purchase` }, metric: 'uniques', group_by: 'plan' });
    const elapsed = Date.now() - flushed;
    t.ok(elapsed < 1000, `${route.name}: answered within 1 s of the flush`, `${elapsed} ms`);
    t.eq(seriesTotal(viewTotals), views, `${route.name}: view totals`);
    t.eq(seriesTotal(viewUniques), users.length, `${route.name}: view uniques`);
    t.eq(seriesTotal(buyTotals), buyers.size, `${route.name}: purchase totals`);
    t.eq(seriesTotal(proUniques), proBuyers.size, `${route.name}: pro purchase uniques`);
    const groups = Object.fromEntries(byPlan.series.map((s) => [s.group, seriesTotal({ series: [s] })]));
    t.eq(groups, { free: buyers.size - proBuyers.size, pro: proBuyers.size }, `${route.name}: uniques by plan`);

    // The other app's read key sees none of it.
    const other = await query(APPS.ios.read, { event: { name: `${route.prefix}_view` }, metric: 'totals' });
    t.eq(seriesTotal(other), 0, `${route.name}: another app's read key sees nothing`);
  }

  // An SDK with a key Swell does not know gets Amplitude's 400, and nothing is stored.
  const stranger = amplitude.createInstance();
  await stranger.init('unknown-key-0000000000', {
    serverUrl: `${url}/2/httpapi`, flushIntervalMillis: 100, flushMaxRetries: 1, logLevel: amplitude.Types.LogLevel.None,
  }).promise;
  const refused = stranger.track('stranger_event', {}, { user_id: 'stranger-user', time: T0 }).promise;
  await stranger.flush().promise;
  const outcome = await refused;
  t.eq(outcome.code, 400, 'unknown key: the SDK sees 400');
  t.ok(String(outcome.message).includes('Invalid API key'), 'unknown key: the SDK sees the message', outcome.message);
  const none = await query(APPS.web.read, { event: { name: 'stranger_event' }, metric: 'totals' });
  t.eq(seriesTotal(none), 0, 'unknown key: nothing stored');
} finally {
  const exit = await server.stop();
  t.eq(exit, { code: 0, signal: null }, 'server stops cleanly');
  fs.rmSync(server.dir, { recursive: true, force: true });
}
t.finish();
