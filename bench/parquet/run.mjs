// Parquet write and read throughput: Swell's writer and reader against
// DuckDB (npm @duckdb/node-api) on the same events-like table, in one run.
// Writes bench/parquet/RESULTS.md (and results.json in the work directory).
//
//   node bench/parquet/run.mjs --bin build-pqbench/swell_parquet_bench \
//        [--rows 5000000] [--reps 5] [--dir build-pqbench/pqdata] [--out bench/parquet/RESULTS.md]
//
// Steps (everything on the same machine, files in --dir, reads from a warm
// page cache on both sides):
//  1. The C++ side generates the table (deterministic) and writes it
//     uncompressed: DuckDB loads its in-memory copy from that file (not timed).
//  2. Write: Swell's writer (zstd, snappy; row groups of 1,000,000 rows) from
//     column arrays in memory vs DuckDB `COPY t TO ... (FORMAT parquet,
//     COMPRESSION c, ROW_GROUP_SIZE 1000000)` from the in-memory table, with
//     `SET threads=1` and with the default thread count. DuckDB's COPY does
//     not fsync; Swell is timed the same way (no fsync) and, on extra rows,
//     through its production output, which fsyncs the file and directory.
//  3. Read: Swell's reader decodes every row group of each file (all
//     columns; then a 2-column projection) into memory and sums the values;
//     DuckDB runs SELECT count/sum over the same columns of the same file.
//  4. Every run's row count and sums must equal the generator's; a mismatch
//     is an error (reported in RESULTS.md, exit status 1).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { duckConnect, duckQuery } from '../../tests/peers/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

function parseArgs(argv) {
  const a = {
    bin: path.join(root, 'build-pqbench/swell_parquet_bench'),
    rows: 5000000,
    reps: 5,
    dir: null,
    out: path.join(here, 'RESULTS.md'),
    notes: path.join(here, 'profile_notes.md'),
  };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a)) throw new Error(`unknown flag ${argv[i]}`);
    a[k] = argv[++i];
  }
  a.rows = Number(a.rows);
  a.reps = Number(a.reps);
  a.bin = path.resolve(a.bin);
  a.dir = path.resolve(a.dir ?? path.join(path.dirname(a.bin), 'pqdata'));
  a.out = path.resolve(a.out);
  return a;
}

const args = parseArgs(process.argv);
fs.mkdirSync(args.dir, { recursive: true });
const file = (name) => path.join(args.dir, name);
const errors = [];
const log = (...m) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...m);

function swell(...argv) {
  const out = execFileSync(args.bin, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out);
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const best = (v) => Math.min(...v);

// The checksum fields a read of these columns fills in.
const FIELDS_OF = {
  event_type: ['event_type_bytes'],
  user_id: ['user_id_bytes'],
  time: ['time_ms'],
  revenue: ['revenue', 'revenue_count'],
  platform: ['platform_bytes'],
  duration_ms: ['duration_ms'],
};
const ALL = Object.keys(FIELDS_OF);
const PROJECTION = ['user_id', 'time'];

function checkSums(what, got, expected, columns) {
  const fields = ['rows', ...columns.flatMap((c) => FIELDS_OF[c])];
  for (const f of fields) {
    if (String(got[f]) !== String(expected[f])) {
      errors.push(`${what}: ${f} is ${got[f]}, expected ${expected[f]}`);
    }
  }
}

// Uncompressed logical bytes of the given columns (see parquet_bench.cc).
function logicalBytes(s, columns) {
  const per = {
    event_type: s.event_type_bytes,
    user_id: s.user_id_bytes,
    time: 8 * s.rows,
    revenue: 8 * s.revenue_count,
    platform: s.platform_bytes,
    duration_ms: 4 * s.rows,
  };
  return columns.reduce((t, c) => t + per[c], 0);
}

function duckSelect(f, columns) {
  const exprs = ['count(*) AS rows'];
  for (const c of columns) {
    if (c === 'event_type' || c === 'user_id' || c === 'platform') exprs.push(`sum(strlen(${c})) AS ${c}_bytes`);
    if (c === 'time') exprs.push('sum(epoch_ms(time)) AS time_ms');
    if (c === 'revenue') exprs.push('sum(revenue) AS revenue', 'count(revenue) AS revenue_count');
    if (c === 'duration_ms') exprs.push('sum(duration_ms) AS duration_ms');
  }
  return `SELECT ${exprs.join(', ')} FROM read_parquet('${f}')`;
}

async function timed(conn, sql) {
  const t0 = process.hrtime.bigint();
  await conn.run(sql);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function duckSession(threads) {
  const conn = await duckConnect(':memory:');
  if (threads !== 'default') await conn.run(`SET threads=${threads}`);
  const t = (await duckQuery("SELECT current_setting('threads') AS t", conn))[0].t;
  return { conn, threads: Number(t), label: threads === 'default' ? `${t} (default)` : String(t) };
}

// ---------------------------------------------------------------------------

const results = { rows: args.rows, reps: args.reps, writes: [], reads: [] };

log(`generating ${args.rows} rows`);
const gen = swell('generate', '--rows', String(args.rows), '--out', file('source.parquet'));
const expected = gen.sums;
results.expected = expected;
results.logical_bytes = gen.logical_bytes;
const MB = gen.logical_bytes / 1e6;

// Write, Swell.
for (const codec of ['zstd', 'snappy']) {
  for (const sync of [false, true]) {
    log(`swell write ${codec}${sync ? ' (fsync)' : ''}`);
    const argv = ['write', '--rows', String(args.rows), '--codec', codec, '--reps', String(args.reps),
      '--out', file(`swell_${codec}.parquet`)];
    if (!sync) argv.push('--no-sync');
    const r = swell(...argv);
    checkSums(`swell write ${codec}`, r.sums, expected, ALL);
    results.writes.push({ engine: 'Swell', codec, threads: 1, fsync: sync, file_bytes: r.file_bytes, seconds: r.seconds });
  }
}

// Write, DuckDB: the default-thread run's files are the ones read below.
const duckVersion = (await duckQuery('SELECT version() AS v'))[0].v;
for (const threads of [1, 'default']) {
  const { conn, threads: n, label } = await duckSession(threads);
  log(`duckdb load (threads=${label})`);
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${file('source.parquet')}')`);
  const loaded = (await duckQuery(duckSelect(file('source.parquet'), ALL).replace(/read_parquet\('[^']*'\)/, 't'), conn))[0];
  checkSums(`duckdb table (threads=${label})`, loaded, expected, ALL);
  for (const codec of ['zstd', 'snappy']) {
    log(`duckdb write ${codec} (threads=${label})`);
    const f = file(threads === 'default' ? `duckdb_${codec}.parquet` : `duckdb_${codec}_t1.parquet`);
    const seconds = [];
    for (let i = 0; i < args.reps; i++) {
      seconds.push(await timed(conn,
        `COPY t TO '${f}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 1000000)`));
    }
    const check = (await duckQuery(duckSelect(f, ALL), conn))[0];
    checkSums(`duckdb write ${codec} (threads=${label})`, check, expected, ALL);
    results.writes.push({ engine: 'DuckDB', codec, threads: n, threads_label: label, fsync: false,
      file_bytes: fs.statSync(f).size, seconds });
  }
  conn.closeSync?.();
}

// Read.
const readFiles = [
  ['Swell', 'zstd', file('swell_zstd.parquet')],
  ['Swell', 'snappy', file('swell_snappy.parquet')],
  ['DuckDB', 'zstd', file('duckdb_zstd.parquet')],
  ['DuckDB', 'snappy', file('duckdb_snappy.parquet')],
];
const sessions = [await duckSession(1), await duckSession('default')];
for (const [writer, codec, f] of readFiles) {
  for (const columns of [ALL, PROJECTION]) {
    const what = `${writer} ${codec} file, ${columns.length === ALL.length ? 'all columns' : columns.join('+')}`;
    log(`swell read: ${what}`);
    const argv = ['read', '--file', f, '--reps', String(args.reps)];
    if (columns !== ALL) argv.push('--columns', columns.join(','));
    const r = swell(...argv);
    checkSums(`swell read of ${what}`, r.sums, expected, columns);
    const common = { file_writer: writer, codec, file_bytes: r.file_bytes, row_groups: r.row_groups,
      columns: columns.join(','), logical_bytes: logicalBytes(expected, columns) };
    results.reads.push({ ...common, engine: 'Swell', threads: 1, seconds: r.seconds });
    for (const s of sessions) {
      log(`duckdb read: ${what} (threads=${s.label})`);
      const sql = duckSelect(f, columns);
      const seconds = [];
      for (let i = 0; i < args.reps; i++) seconds.push(await timed(s.conn, sql));
      const got = (await duckQuery(sql, s.conn))[0];
      checkSums(`duckdb read of ${what} (threads=${s.label})`, got, expected, columns);
      results.reads.push({ ...common, engine: 'DuckDB', threads: s.threads, threads_label: s.label, seconds });
    }
  }
}

// What each file holds per column: encodings and compressed size.
results.layout = [];
for (const [writer, codec, f] of readFiles) {
  const rows = await duckQuery(`SELECT path_in_schema AS col, string_agg(DISTINCT encodings, ', ') AS enc,
      sum(total_compressed_size)::BIGINT AS bytes, count(*) AS row_groups
    FROM parquet_metadata('${f}') GROUP BY ALL ORDER BY min(column_id)`, sessions[0].conn);
  results.layout.push({ writer, codec, columns: rows });
}

// ---------------------------------------------------------------------------
// Report.

results.errors = errors;
fs.writeFileSync(file('results.json'), JSON.stringify(results, (k, v) => (typeof v === 'bigint' ? String(v) : v), 2));

const fmt = (x, d = 2) => x.toFixed(d);
const fmtInt = (x) => Math.round(x).toLocaleString('en-US');
const mb = (bytes) => fmt(bytes / 1e6, 1);
function cpuModel() {
  const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/);
  return m ? m[1].trim() : 'unknown';
}
function tryRun(cmd, argv) {
  try { return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'unknown'; }
}
function compilerVersion() {
  const cache = path.join(path.dirname(args.bin), 'CMakeCache.txt');
  if (!fs.existsSync(cache)) return 'unknown';
  const txt = fs.readFileSync(cache, 'utf8');
  const cxx = txt.match(/CMAKE_CXX_COMPILER:(?:STRING|FILEPATH)=(.*)/)?.[1];
  const type = txt.match(/CMAKE_BUILD_TYPE:STRING=(.*)/)?.[1];
  const flags = type ? txt.match(new RegExp(`CMAKE_CXX_FLAGS_${type.toUpperCase()}:STRING=(.*)`))?.[1] : '';
  return `${cxx ? tryRun(cxx, ['--version']).split('\n')[0] : 'unknown'}, ${type} (${flags})`;
}
function pkgVersion(name) {
  const v = tryRun('dpkg-query', ['-W', '-f=${Version}', name]);
  return v === 'unknown' || v === '' ? 'unknown' : v;
}

const lines = [];
const P = (s = '') => lines.push(s);
P('# Parquet throughput: Swell vs DuckDB');
P();
P('Generated by `bench/parquet/run.mjs`; do not edit by hand (the profile notes at the end come');
P('from `bench/parquet/profile_notes.md`).');
P();
P('## Setup');
P();
P(`- Machine: ${os.cpus().length} cores (\`nproc\` = ${tryRun('nproc', [])}), ${cpuModel()}, ` +
  `${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, ${os.type()} ${os.release()}.`);
P(`- Swell: commit ${tryRun('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'])}, built with ${compilerVersion()}; ` +
  `libzstd ${pkgVersion('libzstd1')}, libsnappy ${pkgVersion('libsnappy1v5')}.`);
P(`- DuckDB ${duckVersion} (npm \`@duckdb/node-api\`), Node ${process.version}.`);
P(`- Data: ${fmtInt(args.rows)} rows, ${mb(gen.logical_bytes)} MB logical ` +
  '(`swell_parquet_bench generate`, deterministic): `event_type` string (40 values, Zipf 1.1), ' +
  `\`user_id\` string (${fmtInt(gen.distinct_users_max)} users drawn uniformly), \`time\` TIMESTAMP(MILLIS, UTC) sorted within ` +
  'each event type (rows ordered by event_type, time), `revenue` optional double (5% non-null), ' +
  '`platform` string (3 values), `duration_ms` int32.');
P('- **MB** = 10^6 bytes of uncompressed logical data: the UTF-8 bytes of the strings (no length ' +
  'prefixes) + 8 bytes per timestamp + 8 per non-null double + 4 per int32; nulls count 0. Computed ' +
  'from the same checksums both sides return. Projection reads count only the columns read.');
P(`- Times are wall-clock seconds, ${args.reps} repetitions each: **median** of ${args.reps} (the rates use it) and **best**. ` +
  'Swell is single-threaded (neither the writer nor the reader uses threads). DuckDB runs with `SET threads=1` ' +
  'and with its default thread count. **Ratio** = Swell median time / DuckDB median time (above 1: Swell is slower).');
P('- Write: Swell\'s `FileWriter::WriteBatch` from column arrays already in memory (string_views, batches of ' +
  '65,536 rows), row groups of 1,000,000 rows, dictionary encoding on, page index and page CRCs on (its defaults), zstd level 3; ' +
  'DuckDB `COPY t TO f (FORMAT parquet, COMPRESSION c, ROW_GROUP_SIZE 1000000)` from an in-memory table loaded (untimed) ' +
  'from the same data, zstd level 3 (its default). DuckDB does not fsync the file it copies to, so the main Swell rows ' +
  'do not either; the "fsync" rows go through Swell\'s production output (fsync of file and directory, rename).');
P('- Read: Swell\'s `FileReader::ReadRowGroup` of every row group into `ColumnVector`s (strings as `std::string`), then ' +
  'one pass computing the checksums — all inside the timed region. DuckDB: `SELECT count(*), sum(strlen(event_type)), ' +
  'sum(strlen(user_id)), sum(epoch_ms(time)), sum(revenue), count(revenue), sum(strlen(platform)), sum(duration_ms) ' +
  'FROM read_parquet(f)` (projection: `count(*), sum(strlen(user_id)), sum(epoch_ms(time))`). Files are in the page ' +
  'cache (just written) for both.');
P(`- Checks: every write and read returned ${fmtInt(args.rows)} rows and the generator's sums ` +
  (errors.length ? `— **NO: ${errors.length} mismatch(es), see Errors**.` : '— all matched.'));
P();
P('Reproduce (from the repository root):');
P();
P('```sh');
P('cmake -S bench/parquet -B build-pqbench -DCMAKE_BUILD_TYPE=Release');
P('cmake --build build-pqbench -j2 --target swell_parquet_bench');
P('(cd tests/peers && npm ci)   # DuckDB for node, if not installed yet');
P(`node bench/parquet/run.mjs --bin build-pqbench/swell_parquet_bench --rows ${args.rows} --reps ${args.reps}`);
P('```');
P();

const duckRef = (list, codec, threads) => list.find((x) => x.engine === 'DuckDB' && x.codec === codec && x.threads === threads);
const threadCounts = [...new Set(results.writes.filter((w) => w.engine === 'DuckDB').map((w) => w.threads))];
const ratioCols = threadCounts.map((t) => `Swell/DuckDB ${t}T`);

// Summary: Swell against single-threaded DuckDB (like for like: Swell uses one thread).
{
  const r = (a, b) => `${fmt(median(a.seconds) / median(b.seconds))}×`;
  const sw = (codec) => results.writes.find((w) => w.engine === 'Swell' && w.codec === codec && !w.fsync);
  const rd = (engine, writer, codec, columns, threads = 1) => results.reads.find((x) =>
    x.engine === engine && x.file_writer === writer && x.codec === codec && x.columns === columns && x.threads === threads);
  P('## Summary');
  P();
  P('Swell time / DuckDB time at one thread each (medians; above 1× Swell is slower):');
  P();
  for (const codec of ['zstd', 'snappy']) {
    const parts = [`write ${r(sw(codec), duckRef(results.writes, codec, 1))}`];
    for (const writer of ['Swell', 'DuckDB']) {
      for (const cols of [ALL, PROJECTION]) {
        const c = cols.join(',');
        parts.push(`read ${writer}'s file ${cols === ALL ? 'all columns' : cols.join(' + ')} ` +
          r(rd('Swell', writer, codec, c), rd('DuckDB', writer, codec, c)));
      }
    }
    P(`- ${codec}: ${parts.join('; ')}.`);
  }
  P();
}

P('## Write');
P();
P(`| writer | codec | threads | file MB | median s | best s | rows/s | MB/s | ${ratioCols.join(' | ')} |`);
P(`|---|---|---:|---:|---:|---:|---:|---:|${ratioCols.map(() => '---:').join('|')}|`);
for (const codec of ['zstd', 'snappy']) {
  for (const w of results.writes.filter((x) => x.codec === codec)) {
    const m = median(w.seconds);
    const ratios = threadCounts.map((t) => {
      if (w.engine !== 'Swell') return '';
      return fmt(m / median(duckRef(results.writes, codec, t).seconds)) + '×';
    });
    const name = w.engine === 'Swell' ? (w.fsync ? 'Swell (fsync)' : 'Swell') : 'DuckDB';
    P(`| ${name} | ${codec} | ${w.threads_label ?? w.threads} | ${mb(w.file_bytes)} | ${fmt(m, 3)} | ${fmt(best(w.seconds), 3)} | ` +
      `${fmtInt(args.rows / m)} | ${fmt(MB / m, 1)} | ${ratios.join(' | ')} |`);
  }
}
P();

P('## Read');
P();
P(`| file written by | codec | columns | reader | threads | median s | best s | rows/s | MB/s | ${ratioCols.join(' | ')} |`);
P(`|---|---|---|---|---:|---:|---:|---:|---:|${ratioCols.map(() => '---:').join('|')}|`);
for (const [writer, codec] of readFiles) {
  for (const columns of [ALL.join(','), PROJECTION.join(',')]) {
    const group = results.reads.filter((r) => r.file_writer === writer && r.codec === codec && r.columns === columns);
    for (const r of group) {
      const m = median(r.seconds);
      const ratios = threadCounts.map((t) => {
        if (r.engine !== 'Swell') return '';
        const d = group.find((x) => x.engine === 'DuckDB' && x.threads === t);
        return fmt(m / median(d.seconds)) + '×';
      });
      const cols = columns === ALL.join(',') ? `all 6 (${mb(r.logical_bytes)} MB)` : `${columns.replace(',', ' + ')} (${mb(r.logical_bytes)} MB)`;
      P(`| ${writer} (${mb(r.file_bytes)} MB, ${r.row_groups} row group${r.row_groups === 1 ? '' : 's'}) | ${codec} | ${cols} | ${r.engine} | ${r.threads_label ?? r.threads} | ` +
        `${fmt(m, 3)} | ${fmt(best(r.seconds), 3)} | ${fmtInt(args.rows / m)} | ${fmt(r.logical_bytes / 1e6 / m, 1)} | ${ratios.join(' | ')} |`);
    }
  }
}
P();

P('## File layout');
P();
P('Compressed MB per column (encodings, as `parquet_metadata` reports them) of the files read above.');
P();
P(`| file | ${ALL.join(' | ')} |`);
P(`|---|${ALL.map(() => '---').join('|')}|`);
for (const l of results.layout) {
  const cells = ALL.map((c) => {
    const x = l.columns.find((r) => r.col === c);
    return x ? `${(Number(x.bytes) / 1e6).toFixed(2)} (${x.enc})` : '';
  });
  P(`| ${l.writer} ${l.codec} | ${cells.join(' | ')} |`);
}
P();

if (errors.length) {
  P('## Errors');
  P();
  for (const e of errors) P(`- ERROR: ${e}`);
  P();
}
if (fs.existsSync(args.notes)) {
  P(fs.readFileSync(args.notes, 'utf8').trimEnd());
  P();
}
fs.writeFileSync(args.out, lines.join('\n'));
log(`wrote ${args.out}${errors.length ? ` with ${errors.length} ERROR(S)` : ''}`);
for (const e of errors) console.error(`ERROR: ${e}`);
process.exit(errors.length ? 1 : 0);
