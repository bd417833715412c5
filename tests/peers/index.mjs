// Re-exports the npm peers so test scripts anywhere under tests/ can import
// them: `import { duckdb, amplitude } from '../peers/index.mjs'`.
export * as duckdb from '@duckdb/node-api';
export * as amplitude from '@amplitude/analytics-node';

import { DuckDBInstance } from '@duckdb/node-api';

// Runs sql on a fresh in-memory DuckDB and returns rows as plain objects
// (BigInt values preserved).
export async function duckQuery(sql, connection) {
  let conn = connection;
  if (!conn) {
    const instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  }
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects();
}

export async function duckConnect(path = ':memory:') {
  const instance = await DuckDBInstance.create(path);
  return instance.connect();
}
