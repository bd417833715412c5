// The segmentation request: parsed from JSON (docs/queries.md) and checked
// field by field, so that a bad request is refused with the name of the
// field at fault rather than answered with a wrong chart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter_request.h"
#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

enum class Metric { kTotals, kUniques, kDau, kWau, kMau, kSum, kAvg, kMin, kMax, kPerUserAvg };

// At most this many events per request, and series kept by "limit".
inline constexpr size_t kMaxSegmentationEvents = 10;
inline constexpr int64_t kMaxSegmentationLimit = 10'000;

struct SegmentationRequest {
  // 1..kMaxSegmentationEvents events, each counted as its own series; the
  // name is EventMatcher::event ("_all": any event).
  std::vector<EventMatcher> events;
  Metric metric = Metric::kTotals;
  // sum / avg / min / max: the numeric property; unset otherwise.
  std::optional<PropertyRef> metric_property;
  // The chart's range. Active-user metrics read events from earlier too
  // (ScanBuckets in segmentation.h).
  TimeBound from;
  TimeBound to_exclusive;
  Interval interval = Interval::kDay;
  // 0..2 properties; group_list: given as an array, so each series' group
  // is rendered as an array of texts.
  std::vector<PropertyRef> group_by;
  bool group_list = false;
  // Series kept per event; the rest merge into "(other)". 0: no limit.
  int64_t limit = 0;
  std::string timezone = "UTC";
};

// Days in the rolling window of an active-user metric (dau 1, wau 7, mau
// 30); 0 for other metrics.
int ActiveWindowDays(Metric m);
// Whether the metric needs the users of each bucket, a numeric property.
bool MetricNeedsUsers(Metric m);
bool MetricNeedsNumbers(Metric m);

// InvalidArgument naming the field for malformed JSON, unknown keys, wrong
// types or bad values.
Status ParseSegmentationRequest(std::string_view json, SegmentationRequest* out);

}  // namespace swell::query
