// TimeBuckets: the chart's x axis. A request's range and interval become a
// list of buckets in the chart's time zone, each labelled by its local start,
// and a mapping from an event's UTC time to its bucket.
//
// Buckets are intervals of local (wall clock) time: a day is [local midnight,
// next local midnight), 23 or 25 hours long on DST days; an hour label that a
// DST gap skips is a bucket that stays empty, and the repeated hour of a
// fall-back night is one bucket holding both UTC hours (the same as
// date_trunc over `ts AT TIME ZONE tz`). Weeks start on Monday (ISO).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "query/timezone.h"
#include "util/status.h"

namespace swell::query {

enum class Interval { kHour, kDay, kWeek, kMonth };

Status ParseInterval(std::string_view text, Interval* out);

// One end of a range: an instant (an ISO timestamp with Z or an offset) or a
// local wall-clock time in the chart's zone (a date, or a timestamp without
// an offset).
struct TimeBound {
  bool utc = false;
  int64_t ms = 0;
};

// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]".
// A date as `from` means its local midnight; as `to` it includes the whole
// day. A timestamp as `to` is inclusive to the millisecond. Returns the
// exclusive end for `to`.
Status ParseFromBound(std::string_view text, TimeBound* out);
Status ParseToBound(std::string_view text, TimeBound* exclusive_end);

class TimeBuckets {
 public:
  // At most this many buckets per chart.
  static constexpr int64_t kMaxBuckets = 100'000;

  // InvalidArgument when the range is empty or yields too many buckets.
  static Status Make(Interval interval, std::shared_ptr<const TimeZone> tz, TimeBound from, TimeBound to_exclusive,
                     TimeBuckets* out);

  int64_t size() const { return count_; }
  // "YYYY-MM-DD" for day/week/month, "YYYY-MM-DDTHH:00" for hours.
  std::string Label(int64_t index) const;
  Interval interval() const { return interval_; }
  const TimeZone& tz() const { return *tz_; }

  // UTC ms range that holds every event of the chart (wider than needed:
  // per-event checks decide).
  int64_t scan_begin_ms() const { return scan_begin_ms_; }
  int64_t scan_end_ms() const { return scan_end_ms_; }
  // UTC ms range every instant of which is in the range (narrower than it
  // at local bounds; empty when the range is shorter than the offsets'
  // spread).
  int64_t inner_begin_ms() const { return inner_begin_ms_; }
  int64_t inner_end_ms() const { return inner_end_ms_; }

  // The bucket of an event, given its UTC time and its local time, or -1
  // when it lies outside the range.
  int64_t IndexOf(int64_t utc_ms, int64_t local_ms) const {
    if (BeforeRange(utc_ms, local_ms) || AfterRange(utc_ms, local_ms)) return -1;
    return KeyOf(local_ms) - first_key_;
  }
  bool BeforeRange(int64_t utc_ms, int64_t local_ms) const {
    return from_.utc ? utc_ms < from_.ms : local_ms < from_.ms;
  }
  bool AfterRange(int64_t utc_ms, int64_t local_ms) const {
    return to_.utc ? utc_ms >= to_.ms : local_ms >= to_.ms;
  }

  // The bucket number of a local time on the interval's own scale (hours,
  // days, weeks or months since the epoch).
  int64_t KeyOf(int64_t local_ms) const;

 private:
  Interval interval_ = Interval::kDay;
  std::shared_ptr<const TimeZone> tz_;
  TimeBound from_, to_;
  int64_t first_key_ = 0;
  int64_t count_ = 0;
  int64_t scan_begin_ms_ = 0, scan_end_ms_ = 0;
  int64_t inner_begin_ms_ = 0, inner_end_ms_ = 0;
};

}  // namespace swell::query
