// Runs POST /api/v1/audience over one app or several (a portfolio key):
// resolves which apps each leaf reads, splits the terms into chunks of time
// (ChunkAudiencePlan), takes every chunk whose data is unchanged from the
// result cache, reads the others from each app's speed layer and lake, and
// evaluates the tree exactly (roaring bitmaps of one app's user numbers) or
// as an estimate (theta sketches of user ids, which add up across apps).
// docs/queries.md "How an audience is planned".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/manifest.h"
#include "query/audience.h"
#include "query/partition_cache.h"
#include "query/result_cache.h"
#include "query/timezone.h"
#include "speed/speed_layer.h"
#include "util/status.h"

namespace swell::query {

struct AudienceSources {
  speed::SpeedLayer* speed = nullptr;
  // The lake version to read (null: no lake). Called while an app is held.
  std::function<std::shared_ptr<const lake::Snapshot>()> snapshot;
  PartitionCache* partitions = nullptr;  // null without a lake
  ResultCache* results = nullptr;        // null: nothing is reused
  int chunk_days = 60;                   // 0: terms are not split
  int64_t max_range_days = 0;            // a leaf spanning more is refused (CheckRangeDays); 0: any
  std::function<Status(const std::string& name, std::shared_ptr<const TimeZone>* out)> zone;
};

// apps: what the key reads (one app for an app key). A leaf's "app" must be
// one of them (else PermissionDenied); a leaf without one reads them all.
Status RunAudience(const AudienceSources& sources, const std::vector<std::string>& apps, std::string_view request_json,
                   std::string* response_json, AudienceScanStats* stats);

}  // namespace swell::query
