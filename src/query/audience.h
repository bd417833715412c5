// Audience, exact mode: the users of a tree of set operations over leaves
// (audience_request.h, docs/queries.md "Audiences").
//
// Every data source (the speed layer's AppState, each lake partition) adds
// to one AudiencePartial: per leaf, the users it found (min_count 1) or the
// per-user event counts (min_count > 1); and the universe a `not` takes its
// complement in (the users with any event in the union of the leaves'
// ranges). Sources hold disjoint events and number users with the app's one
// dictionary, so partials merge exactly (sets unite, counts add); the tree
// is evaluated once, on the merged partial.
//
// A leaf with min_count 1 reads the pre-aggregated user sets of an hour (the
// speed layer) or of a day (a sets/ file of the lake) that lies wholly in
// its range; partial hours and days, properties without sets, and
// min_count > 1 read the rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <roaring/roaring.hh>

#include "lake/manifest.h"
#include "query/audience_request.h"
#include "query/partition_cache.h"
#include "query/time_buckets.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

// One set to compute per source: a request leaf, or a universe range.
struct AudienceTerm {
  std::string event_name;  // kAnyEvent: any event
  std::optional<Filter> filter;
  TimeBuckets range;       // one bucket per month; IndexOf >= 0 <=> in range
  uint32_t min_count = 1;
};

// The terms of a request: its leaves in order, then (when the tree holds a
// `not`) one any-event term per distinct leaf range. InvalidArgument naming
// the leaf for an empty or too long range.
struct AudiencePlan {
  std::vector<AudienceTerm> terms;
  size_t leaves = 0;  // terms[0, leaves) are the request's leaves
};
Status PlanAudience(const AudienceRequest& req, std::shared_ptr<const TimeZone> tz, AudiencePlan* out);

struct AudiencePartial {
  // Per term: users (min_count 1) or per-user counts (min_count > 1).
  std::vector<Roaring> users;
  std::vector<std::unordered_map<uint32_t, uint32_t>> counts;
  explicit AudiencePartial(size_t terms = 0) : users(terms), counts(terms) {}
  void Merge(AudiencePartial&& other);
};

struct AudienceScanStats {
  uint64_t hours_from_sets = 0;
  uint64_t hours_scanned = 0;
  uint64_t partitions_from_sets = 0;
  uint64_t partitions_scanned = 0;
};

// Adds the terms (all, or those with mask[i] true) over app's hours.
// REQUIRES: the caller holds app.mu shared (or app is a loaded partition).
void ScanAudience(const AudiencePlan& plan, const speed::AppState& app, AudiencePartial* out,
                  const std::vector<bool>* mask = nullptr, AudienceScanStats* stats = nullptr);

// Adds the terms over the app's sealed partitions of the snapshot.
Status ScanLakeAudience(const AudiencePlan& plan, const std::string& app_id, const lake::Snapshot& snapshot,
                        PartitionCache* cache, AudiencePartial* out, AudienceScanStats* stats = nullptr);

// The audience: the tree over the merged partial.
Roaring EvaluateAudience(const AudienceRequest& req, const AudiencePlan& plan, const AudiencePartial& partial);

// {"count", "lower_bound", "upper_bound", "mode", "sample"?}; sample: the ids
// of the first users (by user number) of the audience.
std::string RenderAudience(const AudienceRequest& req, uint64_t count, const std::vector<std::string>& sample);

}  // namespace swell::query
