#include "query/retention_request.h"

#include <simdjson.h>

#include "query/request_json.h"

namespace swell::query {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Status GetInt(element e, const std::string& field, int min, int max, int* out) {
  int64_t v;
  const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (e.get_int64().get(v) != simdjson::SUCCESS) {
    if (e.is_uint64()) return BadField(field, range);
    return BadField(field, "must be an integer");
  }
  if (v < min || v > max) return BadField(field, range);
  *out = static_cast<int>(v);
  return Status::OK();
}

Status ParseBrackets(element e, const std::string& field, std::vector<std::pair<int, int>>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField(field, "must be an array of [a, b] pairs");
  if (arr.size() == 0 || arr.size() > kMaxRetentionBrackets)
    return BadField(field, "must hold 1 to " + std::to_string(kMaxRetentionBrackets) + " brackets");
  size_t i = 0;
  for (element item : arr) {
    const std::string sub = field + "[" + std::to_string(i++) + "]";
    array pair;
    if (item.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2)
      return BadField(sub, "must be a pair [a, b] of periods");
    int a = 0, b = 0;
    SWELL_RETURN_IF_ERROR(GetInt(pair.at(0).value_unsafe(), sub + "[0]", 1, kMaxRetentionPeriods, &a));
    SWELL_RETURN_IF_ERROR(GetInt(pair.at(1).value_unsafe(), sub + "[1]", 1, kMaxRetentionPeriods, &b));
    if (b < a) return BadField(sub, "must have a <= b");
    if (!out->empty() && a <= out->back().second)
      return BadField(sub, "brackets must be ascending and must not overlap");
    out->emplace_back(a, b);
  }
  return Status::OK();
}

}  // namespace

Status ParseRetentionRequest(std::string_view json, RetentionRequest* out) {
  simdjson::dom::parser parser;
  object obj;
  SWELL_RETURN_IF_ERROR(ParseRequestObject(&parser, json, &obj));
  RetentionRequest req;
  bool has_start = false, has_return = false, has_brackets = false;
  RangeFields range;
  for (auto [key, value] : obj) {
    const std::string field(key);
    bool taken = false;
    SWELL_RETURN_IF_ERROR(range.Take(key, value, &taken));
    if (taken) continue;
    if (key == "start") {
      SWELL_RETURN_IF_ERROR(ParseEventMatcher(value, field, &req.start));
      has_start = true;
    } else if (key == "return") {
      SWELL_RETURN_IF_ERROR(ParseEventMatcher(value, field, &req.return_event));
      has_return = true;
    } else if (key == "as_of") {
      std::string text;
      SWELL_RETURN_IF_ERROR(GetString(value, field, &text));
      TimeBound t;
      SWELL_RETURN_IF_ERROR(ParseFromBound(text, &t).WithContext(field));
      req.as_of = t;
    } else if (key == "mode") {
      SWELL_RETURN_IF_ERROR(GetChoice<RetentionMode>(value, field,
                                                     {{"n_day", RetentionMode::kNDay},
                                                      {"unbounded", RetentionMode::kUnbounded},
                                                      {"brackets", RetentionMode::kBrackets}},
                                                     &req.mode));
    } else if (key == "interval") {
      SWELL_RETURN_IF_ERROR(GetChoice<RetentionInterval>(
          value, field, {{"day", RetentionInterval::kDay}, {"week", RetentionInterval::kWeek}}, &req.interval));
    } else if (key == "periods") {
      SWELL_RETURN_IF_ERROR(GetInt(value, field, 1, kMaxRetentionPeriods, &req.periods));
    } else if (key == "brackets") {
      SWELL_RETURN_IF_ERROR(ParseBrackets(value, field, &req.brackets));
      has_brackets = true;
    } else if (key == "days") {
      SWELL_RETURN_IF_ERROR(GetChoice<bool>(value, field, {{"calendar", false}, {"rolling", true}}, &req.rolling));
    } else {
      return BadField(field, "unknown field");
    }
  }
  if (!has_start) return BadField("start", "is required");
  if (!has_return) return BadField("return", "is required");
  SWELL_RETURN_IF_ERROR(range.Finish(&req.from, &req.to_exclusive, &req.timezone));
  if (req.from.utc == req.to_exclusive.utc && req.to_exclusive.ms <= req.from.ms)
    return BadField("to", "the range ends before it starts");
  if (req.mode == RetentionMode::kBrackets && !has_brackets) return BadField("brackets", "is required with mode brackets");
  if (req.mode != RetentionMode::kBrackets && has_brackets) return BadField("brackets", "is only allowed with mode brackets");
  *out = std::move(req);
  return Status::OK();
}

}  // namespace swell::query
