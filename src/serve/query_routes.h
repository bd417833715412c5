// The query API: POST /api/v1/segmentation, POST /api/v1/audience and GET
// /api/v1/events. The read
// key in `Authorization: Bearer` selects the app; the query JSON goes to the
// engine's QueryService unchanged, and its answer comes back unchanged.
#pragma once

#include <httplib.h>

#include <cstdint>

#include "engine/engine.h"
#include "serve/auth.h"

namespace swell::serve {

class QueryRoutes {
 public:
  // REQUIRES: engine and keys outlive the routes.
  QueryRoutes(Engine* engine, const KeyRegistry* keys, uint64_t max_body_bytes)
      : engine_(engine), keys_(keys), max_body_bytes_(max_body_bytes) {}

  void Segmentation(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  // POST /api/v1/audience: the same key, body limits and errors as
  // Segmentation.
  void Audience(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  // POST /api/v1/funnel and /api/v1/retention: likewise.
  void Funnel(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void Retention(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void Events(const httplib::Request& req, httplib::Response& res);

 private:
  // Reads the body and the key of a POST query and runs it with the app and
  // body, or answers the refusal.
  void Post(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
            Status (query::QueryService::*run)(const std::string&, std::string_view, std::string*));
  // Fills *app_id, or answers 401/403 and returns false.
  bool Authorize(const httplib::Request& req, httplib::Response& res, std::string* app_id);
  // Answers with the outcome of a query: 200 with its JSON, 400 for a bad
  // request, 500 otherwise.
  void Answer(httplib::Response& res, const Status& st, std::string json);

  Engine* engine_;
  const KeyRegistry* keys_;
  uint64_t max_body_bytes_;
};

}  // namespace swell::serve
