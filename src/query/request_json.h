// The field readers every query request parser shares, so that each names
// the field at fault the same way ("event.filters[0].values[1]: must be a
// string, number or boolean").
#pragma once

#include <simdjson.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <string_view>

#include "query/time_buckets.h"

#include "util/status.h"

namespace swell::query {

// InvalidArgument "FIELD: WHY".
Status BadField(const std::string& field, const std::string& why);
// A JSON string.
Status GetString(simdjson::dom::element e, const std::string& field, std::string* out);
// A string naming one of choices; *out = the value paired with it, else
// "FIELD: must be one of a, b, c".
template <typename T>
Status GetChoice(simdjson::dom::element e, const std::string& field,
                 std::initializer_list<std::pair<std::string_view, T>> choices, T* out) {
  std::string text;
  SWELL_RETURN_IF_ERROR(GetString(e, field, &text));
  std::string names;
  for (const auto& [name, value] : choices) {
    if (text == name) {
      *out = value;
      return Status::OK();
    }
    names.append(names.empty() ? "" : ", ").append(name);
  }
  return BadField(field, "must be one of " + names);
}
// A filter or leaf value as the text PropertyValue::ToText() gives for the
// same JSON value, so that `"values": [3]` matches the property 3.
Status GetValueText(simdjson::dom::element e, const std::string& field, std::string* out);
// A property's "type": "event" or "user" (*user set to which).
Status GetScope(simdjson::dom::element e, const std::string& field, bool* user);
// The fields of a query's range, "from", "to" and "timezone", which every
// ranged query reads the same way (docs/queries.md "Time").
class RangeFields {
 public:
  // Sets *taken when key is one of the range's fields, parsing its value.
  Status Take(std::string_view key, simdjson::dom::element value, bool* taken);
  // "from" and "to" are required.
  Status Finish(TimeBound* from, TimeBound* to_exclusive, std::string* timezone) const;

 private:
  bool has_from_ = false, has_to_ = false, has_timezone_ = false;
  TimeBound from_, to_exclusive_;
  std::string timezone_;
};

// The request body as a JSON object; parser must outlive *out. A key given
// twice in any object of the request is InvalidArgument naming its path:
// simdjson keeps both, and parsers that read arrays by key would add them
// up past their limits.
Status ParseRequestObject(simdjson::dom::parser* parser, std::string_view json, simdjson::dom::object* out);

}  // namespace swell::query
