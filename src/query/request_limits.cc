#include "query/request_limits.h"

#include <string>

namespace swell::query {

Status CheckRangeDays(std::string_view where, const TimeBound& from, const TimeBound& to_exclusive,
                      int64_t max_days) {
  if (max_days <= 0) return Status::OK();
  constexpr int64_t kMsPerDay = 86'400'000;
  const int64_t days = (to_exclusive.ms - from.ms + kMsPerDay - 1) / kMsPerDay;
  if (days <= max_days) return Status::OK();
  const std::string w(where);
  return Status::InvalidArgument(w + "from, " + w + "to: the range spans " + std::to_string(days) +
                                 " days; the server allows at most " + std::to_string(max_days) +
                                 " ([limits] max_query_days)");
}

}  // namespace swell::query
