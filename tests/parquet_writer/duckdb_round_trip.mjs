// DuckDB reads every file Swell's Parquet writer produced (via
// parquet_writer_fixture) and must see exactly the values written, in order,
// with the schema, row groups, codecs, key-value metadata and column-chunk
// statistics that this script computes itself from expected.json.
//
// Usage: node duckdb_round_trip.mjs FIXTURE_BINARY OUTPUT_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';

const [fixture, outDir] = process.argv.slice(2);
if (!fixture || !outDir) {
  console.error('usage: node duckdb_round_trip.mjs FIXTURE_BINARY OUTPUT_DIR');
  process.exit(2);
}
fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(fixture, [outDir], { stdio: 'inherit' });
const expected = JSON.parse(fs.readFileSync(path.join(outDir, 'expected.json'), 'utf8'));
const conn = await duckConnect();
const q = (sql) => duckQuery(sql, conn);

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    if (failures <= 40) console.error(`FAIL ${what}`);
  }
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

// ---- how each column type travels: SQL to read it, and JS to compare it.

const DUCKDB_TYPE = {
  BOOLEAN: 'BOOLEAN',
  INT32: 'INTEGER',
  INT64: 'BIGINT',
  DOUBLE: 'DOUBLE',
  STRING: 'VARCHAR',
  BINARY: 'BLOB',
  TIMESTAMP_MILLIS: 'TIMESTAMP WITH TIME ZONE',
  TIMESTAMP_MICROS: 'TIMESTAMP WITH TIME ZONE',
};
const PHYSICAL = {
  BOOLEAN: 'BOOLEAN', INT32: 'INT32', INT64: 'INT64', DOUBLE: 'DOUBLE', STRING: 'BYTE_ARRAY',
  BINARY: 'BYTE_ARRAY', TIMESTAMP_MILLIS: 'INT64', TIMESTAMP_MICROS: 'INT64',
};
const CONVERTED = { STRING: 'UTF8', TIMESTAMP_MILLIS: 'TIMESTAMP_MILLIS', TIMESTAMP_MICROS: 'TIMESTAMP_MICROS' };

function selectExpr(col) {
  const c = `"${col.name}"`;
  switch (col.type) {
    case 'INT64': return `CAST(${c} AS VARCHAR)`;
    case 'BINARY': return `hex(${c})`;
    case 'TIMESTAMP_MILLIS': return `CAST(epoch_ms(${c}) AS VARCHAR)`;
    case 'TIMESTAMP_MICROS': return `CAST(epoch_us(${c}) AS VARCHAR)`;
    default: return c;
  }
}

const sameDouble = (a, b) => (Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b));

function sameValue(type, got, want) {
  if (want === null) return got === null;
  if (got === null) return false;
  if (type === 'DOUBLE') return sameDouble(got, Number(want));
  return got === want;
}

// ---- statistics computed here from the written values.

function utf8Compare(a, b) { return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')); }
function hexCompare(a, b) { return Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')); }

function expectedStats(type, values) {
  let nulls = 0;
  let min = null;
  let max = null;
  let less;
  let conv = (v) => v;
  switch (type) {
    case 'BOOLEAN': less = (a, b) => !a && b; break;
    case 'INT32': less = (a, b) => a < b; break;
    case 'DOUBLE': conv = Number; less = (a, b) => a < b; break;
    case 'STRING': less = (a, b) => utf8Compare(a, b) < 0; break;
    case 'BINARY': less = (a, b) => hexCompare(a, b) < 0; break;
    default: conv = BigInt; less = (a, b) => a < b; break;  // INT64, timestamps
  }
  for (const raw of values) {
    if (raw === null) { nulls++; continue; }
    const v = conv(raw);
    if (type === 'DOUBLE' && Number.isNaN(v)) continue;  // NaN is never a bound
    if (min === null || less(v, min)) min = v;
    if (max === null || less(max, v)) max = v;
  }
  return { nulls, min, max };
}

// DuckDB's rendering of a bound as the same JS type expectedStats uses.
function duckBound(type, row, which) {
  const text = row[`stats_${which}_value`];
  if (text === null) return null;
  switch (type) {
    case 'BOOLEAN': return text === 'true';
    case 'INT32': return Number(text);
    case 'DOUBLE': return Number(text);
    case 'STRING': return text;
    case 'BINARY': return row[`${which}_hex`];
    case 'TIMESTAMP_MILLIS': return row[`${which}_us`] === null ? null : row[`${which}_us`] / 1000n;
    case 'TIMESTAMP_MICROS': return row[`${which}_us`];
    default: return BigInt(text);
  }
}

function sameBound(type, got, want) {
  if (want === null) return got === null;
  if (type === 'DOUBLE') {
    // DuckDB reports an infinite double bound as NULL (as it does for the
    // files it writes itself).
    if (want !== null && !Number.isFinite(want)) return got === null;
    return got === want;  // -0 === 0: either zero is a valid bound
  }
  return got === want;
}

// ---- the checks

for (const file of expected.files) {
  const table = expected.tables[file.table];
  const cols = table.columns;
  const rows = table.values.length === 0 ? 0 : table.values[0].length;
  const p = sqlString(path.join(outDir, file.name));
  const tag = file.name;

  // Values, in file order.
  const selectList = cols.map((c) => `${selectExpr(c)} AS "${c.name}"`).join(', ');
  const got = await q(
    `SELECT ${selectList} FROM read_parquet(${p}, file_row_number = true) ORDER BY file_row_number`);
  check(got.length === rows, `${tag}: ${got.length} rows read, ${rows} written`);
  let valueMismatches = 0;
  for (let r = 0; r < Math.min(rows, got.length); r++) {
    for (let c = 0; c < cols.length; c++) {
      const want = table.values[c][r];
      const have = got[r][cols[c].name];
      if (!sameValue(cols[c].type, have, want)) {
        valueMismatches++;
        if (valueMismatches <= 5) {
          check(false, `${tag}: row ${r} column ${cols[c].name}: DuckDB read ${String(have).slice(0, 80)}, wrote ${String(want).slice(0, 80)}`);
        }
      }
    }
  }
  check(valueMismatches === 0, `${tag}: ${valueMismatches} values differ`);

  // Types DuckDB infers from the schema, and the schema elements.
  const described = await q(`DESCRIBE SELECT * FROM read_parquet(${p})`);
  check(described.length === cols.length, `${tag}: DuckDB sees ${described.length} columns`);
  for (const [i, c] of cols.entries()) {
    check(described[i]?.column_name === c.name, `${tag}: column ${i} named ${described[i]?.column_name}`);
    check(described[i]?.column_type === DUCKDB_TYPE[c.type],
      `${tag}: ${c.name} is ${described[i]?.column_type}, expected ${DUCKDB_TYPE[c.type]}`);
  }
  const schema = await q(`SELECT * FROM parquet_schema(${p})`);
  check(schema.length === cols.length + 1, `${tag}: schema has ${schema.length} elements`);
  check(schema[0]?.num_children === BigInt(cols.length), `${tag}: root has ${schema[0]?.num_children} children`);
  for (const [i, c] of cols.entries()) {
    const e = schema[i + 1] ?? {};
    check(e.name === c.name && e.type === PHYSICAL[c.type], `${tag}: schema ${c.name} is ${e.type}`);
    check(e.repetition_type === (c.nullable ? 'OPTIONAL' : 'REQUIRED'), `${tag}: ${c.name} repetition ${e.repetition_type}`);
    check(e.converted_type === (CONVERTED[c.type] ?? null), `${tag}: ${c.name} converted type ${e.converted_type}`);
    const lt = e.logical_type ?? '';
    if (c.type === 'STRING') check(lt.startsWith('StringType'), `${tag}: ${c.name} logical ${lt}`);
    else if (c.type === 'TIMESTAMP_MILLIS') check(lt.includes('isAdjustedToUTC=1') && lt.includes('MILLIS=MilliSeconds()'), `${tag}: ${c.name} logical ${lt}`);
    else if (c.type === 'TIMESTAMP_MICROS') check(lt.includes('isAdjustedToUTC=1') && lt.includes('MICROS=MicroSeconds()'), `${tag}: ${c.name} logical ${lt}`);
    else check(e.logical_type === null, `${tag}: ${c.name} has logical type ${lt}`);
  }

  // File metadata: created_by, row count, row groups, key-value metadata.
  const [fm] = await q(`SELECT * FROM parquet_file_metadata(${p})`);
  check(fm.created_by === expected.created_by && /^swell version \S+ \(build \S+\)$/.test(fm.created_by),
    `${tag}: created_by ${fm.created_by}`);
  check(fm.num_rows === BigInt(rows), `${tag}: num_rows ${fm.num_rows}`);
  const groups = Math.ceil(rows / file.row_group_rows);
  check(fm.num_row_groups === BigInt(groups), `${tag}: ${fm.num_row_groups} row groups, expected ${groups}`);
  const kv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${p})`);
  check(kv.some((e) => e.k === 'swell.fixture' && e.v === file.key_value), `${tag}: key-value metadata ${JSON.stringify(kv)}`);

  // Column chunks: codec, value counts and statistics per row group.
  const meta = await q(`
    SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, num_values, compression,
           encodings, stats_null_count, stats_min_value, stats_max_value, stats_min, stats_max,
           hex(TRY_CAST(stats_min_value AS BLOB)) AS min_hex, hex(TRY_CAST(stats_max_value AS BLOB)) AS max_hex,
           epoch_us(TRY_CAST(stats_min_value AS TIMESTAMPTZ)) AS min_us,
           epoch_us(TRY_CAST(stats_max_value AS TIMESTAMPTZ)) AS max_us
    FROM parquet_metadata(${p}) ORDER BY row_group_id, column_id`);
  check(meta.length === groups * cols.length, `${tag}: ${meta.length} column chunks`);
  for (const m of meta) {
    const g = Number(m.row_group_id);
    const c = cols[Number(m.column_id)];
    const where = `${tag}: row group ${g} column ${c.name}`;
    const begin = g * file.row_group_rows;
    const end = Math.min(rows, begin + file.row_group_rows);
    const slice = table.values[Number(m.column_id)].slice(begin, end);
    check(m.path_in_schema === c.name, `${where}: path ${m.path_in_schema}`);
    check(m.row_group_num_rows === BigInt(end - begin), `${where}: ${m.row_group_num_rows} rows`);
    check(m.num_values === BigInt(end - begin), `${where}: ${m.num_values} values`);
    check(m.compression === file.codec, `${where}: compression ${m.compression}, expected ${file.codec}`);
    const dictionaryUsed = m.encodings.includes('RLE_DICTIONARY');
    if (!file.dictionary || c.type === 'BOOLEAN') check(!dictionaryUsed, `${where}: encodings ${m.encodings}`);
    const want = expectedStats(c.type, slice);
    check(m.stats_null_count === BigInt(want.nulls), `${where}: null_count ${m.stats_null_count}, expected ${want.nulls}`);
    const gotMin = duckBound(c.type, m, 'min');
    const gotMax = duckBound(c.type, m, 'max');
    check(sameBound(c.type, gotMin, want.min), `${where}: min ${gotMin}, expected ${want.min}`);
    check(sameBound(c.type, gotMax, want.max), `${where}: max ${gotMax}, expected ${want.max}`);
    // Legacy min/max: the same bounds where the signed order is the
    // column's order, absent for byte arrays.
    if (PHYSICAL[c.type] === 'BYTE_ARRAY') {
      check(m.stats_min === null && m.stats_max === null, `${where}: legacy byte-array bounds present`);
    } else {
      check(m.stats_min === m.stats_min_value && m.stats_max === m.stats_max_value,
        `${where}: legacy bounds ${m.stats_min}..${m.stats_max} differ from ${m.stats_min_value}..${m.stats_max_value}`);
    }
  }

  // DuckDB answers filters using the statistics: a filter must not lose rows.
  const numeric = cols.find((c) => c.type === 'INT64' && c.nullable);
  if (numeric && rows > 0) {
    const vals = table.values[cols.indexOf(numeric)].filter((v) => v !== null).map(BigInt);
    const pivot = vals.length ? vals[Math.floor(vals.length / 2)] : 0n;
    const want = vals.filter((v) => v >= pivot).length;
    const [r] = await q(`SELECT count(*) AS n FROM read_parquet(${p}) WHERE "${numeric.name}" >= ${pivot}`);
    check(r.n === BigInt(want), `${tag}: filtered count ${r.n}, expected ${want}`);
  }
}

console.log(`${expected.files.length} files, ${checks} checks, ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
