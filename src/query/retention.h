// Retention (docs/queries.md "Retention"): of the users who did a start
// event in the range, how many returned in each later period, per cohort
// and overall.
//
// A RetentionQuery is built from the request JSON and answers two ways:
//  - from the per-user event stream (stream_spec(): start events in the
//    range, return events from the range's start to where the last period
//    can end), evaluated user by user, users in parallel: every request;
//  - from the pre-aggregated user sets (retention_sets.cc), when they answer
//    exactly (SetsAnswer(): calendar periods of UTC days or weeks, events
//    without filters or with one `is` filter): per UTC day, the users of the
//    start and return events as bitmaps; cohort(d) = start(d) minus the
//    starts of earlier days of the range, retained(d, N) = cohort(d) ∩
//    return(d + N). No row is read.
// Both render the same response from a table of counts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <roaring/roaring.hh>

#include "lake/manifest.h"
#include "query/event_stream.h"
#include "query/partition_cache.h"
#include "query/retention_request.h"
#include "query/time_buckets.h"
#include "query/timezone.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

// At most this many cohorts per request.
inline constexpr int64_t kMaxRetentionCohorts = 1000;

// What the user sets of every source add up to (retention_sets.cc), per
// unit (UTC day or Monday week) counted from the first cohort's. Sources
// hold disjoint events numbered by one user dictionary, so partials merge
// by union.
struct RetentionSetsPartial {
  std::vector<Roaring> start;   // per cohort unit: users of start events in the range
  std::vector<Roaring> ret;     // per unit 0 .. cohorts - 1 + last period: users of return events
  Roaring later;                // unbounded: users of return events of every later unit
  void Merge(RetentionSetsPartial&& other);
};

class RetentionQuery {
 public:
  // InvalidArgument naming the field for a bad request. now_ms: the default
  // `as_of`.
  static Status Create(std::string_view request_json, const ZoneResolver& zones, int64_t now_ms,
                       std::unique_ptr<RetentionQuery>* out);

  const RetentionRequest& request() const { return req_; }
  const StreamSpec& stream_spec() const { return spec_; }
  // The response JSON for the stream built from stream_spec().
  std::string Evaluate(const EventStream& stream) const;

  // True when the user sets answer this request exactly: calendar periods,
  // UTC, bounds on UTC midnights, and start and return each one named event
  // without filters or with one `is` filter on a stored property, or `_all`
  // without filters. A source may still refuse (NotSupported below).
  bool SetsAnswer() const;
  // An empty partial shaped for this request. REQUIRES: SetsAnswer().
  RetentionSetsPartial NewSetsPartial() const;
  // Adds the speed layer's hour sets. NotSupported when an hour lacks the
  // value sets of the filter's property (too many values): read the stream.
  // REQUIRES: SetsAnswer(); app.mu held shared.
  Status AddSpeedSets(const speed::AppState& app, RetentionSetsPartial* out) const;
  // Adds the sealed days' sets/ rows (days in parallel). NotSupported when a
  // day has no sets file or a marker row for the filter's property.
  // *files_read (when given) counts the sets files read. REQUIRES: SetsAnswer().
  Status AddLakeSets(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache,
                     RetentionSetsPartial* out, uint64_t* files_read = nullptr) const;
  // The response JSON from the merged partial.
  std::string EvaluateSets(const RetentionSetsPartial& partial) const;
  // All of the above for callers that may hold the app throughout (tests):
  // app held shared or null, snapshot and cache null without a lake.
  Status EvaluateFromSets(const speed::AppState* app, const std::string& app_id, const lake::Snapshot* snapshot,
                          PartitionCache* cache, std::string* response_json) const;

 private:
  RetentionQuery() = default;
  // counts: per cohort, columns() + 1 numbers (users, then retained per column).
  std::string Render(const std::vector<uint64_t>& counts) const;
  // The unit number (days or weeks since the epoch) of a local time.
  int64_t UnitOf(int64_t local_ms) const;

  RetentionRequest req_;
  std::shared_ptr<const TimeZone> tz_;
  TimeBuckets cohorts_;                // one bucket per cohort
  int64_t begin_ms_ = 0, end_ms_ = 0;  // UTC span holding the start range (exact test: cohorts_)
  int64_t as_of_local_ms_ = 0;         // as_of in local wall-clock time
  StreamSpec spec_;
};

}  // namespace swell::query
