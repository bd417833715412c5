// DuckDB reads what lake_sets_raw_fixture wrote for one app-day: the sets/
// Parquet file (schema, zstd, every row's counts and bitmap size as the
// fixture recorded them) and the raw/ NDJSON.zst file (read_json). Then the
// two are checked against each other with DuckDB's own arithmetic: each
// event's all-users row and each value of event property `plan` must count
// exactly the events and distinct users DuckDB counts in the raw events, and
// the `order_id` marker row the events carrying that key. The `sketch`
// column is a BLOB, null exactly where `users` is, and each sketch holds
// exactly the MurmurHash3 (seed 9001, computed here) of the distinct user
// ids, else device ids, DuckDB finds among the row's raw events.
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
  'value:VARCHAR', 'users:BLOB', 'event_count:BIGINT', 'user_count:BIGINT', 'sketch:BLOB']), `sets columns ${columns}`);

const got = await q(`SELECT event_type, scope, property, value, event_count, user_count, octet_length(users) AS ub,
                            octet_length(sketch) AS sb, hex(sketch) AS sh
                     FROM read_parquet(${sets}, hive_partitioning = false, file_row_number = true)
                     ORDER BY file_row_number`);
check(got.length === expected.rows.length, `sets rows: ${got.length}, fixture wrote ${expected.rows.length}`);
for (let i = 0; i < Math.min(got.length, expected.rows.length); i++) {
  const g = got[i];
  const [et, scope, prop, value, events, users, bytes, sketchBytes] = expected.rows[i];
  const ok = g.event_type === et && g.scope === scope && g.property === prop && g.value === value &&
    num(g.event_count) === events && num(g.user_count) === users && num(g.ub ?? 0) === bytes &&
    num(g.sb ?? 0) === sketchBytes && (g.sb === null) === (g.ub === null);
  check(ok, `sets row ${i}: got ${JSON.stringify(g, (k, v) => (typeof v === 'bigint' ? Number(v) : v))}, ` +
    `want ${JSON.stringify(expected.rows[i])}`);
}
const nulls = await q(`SELECT count(*) FILTER (WHERE (sketch IS NULL) <> (users IS NULL))::BIGINT AS bad,
                              count(sketch)::BIGINT AS n FROM read_parquet(${sets})`);
check(num(nulls[0].bad) === 0, `sketch null where users is not, or the reverse: ${nulls[0].bad} rows`);
check(num(nulls[0].n) === expected.rows.filter((r) => r[3] !== null).length, 'a sketch in every non-marker row');
const kv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sets})`);
const meta0 = Object.fromEntries(kv.map((r) => [r.k, r.v]));
check(meta0['swell.sets_schema'] === '2' && meta0['swell.sets_sketch_lg_k'] === '12' &&
  meta0['swell.sets_sketch_seed'] === '9001', `sets metadata ${JSON.stringify(meta0)}`);

// ---- the sketches, read by hand: DataSketches compact sketch, serial version 3

const M64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n, C2 = 0x4cf5ad432745937fn;
const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M64;
const fmix = (k) => {
  k ^= k >> 33n; k = (k * 0xff51afd7ed558ccdn) & M64;
  k ^= k >> 33n; k = (k * 0xc4ceb9fe1a85ec53n) & M64;
  return k ^ (k >> 33n);
};
// MurmurHash3_x64_128, both halves seeded with the full 64-bit seed (as DataSketches does).
function murmur3(bytes, seed) {
  let h1 = seed, h2 = seed;
  const n = bytes.length, nblocks = Math.floor(n / 16);
  const word = (o, len) => { let v = 0n; for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[o + i]); return v; };
  const mix1 = (k) => { k = (k * C1) & M64; k = rotl(k, 31); return (k * C2) & M64; };
  const mix2 = (k) => { k = (k * C2) & M64; k = rotl(k, 33); return (k * C1) & M64; };
  for (let b = 0; b < nblocks; b++) {
    h1 ^= mix1(word(b * 16, 8));
    h1 = rotl(h1, 27); h1 = (h1 + h2) & M64; h1 = (h1 * 5n + 0x52dce729n) & M64;
    h2 ^= mix2(word(b * 16 + 8, 8));
    h2 = rotl(h2, 31); h2 = (h2 + h1) & M64; h2 = (h2 * 5n + 0x38495ab5n) & M64;
  }
  const tail = nblocks * 16, rem = n & 15;
  if (rem > 8) h2 ^= mix2(word(tail + 8, rem - 8));
  if (rem > 0) h1 ^= mix1(word(tail, Math.min(rem, 8)));
  h1 ^= BigInt(n); h2 ^= BigInt(n);
  h1 = (h1 + h2) & M64; h2 = (h2 + h1) & M64;
  h1 = fmix(h1); h2 = fmix(h2);
  h1 = (h1 + h2) & M64;
  return h1;
}
const seedBytes = Buffer.alloc(8);
seedBytes.writeBigUInt64LE(9001n);
check((murmur3(seedBytes, 0n) & 0xffffn) === 0x93ccn, 'MurmurHash3 here: the seed hash of 9001 is 0x93cc');
const thetaHash = (s) => murmur3(Buffer.from(s, 'utf8'), 9001n) >> 1n;

// {theta, hashes} of a serialized compact sketch (hex), or a string saying what is wrong.
function parseSketch(hex) {
  const b = Buffer.from(hex, 'hex');
  const pre = b[0] & 0x3f, flags = b[5];
  if (b[1] !== 3 || b[2] !== 3) return `serial version ${b[1]}, family ${b[2]}`;
  if (flags & 4) return { theta: (1n << 63n) - 1n, hashes: [], seedHash: b.readUInt16LE(6) };
  if (pre === 1 && (flags & 32)) return { theta: (1n << 63n) - 1n, hashes: [b.readBigUInt64LE(8)], seedHash: b.readUInt16LE(6) };
  const count = b.readUInt32LE(8);
  const theta = pre === 3 ? b.readBigUInt64LE(16) : (1n << 63n) - 1n;
  const start = pre * 8;
  if (b.length !== start + 8 * count) return `length ${b.length} for ${count} hashes`;
  const hashes = [];
  for (let i = 0; i < count; i++) hashes.push(b.readBigUInt64LE(start + 8 * i));
  return { theta, hashes, seedHash: b.readUInt16LE(6) };
}
const sketchOf = new Map();  // "event_type|scope|property|value" -> parsed sketch
for (const g of got) {
  if (g.sh === null) continue;
  const p = parseSketch(g.sh);
  check(typeof p === 'object', `sketch of ${g.event_type}/${g.property}=${g.value}: ${p}`);
  if (typeof p !== 'object') continue;
  check(p.seedHash === 0x93cc, `sketch seed hash ${p.seedHash}`);
  // Every row here has far fewer than k = 4096 users, all with distinct items: exact.
  check(p.theta === (1n << 63n) - 1n && p.hashes.length === num(g.user_count),
    `sketch of ${g.event_type}/${g.property}=${g.value}: ${p.hashes.length} hashes, ${num(g.user_count)} users`);
  check(p.hashes.every((h, i) => i === 0 || p.hashes[i - 1] < h), 'sketch hashes ascending');
  sketchOf.set(`${g.event_type}|${g.scope}|${g.property}|${g.value}`, p);
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
// The item of each user: the user id, else the device id.
const sameHashes = (sk, items, what) => {
  const want = [...new Set(items)].map(thetaHash).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  check(sk && sk.hashes.length === want.length && sk.hashes.every((h, i) => h === want[i]),
    `${what}: sketch hashes are not those of the ${want.length} user ids / device ids`);
};
const itemsPerType = await q(`SELECT event_type, to_json(list(DISTINCT coalesce(user_id, device_id)))::VARCHAR AS items
                              FROM ${rawTyped} GROUP BY ALL`);
for (const t of itemsPerType) sameHashes(sketchOf.get(`${t.event_type}|||`), JSON.parse(t.items), `all-users sketch of ${t.event_type}`);
const itemsPerPlan = await q(`SELECT event_type, plan, to_json(list(DISTINCT coalesce(user_id, device_id)))::VARCHAR AS items
                              FROM (SELECT *, json_extract_string(event_properties, '$.plan') AS plan FROM ${rawTyped})
                              WHERE plan IS NOT NULL GROUP BY ALL`);
check(itemsPerPlan.length > 10, 'plan sketches');
for (const p of itemsPerPlan) {
  sameHashes(sketchOf.get(`${p.event_type}|event|plan|${p.plan}`), JSON.parse(p.items), `sketch of plan=${JSON.stringify(p.plan)} of ${p.event_type}`);
}
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
