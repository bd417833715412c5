#include "query/request_json.h"

#include "event/event.h"

namespace swell::query {

using simdjson::dom::element;
using simdjson::dom::element_type;

Status BadField(const std::string& field, const std::string& why) {
  return Status::InvalidArgument(field + ": " + why);
}

Status GetString(element e, const std::string& field, std::string* out) {
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) return BadField(field, "must be a string");
  out->assign(v);
  return Status::OK();
}

Status GetValueText(element e, const std::string& field, std::string* out) {
  switch (e.type()) {
    case element_type::STRING: return GetString(e, field, out);
    case element_type::INT64: *out = PropertyValue::Int(int64_t(e)).ToText(); return Status::OK();
    case element_type::UINT64: *out = std::to_string(uint64_t(e)); return Status::OK();
    case element_type::DOUBLE: *out = PropertyValue::Double(double(e)).ToText(); return Status::OK();
    case element_type::BOOL: *out = bool(e) ? "true" : "false"; return Status::OK();
    default: return BadField(field, "must be a string, number or boolean");
  }
}

}  // namespace swell::query
