// The Parquet schema of the lake's events/ files and the mapping of an Event
// onto it (docs/formats.md "Lake", "Events files"):
//
//   event_type         STRING     required
//   user_id, device_id  STRING   (null when empty)
//   user_number        INT32      required: the user's number in the app's
//                                 user dictionary (users/ files)
//   insert_id          STRING     (null when empty)
//   time, arrival      TIMESTAMP(MILLIS, UTC)   required
//   session_id         INT64      (null when -1, Amplitude's "no session")
//   one column per known Amplitude top-level field: the string fields
//     (platform, os_name, country, app_version, ...) as STRING, price,
//     revenue, location_lat, location_lng as DOUBLE, quantity and event_id as
//     INT64, the object fields (groups, plan, ...) as JSON text STRING
//   other_fields       STRING     JSON object of any other field (normally null)
//   event_properties   STRING     JSON object text ("{}" when none)
//   user_properties    STRING     JSON object text
//   ep_KEY / up_KEY    promoted event / user property KEY, typed
//
// The JSON columns keep every property losslessly (event_file_reader.h reads
// them back); promoted columns are a typed copy of the most used keys so
// engines can filter and aggregate them without parsing JSON. A value that
// does not fit a promoted column's type is null there (and still in the JSON
// column).
//
// JSON values keep their kind: a double is always written with a fraction or
// an exponent (3.0 as "3.0", not "3"), so that a parser tells it from an
// integer; integers are plain decimal; kJson values are inlined verbatim.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "parquet/file_writer.h"
#include "parquet/writer_schema.h"
#include "util/status.h"

namespace swell::lake {

struct PromotedColumn {
  enum class Source { kEventProperty, kUserProperty };
  enum class Type { kBool, kInt64, kDouble, kString };
  Source source = Source::kEventProperty;
  std::string key;
  Type type = Type::kString;

  // "ep_" + key or "up_" + key.
  std::string ColumnName() const;
};

// Fixed columns, then the promoted ones in the given order.
class EventsSchema {
 public:
  // InvalidArgument for an empty key or the same column promoted twice.
  static Status Make(std::vector<PromotedColumn> promoted, EventsSchema* out);

  const parquet::Schema& parquet_schema() const { return schema_; }
  const std::vector<PromotedColumn>& promoted() const { return promoted_; }
  // Positions of the fixed columns (the sort order refers to them; a reader
  // looks columns up by name, so files stay readable if these move).
  static constexpr int kEventTypeColumn = 0;
  static constexpr int kUserIdColumn = 1;
  static constexpr int kDeviceIdColumn = 2;
  static constexpr int kUserNumberColumn = 3;
  static constexpr int kInsertIdColumn = 4;
  static constexpr int kTimeColumn = 5;
  static constexpr int kArrivalColumn = 6;
  static constexpr int kSessionIdColumn = 7;
  static constexpr int kFirstKnownFieldColumn = 8;

  // The row of ev, one value per column. String values point into ev or into
  // *scratch (which must outlive the use of row).
  // REQUIRES: user_number <= kMaxUserNumber (INT32 column).
  void ToRow(const Event& ev, uint32_t user_number, std::deque<std::string>* scratch,
             std::vector<parquet::Value>* row) const;

 private:
  parquet::Schema schema_;
  std::vector<PromotedColumn> promoted_;
};

// Key-value metadata of every events/ file: swell.kind = "events",
// swell.events_schema = kEventsSchemaVersion (2: user_number added).
inline constexpr std::string_view kEventsSchemaVersion = "2";

// The largest user number the lake's INT32 columns hold. Engines read INT32
// as signed, so numbers from 2^31 up are refused rather than shown negative.
inline constexpr uint32_t kMaxUserNumber = 0x7fffffff;

// The top-level Amplitude fields with a column of their own, in column order
// (from kFirstKnownFieldColumn), and how each is stored.
enum class KnownFieldType {
  kString,  // STRING: a string as it is, any other value as its canonical text
  kDouble,  // DOUBLE: numbers only
  kInt64,   // INT64: integers only
  kJson,    // STRING: the value as JSON text
};
struct KnownField {
  std::string_view name;
  KnownFieldType type;
};
std::span<const KnownField> KnownFields();
// The fixed columns' names, in column order (the promoted ones excluded).
std::vector<std::string> FixedColumnNames();

// One value as JSON text, kinds preserved (see the top of this file).
void AppendJsonValue(const PropertyValue& v, std::string* out);

// A properties list as one JSON object text: null, bool, numbers, strings as
// JSON values, kJson values inlined as the JSON they are.
std::string PropertiesToJson(const std::vector<Property>& props);

// The lake's row order: event_type, then Event::UserKey(), then time_ms.
bool EventLess(const Event& a, const Event& b);
void SortEventsForLake(std::vector<Event>* events);

}  // namespace swell::lake
