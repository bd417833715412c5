// QueryService: the one entry point for queries. HTTP routes and the CLI hand
// it the request JSON and get the response JSON (docs/api.md). It plans each
// query over the data sources (the speed layer now; the lake once sealed data
// exists) and merges their partial results.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::speed {
class SpeedLayer;
}

namespace swell::query {

class QueryService {
 public:
  // REQUIRES: speed outlives the service.
  static std::unique_ptr<QueryService> Create(speed::SpeedLayer* speed);
  virtual ~QueryService() = default;

  // POST /api/v1/segmentation. InvalidArgument (-> HTTP 400) names the bad
  // field of the request.
  virtual Status Segmentation(const std::string& app_id, std::string_view request_json,
                              std::string* response_json) = 0;
  // GET /api/v1/events: event names with counts.
  virtual Status EventNames(const std::string& app_id, std::string* response_json) = 0;
};

}  // namespace swell::query
