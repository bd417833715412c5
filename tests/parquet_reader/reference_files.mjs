// Every file of parquet-testing/data is either read by Swell (parquet_dump)
// with exactly the rows DuckDB reads, or refused with the reason listed in
// expected_refusals.txt. A file that reads but differs, a listed file that
// now reads, or an unlisted refusal fails the test.
//
// Every file of bad_data gives an error, or (where the damage is harmless)
// rows equal to DuckDB's; never a crash.
//
//   node reference_files.mjs PARQUET_DUMP DATA_DIR BAD_DATA_DIR
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { duckConnect } from '../peers/index.mjs';
import { duckCanonicalRows, swellRows, firstDifference } from './canonical.mjs';

const [dump, dataDir, badDir] = process.argv.slice(2);
if (!existsSync(dataDir)) {
  console.log(`SKIP: ${dataDir} is absent (the shared parquet-testing data)`);
  process.exit(77);
}
const here = dirname(fileURLToPath(import.meta.url));
const refusals = new Map();
for (const line of readFileSync(join(here, 'expected_refusals.txt'), 'utf8').split('\n')) {
  if (!line.trim() || line.startsWith('#')) continue;
  const [file, reason] = line.split('\t');
  refusals.set(file, reason);
}

// Files DuckDB cannot read: the truth comes from elsewhere.
// - The deprecated LZ4 codec (Hadoop framing, or raw blocks under its id)
//   holds the same rows as the LZ4_RAW files written from the same data.
const sameRowsAs = {
  'hadoop_lz4_compressed.parquet': 'lz4_raw_compressed.parquet',
  'non_hadoop_lz4_compressed.parquet': 'lz4_raw_compressed.parquet',
  'hadoop_lz4_compressed_larger.parquet': 'lz4_raw_compressed_larger.parquet',
};
async function referenceRows(file, path, conn) {
  if (sameRowsAs[file]) return duckCanonicalRows(join(dataDir, sameRowsAs[file]), conn);
  if (file === 'byte_stream_split_extended.gzip.parquet') {
    // Pairs of columns, PLAIN then BYTE_STREAM_SPLIT, holding the same values
    // (the README's conformance rule). DuckDB reads the PLAIN ones.
    const plain = ['float16_plain', 'float_plain', 'double_plain', 'int32_plain', 'int64_plain',
      'flba5_plain', 'decimal_plain'];
    const rows = await duckCanonicalRows(path, conn, plain);
    return rows.map((r) => r.split('\t').flatMap((v) => [v, v]).join('\t'));
  }
  if (file === 'int96_from_spark.parquet') {
    // DuckDB wraps the far-future value differently from Spark, which wrote
    // it; int96_from_spark.md gives Spark's microseconds.
    const md = readFileSync(join(dataDir, 'int96_from_spark.md'), 'utf8');
    const line = md.split('\n').find((l) => /^\d+, \d+/.test(l));
    return line.split(',').map((v) => v.trim()).map((v) => (v === 'null' ? 'NULL' : (BigInt(v) * 1000n).toString()));
  }
  return duckCanonicalRows(path, conn);
}

const conn = await duckConnect();
const failures = [];
let read = 0, refused = 0;
for (const file of readdirSync(dataDir).filter((f) => f.endsWith('.parquet')).sort()) {
  const path = join(dataDir, file);
  const swell = swellRows(dump, path);
  if (refusals.has(file)) {
    const reason = refusals.get(file);
    if (swell.status === 0) failures.push(`${file}: expected a refusal (${reason}) but it was read`);
    else if (swell.status !== 1 && swell.status !== 2) failures.push(`${file}: parquet_dump crashed (status ${swell.status}): ${swell.stderr}`);
    else if (!swell.stderr.includes(reason)) failures.push(`${file}: refused with '${swell.stderr}', expected '${reason}'`);
    else refused++;
    continue;
  }
  if (swell.status !== 0) {
    failures.push(`${file}: not read (status ${swell.status}): ${swell.stderr}`);
    continue;
  }
  let duck;
  try {
    duck = await referenceRows(file, path, conn);
  } catch (e) {
    failures.push(`${file}: read by Swell, but DuckDB gives no reference: ${e.message.split('\n')[0]}`);
    continue;
  }
  const diff = firstDifference(duck, swell.rows);
  if (diff) failures.push(`${file}: ${diff}`);
  else read++;
}
let bad = 0;
if (badDir && existsSync(badDir)) {
  for (const file of readdirSync(badDir).filter((f) => f.endsWith('.parquet')).sort()) {
    const path = join(badDir, file);
    const swell = swellRows(dump, path);
    if (swell.status === 1 || swell.status === 2) { bad++; continue; }
    if (swell.status !== 0) { failures.push(`bad_data/${file}: crashed (status ${swell.status}, signal ${swell.signal}): ${swell.stderr}`); continue; }
    let duck;
    try { duck = await duckCanonicalRows(path, conn); } catch (e) {
      failures.push(`bad_data/${file}: read by Swell where DuckDB fails: ${e.message.split('\n')[0]}`);
      continue;
    }
    const diff = firstDifference(duck, swell.rows);
    if (diff) failures.push(`bad_data/${file}: read, but ${diff}`);
    else bad++;
  }
}
for (const f of refusals.keys()) {
  if (!existsSync(join(dataDir, f))) failures.push(`${f}: listed in expected_refusals.txt but absent`);
}
console.log(`reference files: ${read} read equal to DuckDB, ${refused} refused as expected, ${bad} bad_data files handled, ${failures.length} failed`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
