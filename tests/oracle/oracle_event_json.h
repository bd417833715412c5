// Parses the canonical NDJSON event lines the oracle scripts generate
// (segmentation.mjs, seal_boundary.mjs) into Events. Shared by the oracle
// runners.
//
// Event line: {"seq": n, "user_id": s|null, "device_id": s|null,
//   "event_type": s, "time": ms, "arrival": ms, "insert_id": s|null,
//   "platform": s?, "country": s?, "event_properties": {...}?,
//   "user_properties": {...}?}
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "event/event.h"
#include "util/status.h"

namespace swell::oracle {

inline Status ToValue(simdjson::dom::element v, PropertyValue* out) {
  switch (v.type()) {
    case simdjson::dom::element_type::STRING: *out = PropertyValue::String(std::string(std::string_view(v))); break;
    case simdjson::dom::element_type::INT64: *out = PropertyValue::Int(int64_t(v)); break;
    case simdjson::dom::element_type::UINT64: *out = PropertyValue::Double(double(uint64_t(v))); break;
    case simdjson::dom::element_type::DOUBLE: *out = PropertyValue::Double(double(v)); break;
    case simdjson::dom::element_type::BOOL: *out = PropertyValue::Bool(bool(v)); break;
    case simdjson::dom::element_type::NULL_VALUE: *out = PropertyValue::Null(); break;
    default: *out = PropertyValue::Json(simdjson::minify(v)); break;
  }
  return Status::OK();
}

inline Status ToProperties(simdjson::dom::element v, std::vector<Property>* out) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return Status::InvalidArgument("properties must be an object");
  for (auto [key, value] : obj) {
    Property p;
    p.key = std::string(key);
    SWELL_RETURN_IF_ERROR(ToValue(value, &p.value));
    out->push_back(std::move(p));
  }
  return Status::OK();
}

inline std::string OptString(simdjson::dom::element v) {
  std::string_view s;
  return v.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

inline Status ParseEvent(simdjson::dom::element line, Event* e) {
  simdjson::dom::object obj;
  if (line.get_object().get(obj) != simdjson::SUCCESS) return Status::InvalidArgument("event must be an object");
  for (auto [key, value] : obj) {
    if (key == "user_id") e->user_id = OptString(value);
    else if (key == "device_id") e->device_id = OptString(value);
    else if (key == "insert_id") e->insert_id = OptString(value);
    else if (key == "event_type") e->event_type = OptString(value);
    else if (key == "time") e->time_ms = int64_t(value);
    else if (key == "arrival") e->arrival_ms = int64_t(value);
    else if (key == "platform" || key == "country") {
      Property p;
      p.key = std::string(key);
      SWELL_RETURN_IF_ERROR(ToValue(value, &p.value));
      e->fields.push_back(std::move(p));
    } else if (key == "event_properties") SWELL_RETURN_IF_ERROR(ToProperties(value, &e->event_properties));
    else if (key == "user_properties") SWELL_RETURN_IF_ERROR(ToProperties(value, &e->user_properties));
    // Other keys (seq) are for the oracle.
  }
  return Status::OK();
}

}  // namespace swell::oracle
