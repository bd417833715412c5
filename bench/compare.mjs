// Loads the benchmark NDJSON into DuckDB (a table, then zstd Parquet sorted
// by event name, user, time), then runs every query of queries.mjs on Swell
// (HTTP, against a running `swell serve`) and on DuckDB (read_parquet, and
// the in-memory table), checks the answers agree point by point, and writes
// the timings to --out.
//
//   node bench/compare.mjs --ndjson FILE --work DIR --from YYYY-MM-DD --to YYYY-MM-DD
//        [--swell http://127.0.0.1:PORT --read-key KEY] [--reps 20] [--out results.json]
//        [--only id,id] [--swell-only]   (--swell-only: time Swell alone, no DuckDB, no checks)
import fs from 'node:fs';
import path from 'node:path';
import { duckdb } from '../tests/peers/index.mjs';
const { DuckDBInstance } = duckdb;
import { QUERIES } from './queries.mjs';
import { compareMaps, httpRequest, msSince, nowNs, parseArgs, summarize, writeJson } from './lib/common.mjs';

const args = parseArgs(process.argv.slice(2), { reps: '20', out: 'compare.json', budget_s: '30' });
const reps = Number(args.reps);
// A slow query stops repeating once it has used its time budget (at least
// 5 repetitions are always run), so that one slow engine cannot stretch the run.
const budgetMs = Number(args.budget_s) * 1000;
const enough = (samples, i) => i >= Math.min(5, reps) && samples.reduce((a, b) => a + b, 0) > budgetMs;
const log = (...a) => console.error('[compare]', ...a);

async function run(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects();
}

function addDays(ymd, n) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function main() {
  const result = { duckdb: {}, queries: [] };
  fs.mkdirSync(args.work, { recursive: true });
  const parquet = path.join(args.work, 'events.parquet');

  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  result.duckdb.version = (await run(conn, 'SELECT version() AS v'))[0].v;
  result.duckdb.threads = Number((await run(conn, "SELECT current_setting('threads') AS v"))[0].v);
  result.duckdb.rss_baseline_kib = process.resourceUsage().maxRSS;  // Node + DuckDB at rest

  const swellOnly = Boolean(args.swell_only);
  // Load: the NDJSON as typed columns, properties flattened, insert_id
  // duplicates dropped (as Swell does at ingest), sorted like the lake.
  let t0 = nowNs();
  if (!swellOnly) {
  await run(conn, `
    CREATE TABLE events AS
    SELECT event_type, user_id, device_id, epoch_ms("time") AS time, insert_id, platform, country, app_version,
           user_properties.plan AS plan, event_properties.item_id AS item_id, event_properties.price AS price
    FROM (SELECT DISTINCT ON (insert_id) * FROM read_ndjson('${args.ndjson}', format = 'newline_delimited',
          columns = {event_type: 'VARCHAR', user_id: 'VARCHAR', device_id: 'VARCHAR', "time": 'BIGINT',
                     insert_id: 'VARCHAR', platform: 'VARCHAR', country: 'VARCHAR', app_version: 'VARCHAR',
                     event_properties: 'STRUCT(item_id VARCHAR, price DOUBLE)',
                     user_properties: 'STRUCT(plan VARCHAR)'}))
    ORDER BY event_type, user_id, device_id, time`);
  result.duckdb.load_s = msSince(t0) / 1000;
  result.duckdb.rows = Number((await run(conn, 'SELECT count(*) AS n FROM events'))[0].n);
  log(`loaded ${result.duckdb.rows} rows in ${result.duckdb.load_s.toFixed(2)} s`);

  t0 = nowNs();
  await run(conn, `COPY (SELECT * FROM events ORDER BY event_type, user_id, device_id, time)
                   TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`);
  result.duckdb.parquet_write_s = msSince(t0) / 1000;
  result.duckdb.parquet_bytes = fs.statSync(parquet).size;
  result.duckdb.rss_after_load_kib = process.resourceUsage().maxRSS;
  log(`wrote ${parquet}: ${result.duckdb.parquet_bytes} bytes in ${result.duckdb.parquet_write_s.toFixed(2)} s`);
  }

  const base = { from: args.from, to: args.to, fromTs: args.from, toTs: addDays(args.to, 1) };
  const sources = { parquet: `read_parquet('${parquet}')`, table: 'events' };
  const only = args.only ? new Set(String(args.only).split(',')) : null;

  for (const q of QUERIES) {
    if (only && !only.has(q.id)) continue;
    const entry = { id: q.id, title: q.title, kind: q.kind, target: q.target, swell: null, duckdb: {}, check: null };
    result.queries.push(entry);
    log(`query ${q.id}`);

    // DuckDB, on the Parquet file and on the table: one warm-up, then reps.
    let duckAnswer = null;
    for (const [name, src] of Object.entries(swellOnly ? {} : sources)) {
      const ctx = { ...base, src };
      const sql = q.duck(ctx);
      try {
        const rows = await run(conn, sql);
        if (name === 'parquet') duckAnswer = q.parseDuck(rows);
        const samples = [];
        for (let i = 0; i < reps && !enough(samples, i); i++) {
          const t = nowNs();
          await run(conn, sql);
          samples.push(msSince(t));
        }
        entry.duckdb[name] = summarize(samples);
      } catch (e) {
        entry.duckdb[name] = { error: String(e.message || e) };
        log(`  duckdb ${name} failed: ${e.message || e}`);
      }
    }
    entry.duckdb.sql = q.duck({ ...base, src: sources.parquet }).replace(/\s+/g, ' ').trim();
    if (duckAnswer) entry.duckdb.answer_points = duckAnswer.size;
    if (duckAnswer && q.summary) entry.duckdb.answer_summary = q.summary(duckAnswer);

    // Swell, over HTTP.
    if (!q.swell) {
      entry.swell = { status: 'not yet implemented' };
    } else if (!args.swell) {
      entry.swell = { status: 'not run (no --swell)' };
    } else {
      const req = q.swell(base);
      const call = () =>
        httpRequest(args.swell + req.path, {
          method: req.method,
          headers: { Authorization: `Bearer ${args.read_key}` },
          body: req.body,
        });
      entry.swell = { request: req };
      try {
        const first = await call();
        if (first.status === 404) {
          entry.swell.status = 'not yet implemented';
          entry.swell.http = `404 ${first.body.slice(0, 200)}`;
        } else if (first.status !== 200) {
          entry.swell.status = 'error';
          entry.swell.http = `${first.status} ${first.body.slice(0, 500)}`;
          log(`  swell: HTTP ${first.status} ${first.body.slice(0, 300)}`);
        } else {
          const samples = [];
          for (let i = 0; i < reps && !enough(samples, i); i++) {
            const r = await call();
            if (r.status !== 200) throw new Error(`HTTP ${r.status} on repetition ${i}: ${r.body.slice(0, 200)}`);
            samples.push(r.ms);
          }
          Object.assign(entry.swell, { status: 'ok', ...summarize(samples), response_bytes: Buffer.byteLength(first.body) });
          const swellAnswer = q.parseSwell(JSON.parse(first.body));
          if (duckAnswer) {
            let cmp;
            if ([...swellAnswer.values()].some((v) => Number.isNaN(v))) {
              // Names only: compare the set of names.
              const a = new Map([...swellAnswer.keys()].map((k) => [k, 1]));
              const b = new Map([...duckAnswer.keys()].map((k) => [k, 1]));
              cmp = { ...compareMaps(a, b), note: 'names only (the answer carries no counts)' };
            } else {
              cmp = compareMaps(swellAnswer, duckAnswer, q.tolerance ?? 0);
            }
            entry.check = cmp;
            if (!cmp.equal) {
              log(`  !!! ANSWERS DISAGREE on ${q.id}: ${cmp.mismatchCount} of ${cmp.points} points differ`);
              for (const m of cmp.mismatches.slice(0, 5)) log(`      ${m.key}: swell ${m.swell}, duckdb ${m.duckdb}`);
            } else {
              log(`  answers agree (${cmp.points} points)`);
            }
          }
        }
      } catch (e) {
        entry.swell.status = 'error';
        entry.swell.error = String(e.message || e);
        log(`  swell failed: ${e.message || e}`);
      }
    }
    const s = entry.swell?.median_ms;
    const d = entry.duckdb.parquet?.median_ms;
    if (s && d) entry.ratio_parquet = s / d;
    const dt = entry.duckdb.table?.median_ms;
    if (s && dt) entry.ratio_table = s / dt;
    log(`  swell ${s?.toFixed?.(2) ?? entry.swell.status} ms; duckdb parquet ${d?.toFixed?.(2) ?? '-'} ms, table ${dt?.toFixed?.(2) ?? '-'} ms`);
  }
  result.duckdb.peak_rss_kib = process.resourceUsage().maxRSS;
  writeJson(args.out, result);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
