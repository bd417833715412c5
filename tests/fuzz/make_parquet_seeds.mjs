// Writes the small Parquet seeds of parquet_reader_fuzzer with DuckDB: one
// file per codec and column shape the reader handles (the parquet-testing
// reference files under ../shared/data are added by scripts/fuzz.sh when
// present). Run once by hand; the outputs are kept in corpus/.
//
//   node tests/fuzz/make_parquet_seeds.mjs
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus', 'parquet_reader_fuzzer');
const rows = `SELECT i::INTEGER AS i, (i * 1000003)::BIGINT AS big, i / 7.0 AS d, (i % 3 = 0) AS b,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || (i % 4) END AS s, '日本' || i AS u,
  TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE AS ts FROM range(40) t(i)`;
const con = await duckConnect();
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
  await duckQuery(`COPY (${rows}) TO '${dir}/${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 16)`, con);
}
await duckQuery(`COPY (SELECT i, [i, i + 1] AS list, {'a': i} AS st FROM range(5) t(i))
  TO '${dir}/nested.parquet' (FORMAT parquet)`, con);
await duckQuery(`COPY (SELECT NULL::VARCHAR AS s, NULL::INTEGER AS i FROM range(3)) TO '${dir}/all_null.parquet' (FORMAT parquet)`, con);
await duckQuery(`COPY (SELECT * FROM range(0) t(i)) TO '${dir}/no_rows.parquet' (FORMAT parquet)`, con);
