// DuckDB's reading of a Parquet file in the canonical text parquet_dump
// prints (see src/parquet/tools/value_format.h), and the comparison of the two.
import { spawnSync } from 'node:child_process';
import { duckConnect } from '../peers/index.mjs';

export function formatDouble(x) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return '0e0';
  let [m, e] = x.toExponential().split('e');
  let sign = '';
  if (m[0] === '-') { sign = '-'; m = m.slice(1); }
  let digits = m.replace('.', '');
  let exp = parseInt(e, 10) - (digits.length - 1);
  while (digits.length > 1 && digits.endsWith('0')) { digits = digits.slice(0, -1); exp++; }
  return `${sign}${digits}e${exp}`;
}

export function quote(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

// A SQL expression giving the canonical text of column #i of DuckDB type t,
// or null when the type has no canonical form (nested, interval...).
function canonicalExpr(i, t) {
  const c = `#${i}`;
  if (t === 'BOOLEAN') return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} THEN 'true' ELSE 'false' END`;
  if (/^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))$/.test(t) || t.startsWith('DECIMAL') || t === 'UUID') {
    return `CAST(${c} AS VARCHAR)`;
  }
  if (t === 'DATE') return `CAST(${c} - DATE '1970-01-01' AS VARCHAR)`;
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP WITH TIME ZONE') return `CAST(epoch_us(${c})::HUGEINT * 1000 AS VARCHAR)`;
  if (t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_S') return `CAST(epoch_ms(${c})::HUGEINT * 1000000 AS VARCHAR)`;
  if (t === 'TIMESTAMP_NS') return `CAST(epoch_ns(${c}) AS VARCHAR)`;
  if (t === 'TIME' || t === 'TIME WITH TIME ZONE') {
    return `CAST(datediff('microsecond', TIME '00:00:00', ${c}::TIME)::HUGEINT * 1000 AS VARCHAR)`;
  }
  if (t === 'FLOAT' || t === 'DOUBLE' || t === 'VARCHAR') return c;
  if (t === 'BLOB') return `'x' || hex(${c})`;
  return null;
}

// Rows of the file as DuckDB reads it, canonical text lines (no header);
// only the named top-level columns when `columns` is given. Throws with a
// message when DuckDB cannot read it or a type has no canonical form.
export async function duckCanonicalRows(path, conn, columns) {
  conn = conn ?? (await duckConnect());
  const src = `read_parquet(${sqlString(path)})`;
  let top = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRows();
  if (columns) top = top.filter(([name]) => columns.includes(String(name)));
  // Non-repeated structs become their leaves, as Swell reads them.
  const select = top.map(([name, type], k) => {
    const col = `"${String(name).replace(/"/g, '""')}"`;
    return type.startsWith('STRUCT(') ? `unnest(${col}, recursive := true)` : col;
  });
  const inner = `SELECT ${select.join(', ')} FROM ${src}`;
  const leaves = (await conn.runAndReadAll(`DESCRIBE ${inner}`)).getRows();
  const exprs = leaves.map(([name, type], k) => {
    const e = canonicalExpr(k + 1, String(type));
    if (e === null) throw new Error(`no canonical form for column '${name}' of DuckDB type ${type}`);
    return { expr: e, type: String(type) };
  });
  if (exprs.length === 0) return [];
  const sql = `SELECT ${exprs.map((e) => e.expr).join(', ')} FROM (${inner})`;
  const rows = (await conn.runAndReadAll(sql)).getRows();
  return rows.map((row) => row.map((v, k) => {
    if (v === null || v === undefined) return 'NULL';
    const t = exprs[k].type;
    if (t === 'FLOAT' || t === 'DOUBLE') return formatDouble(Number(v));
    if (t === 'VARCHAR') return quote(String(v));
    return String(v);
  }).join('\t'));
}

// Runs parquet_dump on the file: { status, rows (canonical lines, no header), stderr }.
export function swellRows(dump, path, args = []) {
  const r = spawnSync(dump, [...args, path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = r.status === 0 ? r.stdout.split('\n').slice(1, -1) : [];
  return { status: r.status, signal: r.signal, rows: lines, stderr: (r.stderr || '').trim() };
}

// The first difference between two lists of rows, or null.
export function firstDifference(expected, actual) {
  if (expected.length !== actual.length) {
    return `row count differs: DuckDB ${expected.length}, Swell ${actual.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== actual[i]) return `row ${i} differs:\n  DuckDB ${expected[i]}\n  Swell  ${actual[i]}`;
  }
  return null;
}
