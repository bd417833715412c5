#include "query/query_request.h"

#include <simdjson.h>

#include "event/event.h"
#include "query/request_json.h"

namespace swell::query {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Status Bad(const std::string& field, const std::string& why) { return BadField(field, why); }

Status CheckPropertyName(const std::string& name, const std::string& field) {
  if (name.empty()) return Bad(field, "must not be empty");
  return Status::OK();
}

Status ParseFilter(element e, const std::string& field, Filter* f) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return Bad(field, "must be an object");
  bool has_property = false, has_op = false, has_values = false;
  for (auto [key, value] : obj) {
    std::string sub = field + "." + std::string(key);
    if (key == "property") {
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &f->property.name));
      SWELL_RETURN_IF_ERROR(CheckPropertyName(f->property.name, sub));
      has_property = true;
    } else if (key == "type") {
      SWELL_RETURN_IF_ERROR(GetScope(value, sub, &f->property.user));
    } else if (key == "op") {
      std::string op;
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &op));
      if (op == "is") f->op = FilterOp::kIs;
      else if (op == "is_not") f->op = FilterOp::kIsNot;
      else return Bad(sub, "must be one of is, is_not");
      has_op = true;
    } else if (key == "values") {
      simdjson::dom::array arr;
      if (value.get_array().get(arr) != simdjson::SUCCESS) return Bad(sub, "must be an array");
      size_t i = 0;
      for (element v : arr) {
        std::string text;
        SWELL_RETURN_IF_ERROR(GetValueText(v, sub + "[" + std::to_string(i++) + "]", &text));
        f->values.push_back(std::move(text));
      }
      has_values = true;
    } else {
      return Bad(sub, "unknown field");
    }
  }
  if (!has_property) return Bad(field + ".property", "is required");
  if (!has_op) return Bad(field + ".op", "is required");
  if (!has_values) return Bad(field + ".values", "is required");
  return Status::OK();
}

Status ParseEvent(element e, SegmentationRequest* req) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return Bad("event", "must be an object");
  bool has_name = false;
  for (auto [key, value] : obj) {
    std::string field = "event." + std::string(key);
    if (key == "name") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &req->event_name));
      if (req->event_name.empty()) return Bad(field, "must not be empty");
      has_name = true;
    } else if (key == "filters") {
      simdjson::dom::array arr;
      if (value.get_array().get(arr) != simdjson::SUCCESS) return Bad(field, "must be an array");
      size_t i = 0;
      for (element f : arr) {
        Filter filter;
        SWELL_RETURN_IF_ERROR(ParseFilter(f, field + "[" + std::to_string(i++) + "]", &filter));
        req->filters.push_back(std::move(filter));
      }
    } else {
      return Bad(field, "unknown field");
    }
  }
  if (!has_name) return Bad("event.name", "is required");
  return Status::OK();
}

Status ParseGroupBy(element e, PropertyRef* out) {
  if (e.is_string()) {
    SWELL_RETURN_IF_ERROR(GetString(e, "group_by", &out->name));
    return CheckPropertyName(out->name, "group_by");
  }
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return Bad("group_by", "must be a string or an object");
  bool has_property = false;
  for (auto [key, value] : obj) {
    std::string field = "group_by." + std::string(key);
    if (key == "property") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &out->name));
      SWELL_RETURN_IF_ERROR(CheckPropertyName(out->name, field));
      has_property = true;
    } else if (key == "type") {
      SWELL_RETURN_IF_ERROR(GetScope(value, field, &out->user));
    } else {
      return Bad(field, "unknown field");
    }
  }
  if (!has_property) return Bad("group_by.property", "is required");
  return Status::OK();
}

}  // namespace

Status ParseSegmentationRequest(std::string_view json, SegmentationRequest* out) {
  simdjson::dom::parser parser;
  object obj;
  SWELL_RETURN_IF_ERROR(ParseRequestObject(&parser, json, &obj));
  SegmentationRequest req;
  bool has_event = false, has_from = false, has_to = false;
  std::string from_text, to_text;
  for (auto [key, value] : obj) {
    std::string field(key);
    if (key == "event") {
      SWELL_RETURN_IF_ERROR(ParseEvent(value, &req));
      has_event = true;
    } else if (key == "metric") {
      std::string metric;
      SWELL_RETURN_IF_ERROR(GetString(value, field, &metric));
      if (metric == "totals") req.metric = Metric::kTotals;
      else if (metric == "uniques") req.metric = Metric::kUniques;
      else return Bad(field, "must be one of totals, uniques");
    } else if (key == "from") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &from_text));
      has_from = true;
    } else if (key == "to") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &to_text));
      has_to = true;
    } else if (key == "interval") {
      std::string interval;
      SWELL_RETURN_IF_ERROR(GetString(value, field, &interval));
      SWELL_RETURN_IF_ERROR(ParseInterval(interval, &req.interval));
    } else if (key == "group_by") {
      PropertyRef g;
      SWELL_RETURN_IF_ERROR(ParseGroupBy(value, &g));
      req.group_by = std::move(g);
    } else if (key == "timezone") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &req.timezone));
    } else {
      return Bad(field, "unknown field");
    }
  }
  if (!has_event) return Bad("event", "is required");
  if (!has_from) return Bad("from", "is required");
  if (!has_to) return Bad("to", "is required");
  SWELL_RETURN_IF_ERROR(ParseFromBound(from_text, &req.from).WithContext("from"));
  SWELL_RETURN_IF_ERROR(ParseToBound(to_text, &req.to_exclusive).WithContext("to"));
  *out = std::move(req);
  return Status::OK();
}

}  // namespace swell::query
