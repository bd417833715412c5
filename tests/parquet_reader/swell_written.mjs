// Everything Swell's writer produces (the files parquet_writer_fixture
// writes: every type, nulls, dictionary and fallback, every codec, v1 and v2
// pages, one and many row groups, 0 rows) read by Swell's reader with exactly
// the rows DuckDB reads.
//
//   node swell_written.mjs PARQUET_WRITER_FIXTURE PARQUET_DUMP
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect } from '../peers/index.mjs';
import { duckCanonicalRows, swellRows, firstDifference } from './canonical.mjs';

const [fixture, dump] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'swell-pqw-'));
const failures = [];
let checked = 0;
try {
  const w = spawnSync(fixture, [dir], { encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`parquet_writer_fixture failed: ${w.stderr}`);
  const conn = await duckConnect();
  const files = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  if (files.length === 0) failures.push('the fixture wrote no Parquet file');
  for (const file of files) {
    const path = join(dir, file);
    const swell = swellRows(dump, path);
    if (swell.status !== 0) { failures.push(`${file}: not read: ${swell.stderr}`); continue; }
    const diff = firstDifference(await duckCanonicalRows(path, conn), swell.rows);
    if (diff) failures.push(`${file}: ${diff}`);
    else checked++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`Swell-written files: ${checked} read equal to DuckDB, ${failures.length} failed`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
