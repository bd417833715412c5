// Properties and filters as requests name them (docs/queries.md
// "Properties", "Filters"), and their JSON parsers, shared by every query
// type so that a filter means the same in a chart, a funnel step and a
// retention event.
#pragma once

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::query {

// A property as a request names it. Without "type": "user" the name is a
// top-level field if the event has it, else an event property; user_id,
// device_id and event_type name the event's own columns.
struct PropertyRef {
  std::string name;
  bool user = false;
  bool operator==(const PropertyRef&) const = default;
};

enum class FilterOp { kIs, kIsNot, kContains, kDoesNotContain, kGt, kGte, kLt, kLte, kSet, kNotSet };

struct Filter {
  PropertyRef property;
  FilterOp op = FilterOp::kIs;
  // is / is_not / contains / does_not_contain: value texts, compared with
  // PropertyValue::ToText().
  std::vector<std::string> values;
  double number = 0;  // gt / gte / lt / lte
};

// A leaf filter, or all (kAnd) or any (kOr) of its children.
struct FilterExpr {
  enum class Kind { kLeaf, kAnd, kOr };
  Kind kind = Kind::kLeaf;
  Filter leaf;                      // kLeaf
  std::vector<FilterExpr> children;  // kAnd, kOr
};

// An event name ("_all": any event) and the filters its events must match.
struct EventMatcher {
  std::string event;
  std::vector<FilterExpr> filters;  // all must match
};

// The event name that matches every event.
inline constexpr std::string_view kAnyEvent = "_all";

// A property: a name, or {"property": name, "type": "event" | "user"}.
// *out is reset first.
Status ParsePropertyRef(simdjson::dom::element e, const std::string& field, PropertyRef* out);
// A filter list: a JSON array whose items all must match; an item is a leaf
// {"property", "type"?, "op", "values"} or {"and": [items]} / {"or": [items]}
// (not empty; at most 8 levels deep and 64 leaves per list).
Status ParseFilterList(simdjson::dom::element e, const std::string& field, std::vector<FilterExpr>* out);
// {"event": name, "filters": [...]}. Keys other than these go to `extra`
// (when given), which sets *handled for the keys it knows; an unhandled key
// is refused as unknown.
using ExtraKeyParser =
    std::function<Status(std::string_view key, simdjson::dom::element value, const std::string& field, bool* handled)>;
Status ParseEventMatcher(simdjson::dom::element e, const std::string& field, EventMatcher* out,
                         const ExtraKeyParser& extra = nullptr);

// The number a value text holds for gt/gte/lt/lte and sum/avg/min/max: a
// decimal number written as JSON writes one ("-12", "3.5", "1e3"; also a
// string property holding such text); false for anything else.
bool ParseNumberText(std::string_view text, double* out);

}  // namespace swell::query
