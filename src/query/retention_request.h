// The retention request (docs/queries.md "Retention"), parsed and checked
// field by field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/filter_request.h"
#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

enum class RetentionMode { kNDay, kUnbounded, kBrackets };
enum class RetentionInterval { kDay, kWeek };

inline constexpr int kMaxRetentionPeriods = 400;
inline constexpr size_t kMaxRetentionBrackets = 50;

struct RetentionRequest {
  EventMatcher start;
  EventMatcher return_event;
  TimeBound from;
  TimeBound to_exclusive;
  std::string timezone = "UTC";
  RetentionMode mode = RetentionMode::kNDay;
  RetentionInterval interval = RetentionInterval::kDay;
  int periods = 14;                           // n_day, unbounded
  std::vector<std::pair<int, int>> brackets;  // brackets: inclusive period ranges
  bool rolling = false;                       // "days": "rolling"
  // An instant, or a wall-clock time of the zone (no offset given); nullopt:
  // now.
  std::optional<TimeBound> as_of;

  // The response's columns after column 0: periods, or one per bracket.
  int columns() const { return mode == RetentionMode::kBrackets ? static_cast<int>(brackets.size()) : periods; }
  // The last period any column looks at.
  int last_period() const { return mode == RetentionMode::kBrackets ? brackets.back().second : periods; }
  // The last period of column c (1-based).
  int column_last_period(int c) const { return mode == RetentionMode::kBrackets ? brackets[c - 1].second : c; }
};

// InvalidArgument naming the field for malformed JSON, unknown keys, wrong
// types or bad values. `periods` is accepted but unused in brackets mode;
// `brackets` is refused outside it.
Status ParseRetentionRequest(std::string_view json, RetentionRequest* out);

}  // namespace swell::query
