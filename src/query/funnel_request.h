// The funnel request (docs/queries.md "Funnels"), parsed and checked field by
// field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter_request.h"
#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

enum class FunnelOrder { kThis, kExact, kAny };

struct FunnelExclusion {
  EventMatcher match;
  int first_step = 0;  // 1-based: between step first_step ...
  int last_step = 0;   // ... and step last_step
};

struct FunnelRequest {
  std::vector<EventMatcher> steps;
  TimeBound from;
  TimeBound to_exclusive;
  std::string timezone = "UTC";
  int64_t window_ms = 86'400'000;
  FunnelOrder order = FunnelOrder::kThis;
  std::vector<FunnelExclusion> exclusions;
  std::vector<PropertyRef> hold_constant;
  std::optional<PropertyRef> group_by;
};

// InvalidArgument naming the field for malformed JSON, unknown keys, wrong
// types or bad values.
Status ParseFunnelRequest(std::string_view json, FunnelRequest* out);

}  // namespace swell::query
