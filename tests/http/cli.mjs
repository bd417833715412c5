// The `swell` command line: usage errors, import, query, the data directory
// lock, default keys, demo generation.
// Usage: node cli.mjs /path/to/swell
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  APPS, Checks, configToml, getJson, isoDate, run, segmentation, startServer, tempDir, todayMs, seriesTotal,
} from './harness.mjs';

const bin = process.argv[2];
const t = new Checks('http_cli');
const T0 = todayMs();
const DAY = isoDate(T0);
const dir = tempDir('swell-cli-');
const data = path.join(dir, 'data');
const configPath = path.join(dir, 'swell.toml');
fs.writeFileSync(configPath, configToml());

// Usage errors exit 2 with usage on stderr; --version exits 0.
let r = run(bin, ['--version']);
t.eq([r.code, r.stdout.trim()], [0, 'swell 0.1.0'], '--version');
for (const args of [[], ['serve', '--bogus'], ['frobnicate'], ['import', '--data', data, 'x.ndjson'], ['query', 'segmentation', '--data', data],
  ['demo', '--users', 'many']]) {
  r = run(bin, args);
  t.eq(r.code, 2, `usage error exits 2: ${args.join(' ')}`);
  t.ok(r.stderr.includes('Usage:'), `usage on stderr: ${args.join(' ')}`, r.stderr);
  t.eq(r.stdout, '', `nothing on stdout: ${args.join(' ')}`);
}

// Import: plain and gzip NDJSON; rejected lines are reported with their numbers.
const lines = [];
for (let i = 0; i < 300; i++) lines.push(JSON.stringify({ user_id: `user-${i % 40}`, event_type: 'imported', time: T0 + i }));
lines.splice(10, 0, '{"event_type": "no_user"}');        // line 11
lines.splice(20, 0, 'this is not json');                  // line 21
lines.splice(30, 0, JSON.stringify({ user_id: 'user-1', event_type: 'x', time: 'soon' }));  // line 31
const plain = path.join(dir, 'events.ndjson');
fs.writeFileSync(plain, lines.join('\n') + '\n');
const gz = path.join(dir, 'more.ndjson.gz');
fs.writeFileSync(gz, zlib.gzipSync(lines.slice(0, 100).join('\n') + '\n'));
r = run(bin, ['import', '--data', data, '--app', 'web', '--config', configPath, plain, gz]);
t.eq(r.code, 0, 'import exit 0');
t.ok(r.stdout.includes(`${plain}: 303 lines, 300 events imported, 3 rejected`), 'import summary (plain)', r.stdout);
for (const n of [11, 21, 31]) t.ok(r.stdout.includes(`line ${n}:`), `rejected line ${n} named`, r.stdout);
// Lines 1-100 of the file hold 97 valid events and the 3 bad lines.
t.ok(r.stdout.includes(`${gz}: 100 lines, 97 events imported, 3 rejected`), 'import summary (gzip)', r.stdout);
t.ok(/total: 403 lines, 397 events imported into app "web".*events\/s/.test(r.stdout), 'import total', r.stdout);

r = run(bin, ['import', '--data', data, '--app', '../../etc/passwd', plain]);
t.eq(r.code, 1, 'path-like --app refused');
t.ok(r.stderr.includes('may only contain letters'), 'path-like --app message', r.stderr);
r = run(bin, ['import', '--data', data, '--app', 'nosuchapp', '--config', configPath, plain]);
t.eq(r.code, 1, 'app missing from config refused');
r = run(bin, ['import', '--data', data, '--app', 'web', path.join(dir, 'missing.ndjson')]);
t.eq(r.code, 1, 'missing file exit 1');
t.eq(r.stderr.trim().split('\n').length, 1, 'runtime error is one line', r.stderr);

// Query from the command line.
const request = { event: { name: 'imported' }, metric: 'totals', from: DAY, to: DAY, interval: 'day' };
r = run(bin, ['query', 'segmentation', '--data', data, '--app', 'web', '--json', JSON.stringify(request)]);
t.eq(r.code, 0, 'query segmentation exit 0');
const cliAnswer = r.stdout.trim();
t.eq(seriesTotal(JSON.parse(cliAnswer)), 397, 'query totals count the imported events');
fs.writeFileSync(path.join(dir, 'q.json'), JSON.stringify({ ...request, metric: 'uniques' }));
r = run(bin, ['query', 'segmentation', '--data', data, '--app', 'web', '--json', `@${path.join(dir, 'q.json')}`]);
t.eq(r.code, 0, 'query --json @file');
t.eq(r.stdout && seriesTotal(JSON.parse(r.stdout)), 40, 'uniques from @file');
r = run(bin, ['query', 'segmentation', '--data', data, '--app', 'web', '--json', '{"event": 3}']);
t.eq(r.code, 1, 'bad query exit 1');
t.ok(r.stderr.startsWith('swell: bad request:'), 'bad query message', r.stderr);
// Funnel and retention from the command line: every imported user enters.
const funnelRequest = { steps: [{ event: 'imported' }, { event: 'imported' }], from: DAY, to: DAY, window: '1d' };
r = run(bin, ['query', 'funnel', '--data', data, '--app', 'web', '--json', JSON.stringify(funnelRequest)]);
t.eq(r.code, 0, 'query funnel exit 0', r.stderr);
const cliFunnel = r.stdout.trim();
t.eq(JSON.parse(cliFunnel || '{}').steps?.[0]?.users, 40, 'funnel step 1 holds the imported users');
const retentionRequest = { start: { event: 'imported' }, return: { event: '_all' }, from: DAY, to: DAY, periods: 2 };
r = run(bin, ['query', 'retention', '--data', data, '--app', 'web', '--json', JSON.stringify(retentionRequest)]);
t.eq(r.code, 0, 'query retention exit 0', r.stderr);
const cliRetention = r.stdout.trim();
t.eq(JSON.parse(cliRetention || '{}').cohorts?.[0]?.users, 40, 'retention cohort holds the imported users');
r = run(bin, ['query', 'funnel', '--data', data, '--app', 'web', '--json', '{"steps": []}']);
t.eq(r.code, 1, 'bad funnel exit 1');
t.ok(r.stderr.startsWith('swell: bad request: steps'), 'bad funnel names the field', r.stderr);
r = run(bin, ['query', 'events', '--data', data, '--app', 'web']);
t.eq(r.code, 0, 'query events');
const cliEvents = r.stdout.trim();
r = run(bin, ['query', 'events', '--data', path.join(dir, 'nope'), '--app', 'web']);
t.eq(r.code, 1, 'query on a missing data dir');
t.ok(!fs.existsSync(path.join(dir, 'nope')), 'query does not create a data dir');

// A running server holds the data directory: import and query refuse; the
// HTTP API answers exactly what the CLI answered.
const server = await startServer(bin, { dir });
try {
  r = run(bin, ['import', '--data', data, '--app', 'web', plain]);
  t.eq(r.code, 1, 'import refused while serving');
  t.ok(r.stderr.includes('in use by another swell process'), 'lock message', r.stderr);
  r = run(bin, ['query', 'events', '--data', data, '--app', 'web']);
  t.eq(r.code, 1, 'query refused while serving');
  const http = await segmentation(server.url, APPS.web.read, request);
  t.eq(http.text, cliAnswer, 'HTTP segmentation equals the CLI');
  const httpFunnel = await fetch(`${server.url}/api/v1/funnel`, { method: 'POST', body: JSON.stringify(funnelRequest),
    headers: { Authorization: `Bearer ${APPS.web.read}`, 'Content-Type': 'application/json' } });
  t.eq((await httpFunnel.text()).trim(), cliFunnel, 'HTTP funnel equals the CLI');
  const httpEvents = await getJson(`${server.url}/api/v1/events`, { Authorization: `Bearer ${APPS.web.read}` });
  t.eq(httpEvents.text, cliEvents, 'HTTP events equals the CLI');
  // A second server on the same port fails with one clear line.
  const port = new URL(server.url).port;
  r = run(bin, ['serve', '--data', path.join(dir, 'other'), '--listen', `127.0.0.1:${port}`, '--config', configPath]);
  t.eq(r.code, 1, 'port in use exit 1');
  t.ok(r.stderr.includes(`cannot listen on 127.0.0.1:${port}`), 'port in use message', r.stderr);
} finally {
  t.eq(await server.stop(), { code: 0, signal: null }, 'server stops cleanly');
}

// Without --config: one app "default" with keys kept in DATA/keys.toml.
{
  const d = path.join(dir, 'defaults');
  const keysOf = (out) => /App "default"\s+ingest key (\S+)\s+read key (\S+)/.exec(out)?.slice(1);
  const startDefault = async () => {
    const { spawn } = await import('node:child_process');
    const proc = spawn(bin, ['serve', '--data', d, '--listen', '127.0.0.1:0', '--quiet']);
    let out = '';
    await new Promise((resolve, reject) => {
      proc.stdout.on('data', (x) => { out += x; if (/Listening on/.test(out)) resolve(); });
      proc.on('exit', () => reject(new Error(out)));
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGINT');
    return { out, code: await exited };
  };
  const first = await startDefault();
  const keys = keysOf(first.out);
  t.ok(keys && keys.every((k) => /^[0-9a-f]{32}$/.test(k)) && keys[0] !== keys[1], 'random hex keys printed', first.out);
  t.ok(first.out.includes('curl'), 'a curl example is printed');
  t.eq(first.code, 0, 'SIGINT stops the server cleanly');
  t.eq(fs.statSync(path.join(d, 'keys.toml')).mode & 0o777, 0o600, 'keys.toml is private');
  // Later starts keep the keys (keys.toml holds the printed ones) and name
  // the file rather than printing them again.
  const stored = fs.readFileSync(path.join(d, 'keys.toml'), 'utf8');
  t.ok(keys && keys.every((k) => stored.includes(k)), 'keys.toml holds the printed keys');
  const second = await startDefault();
  t.ok(keys && keys.every((k) => !second.out.includes(k)), 'no key printed on the next start', second.out);
  t.ok(second.out.includes(`App "default": keys in ${path.join(d, 'keys.toml')}`), 'the next start names keys.toml', second.out);
  t.eq(fs.readFileSync(path.join(d, 'keys.toml'), 'utf8'), stored, 'the same keys on the next start');
}

// Demo generation without serving.
{
  const d = path.join(dir, 'demo');
  r = run(bin, ['demo', '--data', d, '--users', '30', '--days', '2', '--no-serve']);
  t.eq(r.code, 0, 'demo --no-serve');
  t.ok(/Generated \d+ demo events/.test(r.stdout), 'demo reports what it generated', r.stdout);
  t.ok(/read key [0-9a-f]{32}/.test(r.stdout) && r.stdout.includes('curl'), 'demo prints keys and curl examples');
  r = run(bin, ['query', 'events', '--data', d, '--app', 'default']);
  t.eq(r.code, 0, 'demo data queryable');
  t.ok((JSON.parse(r.stdout).events ?? []).length > 0, 'demo has events', r.stdout);
  // Every request the demo prints answers, with data, from the CLI too.
  const demoOut = run(bin, ['demo', '--data', d, '--no-serve']).stdout;
  for (const m of demoOut.matchAll(/curl -s \S+\/api\/v1\/(\w+) .* -d '(\{.*\})'/g)) {
    r = run(bin, ['query', m[1], '--data', d, '--app', 'default', '--json', m[2]]);
    t.eq(r.code, 0, `demo example ${m[1]} runs`, r.stderr);
    const answer = JSON.parse(r.stdout || '{}');
    const size = m[1] === 'funnel' ? answer.steps?.[0]?.users : m[1] === 'retention'
      ? answer.overall?.[0]?.users : m[1] === 'audience' ? answer.count : seriesTotal(answer);
    t.ok(size > 0, `demo example ${m[1]} finds data`, r.stdout.slice(0, 300));
  }
  r = run(bin, ['demo', '--data', data, '--no-serve']);
  t.eq(r.code, 1, 'demo refuses a non-demo data dir');
}

fs.rmSync(dir, { recursive: true, force: true });
t.finish();
