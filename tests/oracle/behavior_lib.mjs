// Shared by the funnel and retention oracles (funnel.mjs, retention.mjs):
// behavioural event generators (realistic sessions and adversarial edge
// cases), request generators, and the expected answers computed in DuckDB
// SQL written from docs/queries.md ("Common ground", "Funnels",
// "Retention") only, not from Swell's code; plus the harness that drives
// seal_oracle_runner and compares every answer at every checkpoint.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckConnect, duckQuery } from '../peers/index.mjs';
import { prng, helpers, ms, toNdjson, readEventsSql, duckSetup, sqlString, dedupKept } from './oracle_lib.mjs';

export { prng, helpers, ms, toNdjson, duckSetup, sqlString };
export const SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN, DAY = 24 * HOUR;
export const DEDUP_WINDOW = 7 * DAY;  // the default dedup window
const iso = (t) => new Date(t).toISOString();

// ---------------------------------------------------------------- events
// An event line of oracle_event_json.h. "@@x@@" numbers are written
// verbatim (3.0 stays a double).
function ev(user, type, time, extra = {}) {
  const e = { user_id: user.user_id, device_id: user.device_id, event_type: type, time };
  if (user.platform !== undefined) e.platform = user.platform;
  if (user.country !== undefined) e.country = user.country;
  Object.assign(e, extra);
  return e;
}

const CATALOG = [
  { item: 'sku-1', category: 'shoes', price: 59.99 }, { item: 'sku-2', category: 'shoes', price: 120 },
  { item: 'sku-3', category: 'hats', price: 19.99 }, { item: 'tée-🎽', category: 'shirts', price: '@@25.0@@' },
  { item: 'sku-5', category: 'bücher', price: 9.5 }, { item: 'sku-6', category: 'bücher', price: 5 },
  { item: '帽子', category: 'hats', price: 0.5 }, { item: 'sku-8', category: 'shoes', price: '@@3.0@@' },
  { item: 'sku-9', category: 'shirts', price: 1234567 }, { item: 'sku-10', category: 'hats', price: '19.99' },
];
const PLATFORMS = ['iOS', 'Android', 'Web'];
const COUNTRIES = ['US', 'DE', 'AU', '日本', 'Côte d\u2019Ivoire'];
const NAMES = ['Zoë', 'ユーザー', '😀', 'e\u0301mile', 'a b', 'O\'Brien'];

// Assigns arrival times (mostly just after the event, some late: offline
// queues, days late), duplicates by insert_id (resends inside the dedup
// window: dropped; after it: accepted again; another payload under an
// accepted insert_id: dropped), sorts by arrival and numbers the lines.
function arrive(rand, events, { dupRate = 0.04, lateRate = 0.06 } = {}) {
  const { pick, chance } = helpers(rand);
  for (const e of events) {
    if (e.arrival !== undefined) continue;
    const r = rand();
    e.arrival = e.time + (r < 1 - lateRate ? Math.floor(rand() * 5000) : r < 1 - lateRate / 3
      ? Math.floor(rand() * 2 * HOUR) : DAY + Math.floor(rand() * 2 * DAY));
  }
  const extra = [];
  const withIds = events.filter((e) => e.insert_id);
  for (let i = 0; i < events.length * dupRate; i++) {
    const orig = pick(withIds);
    const kind = rand();
    if (kind < 0.5) extra.push({ ...orig, arrival: orig.arrival + pick([1, 1000, HOUR, 3 * DAY, DEDUP_WINDOW - 1]) });
    else if (kind < 0.8) extra.push({ ...orig, arrival: orig.arrival + pick([DEDUP_WINDOW, DEDUP_WINDOW + 1, 9 * DAY]) });
    else extra.push({ ...orig, event_type: pick(['purchase', 'view_item', 'cancel']), time: orig.time + pick([0, 1, -1, MIN]),
      arrival: orig.arrival + pick([10, DAY, DEDUP_WINDOW - 1]) });
  }
  const all = events.concat(extra).map((e, i) => ({ e, i }));
  all.sort((a, b) => (a.e.arrival - b.e.arrival) || (a.i - b.i));
  return all.map(({ e }, seq) => ({ ...e, seq }));
}

// Realistic sessions over several weeks across the autumn DST changes of
// Lord Howe (Oct 4), Berlin (Oct 25) and New York (Nov 1): users sign up,
// open the app, browse, search, add to cart, buy, sometimes cancel, churn
// and some come back days later. Identity: user ids (some unicode), some
// device-only users. Platform is the user's but sometimes switches or is
// missing (hold_constant), items are carried through view → cart → buy.
export function realisticEvents(rand, { users = 32, start = '2026-09-26', days = 45 } = {}) {
  const { pick, chance } = helpers(rand);
  const t0 = ms(`${start}T00:00:00Z`);
  const out = [];
  let idn = 0;
  for (let u = 0; u < users; u++) {
    const deviceOnly = chance(0.18);
    const user = {
      user_id: deviceOnly ? pick([null, '']) : (chance(0.12) ? `${pick(NAMES)}-${u}` : `u${String(u).padStart(3, '0')}`),
      device_id: deviceOnly || chance(0.6) ? `dev-${u}-${Math.floor(rand() * 1000)}` : null,
      platform: pick(PLATFORMS), country: pick(COUNTRIES),
    };
    if (chance(0.1)) delete user.platform;
    if (chance(0.1)) delete user.country;
    let plan = pick(['free', 'free', 'pro']);
    const age = pick([18, 25, 33, 47, 61]);
    const emit = (type, time, props) => {
      const e = ev(user, type, time);
      if (chance(0.03)) e.platform = pick(PLATFORMS);  // a switch for this event
      // Logged out for a moment: the device's own user key (no merging yet).
      if (e.device_id && e.user_id && chance(0.04)) e.user_id = pick([null, '']);
      if (props && Object.keys(props).length) e.event_properties = props;
      if (chance(0.85)) e.user_properties = { plan, age };
      if (chance(0.95)) e.insert_id = `r${idn++}`;
      out.push(e);
      return e;
    };
    let day = Math.floor(rand() * (days - 7));
    const hourBase = pick([1, 7, 12, 15, 19, 22]);
    let first = true;
    let active = 0.75;
    while (day < days) {
      if (first || chance(active)) {
        const sessions = 1 + (chance(0.3) ? 1 : 0) + (chance(0.1) ? 1 : 0);
        for (let s = 0; s < sessions; s++) {
          let t = t0 + day * DAY + ((hourBase + Math.floor(rand() * 6) + s * 5) % 24) * HOUR + Math.floor(rand() * HOUR);
          if (chance(0.2)) t -= t % 1000;
          const step = () => { t += chance(0.1) ? 0 : chance(0.5) ? Math.floor(rand() * 20 * SEC) : Math.floor(rand() * 5 * MIN); return t; };
          if (first) { emit('signup', t, { source: pick(['ads', 'organic', 'friend']) }); first = false; }
          emit('app_open', step(), {});
          const cart = [];
          const views = Math.floor(rand() * 6);
          for (let v = 0; v < views; v++) {
            if (chance(0.3)) emit('search', step(), { query: pick(['shoes', 'hat', 'bücher', '帽子', '']) });
            const c = pick(CATALOG);
            emit('view_item', step(), { item: c.item, category: c.category, price: c.price });
            if (chance(0.4)) { emit('add_to_cart', step(), { item: c.item, price: c.price, quantity: pick([1, 1, 2, 3]) }); cart.push(c); }
          }
          if (cart.length && chance(0.45)) {
            const c = pick(cart);
            emit('purchase', step(), { item: c.item, price: c.price, items: cart.length, coupon: chance(0.2) ? 'WELCOME' : undefined });
            if (chance(0.15)) emit('cancel', step(), { item: c.item, reason: pick(['late', 'price', 'wrong size ✂']) });
            if (plan === 'free' && chance(0.3)) plan = 'pro';
          } else if (cart.length && chance(0.2)) {
            emit('cancel', step(), { item: pick(cart).item });
          }
          if (chance(0.15)) emit('share 🎉', step(), { to: pick(['mail', 'chat']) });
        }
        active *= 0.9;
      } else if (active < 0.35 && chance(0.12)) {
        day += 4 + Math.floor(rand() * 10);  // a comeback after days away
        active = 0.6;
        continue;
      }
      day++;
    }
  }
  for (const e of out) if (e.event_properties) for (const k of Object.keys(e.event_properties))
    if (e.event_properties[k] === undefined) delete e.event_properties[k];
  return arrive(rand, out);
}

// Instants around which the adversarial events gather: DST changes of New
// York, Berlin and Lord Howe (both directions), local midnights near them.
export const ANCHORS = [
  '2026-03-08T07:00:00.000Z',  // New York springs forward (02:00 EST → 03:00 EDT)
  '2026-11-01T06:00:00.000Z',  // New York falls back (02:00 EDT → 01:00 EST)
  '2026-03-29T01:00:00.000Z',  // Berlin springs forward
  '2026-10-25T01:00:00.000Z',  // Berlin falls back
  '2026-04-04T15:00:00.000Z',  // Lord Howe: 02:00 +11 → 01:30 +10:30
  '2026-10-03T15:30:00.000Z',  // Lord Howe: 02:00 +10:30 → 02:30 +11
  '2026-11-01T04:00:00.000Z',  // New York local midnight (EDT)
  '2026-10-24T22:00:00.000Z',  // Berlin local midnight (CEST)
  '2026-10-03T13:30:00.000Z',  // Lord Howe local midnight
];
// Windows that requests use and the edge users are built around.
export const EDGE_WINDOWS = [['90s', 90 * SEC], ['30m', 30 * MIN], ['2h', 2 * HOUR], ['1d', DAY], ['7d', 7 * DAY], [3600, HOUR]];
export const FUNNEL_NAMES = ['open', 'view', 'buy', 'cancel', 'search', 'Open', '购买 ✨'];

// Adversarial behaviour: hand-built users for each edge of the funnel and
// retention definitions, placed around DST changes and local midnights,
// plus dense random users whose events crowd the same instants (many in one
// millisecond). Out-of-order arrivals and insert_id repeats throughout.
export function adversarialBehaviorEvents(rand, { noiseUsers = 14, noisePerUser = 60 } = {}) {
  const { pick, chance } = helpers(rand);
  const out = [];
  let idn = 0, un = 0;
  const mkUser = (kind) => {
    un++;
    const r = rand();
    if (kind === 'device' || r < 0.15) return { user_id: pick([null, '']), device_id: `adv-dev-${un}` };
    return { user_id: r < 0.3 ? `${pick(NAMES)}#${un}` : `adv${un}`, device_id: chance(0.5) ? `adv-dev-${un}` : null,
      platform: pick(['iOS', 'Android', '']), country: pick(COUNTRIES) };
  };
  const add = (user, type, time, extra = {}) => {
    const e = ev(user, type, time, extra);
    if (!('insert_id' in extra) && chance(0.8)) e.insert_id = `a${idn++}`;
    out.push(e);
    return e;
  };
  const A = () => ms(pick(ANCHORS)) + pick([0, -1, 1, -30 * MIN, 30 * MIN, -HOUR, HOUR, -DAY, -12 * HOUR, 5 * HOUR]);

  for (let rep = 0; rep < 2; rep++) {
    // The docs' example: users 3, 2, 1 for open → view → buy, window 1d.
    const T = A();
    const a = mkUser(), b = mkUser(), c = mkUser();
    add(a, 'open', T); add(a, 'view', T + 5 * MIN); add(a, 'buy', T + 5 * MIN);
    add(b, 'open', T); add(b, 'view', T + DAY + 1); add(b, 'open', T + 23 * HOUR);
    add(c, 'view', T + MIN); add(c, 'open', T + 2 * MIN);
    // Step pairs in one millisecond, in both orders of arrival; one event
    // matching two steps (open → _all needs two events).
    const d = mkUser(), e = mkUser(), f = mkUser();
    add(d, 'view', T + HOUR); add(d, 'open', T + HOUR); add(d, 'buy', T + HOUR);
    add(e, 'open', T + 2 * HOUR);
    add(f, 'open', T + 3 * HOUR); add(f, 'open', T + 3 * HOUR); add(f, 'open', T + 3 * HOUR + 1);
    // Window edges to the millisecond for every window the requests use:
    // exactly W after entry converts, W + 1 does not.
    for (const [, W] of EDGE_WINDOWS) {
      const g = mkUser(), h = mkUser();
      const Tg = A();
      add(g, 'open', Tg); add(g, 'view', Tg + W); add(g, 'buy', Tg + W);
      add(h, 'open', Tg); add(h, 'view', Tg + W + 1); add(h, 'buy', Tg + W - 1);
      // Entry late in the range, steps after its end (within the window).
      const i = mkUser();
      add(i, 'open', ms('2026-11-01T03:59:59.999Z')); add(i, 'view', ms('2026-11-01T03:59:59.999Z') + W);
    }
    // Repeated steps and many entries: only the last entry converts; the
    // smallest time to convert counts.
    const m = mkUser();
    const Tm = A();
    for (let k = 0; k < 8; k++) add(m, 'open', Tm + k * 20 * MIN);
    add(m, 'view', Tm + 3 * HOUR); add(m, 'view', Tm + 3 * HOUR + 7); add(m, 'open', Tm + 3 * HOUR + 9);
    add(m, 'buy', Tm + 3 * HOUR + 9); add(m, 'buy', Tm + 4 * HOUR);
    // Exact order: something in between breaks, the same millisecond does not.
    const x = mkUser(), y = mkUser();
    const Tx = A();
    add(x, 'open', Tx); add(x, 'search', Tx); add(x, 'view', Tx + 10 * SEC); add(x, 'search', Tx + 10 * SEC); add(x, 'buy', Tx + 20 * SEC);
    add(y, 'open', Tx); add(y, 'search', Tx + 1); add(y, 'view', Tx + 2); add(y, 'buy', Tx + 3);
    // Exclusions at step times (not strictly between: no effect) and 1 ms inside.
    const p = mkUser(), q = mkUser();
    const Tp = A();
    add(p, 'open', Tp); add(p, 'cancel', Tp); add(p, 'view', Tp + MIN); add(p, 'cancel', Tp + MIN); add(p, 'buy', Tp + 2 * MIN);
    add(q, 'open', Tp); add(q, 'cancel', Tp + 1); add(q, 'view', Tp + MIN); add(q, 'buy', Tp + 2 * MIN); add(q, 'cancel', Tp + 2 * MIN - 1);
    // hold_constant: absent all along holds; present then absent does not.
    const r = { user_id: `hc-${un++}`, device_id: null }, s = { user_id: `hc-${un++}`, device_id: null };
    const Tr = A();
    add(r, 'open', Tr, { event_properties: { color: 'red' } }); add(r, 'view', Tr + SEC); add(r, 'buy', Tr + 2 * SEC, { platform: 'iOS' });
    add(s, 'open', Tr, { platform: 'iOS', event_properties: { color: 'red' } }); add(s, 'view', Tr + SEC, { event_properties: { color: 'red' } });
    add(s, 'buy', Tr + 2 * SEC, { platform: 'Android', event_properties: { color: '🔴' } });
    add(s, 'view', Tr + 3 * SEC, { platform: 'iOS' }); add(s, 'buy', Tr + 4 * SEC, { platform: 'iOS' });
    // Any order: later steps first.
    const z = mkUser();
    const Tz = A();
    add(z, 'buy', Tz); add(z, 'view', Tz + SEC); add(z, 'open', Tz + 2 * SEC);
    // Retention: start at 23:59:59.999 local, return at the next local
    // midnight (day 1 calendar, day 0 rolling); across DST days.
    for (const [zone, midnight] of [['America/New_York', '2026-11-01T04:00:00.000Z'], ['Europe/Berlin', '2026-10-24T22:00:00.000Z'],
      ['Australia/Lord_Howe', '2026-10-03T13:30:00.000Z'], ['America/New_York', '2026-03-08T05:00:00.000Z'],
      ['Europe/Berlin', '2026-03-28T23:00:00.000Z'], ['Australia/Lord_Howe', '2026-04-04T13:00:00.000Z']]) {
      const w = mkUser('device');
      const M = ms(midnight);
      add(w, 'signup', M - 1, { event_properties: { zone } }); add(w, 'open', M);
      add(w, 'open', M + 23 * HOUR); add(w, 'open', M + 24 * HOUR); add(w, 'open', M + 25 * HOUR - 1); add(w, 'open', M + 7 * DAY);
      add(w, 'open', M + 14 * DAY - 1);
      const v = mkUser();
      add(v, 'signup', M); add(v, 'signup', M + 2 * DAY); add(v, 'buy', M + 47 * HOUR);
    }
  }
  // A user seen only before the ranges, one far later.
  const old = mkUser();
  add(old, 'open', ms('2019-05-05T05:05:05.005Z'));
  add(old, 'view', ms('2030-01-01T00:00:00.000Z'));

  // Dense random users around the anchors: many events in the same
  // millisecond or second, names and properties at random.
  for (let k = 0; k < noiseUsers; k++) {
    const user = mkUser();
    const base = A();
    let t = base;
    for (let j = 0; j < noisePerUser; j++) {
      t += pick([0, 0, 1, 999, SEC, 30 * SEC, 5 * MIN, 40 * MIN, 3 * HOUR, 11 * HOUR, DAY - 1, DAY + 1, 3 * DAY]);
      if (chance(0.05)) t = base + pick([-1, 0, 1]);
      const extra = {};
      if (chance(0.5)) extra.event_properties = { color: pick(['red', '🔴', 'blue']), price: pick([5, 19.99, '@@3.0@@', '3', -7, 'x', '1e400', '-0', '1e3', '2.5E-1', '007', ' 5', '5.', '+1', 'NaN']) };
      // An event property named like a top-level field (used when the field
      // is absent), nested values (compact JSON text), booleans.
      if (chance(0.15)) extra.event_properties = { ...extra.event_properties, platform: pick(['iOS', 'Web', 'tvOS']) };
      if (chance(0.1)) extra.event_properties = { ...extra.event_properties, tags: pick([['a', 'b'], { k: 1 }, [], true, false]) };
      if (chance(0.3)) extra.platform = pick(['iOS', 'Android', 'Web']);
      if (chance(0.4)) extra.user_properties = { plan: pick(['free', 'pro', '🚀']) };
      add(user, pick(FUNNEL_NAMES.concat(['signup'])), t, extra);
    }
  }
  // Arrivals: in time order mostly; 15% of users' events reversed.
  for (const e of out) e.arrival = e.time + Math.floor(rand() * 3000);
  const byUser = new Map();
  for (const e of out) {
    const k = `${e.user_id}|${e.device_id}`;
    if (!byUser.has(k)) byUser.set(k, []);
    byUser.get(k).push(e);
  }
  for (const list of byUser.values()) {
    if (!chance(0.15)) continue;
    const arrivals = list.map((e) => e.arrival).sort((a, b) => b - a);
    list.sort((a, b) => a.time - b.time).forEach((e, i) => { e.arrival = arrivals[i] + DAY; });
  }
  // Repeats of an insert_id aimed at the definitions: inside the dedup
  // window a repeat is dropped, so it neither breaks an exact-order chain,
  // nor excludes, nor moves a retention start earlier; after the window it
  // is a new event and does all three.
  for (const [k, later] of [[0, 60 * SEC], [1, DEDUP_WINDOW - 1], [2, DEDUP_WINDOW], [3, 9 * DAY]]) {
    const u = { user_id: `dup-${k}`, device_id: null };
    const T = ms('2026-11-01T12:00:00Z') + k * HOUR;
    const first = { ...u, event_type: 'open', time: T, insert_id: `dup-${k}-a`, arrival: T + 100 };
    out.push(first, { ...u, event_type: 'view', time: T + 10 * SEC, arrival: T + 10 * SEC + 100 },
      { ...u, event_type: 'buy', time: T + 20 * SEC, arrival: T + 20 * SEC + 100 });
    out.push({ ...u, event_type: pick(['search', 'cancel']), time: T + 5 * SEC, insert_id: `dup-${k}-a`, arrival: first.arrival + later });
    const S = ms('2026-10-25T12:00:00Z');
    const v = { user_id: `dup-s-${k}`, device_id: null };
    out.push({ ...v, event_type: 'signup', time: S + k * DAY, insert_id: `dup-s-${k}`, arrival: S + k * DAY + 100 },
      { ...v, event_type: 'open', time: S + (k + 1) * DAY, arrival: S + (k + 1) * DAY + 100 },
      { ...v, event_type: 'signup', time: S - 2 * DAY, insert_id: `dup-s-${k}`, arrival: S + k * DAY + 100 + later });
  }
  return arrive(rand, out, { dupRate: 0.06, lateRate: 0 });
}

// Dedup (docs/queries.md "Dedup"): the kept line indexes.
export function dedup(evs) {
  return dedupKept(evs, DEDUP_WINDOW);
}

// Loads the events file into DuckDB as `ev`: the kept lines (seq = line
// number) with the user key.
export async function loadEvents(conn, path, evs) {
  const kept = dedup(evs);
  await duckQuery(`CREATE OR REPLACE TABLE raw AS SELECT * FROM ${readEventsSql(path)}`, conn);
  await duckQuery(`CREATE OR REPLACE TABLE keep AS SELECT unnest([${kept.join(',')}]::BIGINT[]) AS seq`, conn);
  await duckQuery(`CREATE OR REPLACE TABLE ev AS SELECT r.*, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
    FROM raw r WHERE seq IN (SELECT seq FROM keep) AND coalesce(nullif(user_id, ''), device_id) IS NOT NULL`, conn);
  return kept.length;
}

// ---------------------------------------------------------------- SQL pieces
// A property's text (docs "Properties"): a top-level field wins over the
// event property of that name; user_id/device_id (absent when empty),
// event_type; "type": "user" reads the user properties.
export function propSql(p) {
  const ref = typeof p === 'string' ? { property: p } : p;
  const path = sqlString(`$."${ref.property}"`);
  if (ref.type === 'user') return `ptext(user_properties, ${path})`;
  if (ref.property === 'user_id') return `nullif(user_id, '')`;
  if (ref.property === 'device_id') return `nullif(device_id, '')`;
  if (ref.property === 'event_type') return 'event_type';
  if (ref.property === 'platform' || ref.property === 'country')
    return `coalesce(${ref.property}, ptext(event_properties, ${path}))`;
  return `ptext(event_properties, ${path})`;
}
const valueText = (v) => String(v);
const JSON_NUMBER = sqlString('-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?');
// One filter item: a leaf or {"and": [...]} / {"or": [...]}. is / is_not as
// docs "Filters"; the other ops as src/query/filter_request.h states them:
// contains / does_not_contain a substring of the text (absent: no / yes),
// gt/gte/lt/lte the number the text holds (JSON number grammar; absent or
// not a number: no match), set / not_set presence.
export function filterSql(f) {
  if (f.and) return f.and.length ? `(${f.and.map(filterSql).join(' AND ')})` : 'TRUE';
  if (f.or) return f.or.length ? `(${f.or.map(filterSql).join(' OR ')})` : 'FALSE';
  const e = propSql(f);
  const vals = (f.values ?? []).map((v) => sqlString(valueText(v)));
  const any = (fn) => vals.length ? `(${vals.map(fn).join(' OR ')})` : 'FALSE';
  // A number: JSON's grammar and finite ("1e400" is not one).
  const num = `CASE WHEN regexp_full_match(${e}, ${JSON_NUMBER}) AND isfinite(TRY_CAST(${e} AS DOUBLE)) THEN TRY_CAST(${e} AS DOUBLE) END`;
  switch (f.op) {
    case 'is': return vals.length ? `(${e} IS NOT NULL AND ${e} IN (${vals.join(', ')}))` : 'FALSE';
    case 'is_not': return vals.length ? `(${e} IS NULL OR ${e} NOT IN (${vals.join(', ')}))` : 'TRUE';
    case 'contains': return `(${e} IS NOT NULL AND ${any((v) => `contains(${e}, ${v})`)})`;
    case 'does_not_contain': return `(${e} IS NULL OR NOT ${any((v) => `contains(${e}, ${v})`)})`;
    case 'gt': return `coalesce(${num} > ${Number(f.values[0])}, FALSE)`;
    case 'gte': return `coalesce(${num} >= ${Number(f.values[0])}, FALSE)`;
    case 'lt': return `coalesce(${num} < ${Number(f.values[0])}, FALSE)`;
    case 'lte': return `coalesce(${num} <= ${Number(f.values[0])}, FALSE)`;
    case 'set': return `(${e} IS NOT NULL)`;
    case 'not_set': return `(${e} IS NULL)`;
  }
  throw new Error(`unknown op ${f.op}`);
}
// An event matcher {"event", "filters"}: the name ("_all": any) and all filters.
export function matcherSql(m) {
  const conds = [];
  if (m.event !== '_all') conds.push(`event_type = ${sqlString(m.event)}`);
  for (const f of m.filters ?? []) conds.push(filterSql(f));
  return conds.length ? `(${conds.join(' AND ')})` : 'TRUE';
}

// The range of a request as instants [lo, hi) in ms (docs "Time"): a date
// is local midnight of the zone (to: the next day's); a timestamp with Z or
// an offset is an instant, without one a local wall-clock time; a
// timestamp to is inclusive to the millisecond.
export async function rangeMs(conn, from, to, tz = 'UTC') {
  const one = async (text, isTo) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      const local = isTo ? `(DATE ${sqlString(text)} + 1)::TIMESTAMP` : `TIMESTAMP ${sqlString(text)}`;
      return Number((await duckQuery(`SELECT epoch_ms(timezone(${sqlString(tz)}, ${local})) AS t`, conn))[0].t);
    }
    if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) return Date.parse(text) + (isTo ? 1 : 0);
    const local = `TIMESTAMP ${sqlString(text.replace('T', ' '))}`;
    return Number((await duckQuery(`SELECT epoch_ms(timezone(${sqlString(tz)}, ${local})) AS t`, conn))[0].t) + (isTo ? 1 : 0);
  };
  return { lo: await one(from, false), hi: await one(to, true) };
}

// The window in ms: "90s", "30m", "2h", "1d" or a number of seconds.
export function windowMs(w = '1d') {
  if (typeof w === 'number') return w * 1000;
  const m = /^(\d+)([smhd])$/.exec(w);
  return Number(m[1]) * { s: SEC, m: MIN, h: HOUR, d: DAY }[m[2]];
}

// The visible events for a set of prefixes: each kept event once per
// prefix n that holds it (seq < n), so one query answers every checkpoint.
export function prefixedSql(prefixes, table = 'ev') {
  return `(SELECT p.n, e.* FROM ${table} e JOIN (SELECT unnest([${prefixes.join(',')}]::BIGINT[]) AS n) p ON e.seq < p.n)`;
}

// ---------------------------------------------------------------- funnels
// The funnel's base table fb(n, seq, ukey, time, s1..sk step matches,
// x1..xm exclusion matches, h1..hh hold_constant texts, g group text).
async function funnelBase(conn, req, prefixes, table) {
  const cols = ['seq', 'ukey', 'time'];
  req.steps.forEach((s, i) => cols.push(`${matcherSql(s)} AS s${i + 1}`));
  (req.exclusions ?? []).forEach((x, i) => cols.push(`${matcherSql(x)} AS x${i + 1}`));
  (req.hold_constant ?? []).forEach((p, i) => cols.push(`${propSql(p)} AS h${i + 1}`));
  cols.push(req.group_by !== undefined ? `coalesce(${propSql(req.group_by)}, '(none)') AS g` : `'' AS g`);
  // The matches once per event, then each event once per prefix holding it.
  await duckQuery(`CREATE OR REPLACE TEMP TABLE fb0 AS SELECT ${cols.join(', ')} FROM ${table}`, conn);
  await duckQuery(`CREATE OR REPLACE TEMP TABLE fb AS SELECT * FROM ${prefixedSql(prefixes, 'fb0')}`, conn);
}

// Per step k: rows (n, ukey, g, ttc) = each user's smallest time to convert
// over valid chains of length k in group g. Chains are built step by step
// (x1, then x2 joined to the chains of length 1, ...), each level keeping
// the state later steps and checks depend on (x1's time, group and
// hold_constant texts, the time of the last event and the ids of the chain's
// events in that same millisecond — the only ones a later event of order
// this/exact can equal —, the times of exclusion starts); equal states
// merge. Order any keeps every id (any later event may equal any).
async function funnelLevels(conn, req, lo, hi) {
  const k = req.steps.length;
  const W = windowMs(req.window);
  const order = req.order ?? 'this';
  const hc = (req.hold_constant ?? []).map((_, i) => `h${i + 1}`);
  const excl = (req.exclusions ?? []).map((x, i) => ({ m: `x${i + 1}`, i: x.between[0], j: x.between[1] }));
  const anchors = [...new Set(excl.map((x) => x.i))];
  const keep = ['n', 'ukey', 'g', ...hc];
  const levels = [];
  if (order !== 'any') {
    const a = (i) => `a${i}`;
    await duckQuery(`CREATE OR REPLACE TEMP TABLE L1 AS SELECT DISTINCT ${keep.join(', ')}, time AS t1, time AS tl, [seq] AS ids
      ${anchors.map((i) => `, ${i === 1 ? 'time' : 'NULL::BIGINT'} AS ${a(i)}`).join('')}
      FROM fb WHERE s1 AND time >= ${lo} AND time < ${hi}`, conn);
    for (let j = 2; j <= k; j++) {
      const conds = [`e.n = p.n`, `e.ukey = p.ukey`, `e.s${j}`, `e.time >= p.tl`, `e.time <= p.t1 + ${W}`,
        `NOT list_contains(p.ids, e.seq)`, ...hc.map((h) => `e.${h} IS NOT DISTINCT FROM p.${h}`)];
      if (order === 'exact')
        conds.push(`NOT EXISTS (SELECT 1 FROM fb z WHERE z.n = p.n AND z.ukey = p.ukey AND z.time > p.tl AND z.time < e.time)`);
      for (const x of excl.filter((x) => x.j === j))
        conds.push(`NOT EXISTS (SELECT 1 FROM fb z WHERE z.n = p.n AND z.ukey = p.ukey AND z.${x.m} AND z.time > p.${a(x.i)} AND z.time < e.time)`);
      await duckQuery(`CREATE OR REPLACE TEMP TABLE L${j} AS SELECT DISTINCT ${keep.map((c) => `p.${c}`).join(', ')}, p.t1, e.time AS tl,
        CASE WHEN e.time = p.tl THEN list_sort(list_append(p.ids, e.seq)) ELSE [e.seq] END AS ids
        ${anchors.map((i) => `, ${i === j ? 'e.time' : `p.${a(i)}`} AS ${a(i)}`).join('')}
        FROM L${j - 1} p JOIN fb e ON ${conds.join(' AND ')}`, conn);
    }
    for (let j = 1; j <= k; j++)
      levels.push(`SELECT n, ukey, g, min(tl - t1) AS ttc FROM L${j} GROUP BY n, ukey, g`);
  } else {
    // Order any: x1 (the step-1 event) in the range, max t − min t ≤ W;
    // the other steps in any time order, before x1 too (even before the
    // range).
    await duckQuery(`CREATE OR REPLACE TEMP TABLE L1 AS SELECT DISTINCT ${keep.join(', ')}, time AS tmin, time AS tmax, [seq] AS ids
      FROM fb WHERE s1 AND time >= ${lo} AND time < ${hi}`, conn);
    for (let j = 2; j <= k; j++) {
      const conds = [`e.n = p.n`, `e.ukey = p.ukey`, `e.s${j}`,
        `greatest(p.tmax, e.time) - least(p.tmin, e.time) <= ${W}`, `NOT list_contains(p.ids, e.seq)`,
        ...hc.map((h) => `e.${h} IS NOT DISTINCT FROM p.${h}`)];
      await duckQuery(`CREATE OR REPLACE TEMP TABLE L${j} AS SELECT DISTINCT ${keep.map((c) => `p.${c}`).join(', ')},
        least(p.tmin, e.time) AS tmin, greatest(p.tmax, e.time) AS tmax, list_sort(list_append(p.ids, e.seq)) AS ids
        FROM L${j - 1} p JOIN fb e ON ${conds.join(' AND ')}`, conn);
    }
    for (let j = 1; j <= k; j++)
      levels.push(`SELECT n, ukey, g, min(tmax - tmin) AS ttc FROM L${j} GROUP BY n, ukey, g`);
  }
  return levels;
}

// The same per-step rows by the definitions read literally: k self-joins
// of distinct events x1..xk (every pair distinct), each condition of
// docs/queries.md "Funnels" as written. Exponential in k: for small data
// (the self-checks prove the level-by-level form against it).
function funnelNaiveLevels(req, lo, hi) {
  const k = req.steps.length;
  const W = windowMs(req.window);
  const order = req.order ?? 'this';
  const hc = (req.hold_constant ?? []).map((_, i) => `h${i + 1}`);
  const excl = (req.exclusions ?? []).map((x, i) => ({ m: `x${i + 1}`, i: x.between[0], j: x.between[1] }));
  const levels = [];
  for (let len = 1; len <= k; len++) {
    const xs = Array.from({ length: len }, (_, i) => `x${i + 1}`);
    const from = xs.map((x) => `fb ${x}`).join(', ');
    const conds = [];
    for (let i = 1; i <= len; i++) {
      conds.push(`x${i}.s${i}`);
      if (i > 1) conds.push(`x${i}.n = x1.n`, `x${i}.ukey = x1.ukey`, ...hc.map((h) => `x${i}.${h} IS NOT DISTINCT FROM x1.${h}`));
      for (let j = i + 1; j <= len; j++) conds.push(`x${i}.seq <> x${j}.seq`);
    }
    let ttc;
    if (order === 'any') {
      const tmin = len === 1 ? 'x1.time' : `least(${xs.map((x) => `${x}.time`).join(', ')})`;
      const tmax = len === 1 ? 'x1.time' : `greatest(${xs.map((x) => `${x}.time`).join(', ')})`;
      conds.push(`x1.time >= ${lo}`, `x1.time < ${hi}`, `${tmax} - ${tmin} <= ${W}`);
      ttc = `${tmax} - ${tmin}`;
    } else {
      conds.push(`x1.time >= ${lo}`, `x1.time < ${hi}`, `x${len}.time <= x1.time + ${W}`);
      for (let i = 1; i < len; i++) {
        conds.push(`x${i}.time <= x${i + 1}.time`);
        if (order === 'exact')
          conds.push(`NOT EXISTS (SELECT 1 FROM fb z WHERE z.n = x1.n AND z.ukey = x1.ukey AND z.time > x${i}.time AND z.time < x${i + 1}.time)`);
      }
      for (const x of excl.filter((x) => x.j <= len))
        conds.push(`NOT EXISTS (SELECT 1 FROM fb z WHERE z.n = x1.n AND z.ukey = x1.ukey AND z.${x.m} AND z.time > x${x.i}.time AND z.time < x${x.j}.time)`);
      ttc = `x${len}.time - x1.time`;
    }
    levels.push(`SELECT x1.n AS n, x1.ukey AS ukey, x1.g AS g, min(${ttc}) AS ttc FROM ${from} WHERE ${conds.join(' AND ')} GROUP BY ALL`);
  }
  return levels;
}

const bytes = (s) => Buffer.from(s ?? '', 'utf8');
function stepsOf(req, perStep) {
  // perStep[j] = {users, median, avg}
  const u1 = perStep[0].users;
  return req.steps.map((s, j) => {
    const u = perStep[j].users;
    return {
      event: s.event, users: u,
      // users / users at step 1, / users at the step before (at step 1
      // the step itself); 0 when the divisor is 0.
      conversion: u1 ? u / u1 : 0,
      conversion_from_previous: j === 0 ? (u1 ? 1 : 0) : (perStep[j - 1].users ? u / perStep[j - 1].users : 0),
      median_ms: j === 0 || u === 0 ? null : perStep[j].median,
      avg_ms: j === 0 || u === 0 ? null : perStep[j].avg,
    };
  });
}

// The expected POST /api/v1/funnel responses for req over the events of ev
// visible at each prefix n: a Map n -> response. naive: the literal k-way
// join (small data only).
export async function expectedFunnels(conn, req, prefixes, { naive = false, table = 'ev' } = {}) {
  const { lo, hi } = await rangeMs(conn, req.from, req.to, req.timezone ?? 'UTC');
  await funnelBase(conn, req, prefixes, table);
  const levels = naive ? funnelNaiveLevels(req, lo, hi) : await funnelLevels(conn, req, lo, hi);
  const overall = [], groups = [];
  for (const sql of levels) {
    overall.push(await duckQuery(`WITH u AS (SELECT n, ukey, min(ttc) AS ttc FROM (${sql}) GROUP BY n, ukey)
      SELECT n, count(*) AS users, median(ttc) AS med, avg(ttc) AS av FROM u GROUP BY n`, conn));
    if (req.group_by !== undefined)
      groups.push(await duckQuery(`SELECT n, g, count(*) AS users, median(ttc) AS med, avg(ttc) AS av FROM (${sql}) GROUP BY n, g`, conn));
  }
  const stat = (r) => r ? { users: Number(r.users), median: r.med === null ? null : Number(r.med), avg: r.av === null ? null : Number(r.av) }
    : { users: 0, median: null, avg: null };
  const out = new Map();
  for (const n of prefixes) {
    const resp = { steps: stepsOf(req, overall.map((rows) => stat(rows.find((r) => Number(r.n) === n)))) };
    if (req.group_by !== undefined) {
      const names = [...new Set(groups[0].filter((r) => Number(r.n) === n).map((r) => r.g))];
      const gs = names.map((g) => ({ group: g,
        steps: stepsOf(req, groups.map((rows) => stat(rows.find((r) => Number(r.n) === n && r.g === g)))) }));
      gs.sort((a, b) => (b.steps[0].users - a.steps[0].users) || Buffer.compare(bytes(a.group), bytes(b.group)));
      resp.groups = gs;
    }
    out.set(n, resp);
  }
  return out;
}

// ---------------------------------------------------------------- retention
const FMT_DAY = '%Y-%m-%d';
// The expected POST /api/v1/retention responses: a Map n -> response.
// asOf: the as_of instant in ms (the request's, or "now" for the caller).
export async function expectedRetentions(conn, req, prefixes, asOfMs, table = 'ev') {
  const tz = sqlString(req.timezone ?? 'UTC');
  const unit = req.interval === 'week' ? 'week' : 'day';
  const mode = req.mode ?? 'n_day';
  const { lo, hi } = await rangeMs(conn, req.from, req.to, req.timezone ?? 'UTC');
  // Columns 1..: [a, b] periods (unbounded: b = ∞) and the last period that
  // decides when the column has ended.
  const cols = mode === 'brackets'
    ? req.brackets.map(([a, b], i) => ({ c: i + 1, a, b, last: b }))
    : Array.from({ length: req.periods ?? 14 }, (_, i) => ({ c: i + 1, a: i + 1, b: mode === 'unbounded' ? 1e9 : i + 1, last: i + 1 }));
  const local = (t) => `timezone(${tz}, epoch_ms(${t})::TIMESTAMPTZ)`;
  const period = req.days === 'rolling'
    ? `(e.time - s.s) // ${unit === 'week' ? 7 * DAY : DAY}`
    : unit === 'day' ? `(CAST(${local('e.time')} AS DATE) - CAST(${local('s.s')} AS DATE))`
      : `(CAST(date_trunc('week', ${local('e.time')}) AS DATE) - CAST(date_trunc('week', ${local('s.s')}) AS DATE)) // 7`;
  await duckQuery(`CREATE OR REPLACE TEMP TABLE rv0 AS SELECT seq, ukey, time, ${matcherSql(req.start)} AS is_start,
    ${matcherSql(req.return)} AS is_return FROM ${table}`, conn);
  await duckQuery(`CREATE OR REPLACE TEMP TABLE rv AS SELECT * FROM ${prefixedSql(prefixes, 'rv0')} WHERE is_start OR is_return`, conn);
  // Each user's start s (first start event in the range) and cohort.
  await duckQuery(`CREATE OR REPLACE TEMP TABLE rs AS SELECT n, ukey, s,
      strftime(date_trunc('${unit}', ${local('s')}), '${FMT_DAY}') AS cohort
    FROM (SELECT n, ukey, min(time) AS s FROM rv WHERE is_start AND time >= ${lo} AND time < ${hi} GROUP BY n, ukey)`, conn);
  await duckQuery(`CREATE OR REPLACE TEMP TABLE rcols AS SELECT * FROM (VALUES ${cols.map((c) => `(${c.c}, ${c.a}, ${c.b}, ${c.last})`).join(', ')}) t(c, a, b, last)`, conn);
  const sizes = await duckQuery(`SELECT n, cohort, count(*) AS users FROM rs GROUP BY ALL`, conn);
  const kept = await duckQuery(`WITH p AS (SELECT s.n, s.ukey, s.cohort, ${period} AS period
      FROM rs s JOIN rv e ON e.n = s.n AND e.ukey = s.ukey AND e.is_return AND e.time >= s.s)
    SELECT p.n, p.cohort, c.c, count(DISTINCT p.ukey) AS retained FROM p JOIN rcols c ON p.period BETWEEN c.a AND c.b
    GROUP BY ALL`, conn);
  // Every cohort from the one holding the range's first instant to the one
  // holding its last; whether each column has ended by as_of: the cohort's
  // local start + (last period + 1) intervals, as an instant, ≤ as_of.
  const cohortRows = await duckQuery(`WITH cs AS (SELECT ts FROM generate_series(date_trunc('${unit}', ${local(lo)}),
      date_trunc('${unit}', ${local(hi - 1)}), INTERVAL 1 ${unit}) AS g(ts))
    SELECT strftime(cs.ts, '${FMT_DAY}') AS cohort, c.c,
      epoch_ms(timezone(${tz}, cs.ts + INTERVAL ${unit === 'week' ? 7 : 1} day * (c.last + 1))) <= ${asOfMs} AS ended
    FROM cs, rcols c ORDER BY cs.ts, c.c`, conn);
  const labels = [...new Set(cohortRows.map((r) => r.cohort))];
  const ended = new Map(cohortRows.map((r) => [`${r.cohort}/${r.c}`, r.ended]));
  const sizeOf = new Map(sizes.map((r) => [`${r.n}/${r.cohort}`, Number(r.users)]));
  const keptOf = new Map(kept.map((r) => [`${r.n}/${r.cohort}/${r.c}`, Number(r.retained)]));
  const out = new Map();
  for (const n of prefixes) {
    const cohorts = labels.map((cohort) => {
      const users = sizeOf.get(`${n}/${cohort}`) ?? 0;
      const retained = [users, ...cols.map((c) => keptOf.get(`${n}/${cohort}/${c.c}`) ?? 0)];
      return { cohort, users, retained };
    });
    const total = cohorts.reduce((a, c) => a + c.users, 0);
    const overall = [{ column: 0, users: total, retained: total, rate: total ? 1 : null }];
    for (const c of cols) {
      let users = 0, ret = 0;
      for (const co of cohorts) if (ended.get(`${co.cohort}/${c.c}`)) { users += co.users; ret += co.retained[c.c]; }
      overall.push({ column: c.c, users, retained: ret, rate: users ? ret / users : null });
    }
    out.set(n, { cohorts, overall });
  }
  return out;
}

// ---------------------------------------------------------------- compare
const close = (a, b) => a === b || (typeof a === 'number' && typeof b === 'number' &&
  Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));

// Compares Swell's funnel response got with DuckDB's want. Returns
// {error} at the first difference, else {numbers, nonzero, nonempty}.
export function compareFunnel(got, want, where) {
  let numbers = 0, nonzero = 0;
  const steps = (a, b, label) => {
    if (!Array.isArray(a) || a.length !== b.length) return `${label}: swell ${JSON.stringify(a)?.slice(0, 300)}, duckdb ${b.length} steps`;
    for (let j = 0; j < b.length; j++) {
      for (const f of ['event', 'users', 'conversion', 'conversion_from_previous', 'median_ms', 'avg_ms']) {
        let x = a[j][f], y = b[j][f];
        const ok = f === 'users' || f === 'event' ? x === y : close(x, y);
        if (!ok) return `${label} step ${j + 1} ${f}: swell ${JSON.stringify(x)}, duckdb ${JSON.stringify(y)}` +
          `\n  swell  ${JSON.stringify(a)}\n  duckdb ${JSON.stringify(b)}`;
        if (f !== 'event') { numbers++; if (y) nonzero++; }
      }
    }
    return null;
  };
  let err = steps(got.steps, want.steps, 'steps');
  if (err) return { error: `${where}\n  ${err}` };
  if (want.groups !== undefined) {
    const a = got.groups ?? [];
    if (!Array.isArray(got.groups) || a.length !== want.groups.length)
      return { error: `${where}\n  groups: swell ${JSON.stringify(a.map((g) => [g.group, g.steps?.[0]?.users]))}` +
        `\n  duckdb ${JSON.stringify(want.groups.map((g) => [g.group, g.steps[0].users]))}` };
    for (let i = 0; i < a.length; i++) {
      if (a[i].group !== want.groups[i].group)
        return { error: `${where}\n  group ${i}: swell ${JSON.stringify(a.map((g) => [g.group, g.steps?.[0]?.users]))}` +
          `\n  duckdb ${JSON.stringify(want.groups.map((g) => [g.group, g.steps[0].users]))}` };
      err = steps(a[i].steps, want.groups[i].steps, `group ${JSON.stringify(want.groups[i].group)}`);
      if (err) return { error: `${where}\n  ${err}` };
    }
  } else if (got.groups !== undefined) {
    return { error: `${where}\n  groups without group_by: ${JSON.stringify(got.groups).slice(0, 200)}` };
  }
  return { numbers, nonzero, nonempty: want.steps[0].users > 0 ? 1 : 0 };
}

export function compareRetention(got, want, where) {
  let numbers = 0, nonzero = 0;
  const a = got.cohorts, b = want.cohorts;
  if (!Array.isArray(a) || a.length !== b.length)
    return { error: `${where}\n  cohorts: swell ${JSON.stringify(a?.map((c) => c.cohort))}, duckdb ${JSON.stringify(b.map((c) => c.cohort))}` };
  for (let i = 0; i < b.length; i++) {
    const x = a[i], y = b[i];
    if (x.cohort !== y.cohort || x.users !== y.users || JSON.stringify(x.retained) !== JSON.stringify(y.retained))
      return { error: `${where}\n  cohort ${i}: swell ${JSON.stringify(x)}\n  duckdb ${JSON.stringify(y)}` };
    numbers += 1 + y.retained.length;
    nonzero += (y.users ? 1 : 0) + y.retained.filter((v) => v).length;
  }
  const c = got.overall, d = want.overall;
  if (!Array.isArray(c) || c.length !== d.length)
    return { error: `${where}\n  overall: swell ${JSON.stringify(c)?.slice(0, 400)}\n  duckdb ${JSON.stringify(d).slice(0, 400)}` };
  for (let i = 0; i < d.length; i++) {
    const x = c[i], y = d[i];
    if (x.column !== y.column || x.users !== y.users || x.retained !== y.retained || !close(x.rate, y.rate))
      return { error: `${where}\n  overall column ${y.column}: swell ${JSON.stringify(x)}, duckdb ${JSON.stringify(y)}` };
    numbers += 3;
    nonzero += (y.users ? 1 : 0) + (y.retained ? 1 : 0) + (y.rate ? 1 : 0);
  }
  return { numbers, nonzero, nonempty: d[0].users > 0 ? 1 : 0 };
}

// ---------------------------------------------------------------- harness
// Starts seal_oracle_runner on events and requests (good then bad) in a
// fresh directory; resolves to {status, stdout, stderr}.
export function startRunner(runner, prefix, evs, requests, seed) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const eventsPath = join(dir, 'events.ndjson');
  writeFileSync(eventsPath, toNdjson(evs));
  writeFileSync(join(dir, 'requests.json'), JSON.stringify(requests));
  let child;
  const done = new Promise((resolve) => {
    child = spawn(runner, [eventsPath, join(dir, 'requests.json'), String(seed), join(dir, 'data')]);
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8') }));
  });
  return { dir, eventsPath, done, kill: () => child.kill() };
}

// Runs one data set through the runner and checks every answer line:
// good requests against expectFn(conn, req, prefixes) -> Map n -> response
// (compared by compareFn), bad requests refused with InvalidArgument naming
// the field. Returns totals or {error}.
export async function checkRun(conn, { name, label, seed, evs, requests, bad, runner, expectFn, compareFn, started }) {
  const all = requests.concat(bad.map((b) => b.req));
  const run = started ?? startRunner(runner, `swell-${name}-oracle-`, evs, all, seed);
  const res = await run.done;
  const keepDir = () => run.dir;
  const totals = { requests: requests.length, checkpoints: 0, answers: 0, nonempty: 0, numbers: 0, nonzero: 0, refused: 0,
    changed: 0, midSeal: 0 };
  if (res.status !== 0) return { error: `runner failed (status ${res.status}):\n${res.stderr.slice(0, 3000)}`, dir: keepDir() };
  writeFileSync(join(run.dir, 'runner.out'), res.stdout);
  const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
  if (!lines.find((l) => l.done)) return { error: 'runner printed no done line', dir: keepDir() };
  const keptCount = await loadEvents(conn, run.eventsPath, evs);
  const answers = lines.filter((l) => l.checkpoint !== undefined && l.names === undefined);
  totals.checkpoints = new Set(lines.filter((l) => l.checkpoint !== undefined).map((l) => l.checkpoint)).size;
  const byRequest = new Map();
  for (const l of answers) {
    if (!byRequest.has(l.request)) byRequest.set(l.request, []);
    byRequest.get(l.request).push(l);
  }
  const names = new Set(answers.map((l) => l.checkpoint));
  for (let i = 0; i < all.length; i++) {
    const seen = new Set((byRequest.get(i) ?? []).map((l) => l.checkpoint));
    if (seen.size !== names.size)
      return { error: `[${label} seed ${seed}] request ${i} answered at ${seen.size} of ${names.size} checkpoints`, dir: keepDir() };
  }
  for (const [i, ls] of [...byRequest.entries()].sort((a, b) => a[0] - b[0])) {
    const req = all[i];
    if (i >= requests.length) {
      const b = bad[i - requests.length];
      for (const l of ls) {
        const fields = [].concat(b.field);
        if (!l.error || !l.error.startsWith('InvalidArgument') || !fields.some((f) => l.error.includes(f)))
          return { error: `[${label} seed ${seed}] checkpoint ${l.checkpoint}: bad request ${i} should be refused naming ${fields.join(' or ')}:` +
            `\n  ${JSON.stringify(req).slice(0, 500)}\n  got ${JSON.stringify(l).slice(0, 500)}`, dir: keepDir() };
        totals.refused++;
      }
      continue;
    }
    const prefixes = [...new Set(ls.map((l) => l.ingested))].sort((a, b) => a - b);
    const want = await expectFn(conn, req, prefixes);
    let last = null;
    for (const l of ls) {
      const where = `[${label} seed ${seed}] checkpoint ${l.checkpoint} (${l.ingested} lines ingested), request ${i}:\n  ${JSON.stringify(req)}`;
      if (!l.ok) return { error: `${where}\n  failed: ${l.error}`, dir: keepDir() };
      const r = compareFn(l.ok, want.get(l.ingested), where);
      if (r.error) return { error: r.error, dir: keepDir() };
      totals.answers++;
      totals.numbers += r.numbers;
      totals.nonzero += r.nonzero;
      totals.nonempty += r.nonempty;
      if (l.checkpoint.endsWith('-during-seal')) totals.midSeal++;
      const text = JSON.stringify(want.get(l.ingested));
      if (last !== null && last !== text) totals.changed++;
      last = text;
    }
  }
  totals.events = evs.length;
  totals.kept = keptCount;
  if (process.env.SWELL_ORACLE_KEEP !== '1') rmSync(run.dir, { recursive: true, force: true });
  return totals;
}

// Asserts a self-check: got deep-equals want (numbers to 1e-9).
export function assertSame(got, want, what) {
  const eq = (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return close(a, b);
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => eq(a[k], b[k]));
  };
  if (!eq(got, want)) throw new Error(`self-check ${what}:\n  oracle ${JSON.stringify(got)}\n  hand   ${JSON.stringify(want)}`);
}

// Builds a DuckDB table ev from JS events (tiny hand-made sets).
let inlineDir = null;
export async function loadInline(conn, evs, name = 'ev') {
  if (!inlineDir) {
    inlineDir = mkdtempSync(join(tmpdir(), 'swell-selfcheck-'));
    process.on('exit', () => rmSync(inlineDir, { recursive: true, force: true }));
  }
  const path = join(inlineDir, 'e.ndjson');
  const lines = evs.map((e, seq) => ({ seq, arrival: e.arrival ?? e.time, ...e }));
  writeFileSync(path, toNdjson(lines));
  const kept = dedup(lines);
  await duckQuery(`CREATE OR REPLACE TABLE ${name} AS SELECT r.*, coalesce('u:' || nullif(user_id, ''), 'd:' || device_id) AS ukey
    FROM ${readEventsSql(path)} r WHERE seq IN (${kept.join(',') || '-1'})`, conn);
  return lines.length;
}

export { duckConnect, duckQuery, iso };

// ---------------------------------------------------------------- requests
export const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'];

// The UTC offset of zone tz at instant t, in ms (from the system's ICU).
function offsetMs(tz, t) {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(new Date(t))
    .find((p) => p.type === 'timeZoneName').value;  // "GMT+10:30", "GMT"
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * MIN) : 0;
}
// The instant of local wall-clock time `local` ("YYYY-MM-DDTHH:MM:SS")
// in tz (not in a DST gap or a repeated hour).
export function localInstant(local, tz) {
  const guess = Date.parse(`${local}Z`);
  let t = guess - offsetMs(tz, guess);
  t = guess - offsetMs(tz, t);
  return t;
}
// An ISO timestamp with the zone's offset for instant t.
export function offsetIso(t, tz) {
  const off = offsetMs(tz, t);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = String(Math.floor(a / HOUR)).padStart(2, '0'), mm = String((a % HOUR) / MIN).padStart(2, '0');
  return new Date(t + off).toISOString().slice(0, 23) + sign + hh + ':' + mm;
}
const dateAdd = (d, days) => new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

const REAL_STEPS = ['app_open', 'view_item', 'add_to_cart', 'purchase', 'search', 'signup', 'cancel', 'share 🎉', '_all'];
const REAL_FUNNELS = [
  ['app_open', 'view_item', 'add_to_cart', 'purchase'], ['signup', 'purchase'], ['view_item', 'add_to_cart', 'purchase'],
  ['_all', 'purchase'], ['view_item', 'view_item', 'view_item'], ['search', 'view_item', 'add_to_cart'],
  ['app_open', '_all', '_all'], ['signup', 'app_open', 'app_open'], ['purchase', 'cancel'], ['app_open'],
  ['add_to_cart', 'add_to_cart', 'purchase', 'app_open'],
];
const REAL_FILTERS = [
  { property: 'platform', op: 'is', values: ['iOS'] },
  { property: 'platform', op: 'is_not', values: ['Web', 'Android'] },
  { property: 'country', op: 'is', values: ['DE', '日本', 'AU'] },
  { property: 'price', op: 'gt', values: [19.99] },
  { property: 'price', op: 'gte', values: [3] },
  { property: 'price', op: 'lt', values: [10] },
  { property: 'price', op: 'lte', values: [25] },
  { property: 'item', op: 'contains', values: ['sku-1', '🎽'] },
  { property: 'category', op: 'does_not_contain', values: ['ü'] },
  { property: 'coupon', op: 'set' },
  { property: 'coupon', op: 'not_set' },
  { property: 'quantity', op: 'is', values: [2, 3] },
  { property: 'plan', type: 'user', op: 'is', values: ['pro'] },
  { property: 'age', type: 'user', op: 'gt', values: [30] },
  { property: 'plan', type: 'user', op: 'is_not', values: ['free'] },
  { property: 'category', op: 'is', values: [] },
  { property: 'item', op: 'is_not', values: [] },
  { or: [{ property: 'platform', op: 'is', values: ['Android'] }, { property: 'price', op: 'gt', values: [100] }] },
  { and: [{ property: 'platform', op: 'set' }, { property: 'country', op: 'is_not', values: ['US'] }] },
  { property: 'event_type', op: 'contains', values: ['_'] },
  { property: 'user_id', op: 'contains', values: ['u00'] },
];
const ADV_FILTERS = [
  { property: 'platform', op: 'is', values: ['iOS', ''] },
  { property: 'platform', op: 'is_not', values: ['iOS'] },
  { property: 'color', op: 'is', values: ['red', '🔴'] },
  { property: 'price', op: 'gt', values: [3] },
  { property: 'price', op: 'lte', values: [3] },
  { property: 'price', op: 'gte', values: ['-0.5'] },
  { property: 'price', op: 'lt', values: [1e300] },
  { property: 'price', op: 'is', values: [3] },
  { property: 'color', op: 'contains', values: ['e'] },
  { property: 'color', op: 'set' },
  { property: 'platform', op: 'not_set' },
  { property: 'plan', type: 'user', op: 'is_not', values: ['free'] },
  { property: 'user_id', op: 'set' },
  { or: [{ property: 'color', op: 'is', values: ['blue'] }, { property: 'platform', op: 'is', values: ['Android'] }] },
  { property: 'tags', op: 'is', values: ['["a","b"]', true] },
  { property: 'tags', op: 'contains', values: ['"k"'] },
  { property: 'platform', op: 'is', values: ['tvOS', 'Web'] },
  { property: 'device_id', op: 'contains', values: ['adv-dev-1'] },
  { property: 'event_type', op: 'is_not', values: ['open', 'view'] },
];
const HOLDS = ['platform', 'country', 'item', { property: 'plan', type: 'user' }, 'color', 'category', 'missing_prop', 'user_id', 'tags'];
const GROUPS = ['platform', 'country', { property: 'plan', type: 'user' }, 'item', 'category', 'color', 'event_type', 'tags',
  'device_id', 'missing_prop', { property: 'age', type: 'user' }];
const WINDOWS = ['90s', '30m', '2h', '1d', '7d', 3600, 1, '366d', 259200, '45m', '36h'];

// A range: dates in the zone, sometimes a local wall-clock timestamp (on
// the hour, away from DST changes), an instant or an offset timestamp.
function randomRange(rand, first, last, tz, maxDays) {
  const { pick, chance } = helpers(rand);
  const span = Math.round((Date.parse(last) - Date.parse(first)) / DAY);
  const a = dateAdd(first, Math.floor(rand() * span));
  const b = dateAdd(a, Math.floor(rand() * maxDays));
  const kind = rand();
  if (kind < 0.7) return { from: a, to: b };
  if (kind < 0.8) return { from: `${a}T12:00:00`, to: `${b}T12:00:00.500` };
  const lo = localInstant(`${a}T09:30:00`, tz), hi = localInstant(`${b}T20:15:00`, tz) + 999;
  if (kind < 0.9) return { from: iso(lo), to: iso(hi) };
  return { from: offsetIso(lo, tz), to: offsetIso(hi, tz) };
}

// Funnel requests over realistic ('realistic') or adversarial events.
export function funnelRequests(rand, kind, count) {
  const { pick, chance } = helpers(rand);
  const out = [];
  const adv = kind === 'adversarial';
  for (let r = 0; r < count; r++) {
    const tz = adv ? pick(ZONES) : pick(['UTC', 'UTC', ...ZONES]);
    let names;
    if (adv) {
      const k = 1 + Math.floor(rand() * 4);
      const base = pick([['open', 'view', 'buy', 'buy'], ['open', '_all', 'view', 'buy'], ['open', 'open', 'open', 'view'],
        ['view', 'open', 'buy', 'cancel'], ['_all', '_all', 'buy', 'open'], ['signup', 'open', 'open', 'buy'], ['open', 'search', 'view', 'buy']]);
      names = base.slice(0, k).map((n) => chance(0.08) ? pick(FUNNEL_NAMES) : n);
    } else {
      names = pick(REAL_FUNNELS).map((n) => chance(0.07) ? pick(REAL_STEPS) : n);
    }
    const order = pick(['this', 'this', 'exact', 'any']);
    const steps = names.map((event) => {
      const s = { event };
      if (chance(adv ? 0.12 : 0.2)) s.filters = [pick(adv ? ADV_FILTERS : REAL_FILTERS)];
      if (chance(0.05)) s.filters = [pick(adv ? ADV_FILTERS : REAL_FILTERS), pick(adv ? ADV_FILTERS : REAL_FILTERS)];
      return s;
    });
    let range;
    if (adv) {
      const anchor = pick(ANCHORS.concat(['2030-01-01T00:00:00Z']));
      const d = new Date(Date.parse(anchor) - Math.floor(rand() * 3) * DAY).toISOString().slice(0, 10);
      range = chance(0.8) ? { from: d, to: dateAdd(d, 1 + Math.floor(rand() * 6)) } : randomRange(rand, d, dateAdd(d, 2), tz, 4);
    } else {
      range = randomRange(rand, '2026-09-26', '2026-11-08', tz, chance(0.3) ? 40 : 10);
    }
    const req = { steps, ...range };
    if (tz !== 'UTC' || chance(0.3)) req.timezone = tz;
    if (adv) req.window = pick(EDGE_WINDOWS)[0];
    else if (chance(0.85)) req.window = pick(WINDOWS);
    // Order any with many free steps multiplies chains: keep its window
    // modest on dense data.
    if (order === 'any' && (adv || names.filter((n) => n === '_all').length > 1) && windowMs(req.window) > DAY) req.window = '2h';
    if (order !== 'this' || chance(0.3)) req.order = order;
    if (order !== 'any' && steps.length >= 2 && chance(0.35)) {
      req.exclusions = [];
      for (let x = 0; x < 1 + Math.floor(rand() * 2); x++) {
        const i = 1 + Math.floor(rand() * (steps.length - 1));
        const j = i + 1 + Math.floor(rand() * (steps.length - i));
        const e = { event: pick(adv ? ['cancel', 'search', '_all', 'open'] : ['cancel', 'search', 'share 🎉', 'app_open']), between: [i, j] };
        if (chance(0.3)) e.filters = [pick(adv ? ADV_FILTERS : REAL_FILTERS)];
        req.exclusions.push(e);
      }
    }
    if (chance(0.3)) req.hold_constant = [...new Set([pick(HOLDS), ...(chance(0.3) ? [pick(HOLDS)] : [])].map((h) => JSON.stringify(h)))].map((h) => JSON.parse(h));
    if (chance(0.35)) req.group_by = pick(GROUPS);
    out.push(req);
  }
  // Fixed shapes: the docs' example over every order, edges of every window.
  if (!adv) {
    for (const order of ['this', 'exact', 'any'])
      out.push({ steps: [{ event: 'app_open' }, { event: 'view_item' }, { event: 'purchase' }], from: '2026-09-26', to: '2026-11-12',
        window: '1d', order, group_by: 'platform' });
    out.push({ steps: [{ event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }], from: '2026-10-01', to: '2026-10-31',
      timezone: 'Europe/Berlin', window: '2h', hold_constant: ['item'], exclusions: [{ event: 'cancel', between: [1, 3] }] });
    // The most steps a funnel may have: sessions of 20 events or more.
    out.push({ steps: Array.from({ length: 20 }, () => ({ event: '_all' })), from: '2026-09-26', to: '2026-11-12', window: '10m' });
    out.push({ steps: [{ event: 'app_open' }, ...Array.from({ length: 18 }, () => ({ event: 'view_item' })), { event: '_all' }],
      from: '2026-09-26', to: '2026-11-12', window: '1d', order: 'exact', group_by: 'country' });
  }
  if (adv) {
    for (const order of ['this', 'exact', 'any'])
      out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-03-06', to: '2026-11-02', window: '1d', order });
    for (const [w] of EDGE_WINDOWS)
      out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-03-01', to: '2026-11-01',
        timezone: 'America/New_York', window: w, group_by: 'platform' });
    out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-01-01', to: '2026-12-31', window: '2h',
      exclusions: [{ event: 'cancel', between: [1, 2] }, { event: 'cancel', between: [2, 3] }] });
    out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-01-01', to: '2026-12-31', window: '2h',
      hold_constant: ['platform', 'color'] });
    out.push({ steps: [{ event: 'open' }, { event: '_all' }], from: '2030-01-02', to: '2030-01-03' });  // empty
    // Repeats of insert_ids in and out of the dedup window (dup-* users).
    out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-11-01', to: '2026-11-01', window: '1m', order: 'exact' });
    out.push({ steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-11-01', to: '2026-11-01', window: '1m',
      exclusions: [{ event: 'search', between: [1, 2] }, { event: 'cancel', between: [1, 3] }] });
    // Years apart: the longest window, every event.
    out.push({ steps: [{ event: '_all' }, { event: '_all' }], from: '2019-01-01', to: '2030-12-31', window: '366d', timezone: 'Asia/Kolkata' });
    out.push({ steps: [{ event: 'open' }, { event: 'view' }], from: '2019-05-05', to: '2019-05-05', window: 31622400 });
  }
  return out;
}

// Funnel requests to refuse, each with the field the message must name.
export function funnelBadRequests() {
  const base = { steps: [{ event: 'open' }, { event: 'view' }, { event: 'buy' }], from: '2026-10-01', to: '2026-10-07' };
  return [
    { req: { ...base, steps: [] }, field: 'steps' },
    { req: { ...base, steps: Array.from({ length: 21 }, () => ({ event: 'open' })) }, field: 'steps' },
    { req: { ...base, window: '0s' }, field: 'window' },
    { req: { ...base, window: '367d' }, field: 'window' },
    { req: { ...base, window: '5w' }, field: 'window' },
    { req: { ...base, order: 'random' }, field: 'order' },
    { req: { ...base, order: 'any', exclusions: [{ event: 'cancel', between: [1, 2] }] }, field: ['exclusions', 'order'] },
    { req: { ...base, exclusions: [{ event: 'cancel', between: [2, 2] }] }, field: 'exclusions[0]' },
    { req: { ...base, exclusions: [{ event: 'cancel', between: [1, 4] }] }, field: 'exclusions[0]' },
    { req: { ...base, hold_constant: ['a', 'b', 'c', 'd'] }, field: 'hold_constant' },
    { req: { ...base, colour: 'red' }, field: 'colour' },
    { req: { ...base, steps: [{ event: 'open' }, { event: 'view', filters: [{ property: 'p', op: 'like', values: ['x'] }] }] }, field: 'steps[1].filters[0]' },
    { req: { ...base, timezone: 'Mars/Base' }, field: 'timezone' },
    { req: { ...base, from: '2026-10-08' }, field: '' },
  ];
}

// Retention requests; asOf kinds: explicit far future, cutting (exactly at
// a column's end, or 1 ms before), past, or absent (only where "now"
// cannot fall near a column's end).
export function retentionRequests(rand, kind, count) {
  const { pick, chance } = helpers(rand);
  const adv = kind === 'adversarial';
  const out = [];
  for (let r = 0; r < count; r++) {
    const tz = pick(adv ? ZONES.concat(['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe']) : ['UTC', ...ZONES]);
    const interval = chance(0.65) ? 'day' : 'week';
    const mode = pick(['n_day', 'n_day', 'unbounded', 'brackets']);
    const days = chance(0.6) ? 'calendar' : 'rolling';
    const m = (event) => {
      const x = { event };
      if (chance(0.2)) x.filters = [pick(adv ? ADV_FILTERS : REAL_FILTERS)];
      return x;
    };
    const req = adv
      ? { start: m(pick(['signup', 'open', '_all', 'buy', 'view'])), return: m(pick(['_all', '_all', 'open', 'buy', 'signup'])) }
      : { start: m(pick(['signup', 'signup', 'app_open', 'purchase', '_all', 'view_item'])), return: m(pick(['_all', '_all', 'app_open', 'purchase', 'view_item', 'signup'])) };
    let range;
    if (adv) {
      const anchor = pick(ANCHORS.concat(['2030-01-01T00:00:00Z']));
      const d = new Date(Date.parse(anchor) - Math.floor(rand() * 4) * DAY).toISOString().slice(0, 10);
      range = chance(0.75) ? { from: d, to: dateAdd(d, Math.floor(rand() * (interval === 'week' ? 20 : 5))) } : randomRange(rand, d, dateAdd(d, 3), tz, 4);
    } else {
      range = randomRange(rand, '2026-09-26', '2026-11-06', tz, interval === 'week' ? 30 : 12);
    }
    Object.assign(req, range);
    if (tz !== 'UTC' || chance(0.3)) req.timezone = tz;
    if (mode !== 'n_day' || chance(0.3)) req.mode = mode;
    if (interval !== 'day' || chance(0.3)) req.interval = interval;
    if (days !== 'calendar' || chance(0.3)) req.days = days;
    let lastPeriod;
    if (mode === 'brackets') {
      const br = [];
      let a = 1 + Math.floor(rand() * 2);
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) {
        const b = a + Math.floor(rand() * (interval === 'week' ? 2 : 5));
        br.push([a, b]);
        a = b + 1 + Math.floor(rand() * 2);
      }
      req.brackets = br;
      lastPeriod = br.at(-1)[1];
    } else {
      const p = chance(0.08) ? pick([1, 400]) : interval === 'week' ? 1 + Math.floor(rand() * 8) : 1 + Math.floor(rand() * 21);
      if (p !== 14 || chance(0.5)) req.periods = p;
      lastPeriod = p;
    }
    // as_of.
    const unitMs = interval === 'week' ? 7 * DAY : DAY;
    const k = rand();
    if (k < 0.2) req.as_of = pick(['2031-01-01T00:00:00Z', '2040-06-01T00:00:00+05:30']);
    else if (k < 0.75) {
      // A local midnight (Monday for weeks) near the range's end plus a few
      // periods: cuts the overall curve; exactly a column's end or 1 ms before.
      const from10 = /^\d{4}-\d{2}-\d{2}/.exec(range.from)[0];
      let d = dateAdd(from10, Math.floor(rand() * (interval === 'week' ? 30 : 8)) + Math.floor(rand() * (lastPeriod + 2)) * (interval === 'week' ? 7 : 1));
      if (interval === 'week') { const wd = (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7; d = dateAdd(d, -wd); }
      const t = localInstant(`${d}T00:00:00`, tz) - (chance(0.3) ? 1 : 0);
      req.as_of = chance(0.5) ? iso(t) : offsetIso(t, tz);
    } else if (k < 0.85) req.as_of = pick(['2026-10-15T12:00:00Z', '2026-03-01T00:00:00Z']);
    else {
      // Absent: "now". Only when every column has long ended (or none can).
      const to10 = /^\d{4}-\d{2}-\d{2}/.exec(range.to)[0];
      const end = Date.parse(`${to10}T00:00:00Z`) + (lastPeriod + 3) * unitMs;
      // (A fixed reference keeps a seed's requests the same on every day:
      // the test runs after 2026-11-24 and before 2029-12.)
      if (!(end < ms('2026-11-22T00:00:00Z') || Date.parse(`${/^\d{4}-\d{2}-\d{2}/.exec(range.from)[0]}T00:00:00Z`) >= ms('2030-01-01T00:00:00Z')))
        req.as_of = '2035-01-01T00:00:00Z';
    }
    out.push(req);
  }
  // The docs' examples: calendar vs rolling around a midnight; cohorts of a
  // whole year by week.
  for (const days of ['calendar', 'rolling'])
    out.push({ start: { event: 'signup' }, return: { event: '_all' }, from: '2026-03-01', to: '2026-11-10', interval: 'week',
      days, periods: 3, as_of: '2026-11-02T00:00:00Z', timezone: 'Europe/Berlin' });
  out.push({ start: { event: 'signup' }, return: { event: '_all' }, from: '2026-10-20', to: '2026-11-05', days: 'rolling',
    mode: 'unbounded', periods: 10, as_of: '2026-11-06T04:00:00Z', timezone: 'America/New_York' });
  out.push({ start: { event: 'signup' }, return: { event: 'open' }, from: '2030-01-01', to: '2030-01-03', as_of: '2031-01-01T00:00:00Z' });
  if (adv) out.push({ start: { event: 'signup' }, return: { event: 'open' }, from: '2026-10-20', to: '2026-10-31', periods: 5, as_of: '2027-01-01T00:00:00Z' });
  // The plainest shapes (UTC calendar days or weeks, whole dates, no
  // filters): the ones pre-aggregated user sets can answer.
  const [f, t] = adv ? ['2026-03-01', '2026-11-05'] : ['2026-09-26', '2026-11-08'];
  const names = adv ? ['signup', 'open', '_all'] : ['signup', 'app_open', 'purchase', '_all'];
  for (const mode of ['n_day', 'unbounded', 'brackets'])
    for (const interval of ['day', 'week']) {
      const req = { start: { event: pick(names) }, return: { event: pick(names) }, from: f, to: t, mode, interval,
        as_of: pick(['2026-10-19T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-01T23:59:59.999Z', '2027-01-01T00:00:00Z']) };
      if (mode === 'brackets') req.brackets = interval === 'day' ? [[1, 1], [2, 6], [7, 13], [14, 30]] : [[1, 1], [2, 3]];
      else req.periods = interval === 'day' ? 21 : 6;
      out.push(req);
    }
  return out;
}

export function retentionBadRequests() {
  const base = { start: { event: 'signup' }, return: { event: '_all' }, from: '2026-10-01', to: '2026-10-14' };
  return [
    { req: { ...base, mode: 'brackets' }, field: ['brackets', 'mode'] },
    { req: { ...base, mode: 'brackets', brackets: [[1, 3], [2, 4]] }, field: 'brackets' },
    { req: { ...base, mode: 'brackets', brackets: [[0, 1]] }, field: 'brackets' },
    { req: { ...base, mode: 'brackets', brackets: [[3, 4], [1, 2]] }, field: 'brackets' },
    { req: { ...base, periods: 0 }, field: 'periods' },
    { req: { ...base, periods: 401 }, field: 'periods' },
    { req: { ...base, interval: 'month' }, field: 'interval' },
    { req: { ...base, days: 'business' }, field: 'days' },
    { req: { ...base, mode: 'sometimes' }, field: 'mode' },
    { req: { ...base, as_of: 'yesterday' }, field: 'as_of' },
    { req: { ...base, return: undefined }, field: 'return' },
    { req: { ...base, return: { event: 'open', filters: [{ property: 'p', op: 'gt', values: ['abc'] }] } }, field: 'return.filters[0]' },
    { req: { ...base, timezone: 'Mars/Base' }, field: 'timezone' },
    { req: { ...base, cohort: 'x' }, field: 'cohort' },
    { req: { ...base, brackets: [[1, 2]] }, field: 'brackets' },
    { req: { ...base, from: '2020-01-01', to: '2026-01-01' }, field: ['to', 'from'] },
    { req: { ...base, start: { event: 'signup', filters: [{ or: [] }] } }, field: 'start.filters[0]' },
  ];
}

// ---------------------------------------------------------------- the oracle frame
// What funnel.mjs and retention.mjs share around their own SQL: the command
// line, DuckDB, and three data sets (realistic, adversarial, a small
// realistic one) whose runner processes start at once, so the runner works
// while the self-checks run. makeRequests(rand, kind, n) draws requests.
export async function startBehaviorOracle(name, makeRequests, badRequests) {
  const runner = process.argv[2];
  const selfOnly = process.argv.includes('--self-check-only');
  const baseSeed = Number(process.argv.find((a, i) => i >= 3 && /^\d+$/.test(a)) ?? process.env.SWELL_ORACLE_SEED ?? 20261125);
  const t0 = Date.now();
  const conn = await duckConnect();
  await duckSetup(conn);
  console.log(`oracle_${name}: seed ${baseSeed} (reproduce: node ${name}.mjs RUNNER ${baseSeed})`);
  const sets = [
    { label: 'realistic', seed: baseSeed, make: (rand) => ({ evs: realisticEvents(rand), requests: makeRequests(rand, 'realistic', 30) }) },
    { label: 'adversarial', seed: baseSeed + 7919, make: (rand) => ({ evs: adversarialBehaviorEvents(rand), requests: makeRequests(rand, 'adversarial', 30) }) },
    { label: 'realistic', seed: baseSeed + 2 * 7919, make: (rand) => ({ evs: realisticEvents(rand, { users: 24, start: '2026-10-10', days: 28 }), requests: makeRequests(rand, 'realistic', 20) }) },
  ];
  const bad = badRequests;
  const runs = selfOnly || !runner ? [] : sets.map((s) => {
    const { evs, requests } = s.make(prng(s.seed));
    const started = startRunner(runner, `swell-${name}-oracle-`, evs, requests.concat(bad.map((b) => b.req)), s.seed);
    return { ...s, evs, requests, started };
  });
  process.on('uncaughtException', (e) => { for (const r of runs) r.started.kill(); console.error(`oracle_${name}: FAIL ${e.stack ?? e}`); process.exit(1); });
  return { name, runner, selfOnly, baseSeed, t0, conn, runs, bad };
}

// After the self-checks: compares every run with DuckDB (expectFn,
// compareFn as checkRun takes them) and exits. A run where no answer changed
// as events arrived, or with fewer than minNonempty of its answers
// non-empty, fails: the data would not have tested anything.
export async function finishBehaviorOracle(o, { expectFn, compareFn, minNonempty }) {
  const { name, runner, selfOnly, baseSeed, t0, conn, runs, bad } = o;
  if (selfOnly) process.exit(0);
  if (!runner) {
    console.error(`usage: node ${name}.mjs RUNNER [base-seed]`);
    process.exit(2);
  }
  const sum = { datasets: 0, requests: 0, checkpoints: 0, answers: 0, nonempty: 0, numbers: 0, nonzero: 0, refused: 0, changed: 0, midSeal: 0 };
  let failed = false;
  for (const r of runs) {
    if (failed) break;
    const t = await checkRun(conn, { name, label: r.label, seed: r.seed, evs: r.evs, requests: r.requests, bad, started: r.started,
      expectFn, compareFn });
    if (t.error) {
      console.error(`oracle_${name}: FAIL (data kept in ${t.dir})\n${t.error}`);
      failed = true;
      break;
    }
    console.log(`  ${r.label} seed ${r.seed}: ${t.events} lines (${t.kept} after dedup), ${t.requests} requests, ${t.checkpoints} checkpoints, ` +
      `${t.answers} answers (${t.nonempty} non-empty), ${t.numbers} numbers (${t.nonzero} non-zero), ${t.refused} refusals`);
    sum.datasets++;
    for (const k of Object.keys(sum)) if (k !== 'datasets') sum[k] += t[k];
  }
  await Promise.all(runs.map((r) => r.started.done));
  if (!failed && sum.changed === 0) { console.error(`oracle_${name}: FAIL no answer changed as events were ingested`); failed = true; }
  if (!failed && sum.nonempty < sum.answers * minNonempty) { console.error(`oracle_${name}: FAIL too few non-empty answers (${sum.nonempty} of ${sum.answers})`); failed = true; }
  console.log(`oracle_${name}: ${failed ? 'FAIL' : 'ok'} seed ${baseSeed} ${JSON.stringify(sum)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(failed ? 1 : 0);
}
