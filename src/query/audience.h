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

#include <algorithm>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <roaring/roaring.hh>

#include "lake/manifest.h"
#include "query/audience_request.h"
#include "query/partition_cache.h"
#include "query/time_buckets.h"
#include "sketch/theta_set_ops.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

// One set to compute per source: a request leaf, or a universe range, or
// (ChunkAudiencePlan) the part of one of those inside a chunk of time.
struct AudienceTerm {
  std::string event_name;  // kAnyEvent: any event
  std::optional<Filter> filter;
  TimeBuckets range;       // one bucket per month; IndexOf >= 0 <=> in range
  TimeBound from, to_exclusive;  // the bounds range was made from
  uint32_t min_count = 1;
  // Only events in [clip_begin_ms, clip_end_ms) count. Chunk edges are
  // whole UTC days, so an hour or a day is wholly inside or outside.
  int64_t clip_begin_ms = INT64_MIN;
  int64_t clip_end_ms = INT64_MAX;
  size_t origin = 0;       // ChunkAudiencePlan: the term this is a chunk of

  // The instants the term can hold events in (range and clip).
  int64_t begin_ms() const { return std::max(range.scan_begin_ms(), clip_begin_ms); }
  int64_t end_ms() const { return std::min(range.scan_end_ms(), clip_end_ms); }
};

// The terms of a request: its leaves in order, then (when the tree holds a
// `not`) one any-event term per distinct leaf range. InvalidArgument naming
// the leaf for an empty or too long range.
struct AudiencePlan {
  std::vector<AudienceTerm> terms;
  size_t leaves = 0;  // terms[0, leaves) are the request's leaves
  // Estimate mode: whole sealed days contribute the sketches of their sets
  // rows instead of their bitmaps (AudiencePartial::sketches).
  bool estimate = false;
};
Status PlanAudience(const AudienceRequest& req, std::shared_ptr<const TimeZone> tz, AudiencePlan* out);

// Splits every term with min_count 1 at the multiples of chunk_days UTC days
// since the epoch (a fixed grid, so the chunks of a range moved by a day are
// mostly the same chunks); a term with min_count > 1 stays whole (counts
// must add over the whole range before the threshold). Each chunk term's
// `origin` is the index of its term in plan. chunk_days 0: no split.
// Chunks outside [data_begin_ms, data_end_ms) (where the apps hold no
// event) are left out, so that a range of centuries costs nothing.
AudiencePlan ChunkAudiencePlan(const AudiencePlan& plan, int chunk_days, int64_t data_begin_ms = INT64_MIN,
                               int64_t data_end_ms = INT64_MAX);

struct AudiencePartial {
  // Per term: users (min_count 1) or per-user counts (min_count > 1).
  std::vector<Roaring> users;
  std::vector<std::unordered_map<uint32_t, uint32_t>> counts;
  // Estimate mode, per term: the union of the sketches of sealed days'
  // sets rows (users read from rows or the speed layer stay in `users`).
  std::vector<ThetaUnion> sketches;
  explicit AudiencePartial(size_t terms = 0, bool estimate = false)
      : users(terms), counts(terms), sketches(estimate ? terms : 0) {}
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

// Adds the terms (all, or those with mask[i] true) over the app's sealed
// partitions of the snapshot.
Status ScanLakeAudience(const AudiencePlan& plan, const std::string& app_id, const lake::Snapshot& snapshot,
                        PartitionCache* cache, AudiencePartial* out, AudienceScanStats* stats = nullptr,
                        const std::vector<bool>* mask = nullptr);

// What identifies the data a term read in one app: the speed layer's hours
// in its instants (with their row counts: rows are only ever added) and the
// lake files of its days. Equal versions mean equal answers.
// REQUIRES: the caller holds app.mu shared; snapshot taken under that hold.
std::string AudienceTermVersion(const AudienceTerm& term, const std::string& app_id, const speed::AppState* app,
                                const lake::Snapshot* snapshot);
// The normalized question a term asks (event, filter, min_count, range
// bounds and zone, clip), independent of where it sits in a request.
std::string AudienceTermKey(const AudienceTerm& term);

// The audience: the tree over the sets of the request's terms (leaf sets
// thresholded by min_count; terms past plan.leaves are united into the
// universe of `not`).
Roaring EvaluateAudienceSets(const AudienceNode& root, const std::vector<Roaring>& leaf_sets, const Roaring& universe);
// The set of term t of a partial: its users, or its users with at least
// min_count events.
Roaring AudienceTermSet(const AudienceTerm& term, const Roaring& users,
                        const std::unordered_map<uint32_t, uint32_t>& counts);

// {"count", "lower_bound", "upper_bound", "mode", "sample"?}; sample: the ids
// of the first users (by user number) of the audience.
std::string RenderAudience(const AudienceRequest& req, uint64_t count, const std::vector<std::string>& sample);

}  // namespace swell::query
