// DuckDB reads the lake written by lake_events_fixture: all events/ files
// through Hive partitioning, and must see exactly the generated events (each
// column derived here from expected.json, not from Swell's code), in the
// lake's order inside each file, with zstd, row-group statistics and a
// manifest whose sizes, row counts and time ranges match the files; the
// users/ files hold each app's dictionary, and every event's user_number
// names its user there.
//
// Usage: node duckdb_events.mjs FIXTURE_BINARY OUTPUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import { runFixture } from './fixture_check.mjs';

const t = await runFixture('duckdb_events.mjs');
const { expected, lake, q, sqlString } = t;
const check = (ok, what) => t.check(ok, what);

// ---- the mapping, written independently of src/lake/events_schema.cc

const STRING_FIELDS = ['app_version', 'version_name', 'library', 'platform', 'os_name', 'os_version',
  'device_brand', 'device_manufacturer', 'device_model', 'carrier', 'country', 'region', 'city', 'dma',
  'language', 'ip', 'idfa', 'idfv', 'adid', 'android_id', 'android_app_set_id', 'partner_id', 'user_agent',
  'productId', 'revenueType', 'currency', 'receipt', 'receiptSig'];
const DOUBLE_FIELDS = ['price', 'revenue', 'location_lat', 'location_lng'];
const INT_FIELDS = ['quantity', 'event_id'];
const JSON_FIELDS = ['plan', 'ingestion_metadata', 'groups', 'group_properties', 'extra'];
const KNOWN = new Set([...STRING_FIELDS, ...DOUBLE_FIELDS, ...INT_FIELDS, ...JSON_FIELDS]);

// The app's user dictionary: numbers in order of first appearance of the
// user key among the generated events (what the speed layer assigns).
const userKey = (ev) => (ev.user_id ? 'u:' + ev.user_id : 'd:' + ev.device_id);
const dictionaries = new Map();  // app -> Map(user key -> number)
for (const ev of expected.events) {
  if (!dictionaries.has(ev.app_id)) dictionaries.set(ev.app_id, new Map());
  const d = dictionaries.get(ev.app_id);
  if (!d.has(userKey(ev))) d.set(userKey(ev), d.size);
}

// [key, kind, text] -> the JS value JSON.parse gives for it.
function jsValue([, kind, text]) {
  switch (kind) {
    case 'null': return null;
    case 'bool': return text === 'true';
    case 'int': case 'double': return Number(text);
    case 'json': return JSON.parse(text);
    default: return text;
  }
}
const objectOf = (props) => Object.fromEntries(props.map((p) => [p[0], jsValue(p)]));
const find = (props, key) => props.find((p) => p[0] === key);
const isNumeric = (s) => /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s);

function expectedRow(ev) {
  const row = {
    event_type: ev.event_type,
    user_id: ev.user_id || null,
    device_id: ev.device_id || null,
    user_number: dictionaries.get(ev.app_id).get(userKey(ev)),
    insert_id: ev.insert_id || null,
    time: String(ev.time_ms),
    arrival: String(ev.arrival_ms),
    session_id: ev.session_id === -1 ? null : String(ev.session_id),
  };
  for (const f of [...STRING_FIELDS, ...DOUBLE_FIELDS, ...INT_FIELDS, ...JSON_FIELDS]) row[f] = null;
  const others = [];
  for (const p of ev.fields) {
    const [key, kind, text] = p;
    if (!KNOWN.has(key)) { others.push(p); continue; }
    if (STRING_FIELDS.includes(key)) row[key] = kind === 'null' ? null : text;
    else if (DOUBLE_FIELDS.includes(key)) row[key] = kind === 'int' || kind === 'double' ? Number(text) : null;
    else if (INT_FIELDS.includes(key)) row[key] = kind === 'int' ? text : null;
    else row[key] = kind === 'null' ? null : JSON.stringify(jsValue(p));
  }
  row.other_fields = others.length ? JSON.stringify(objectOf(others)) : null;
  row.event_properties = JSON.stringify(objectOf(ev.event_properties));
  row.user_properties = JSON.stringify(objectOf(ev.user_properties));
  for (const c of expected.promoted) {
    const p = find(c.source === 'event' ? ev.event_properties : ev.user_properties, c.key);
    let v = null;
    if (p) {
      const [, kind, text] = p;
      if (c.type === 'bool') v = kind === 'bool' ? text === 'true' : null;
      else if (c.type === 'int64') v = kind === 'int' ? text : null;
      else if (c.type === 'double') v = kind === 'int' || kind === 'double' || (kind === 'string' && isNumeric(text)) ? Number(text) : null;
      else v = kind === 'null' ? null : text;
    }
    row[c.column] = v;
  }
  return row;
}

// What DuckDB returns, in the same shapes: 64-bit integers and timestamps as
// decimal text, JSON columns re-serialised after parsing.
const JSON_COLUMNS = new Set(['other_fields', 'event_properties', 'user_properties', ...JSON_FIELDS]);
function selectList(columns) {
  return columns.map((c) => {
    const n = `"${c.name}"`;
    if (c.name === 'time' || c.name === 'arrival') return `CAST(epoch_ms(${n}) AS VARCHAR) AS ${n}`;
    if (c.type === 'BIGINT') return `CAST(${n} AS VARCHAR) AS ${n}`;
    return n;
  }).join(', ');
}
function normalise(row) {
  const out = { ...row };
  for (const k of Object.keys(out)) {
    if (JSON_COLUMNS.has(k) && out[k] !== null) out[k] = JSON.stringify(JSON.parse(out[k]));
  }
  return out;
}

// The lake's order: event_type, then user key ("d:" device / "u:" user), then
// time, comparing UTF-8 bytes.
const bytes = (s) => Buffer.from(s, 'utf8');
function lakeCompare(a, b) {
  return Buffer.compare(bytes(a.event_type), bytes(b.event_type)) ||
    Buffer.compare(bytes(userKey(a)), bytes(userKey(b))) || (a.time_ms - b.time_ms);
}

// ---- the manifest names exactly the files on disk, with true metadata

const current = fs.readFileSync(path.join(lake, '_manifest', 'CURRENT'), 'utf8');
check(current === 'v00000000000000000001.json\n', `CURRENT is ${JSON.stringify(current)}`);
const manifest = JSON.parse(fs.readFileSync(path.join(lake, '_manifest', current.trim()), 'utf8'));
check(manifest.version === 1 && manifest.covered_lsn === 1500, 'manifest version and covered_lsn');
const onDisk = [];
(function walk(dir, rel) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r);
    else onDisk.push(r);
  }
})(lake, '');
const dataOnDisk = onDisk.filter((k) => k.startsWith('events/') || k.startsWith('users/')).sort();
check(JSON.stringify(dataOnDisk) === JSON.stringify(manifest.files.map((f) => f.key)),
  `manifest files ${manifest.files.length} vs on disk ${dataOnDisk.length}`);
const eventFiles = manifest.files.filter((f) => f.kind === 'events');
const userFiles = manifest.files.filter((f) => f.kind === 'users');

// ---- every file: values in order, codec, statistics

const byPartition = new Map();
for (const ev of expected.events) {
  const k = `${ev.date}\u0000${ev.app_id}`;
  if (!byPartition.has(k)) byPartition.set(k, []);
  byPartition.get(k).push(ev);
}
check(byPartition.size === eventFiles.length, `${byPartition.size} partitions, ${eventFiles.length} files`);

for (const f of eventFiles) {
  const file = sqlString(path.join(lake, f.key));
  const tag = f.key;
  const want = (byPartition.get(`${f.date}\u0000${f.app_id}`) || []).slice().sort(lakeCompare);
  check(fs.statSync(path.join(lake, f.key)).size === f.size, `${tag}: size`);
  check(f.rows === want.length, `${tag}: manifest rows ${f.rows}, generated ${want.length}`);
  const times = want.map((e) => e.time_ms);
  check(f.min_time_ms === Math.min(...times) && f.max_time_ms === Math.max(...times), `${tag}: time range`);

  const columns = (await q(`DESCRIBE SELECT * FROM read_parquet(${file}, hive_partitioning = false)`)).map((r) => ({ name: r.column_name, type: r.column_type }));
  const got = await q(`SELECT ${selectList(columns)} FROM read_parquet(${file}, hive_partitioning = false, file_row_number = true) ORDER BY file_row_number`);
  check(got.length === want.length, `${tag}: ${got.length} rows, want ${want.length}`);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const g = normalise(got[i]);
    const w = expectedRow(want[i]);
    check(columns.length === Object.keys(w).length, `${tag}: ${columns.length} columns, want ${Object.keys(w).length}`);
    check(columns[3].name === 'user_number' && columns[3].type === 'INTEGER', `${tag}: column 3 is ${JSON.stringify(columns[3])}`);
    for (const c of columns) {
      // Object.is: a double must come back bit-exact (and -0 stay -0).
      const ok = typeof w[c.name] === 'number' ? Object.is(g[c.name], w[c.name]) : g[c.name] === w[c.name];
      check(ok, `${tag} row ${i} ${c.name}: got ${JSON.stringify(g[c.name])} want ${JSON.stringify(w[c.name])}`);
    }
  }

  const meta = await q(`SELECT path_in_schema, compression, stats_min_value, stats_max_value, row_group_id
                        FROM parquet_metadata(${file})`);
  check(meta.length > 0 && meta.every((m) => m.compression === 'ZSTD'), `${tag}: every chunk zstd`);
  const rowGroups = new Set(meta.map((m) => Number(m.row_group_id))).size;
  check(rowGroups === Math.ceil(want.length / 97), `${tag}: ${rowGroups} row groups`);
  // Row-group statistics of event_type: the first and last of each group of 97.
  for (const m of meta.filter((m) => m.path_in_schema === 'event_type')) {
    const group = want.slice(Number(m.row_group_id) * 97, Number(m.row_group_id) * 97 + 97);
    check(m.stats_min_value === group[0].event_type && m.stats_max_value === group[group.length - 1].event_type,
      `${tag}: event_type statistics of row group ${m.row_group_id}`);
  }
}

// ---- the whole lake through Hive partitioning

const all = `read_parquet(${sqlString(path.join(lake, 'events', '*', '*', '*.parquet'))}, hive_partitioning = true)`;
const counts = await q(`SELECT CAST(date AS VARCHAR) AS date, app_id, count(*)::INTEGER AS n FROM ${all} GROUP BY ALL ORDER BY ALL`);
const wantCounts = [...byPartition.entries()].map(([k, evs]) => {
  const [date, app] = k.split('\u0000');
  return { date, app_id: app, n: evs.length };
}).sort((a, b) => (a.date + '\u0000' + a.app_id < b.date + '\u0000' + b.app_id ? -1 : 1));
check(counts.length === wantCounts.length, `hive partitions: ${counts.length} vs ${wantCounts.length}`);
const hive = new Map(counts.map((r) => [`${r.date}\u0000${r.app_id}`, r.n]));
for (const w of wantCounts) {
  check(hive.get(`${w.date}\u0000${w.app_id}`) === w.n,
    `hive partition date=${w.date} app_id=${JSON.stringify(w.app_id)}: ${hive.get(`${w.date}\u0000${w.app_id}`)} rows, want ${w.n} (DuckDB saw ${JSON.stringify(counts.map((r) => r.app_id))})`);
}
const total = await q(`SELECT count(*)::INTEGER AS n, count(DISTINCT insert_id)::INTEGER AS ids FROM ${all}`);
check(total[0].n === expected.events.length, `total ${total[0].n}`);

// ---- users/: each app's dictionary, the union of its parts

check(userFiles.length === 2 * dictionaries.size, `${userFiles.length} users files for ${dictionaries.size} apps`);
for (const [app, dict] of dictionaries) {
  const parts = userFiles.filter((f) => f.app_id === app);
  const got = [];
  for (const f of parts) {
    const file = sqlString(path.join(lake, f.key));
    const cols = await q(`DESCRIBE SELECT * FROM read_parquet(${file}, hive_partitioning = false)`);
    check(JSON.stringify(cols.map((c) => [c.column_name, c.column_type])) ===
      JSON.stringify([['user_number', 'INTEGER'], ['user_key', 'VARCHAR']]), `${f.key}: columns ${JSON.stringify(cols)}`);
    const rows = await q(`SELECT user_number, user_key FROM read_parquet(${file}, hive_partitioning = false, file_row_number = true) ORDER BY file_row_number`);
    check(rows.length === f.rows && fs.statSync(path.join(lake, f.key)).size === f.size, `${f.key}: rows and size`);
    for (let i = 1; i < rows.length; i++) check(rows[i].user_number > rows[i - 1].user_number, `${f.key}: sorted at ${i}`);
    got.push(...rows);
  }
  got.sort((a, b) => a.user_number - b.user_number);
  const want = [...dict.entries()].map(([key, n]) => ({ user_number: n, user_key: key }));
  check(JSON.stringify(got) === JSON.stringify(want), `users of ${JSON.stringify(app)}: ${JSON.stringify(got).slice(0, 200)}`);
}
// Every event's user_number names its own user in its app's dictionary.
const users = `read_parquet(${sqlString(path.join(lake, 'users', '*', '*.parquet'))}, hive_partitioning = true)`;
const joined = await q(`SELECT count(*)::INTEGER AS n,
    count(*) FILTER (WHERE u.user_key <> CASE WHEN e.user_id IS NOT NULL THEN 'u:' || e.user_id ELSE 'd:' || e.device_id END)::INTEGER AS wrong
  FROM ${all} e JOIN ${users} u ON e.app_id = u.app_id AND e.user_number = u.user_number`);
check(joined[0].n === expected.events.length && joined[0].wrong === 0,
  `events joined to users: ${joined[0].n} of ${expected.events.length}, ${joined[0].wrong} with another user`);

t.finish();
