#include "query/funnel_request.h"

#include <simdjson.h>

#include "query/request_json.h"

namespace swell::query {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxSteps = 20;
constexpr size_t kMaxExclusions = 10;
constexpr size_t kMaxHoldConstant = 3;
constexpr int64_t kMinWindowMs = 1000;
constexpr int64_t kMaxWindowMs = int64_t{366} * 86'400'000;

constexpr char kWindowRule[] =
    "must be an integer and one unit of s, m, h, d (\"30m\"), or a number of seconds, from 1 s to 366 days";

// "90s", "30m", "2h", "1d", or an integer number of seconds.
Status ParseWindow(element e, const std::string& field, int64_t* out) {
  int64_t seconds = 0;
  if (e.is_string()) {
    std::string_view s(e);
    if (s.size() < 2 || s.size() > 12) return BadField(field, kWindowRule);
    int64_t n = 0;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return BadField(field, kWindowRule);
      n = n * 10 + (s[i] - '0');
    }
    int64_t unit = 0;
    switch (s.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return BadField(field, kWindowRule);
    }
    seconds = n * unit;  // n < 10^11: no overflow
  } else if (e.is_int64()) {
    seconds = int64_t(e);
  } else if (e.is_uint64()) {
    return BadField(field, kWindowRule);
  } else if (e.is_double()) {
    const double d = double(e);
    if (!(d >= 1 && d <= 366.0 * 86400) || d != static_cast<double>(static_cast<int64_t>(d)))
      return BadField(field, kWindowRule);
    seconds = static_cast<int64_t>(d);
  } else {
    return BadField(field, kWindowRule);
  }
  if (seconds < kMinWindowMs / 1000 || seconds > kMaxWindowMs / 1000) return BadField(field, kWindowRule);
  *out = seconds * 1000;
  return Status::OK();
}

Status ParseSteps(element e, const std::string& field, std::vector<EventMatcher>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField(field, "must be an array");
  if (arr.size() < 1 || arr.size() > kMaxSteps) return BadField(field, "must hold 1 to 20 steps");
  size_t i = 0;
  for (element item : arr) {
    EventMatcher m;
    SWELL_RETURN_IF_ERROR(ParseEventMatcher(item, field + "[" + std::to_string(i++) + "]", &m));
    out->push_back(std::move(m));
  }
  return Status::OK();
}

// "between": [i, j], checked against the step count once it is known.
Status ParseBetween(element e, const std::string& field, FunnelExclusion* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS || arr.size() != 2)
    return BadField(field, "must be [i, j], two step numbers");
  int64_t v[2];
  size_t k = 0;
  for (element x : arr) {
    if (x.get_int64().get(v[k]) != simdjson::SUCCESS || v[k] < 1 || v[k] > static_cast<int64_t>(kMaxSteps))
      return BadField(field + "[" + std::to_string(k) + "]", "must be a step number (an integer from 1)");
    ++k;
  }
  out->first_step = static_cast<int>(v[0]);
  out->last_step = static_cast<int>(v[1]);
  return Status::OK();
}

Status ParseExclusions(element e, const std::string& field, std::vector<FunnelExclusion>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField(field, "must be an array");
  if (arr.size() > kMaxExclusions) return BadField(field, "must hold at most 10 exclusions");
  size_t i = 0;
  for (element item : arr) {
    const std::string sub = field + "[" + std::to_string(i++) + "]";
    FunnelExclusion x;
    bool has_between = false;
    SWELL_RETURN_IF_ERROR(ParseEventMatcher(
        item, sub, &x.match, [&](std::string_view key, element value, const std::string& f, bool* handled) {
          if (key != "between") return Status::OK();
          *handled = true;
          has_between = true;
          return ParseBetween(value, f, &x);
        }));
    if (!has_between) return BadField(sub + ".between", "is required");
    out->push_back(std::move(x));
  }
  return Status::OK();
}

Status ParseHoldConstant(element e, const std::string& field, std::vector<PropertyRef>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField(field, "must be an array");
  if (arr.size() > kMaxHoldConstant) return BadField(field, "must hold at most 3 properties");
  size_t i = 0;
  for (element item : arr) {
    PropertyRef p;
    SWELL_RETURN_IF_ERROR(ParsePropertyRef(item, field + "[" + std::to_string(i++) + "]", &p));
    out->push_back(std::move(p));
  }
  return Status::OK();
}

}  // namespace

Status ParseFunnelRequest(std::string_view json, FunnelRequest* out) {
  simdjson::dom::parser parser;
  object obj;
  SWELL_RETURN_IF_ERROR(ParseRequestObject(&parser, json, &obj));
  FunnelRequest req;
  bool has_steps = false;
  RangeFields range;
  for (auto [key, value] : obj) {
    const std::string field(key);
    bool taken = false;
    SWELL_RETURN_IF_ERROR(range.Take(key, value, &taken));
    if (taken) continue;
    if (key == "steps") {
      SWELL_RETURN_IF_ERROR(ParseSteps(value, field, &req.steps));
      has_steps = true;
    } else if (key == "window") {
      SWELL_RETURN_IF_ERROR(ParseWindow(value, field, &req.window_ms));
    } else if (key == "order") {
      SWELL_RETURN_IF_ERROR(GetChoice<FunnelOrder>(
          value, field, {{"this", FunnelOrder::kThis}, {"exact", FunnelOrder::kExact}, {"any", FunnelOrder::kAny}},
          &req.order));
    } else if (key == "exclusions") {
      SWELL_RETURN_IF_ERROR(ParseExclusions(value, field, &req.exclusions));
    } else if (key == "hold_constant") {
      SWELL_RETURN_IF_ERROR(ParseHoldConstant(value, field, &req.hold_constant));
    } else if (key == "group_by") {
      PropertyRef g;
      SWELL_RETURN_IF_ERROR(ParsePropertyRef(value, field, &g));
      req.group_by = std::move(g);
    } else {
      return BadField(field, "unknown field");
    }
  }
  if (!has_steps) return BadField("steps", "is required");
  SWELL_RETURN_IF_ERROR(range.Finish(&req.from, &req.to_exclusive, &req.timezone));
  const int steps = static_cast<int>(req.steps.size());
  for (size_t i = 0; i < req.exclusions.size(); ++i) {
    const FunnelExclusion& x = req.exclusions[i];
    if (x.first_step >= x.last_step || x.last_step > steps)
      return BadField("exclusions[" + std::to_string(i) + "].between",
                      "must be [i, j] with 1 <= i < j <= " + std::to_string(steps) + " (the number of steps)");
  }
  if (req.order == FunnelOrder::kAny && !req.exclusions.empty())
    return BadField("exclusions", "are not allowed with order any");
  *out = std::move(req);
  return Status::OK();
}

}  // namespace swell::query
