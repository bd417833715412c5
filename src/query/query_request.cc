#include "query/query_request.h"

#include <simdjson.h>

#include "query/civil_time.h"
#include "query/request_json.h"

namespace swell::query {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

struct MetricName {
  const char* name;
  Metric metric;
};
constexpr MetricName kMetrics[] = {
    {"totals", Metric::kTotals}, {"uniques", Metric::kUniques}, {"dau", Metric::kDau},
    {"wau", Metric::kWau},       {"mau", Metric::kMau},         {"sum", Metric::kSum},
    {"avg", Metric::kAvg},       {"min", Metric::kMin},         {"max", Metric::kMax},
    {"per_user_avg", Metric::kPerUserAvg}};

// A segmentation event: {"name": E, "filters": [...]}.
Status ParseEvent(element e, const std::string& field, EventMatcher* out) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return BadField(field, "must be an object");
  bool has_name = false;
  for (auto [key, value] : obj) {
    std::string sub = field + "." + std::string(key);
    if (key == "name") {
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &out->event));
      if (out->event.empty()) return BadField(sub, "must not be empty");
      has_name = true;
    } else if (key == "filters") {
      SWELL_RETURN_IF_ERROR(ParseFilterList(value, sub, &out->filters));
    } else {
      return BadField(sub, "unknown field");
    }
  }
  if (!has_name) return BadField(field + ".name", "is required");
  return Status::OK();
}

Status ParseEvents(element e, std::vector<EventMatcher>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField("events", "must be an array");
  if (arr.size() < 1 || arr.size() > kMaxSegmentationEvents)
    return BadField("events", "must hold 1 to " + std::to_string(kMaxSegmentationEvents) + " events");
  size_t i = 0;
  for (element item : arr) {
    EventMatcher m;
    SWELL_RETURN_IF_ERROR(ParseEvent(item, "events[" + std::to_string(i++) + "]", &m));
    out->push_back(std::move(m));
  }
  return Status::OK();
}

Status ParseGroupBy(element e, SegmentationRequest* req) {
  if (!e.is_array()) {
    PropertyRef p;
    SWELL_RETURN_IF_ERROR(ParsePropertyRef(e, "group_by", &p));
    req->group_by.push_back(std::move(p));
    return Status::OK();
  }
  array arr = e.get_array().value_unsafe();
  if (arr.size() < 1 || arr.size() > 2) return BadField("group_by", "must hold 1 or 2 properties");
  size_t i = 0;
  for (element item : arr) {
    PropertyRef p;
    SWELL_RETURN_IF_ERROR(ParsePropertyRef(item, "group_by[" + std::to_string(i++) + "]", &p));
    req->group_by.push_back(std::move(p));
  }
  req->group_list = true;
  return Status::OK();
}

Status ParseLimit(element e, int64_t* out) {
  int64_t v = 0;
  if (e.is_int64()) v = int64_t(e);
  else if (!e.is_uint64()) return BadField("limit", "must be an integer");
  else v = kMaxSegmentationLimit + 1;
  if (v < 1 || v > kMaxSegmentationLimit)
    return BadField("limit", "must be from 1 to " + std::to_string(kMaxSegmentationLimit));
  *out = v;
  return Status::OK();
}

}  // namespace

int ActiveWindowDays(Metric m) {
  switch (m) {
    case Metric::kDau: return 1;
    case Metric::kWau: return 7;
    case Metric::kMau: return 30;
    default: return 0;
  }
}

bool MetricNeedsUsers(Metric m) {
  return m == Metric::kUniques || m == Metric::kPerUserAvg || ActiveWindowDays(m) > 0;
}

bool MetricNeedsNumbers(Metric m) {
  return m == Metric::kSum || m == Metric::kAvg || m == Metric::kMin || m == Metric::kMax;
}

Status ParseSegmentationRequest(std::string_view json, SegmentationRequest* out) {
  simdjson::dom::parser parser;
  object obj;
  SWELL_RETURN_IF_ERROR(ParseRequestObject(&parser, json, &obj));
  SegmentationRequest req;
  bool has_event = false, has_events = false, has_interval = false;
  std::string metric_name = "totals";
  RangeFields range;
  for (auto [key, value] : obj) {
    std::string field(key);
    bool taken = false;
    SWELL_RETURN_IF_ERROR(range.Take(key, value, &taken));
    if (taken) continue;
    if (key == "event") {
      EventMatcher m;
      SWELL_RETURN_IF_ERROR(ParseEvent(value, "event", &m));
      req.events.push_back(std::move(m));
      has_event = true;
    } else if (key == "events") {
      SWELL_RETURN_IF_ERROR(ParseEvents(value, &req.events));
      has_events = true;
    } else if (key == "metric") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &metric_name));
      bool found = false;
      for (const MetricName& m : kMetrics)
        if (metric_name == m.name) req.metric = m.metric, found = true;
      if (!found)
        return BadField(field, "must be one of totals, uniques, dau, wau, mau, sum, avg, min, max, per_user_avg");
    } else if (key == "property") {
      PropertyRef p;
      SWELL_RETURN_IF_ERROR(ParsePropertyRef(value, field, &p));
      req.metric_property = std::move(p);
    } else if (key == "interval") {
      std::string interval;
      SWELL_RETURN_IF_ERROR(GetString(value, field, &interval));
      SWELL_RETURN_IF_ERROR(ParseInterval(interval, &req.interval));
      has_interval = true;
    } else if (key == "group_by") {
      SWELL_RETURN_IF_ERROR(ParseGroupBy(value, &req));
    } else if (key == "limit") {
      SWELL_RETURN_IF_ERROR(ParseLimit(value, &req.limit));
    } else {
      return BadField(field, "unknown field");
    }
  }
  if (has_event && has_events) return BadField("events", "give either event or events, not both");
  if (!has_event && !has_events) return BadField("event", "is required");
  SWELL_RETURN_IF_ERROR(range.Finish(&req.from, &req.to_exclusive, &req.timezone));
  if (MetricNeedsNumbers(req.metric) && !req.metric_property)
    return BadField("property", "is required for metric " + metric_name);
  if (!MetricNeedsNumbers(req.metric) && req.metric_property)
    return BadField("property", "is only for metrics sum, avg, min and max");
  const int window = ActiveWindowDays(req.metric);
  if (window > 0 && req.interval != Interval::kDay)
    return BadField(has_interval ? "interval" : "metric", "metric " + metric_name + " needs \"interval\": \"day\"");
  // The window's days before `from` are buckets of the scan too: keep
  // them within TimeBuckets::kMaxBuckets (a day of slack for the bounds'
  // offsets), so that the scan's buckets can always be made.
  if (window > 1 && req.to_exclusive.ms - req.from.ms > (TimeBuckets::kMaxBuckets - window - 2) * kMsPerDay)
    return BadField("interval", "the range has too many buckets for metric " + metric_name + " (at most " +
                                    std::to_string(TimeBuckets::kMaxBuckets - window - 2) + " days)");
  *out = std::move(req);
  return Status::OK();
}

}  // namespace swell::query
