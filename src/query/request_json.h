// The field readers every query request parser shares, so that each names
// the field at fault the same way ("event.filters[0].values[1]: must be a
// string, number or boolean").
#pragma once

#include <simdjson.h>

#include <string>

#include "util/status.h"

namespace swell::query {

// InvalidArgument "FIELD: WHY".
Status BadField(const std::string& field, const std::string& why);
// A JSON string.
Status GetString(simdjson::dom::element e, const std::string& field, std::string* out);
// A filter or leaf value as the text PropertyValue::ToText() gives for the
// same JSON value, so that `"values": [3]` matches the property 3.
Status GetValueText(simdjson::dom::element e, const std::string& field, std::string* out);
// A property's "type": "event" or "user" (*user set to which).
Status GetScope(simdjson::dom::element e, const std::string& field, bool* user);
// The request body as a JSON object; parser must outlive *out.
Status ParseRequestObject(simdjson::dom::parser* parser, std::string_view json, simdjson::dom::object* out);

}  // namespace swell::query
