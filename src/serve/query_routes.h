// The query API: POST /api/v1/segmentation, /funnel, /retention, /audience
// and GET /api/v1/events. The read key in `Authorization: Bearer` selects the
// app; the query JSON goes to the engine's QueryService unchanged, and its
// answer comes back unchanged. A portfolio's read key reads POST
// /api/v1/audience only, across the portfolio's apps (docs/api.md
// "Portfolios"); every other route answers it 403.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "serve/auth.h"
#include "serve/metrics.h"
#include "serve/query_gate.h"

namespace swell::serve {

// How much a query request may send and how many run at once ([limits] in
// docs/operations.md; the bounds on what a query asks for are the query
// layer's, query/request_limits.h).
struct QueryLimits {
  uint64_t max_body_bytes = 1ull << 20;
  int max_concurrent_queries = 4;
  int max_queued_queries = 8;
  std::chrono::milliseconds queue_wait{2000};
};

class QueryRoutes {
 public:
  // REQUIRES: engine, keys and metrics outlive the routes.
  QueryRoutes(Engine* engine, const KeyRegistry* keys, HttpMetrics* metrics, QueryLimits limits)
      : engine_(engine),
        keys_(keys),
        limits_(limits),
        gate_(limits.max_concurrent_queries, limits.max_queued_queries, limits.queue_wait, metrics) {}

  void Segmentation(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  // POST /api/v1/audience: the same key, body limits and errors as
  // Segmentation; a portfolio key runs QueryService::AudienceAcross over the
  // portfolio's apps.
  void Audience(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  // POST /api/v1/funnel and /api/v1/retention: likewise (app keys only).
  void Funnel(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void Retention(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void Events(const httplib::Request& req, httplib::Response& res);

 private:
  // Runs one authorized query: *out and the status of the query.
  using Run = std::function<Status(const ReadAuth& auth, std::string_view body, std::string* out)>;

  // Reads the body and the key of a POST query and runs it with the key's
  // authorization and the body, or answers the refusal. Unless
  // portfolio_ok, a portfolio key is refused with 403.
  void Post(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
            bool portfolio_ok, const Run& run);
  // As Post, for a query of an app key that names the app (a portfolio key
  // is refused).
  void PostForApp(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                  Status (query::QueryService::*run)(const std::string&, std::string_view, std::string*));
  // Fills *auth, or answers 401/403 and returns false; a portfolio key is
  // answered 403 unless portfolio_ok.
  bool Authorize(const httplib::Request& req, httplib::Response& res, bool portfolio_ok, ReadAuth* auth);
  // Answers with the outcome of a query: 200 with its JSON, 400 for a bad
  // request, 403 when it reads an app the key may not read, 500 otherwise.
  void Answer(httplib::Response& res, const Status& st, std::string json);
  // Runs run under the gate, or answers 429 when no slot frees in time.
  void Gated(httplib::Response& res, const std::function<Status(std::string*)>& run);

  Engine* engine_;
  const KeyRegistry* keys_;
  QueryLimits limits_;
  QueryGate gate_;
};

}  // namespace swell::serve
