// The segmentation request: parsed from JSON (docs/queries.md) and checked
// field by field, so that a bad request is refused with the name of the
// field at fault rather than answered with a wrong chart.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

// A property as a request names it. Without "type": "user" the name is a
// top-level field if the event has it, else an event property; user_id,
// device_id and event_type name the event's own columns.
struct PropertyRef {
  std::string name;
  bool user = false;
};

enum class FilterOp { kIs, kIsNot };

struct Filter {
  PropertyRef property;
  FilterOp op = FilterOp::kIs;
  std::vector<std::string> values;  // compared with PropertyValue::ToText()
};

enum class Metric { kTotals, kUniques };

// The event name that matches every event.
inline constexpr std::string_view kAnyEvent = "_all";

struct SegmentationRequest {
  std::string event_name;
  std::vector<Filter> filters;  // all must match
  Metric metric = Metric::kTotals;
  TimeBound from;
  TimeBound to_exclusive;
  Interval interval = Interval::kDay;
  std::optional<PropertyRef> group_by;
  std::string timezone = "UTC";
};

// InvalidArgument naming the field for malformed JSON, unknown keys, wrong
// types or bad values.
Status ParseSegmentationRequest(std::string_view json, SegmentationRequest* out);

}  // namespace swell::query
