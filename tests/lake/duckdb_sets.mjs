// DuckDB reads what lake_sets_raw_fixture wrote for one app-day: the sets/
// Parquet file (schema, zstd, every row's counts and bitmap size as the
// fixture recorded them) and the raw/ NDJSON.zst file (read_json). Then the
// two are checked against each other with DuckDB's own arithmetic: each
// event's all-users row and each value of event property `plan` must count
// exactly the events and distinct users DuckDB counts in the raw events, and
// the `order_id` marker row the events carrying that key.
//
// Usage: node duckdb_sets.mjs FIXTURE_BINARY OUTPUT_DIR
import path from 'node:path';
import { runFixture } from './fixture_check.mjs';

const t = await runFixture('duckdb_sets.mjs');
const { expected, lake, q, sqlString } = t;
const check = (ok, what) => t.check(ok, what);
const num = (v) => (v === null ? null : Number(v));

// ---- the sets file

const sets = sqlString(path.join(lake, expected.sets_key));
const columns = (await q(`DESCRIBE SELECT * FROM read_parquet(${sets}, hive_partitioning = false)`))
  .map((r) => `${r.column_name}:${r.column_type}`);
check(JSON.stringify(columns) === JSON.stringify(['event_type:VARCHAR', 'scope:VARCHAR', 'property:VARCHAR',
  'value:VARCHAR', 'users:BLOB', 'event_count:BIGINT', 'user_count:BIGINT']), `sets columns ${columns}`);

const got = await q(`SELECT event_type, scope, property, value, event_count, user_count, octet_length(users) AS ub
                     FROM read_parquet(${sets}, hive_partitioning = false, file_row_number = true)
                     ORDER BY file_row_number`);
check(got.length === expected.rows.length, `sets rows: ${got.length}, fixture wrote ${expected.rows.length}`);
for (let i = 0; i < Math.min(got.length, expected.rows.length); i++) {
  const g = got[i];
  const [et, scope, prop, value, events, users, bytes] = expected.rows[i];
  const ok = g.event_type === et && g.scope === scope && g.property === prop && g.value === value &&
    num(g.event_count) === events && num(g.user_count) === users && num(g.ub ?? 0) === bytes;
  check(ok, `sets row ${i}: got ${JSON.stringify(g, (k, v) => (typeof v === 'bigint' ? Number(v) : v))}, ` +
    `want ${JSON.stringify(expected.rows[i])}`);
}
const totals = await q(`SELECT count(*)::BIGINT AS n, sum(event_count)::BIGINT AS ev, sum(user_count)::BIGINT AS us,
                               count(*) FILTER (WHERE value IS NULL)::BIGINT AS markers
                        FROM read_parquet(${sets})`);
const sum = (k) => expected.rows.reduce((a, r) => a + r[k], 0);
check(num(totals[0].n) === expected.rows.length, 'sets count(*)');
check(num(totals[0].ev) === sum(4), `sets sum(event_count) ${totals[0].ev} vs ${sum(4)}`);
check(num(totals[0].us) === sum(5), `sets sum(user_count) ${totals[0].us} vs ${sum(5)}`);
check(num(totals[0].markers) === expected.rows.filter((r) => r[3] === null).length, 'marker rows');
check(num(totals[0].markers) > 0, 'the fixture has marker rows');

const meta = await q(`SELECT path_in_schema, compression FROM parquet_metadata(${sets})`);
check(meta.length > 0 && meta.every((m) => m.compression === 'ZSTD'), 'sets: every chunk zstd');
// Rows are in (event_type, scope, property, value) order, nulls first, bytewise.
const bytes = (v) => Buffer.from(v, 'utf8');
const cmpValue = (a, b) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : Buffer.compare(bytes(a), bytes(b)));
let unsorted = 0;
for (let i = 1; i < got.length; i++) {
  const a = got[i - 1], b = got[i];
  const c = Buffer.compare(bytes(a.event_type), bytes(b.event_type)) || Buffer.compare(bytes(a.scope), bytes(b.scope)) ||
    Buffer.compare(bytes(a.property), bytes(b.property)) || cmpValue(a.value, b.value);
  if (c >= 0) unsorted++;
}
check(unsorted === 0, `sets rows out of order: ${unsorted}`);

// ---- the raw file

const raw = sqlString(path.join(lake, expected.raw_key));
const rawCount = await q(`SELECT count(*)::BIGINT AS n, count(DISTINCT insert_id)::BIGINT AS ids
                          FROM read_json(${raw}, format = 'newline_delimited', compression = 'zstd')`);
check(num(rawCount[0].n) === expected.events, `raw rows ${rawCount[0].n}, fixture wrote ${expected.events}`);
check(num(rawCount[0].ids) === expected.events, 'raw insert ids');
const rawTyped = `read_json(${raw}, format = 'newline_delimited', compression = 'zstd',
  columns = {event_type: 'VARCHAR', user_id: 'VARCHAR', device_id: 'VARCHAR', time: 'BIGINT',
             event_properties: 'JSON', user_properties: 'JSON', platform: 'VARCHAR'})`;
const userKey = `CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id ELSE 'd:' || device_id END`;
const perType = await q(`SELECT event_type, count(*)::BIGINT AS n, count(DISTINCT ${userKey})::BIGINT AS u
                         FROM ${rawTyped} GROUP BY ALL`);
check(perType.length === Object.keys(expected.per_type).length, 'raw event names');
const row = (et, scope, prop, value) => expected.rows.find((r) => r[0] === et && r[1] === scope && r[2] === prop && r[3] === value);
for (const t of perType) {
  check(num(t.n) === expected.per_type[t.event_type], `raw count of ${t.event_type}`);
  const all = row(t.event_type, '', '', '');
  check(all && all[4] === num(t.n) && all[5] === num(t.u),
    `all-users row of ${t.event_type}: ${JSON.stringify(all)} vs DuckDB ${t.n} events, ${t.u} users`);
}
const perPlan = await q(`SELECT event_type, plan, count(*)::BIGINT AS n, count(DISTINCT ${userKey})::BIGINT AS u
                         FROM (SELECT *, json_extract_string(event_properties, '$.plan') AS plan FROM ${rawTyped})
                         WHERE plan IS NOT NULL GROUP BY ALL`);
check(perPlan.length > 10, `plan values: ${perPlan.length}`);
for (const p of perPlan) {
  const r = row(p.event_type, 'event', 'plan', p.plan);
  check(r && r[4] === num(p.n) && r[5] === num(p.u),
    `plan=${JSON.stringify(p.plan)} of ${p.event_type}: ${JSON.stringify(r)} vs DuckDB ${p.n} events, ${p.u} users`);
}
check(expected.rows.filter((r) => r[1] === 'event' && r[2] === 'plan').length === perPlan.length, 'no extra plan rows');
const perOrder = await q(`SELECT event_type, count(*)::BIGINT AS n FROM ${rawTyped}
                          WHERE json_exists(event_properties, '$.order_id') GROUP BY ALL`);
for (const o of perOrder) {
  const r = row(o.event_type, 'event', 'order_id', null);
  check(r && r[4] === num(o.n) && r[5] === 0, `order_id marker of ${o.event_type}: ${JSON.stringify(r)} vs ${o.n}`);
}

t.finish();
