// sets/ files: one app's users per (event name, property, value) for one UTC
// day, as portable roaring bitmaps of the app's user numbers
// (docs/formats.md "Sets files"). They answer "how many users did E with
// P = V" by reading a few rows instead of the day's events: a query reads
// the rows of one event name (row-group statistics and the page index skip
// the rest) and unions or intersects bitmaps. Each row also carries the
// DataSketches-compatible theta sketch of its users, for systems that merge
// sketches rather than Swell's user numbers.
//
// Columns, in this order, rows sorted by the first four (bytewise, nulls
// first):
//   event_type   STRING required
//   scope        STRING required  "" (the all-users row), "event", "user"
//   property     STRING required  "" for the all-users row
//   value        STRING           PropertyValue::ToText(); null: marker row
//   users        BYTE_ARRAY       portable roaring bitmap; null: marker row
//   event_count  INT64 required
//   user_count   INT64 required
//   sketch       BYTE_ARRAY       compact theta sketch of the users' items
//                                 (serial version 3, lg_k 12, seed 9001);
//                                 null: marker row. Absent in files of
//                                 sets schema 1 (older lakes).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <roaring/roaring.hh>

#include "event/event.h"
#include "lake/storage.h"
#include "sketch/theta_compact_sketch.h"
#include "util/status.h"

namespace swell::lake {

inline constexpr std::string_view kAllUsersScope = "";
inline constexpr std::string_view kEventScope = "event";
inline constexpr std::string_view kUserScope = "user";

// A key of an event name whose values rarely repeat (ids, prices,
// timestamps) would cost a near-empty bitmap per event, so its values get no
// sets: the rule of the speed layer's HourBuffer, decided on the whole day.
// With V distinct values of the key and N events of the name that day, the
// key gets a marker row instead when V > kMaxValueSets, or when
// V > kMinValueSets and V * kMinEventsPerValue > N.
inline constexpr size_t kMinValueSets = 16;
inline constexpr size_t kMinEventsPerValue = 2;
inline constexpr size_t kMaxValueSets = 1024;

// Rows per row group: small enough that finding one event name's rows reads
// little besides them.
inline constexpr int64_t kSetsRowGroupRows = 64 * 1024;

// The theta sketch of each row (docs/formats.md "Sets files"): k = 2^12
// hashes at most, DataSketches' default seed.
inline constexpr uint8_t kSetsSketchLgK = 12;
inline constexpr uint64_t kSetsSketchSeed = kThetaDefaultSeed;

// The item a user contributes to the sketches: its user id when the event
// has one, else its device id (the identity of Event::UserKey() without the
// "u:"/"d:" prefix), hashed as a DataSketches update(std::string) hashes
// those bytes. 0 when the item is empty (DataSketches ignores it) or its
// hash is 0 (dropped): no hash.
uint64_t SetsSketchItemHash(const Event& e);

// The compact sketch of a set of item hashes (0s ignored, duplicates
// allowed, any order): ordered, exact (theta 1, every distinct hash) up to
// k distinct hashes, else the k smallest with theta the (k+1)-th smallest.
// That is what a DataSketches (or Swell) update sketch of lg_k 12 and seed
// 9001, fed the same items in any order, then trimmed (trim() / Trim())
// and compacted holds; and what a theta union of them holds. `any_item`:
// a non-empty item was offered (else the sketch is empty).
CompactThetaSketch SetsSketchOfHashes(std::vector<uint64_t> hashes, bool any_item);

struct SetsRow {
  std::string event_type;
  std::string scope;     // kAllUsersScope, kEventScope or kUserScope
  std::string property;  // "" in the all-users row
  // nullopt: a marker row, "this key's values are not here: read events/";
  // users is then empty and event_count counts the events carrying the key.
  std::optional<std::string> value;
  Roaring users;
  uint64_t event_count = 0;
  // The theta sketch of the users' items (SetsSketchItemHash). nullopt in
  // marker rows, in rows of files without the column (sets schema 1) and in
  // rows read without SetsReadOptions::sketches.
  std::optional<CompactThetaSketch> sketch;

  bool is_marker() const { return !value.has_value(); }
  // Sketches compare by their serialized bytes.
  bool operator==(const SetsRow& o) const {
    return event_type == o.event_type && scope == o.scope && property == o.property && value == o.value &&
           users == o.users && event_count == o.event_count && sketch.has_value() == o.sketch.has_value() &&
           (!sketch || sketch->Serialize() == o.sketch->Serialize());
  }
};

struct SetsReadOptions {
  // Decode the sketch column (when the file has it). Off, the column is not
  // read at all and every row's sketch is nullopt.
  bool sketches = false;
};

// The file's order: (event_type, scope, property, value), bytewise, a null
// value first.
bool SetsRowLess(const SetsRow& a, const SetsRow& b);

// Builds the rows of one app-day from its events, in SetsRowLess order:
// per event name the all-users row (name, "", "", ""), then per
// (scope, key) the value rows or one marker row; every row but markers with
// its sketch (each distinct user's item hashed once). Event scope is the
// top-level fields, then the event properties (a field wins over an event
// property of the same name; within a list the first occurrence of a key
// wins), user scope the user properties: AppState::AddRow's rule.
// REQUIRES: user_numbers.size() == events.size(); user_numbers[i] is the
// user number of events[i].UserKey() in the app's dictionary.
std::vector<SetsRow> BuildSetsRows(std::span<const Event> events, std::span<const uint32_t> user_numbers);

// Writes rows to local_path as a sets/ Parquet file: zstd, statistics and
// page index, row groups of kSetsRowGroupRows; via "<local_path>.inprogress",
// fsync and rename, so local_path is absent or complete. *size: bytes of the
// file. REQUIRES: rows in SetsRowLess order, scopes known, markers only in
// the event and user scopes, event_count >= users' cardinality, a sketch in
// every row but markers and none in markers, sketches of seed 9001 (all
// checked: InvalidArgument before anything is written).
Status WriteSetsFile(const std::string& local_path, std::span<const SetsRow> rows, uint64_t* size);

// Appends to *rows the rows of the sets/ object at key whose event_type is
// event (every row when event is empty), in file order. Row groups and pages
// that cannot hold event are not decoded. A file that is not a sets/ file
// (schema, metadata) or holds an invalid bitmap or inconsistent counts is
// Corruption naming the key; *rows is then left as it was. Sketches are
// not read (SetsRow::sketch is nullopt).
Status ReadSetsRows(Storage* storage, std::string_view key, std::string_view event, std::vector<SetsRow>* rows);
// As above; with options.sketches, each row's sketch is decoded too (when
// the file has the column; files of sets schema 1 give nullopt), and a
// sketch that does not deserialize (seed 9001), is missing beside a
// bitmap, present in a marker, or holds more hashes than the row has users
// is Corruption.
Status ReadSetsRows(Storage* storage, std::string_view key, std::string_view event, const SetsReadOptions& options,
                    std::vector<SetsRow>* rows);

// The users column's bytes: the portable roaring serialization (the format
// of the Java, Go and C implementations), run-optimized.
std::string EncodeUserSet(const Roaring& users);
// The inverse, checking every structural rule of the format (sorted keys
// and values, run bounds, bitset cardinalities, exact length) before the
// bytes reach CRoaring, which trusts them. Corruption otherwise.
Status DecodeUserSet(std::string_view bytes, Roaring* users);

}  // namespace swell::lake
