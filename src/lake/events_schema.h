// The Parquet schema of the lake's events/ files and the mapping of an Event
// onto it (docs/formats.md "Lake", "Events files"):
//
//   event_type         STRING     required
//   user_id, device_id, insert_id   STRING  (null when empty)
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
// The JSON columns keep every property losslessly; promoted columns are a
// typed copy of the most used keys so engines can filter and aggregate them
// without parsing JSON. A value that does not fit a promoted column's type is
// null there (and still in the JSON column).
#pragma once

#include <cstdint>
#include <deque>
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
  // Positions of columns a reader or the sort order refers to.
  static constexpr int kEventTypeColumn = 0;
  static constexpr int kUserIdColumn = 1;
  static constexpr int kTimeColumn = 4;

  // The row of ev, one value per column. String values point into ev or into
  // *scratch (which must outlive the use of row).
  void ToRow(const Event& ev, std::deque<std::string>* scratch, std::vector<parquet::Value>* row) const;

 private:
  parquet::Schema schema_;
  std::vector<PromotedColumn> promoted_;
};

// A properties list as one JSON object text: null, bool, numbers, strings as
// JSON values, kJson values inlined as the JSON they are.
std::string PropertiesToJson(const std::vector<Property>& props);

// The lake's row order: event_type, then Event::UserKey(), then time_ms.
bool EventLess(const Event& a, const Event& b);
void SortEventsForLake(std::vector<Event>* events);

}  // namespace swell::lake
