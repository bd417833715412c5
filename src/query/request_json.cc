#include "query/request_json.h"

#include <algorithm>
#include <vector>

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

Status GetScope(element e, const std::string& field, bool* user) {
  std::string type;
  SWELL_RETURN_IF_ERROR(GetString(e, field, &type));
  if (type == "user") *user = true;
  else if (type == "event") *user = false;
  else return BadField(field, "must be \"event\" or \"user\"");
  return Status::OK();
}

Status RangeFields::Take(std::string_view key, element value, bool* taken) {
  *taken = key == "from" || key == "to" || key == "timezone";
  if (!*taken) return Status::OK();
  const std::string field(key);
  std::string text;
  SWELL_RETURN_IF_ERROR(GetString(value, field, &text));
  if (key == "from") {
    SWELL_RETURN_IF_ERROR(ParseFromBound(text, &from_).WithContext(field));
    has_from_ = true;
  } else if (key == "to") {
    SWELL_RETURN_IF_ERROR(ParseToBound(text, &to_exclusive_).WithContext(field));
    has_to_ = true;
  } else {
    timezone_ = std::move(text);
    has_timezone_ = true;
  }
  return Status::OK();
}

Status RangeFields::Finish(TimeBound* from, TimeBound* to_exclusive, std::string* timezone) const {
  if (!has_from_) return BadField("from", "is required");
  if (!has_to_) return BadField("to", "is required");
  *from = from_;
  *to_exclusive = to_exclusive_;
  if (has_timezone_) *timezone = timezone_;
  return Status::OK();
}

namespace {

// JSON leaves a key given twice in one object open (most readers keep the
// last); the request parsers would add up the lists of both, past their
// limits (a funnel of 40 steps), so such a request is refused, naming the
// key. REQUIRES: *path names e ("" for the root).
Status CheckUniqueKeys(element e, std::string* path) {
  const size_t len = path->size();
  simdjson::dom::array arr;
  if (e.get_array().get(arr) == simdjson::SUCCESS) {
    size_t i = 0;
    for (element item : arr) {
      path->append("[").append(std::to_string(i++)).append("]");
      SWELL_RETURN_IF_ERROR(CheckUniqueKeys(item, path));
      path->resize(len);
    }
    return Status::OK();
  }
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return Status::OK();
  std::vector<std::string_view> keys;
  for (auto [key, value] : obj) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup != keys.end()) return BadField((len > 0 ? *path + "." : "") + std::string(*dup), "is given twice");
  for (auto [key, value] : obj) {
    if (len > 0) path->append(".");
    path->append(key);
    SWELL_RETURN_IF_ERROR(CheckUniqueKeys(value, path));
    path->resize(len);
  }
  return Status::OK();
}

}  // namespace

Status ParseRequestObject(simdjson::dom::parser* parser, std::string_view json, simdjson::dom::object* out) {
  element root;
  if (parser->parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    return Status::InvalidArgument("request: not valid JSON");
  if (root.get_object().get(*out) != simdjson::SUCCESS) return Status::InvalidArgument("request: must be a JSON object");
  std::string path;
  return CheckUniqueKeys(root, &path);
}

}  // namespace swell::query
