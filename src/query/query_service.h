// QueryService: the one entry point for queries. HTTP routes and the CLI hand
// it the request JSON and get the response JSON (docs/api.md). It plans each
// query over the two data sources, the speed layer and the lake's sealed
// days (docs/queries.md "How a query is planned"), and merges their partial
// results.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/request_limits.h"
#include "util/status.h"

namespace swell::speed {
class SpeedLayer;
}
namespace swell::lake {
class Storage;
class SnapshotHolder;
}

namespace swell::query {

// Where sealed data is: the lake's storage and the version queries read.
struct LakeAccess {
  lake::Storage* storage = nullptr;
  lake::SnapshotHolder* snapshots = nullptr;
  uint64_t cache_bytes = 2ull << 30;  // lake partitions kept loaded (PartitionCache)
};

// Query-side knobs (docs/configuration: [query]).
struct QueryOptions {
  // Audience chunk results kept for reuse (ResultCache); 0 keeps none.
  uint64_t result_cache_bytes = 256ull << 20;
  // Audience leaves are split into chunks of this many UTC days (0: not
  // split), each cached on its own.
  int audience_chunk_days = 60;
  // Range and group-by bounds of every request (none by default).
  RequestLimits limits;
};

struct QueryStats {
  uint64_t partitions_from_sets = 0;
  uint64_t partitions_scanned = 0;
  uint64_t stream_rows = 0;  // rows funnels and retention kept from their sources
  uint64_t partition_cache_hits = 0;
  uint64_t partition_cache_misses = 0;
  uint64_t partition_cache_bytes = 0;
  // The audience result cache (query/result_cache.h).
  uint64_t result_cache_hits = 0;
  uint64_t result_cache_misses = 0;
  uint64_t result_cache_evictions = 0;
  uint64_t result_cache_bytes = 0;
};

class QueryService {
 public:
  // Queries read the speed layer and, when lake.storage is set, the lake.
  // REQUIRES: speed and the lake's parts outlive the service.
  static std::unique_ptr<QueryService> Create(speed::SpeedLayer* speed, LakeAccess lake = {},
                                              QueryOptions options = {});
  virtual ~QueryService() = default;

  // POST /api/v1/segmentation. InvalidArgument (-> HTTP 400) names the bad
  // field of the request.
  virtual Status Segmentation(const std::string& app_id, std::string_view request_json,
                              std::string* response_json) = 0;
  // POST /api/v1/funnel (query/funnel.h) and /api/v1/retention
  // (query/retention.h). InvalidArgument (-> HTTP 400) names the bad field.
  virtual Status Funnel(const std::string& app_id, std::string_view request_json, std::string* response_json) = 0;
  virtual Status Retention(const std::string& app_id, std::string_view request_json,
                           std::string* response_json) = 0;
  // POST /api/v1/audience (query/audience.h), exact or estimate mode, over
  // the one app of a read key. InvalidArgument (-> HTTP 400) names the bad
  // field of the request.
  virtual Status Audience(const std::string& app_id, std::string_view request_json,
                          std::string* response_json) = 0;
  // POST /api/v1/audience with a portfolio key: `apps` are the apps the key
  // reads (docs/api.md "Portfolios"). A leaf without "app" covers all of
  // them; a leaf naming an app outside `apps` is PermissionDenied (-> 403);
  // exact mode over more than one app is InvalidArgument.
  virtual Status AudienceAcross(const std::vector<std::string>& apps, std::string_view request_json,
                                std::string* response_json) = 0;
  // GET /api/v1/events: event names with counts.
  virtual Status EventNames(const std::string& app_id, std::string* response_json) = 0;

  virtual QueryStats stats() const = 0;
};

}  // namespace swell::query
