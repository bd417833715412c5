// Files DuckDB writes (its defaults, every codec, format V2 with its delta
// encodings and v2 data pages; every type Swell reads, nulls, empty and
// unicode strings, many row groups, zero rows) read by Swell (parquet_dump)
// with exactly the rows DuckDB reads back. Then predicate skipping on a
// sorted many-row-group file: row groups are skipped and no matching row is
// lost.
//
//   node duckdb_written.mjs PARQUET_DUMP
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect } from '../peers/index.mjs';
import { duckCanonicalRows, swellRows, firstDifference } from './canonical.mjs';

const [dump] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'swell-pqr-'));
const conn = await duckConnect();
const failures = [];

// Every 7th row null in each nullable column; strings with unicode,
// empty strings, quotes, tabs and backslashes.
const table = `
  SELECT
    i::BIGINT AS id,
    CASE WHEN i % 7 = 1 THEN NULL ELSE i % 3 = 0 END AS b,
    CASE WHEN i % 7 = 2 THEN NULL ELSE (i % 256 - 128)::TINYINT END AS i8,
    (i * 37 % 65536 - 32768)::SMALLINT AS i16,
    CASE WHEN i % 7 = 3 THEN NULL ELSE (i * 7919 - 50000000)::INTEGER END AS i32,
    (i * 1000003 - 4611686018427387904)::BIGINT AS i64,
    (i % 256)::UTINYINT AS u8,
    (i * 13 % 65536)::USMALLINT AS u16,
    (i * 429496 % 4294967296)::UINTEGER AS u32,
    (i * 18446744073709 % 18446744073709551615)::UBIGINT AS u64,
    CASE WHEN i % 7 = 4 THEN NULL ELSE (i / 3.0 - 1000)::FLOAT END AS f,
    CASE WHEN i % 11 = 0 THEN 'NaN'::DOUBLE WHEN i % 13 = 0 THEN -0.0 ELSE i * 1.0e-3 - 1.0 / (i + 1) END AS d,
    CASE WHEN i % 7 = 5 THEN NULL WHEN i % 5 = 0 THEN '' ELSE ['héllo', 'wörld', '日本語', 'a"b', 'tab\there', 'back\\slash', '🚀'][i % 7 + 1] || (i % 50)::VARCHAR END AS s,
    'unique-' || i::VARCHAR || repeat('x', i % 17) AS s_unique,
    CASE WHEN i % 7 = 6 THEN NULL ELSE ('\\x' || lpad(to_hex(i % 256), 2, '0') || '\\x00ab')::BLOB END AS bl,
    (DATE '1970-01-01' + (i * 3 - 5000)::INTEGER) AS dt,
    CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000003) END AS ts,
    (TIMESTAMP '1999-12-31 23:59:59' + to_milliseconds(i * 61))::TIMESTAMP_MS AS ts_ms,
    (TIMESTAMP '2001-02-03 04:05:06' + to_microseconds(i * 7))::TIMESTAMP_NS AS ts_ns,
    (TIMESTAMPTZ '2020-06-01 12:00:00+00' + to_seconds(i * 17)) AS tstz,
    ((i % 9999 - 4999) / 100)::DECIMAL(4, 2) AS dec4,
    (((i * 12345) % 999999999 - 499999999) / 1000)::DECIMAL(9, 3) AS dec9,
    (((i * 1234567891) % 99999999999999) / 10000)::DECIMAL(18, 4) AS dec18,
    (i::DECIMAL(38, 10) * 123456789.0123456789::DECIMAL(38, 10) - 100000000000::DECIMAL(38, 10)) AS dec38,
    (TIME '00:00:00' + to_microseconds(i * 86399999 % 86400000000)) AS t,
    uuid_extract? AS u
  FROM range(N) r(i)`;
const tableSql = (n) => table.replace('range(N)', `range(${n})`)
  .replace('uuid_extract? AS u', `('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::UUID AS u`);

const variants = [
  ['default', ''],
  ['uncompressed', ', COMPRESSION uncompressed'],
  ['snappy', ', COMPRESSION snappy'],
  ['gzip', ', COMPRESSION gzip'],
  ['zstd', ', COMPRESSION zstd'],
  ['lz4', ', COMPRESSION lz4'],
  ['brotli', ', COMPRESSION brotli'],
  ['v2', ', PARQUET_VERSION V2'],
  ['v2_zstd', ', PARQUET_VERSION V2, COMPRESSION zstd'],
  ['v2_gzip', ', PARQUET_VERSION V2, COMPRESSION gzip'],
  ['small_row_groups', ', ROW_GROUP_SIZE 1000'],
];

let checked = 0;
async function check(name, sql, options) {
  const path = join(dir, `${name}.parquet`);
  await conn.run(`COPY (${sql}) TO '${path}' (FORMAT parquet${options})`);
  const duck = await duckCanonicalRows(path, conn);
  const swell = swellRows(dump, path);
  if (swell.status !== 0) {
    failures.push(`${name}: not read: ${swell.stderr}`);
    return;
  }
  const diff = firstDifference(duck, swell.rows);
  if (diff) failures.push(`${name}: ${diff}`);
  else checked++;
}

try {
  for (const [name, options] of variants) await check(name, tableSql(10000), options);
  await check('zero_rows', tableSql(0), '');
  await check('one_row', tableSql(1), '');
  await check('all_null', 'SELECT NULL::INTEGER AS a, NULL::VARCHAR AS b FROM range(100)', '');

  // Predicate skipping: sorted ids in 20 row groups of 1000.
  const path = join(dir, 'sorted.parquet');
  await conn.run(`COPY (SELECT i AS id, 'v' || i::VARCHAR AS s FROM range(20000) r(i) ORDER BY i)
                  TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
  const cases = [['id>=15500', (id) => id >= 15500], ['id<1200', (id) => id < 1200],
    ['id=7777', (id) => id === 7777], ['id>19999', () => false], ['s=v123', (id) => id === 123]];
  const all = swellRows(dump, path).rows;
  for (const [filter, matches] of cases) {
    const r = swellRows(dump, path, ['--filter', filter, '--counters']);
    if (r.status !== 0) { failures.push(`filter ${filter}: ${r.stderr}`); continue; }
    const counters = Object.fromEntries(r.stderr.split(' ').map((kv) => kv.split('=')));
    const skipped = Number(counters.row_groups_skipped);
    const wanted = all.filter((line) => matches(Number(line.split('\t')[0])));
    const got = new Set(r.rows);
    const lost = wanted.filter((line) => !got.has(line));
    if (lost.length) failures.push(`filter ${filter}: ${lost.length} matching rows lost, e.g. ${lost[0]}`);
    if (skipped === 0) failures.push(`filter ${filter}: no row group skipped (${r.stderr})`);
    if (r.rows.length >= all.length) failures.push(`filter ${filter}: read every row`);
    if (!lost.length && skipped > 0) checked++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`DuckDB-written files: ${checked} checks passed, ${failures.length} failed`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
