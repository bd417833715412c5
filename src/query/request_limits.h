// Bounds an operator puts on what one query may ask for ([limits] in the
// config, docs/operations.md): how many days a range may span, and how many
// group-by series a segmentation returns when the request names no `limit`.
// They belong to the query layer, so the HTTP API and `swell query` answer
// the same question the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

struct RequestLimits {
  int64_t max_range_days = 0;       // 0: any range
  uint32_t default_group_limit = 0; // 0: every group; else the top N and "(other)"
};

// InvalidArgument naming "<where>from, <where>to" when [from, to_exclusive)
// spans more than max_days days (0: no bound). Bounds in local time are
// compared as if UTC: a zone moves them by at most a day, and the bound need
// not be exact to the hour.
Status CheckRangeDays(std::string_view where, const TimeBound& from, const TimeBound& to_exclusive,
                      int64_t max_days);

}  // namespace swell::query
