// POST /2/httpapi and POST /batch: Amplitude HTTP V2 and Batch ingest. A 200
// is sent only after Engine::Ingest returned OK, i.e. the events are in the
// fsynced write-ahead log and queryable.
#pragma once

#include <httplib.h>

#include <cstdint>

#include "collect/amplitude_request.h"
#include "engine/engine.h"
#include "serve/auth.h"
#include "serve/metrics.h"

namespace swell::serve {

struct IngestRouteOptions {
  uint64_t max_body_bytes = 1ull << 20;  // wire and decompressed
  uint64_t drain_limit_bytes = 64ull << 20;
  collect::IngestLimits limits;          // limits.max_events is the per-request event cap
};

class IngestRoutes {
 public:
  // REQUIRES: engine, keys and metrics outlive the routes.
  IngestRoutes(Engine* engine, const KeyRegistry* keys, HttpMetrics* metrics, IngestRouteOptions httpapi,
               IngestRouteOptions batch);

  void Handle(Route route, const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader);

 private:
  Engine* engine_;
  const KeyRegistry* keys_;
  HttpMetrics* metrics_;
  IngestRouteOptions httpapi_;
  IngestRouteOptions batch_;
};

// The number of distinct events an Amplitude 400 body names in
// events_with_invalid_fields, events_with_missing_fields and
// events_with_invalid_id_lengths (0 if none).
uint64_t CountEventsNamedInError(const std::string& error_json);

}  // namespace swell::serve
