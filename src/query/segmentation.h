// Segmentation: counts of one event (or any event) per time bucket, filtered
// and optionally grouped by a property (docs/queries.md).
//
// Each data source produces a SegmentationPartial: per group (by value text)
// and bucket, the event count and the set of user numbers. Partials of
// different sources or time chunks merge exactly (counts add, user sets
// unite, since every source numbers users with the app's one dictionary),
// and only the merged partial becomes the response.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <roaring/roaring.hh>

#include "query/query_request.h"
#include "query/time_buckets.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

// The group of events that lack the group-by property.
inline constexpr std::string_view kNoneGroup = "(none)";

struct SeriesPartial {
  std::vector<uint64_t> events;          // per bucket
  std::vector<Roaring> users;   // per bucket; empty unless uniques
};

struct SegmentationPartial {
  // Key "" holds the one series of an ungrouped chart.
  std::map<std::string, SeriesPartial> series;
  void Merge(SegmentationPartial&& other);
};

struct ScanStats {
  uint64_t hours_from_sets = 0;  // hours answered from the user sets
  uint64_t hours_scanned = 0;    // hours whose rows were read
  uint64_t rows_scanned = 0;
};

// Adds the app's speed-layer events to *out.
// REQUIRES: the caller holds app.mu shared.
void ScanSpeedLayer(const SegmentationRequest& req, const TimeBuckets& buckets, const speed::AppState& app,
                    SegmentationPartial* out, ScanStats* stats = nullptr);

// The response JSON: every bucket of every series, series by total
// descending then group name (bytewise).
std::string RenderSegmentation(const SegmentationRequest& req, const TimeBuckets& buckets,
                               const SegmentationPartial& partial);

}  // namespace swell::query
