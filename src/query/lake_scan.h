// The lake half of a query: the sealed partitions of one app, read through a
// manifest snapshot. Each partition adds to the same partial results as the
// speed layer (segmentation.h), so the planner merges the two exactly.
//
// Per partition, each requested event is answered from the sets/ file when
// its shape allows (SetsShapeEvent: a named event, no group-by, a count or
// user metric, no filter or one `is` filter on a property whose values the
// file holds, and the whole UTC day falling in one bucket under one UTC
// offset); the remaining events are answered together by loading the
// events/ file (PartitionCache) and scanning it with the speed layer's own
// operator (ScanSource). Partitions run in parallel.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <roaring/roaring.hh>

#include "lake/manifest.h"
#include "lake/storage.h"
#include "query/partition_cache.h"
#include "query/segmentation.h"
#include "util/status.h"

namespace swell::query {

struct LakeScanStats {
  uint64_t partitions_from_sets = 0;  // partitions where some event read the sets
  uint64_t partitions_scanned = 0;    // partitions whose rows were read
};

// Adds the app's sealed events in the chart's range (widened for active-user
// metrics, ScanBuckets) to *out.
Status ScanLakeSegmentation(const SegmentationRequest& req, const TimeBuckets& buckets, const std::string& app_id,
                            const lake::Snapshot& snapshot, PartitionCache* cache,
                            SegmentationPartial* out, LakeScanStats* stats = nullptr);

// Per event name: the event count and the users, from the sets/ files.
struct EventNameCounts {
  uint64_t totals = 0;
  Roaring users;
};
Status LakeEventNames(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache,
                      std::map<std::string, EventNameCounts>* out);

}  // namespace swell::query
