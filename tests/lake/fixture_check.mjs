// What the lake's DuckDB checks share: run a fixture binary that writes a
// lake and its expected.json, open DuckDB, and count checks and failures.
//
//   const t = await runFixture('duckdb_x.mjs');  // reads FIXTURE OUTPUT_DIR from argv
//   t.check(ok, 'what');  ...  t.finish();
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';

export async function runFixture(scriptName) {
  const [fixture, outDir] = process.argv.slice(2);
  if (!fixture || !outDir) {
    console.error(`usage: node ${scriptName} FIXTURE_BINARY OUTPUT_DIR`);
    process.exit(2);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  execFileSync(fixture, [outDir], { stdio: 'inherit' });
  const conn = await duckConnect();
  const t = {
    expected: JSON.parse(fs.readFileSync(path.join(outDir, 'expected.json'), 'utf8')),
    lake: path.join(outDir, 'lake'),
    q: (sql) => duckQuery(sql, conn),
    sqlString: (s) => `'${s.replaceAll("'", "''")}'`,
    checks: 0,
    failures: 0,
    check(ok, what) {
      t.checks++;
      if (!ok) {
        t.failures++;
        if (t.failures <= 40) console.error(`FAIL ${what}`);
      }
    },
    finish() {
      console.log(`${t.checks} checks, ${t.failures} failures`);
      process.exit(t.failures === 0 ? 0 : 1);
    },
  };
  return t;
}
