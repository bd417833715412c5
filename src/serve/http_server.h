// The HTTP server: cpp-httplib with a worker pool large enough that
// concurrent ingest requests meet in the log's group commit (one fsync for
// many requests), keep-alive, timeouts, request logging without keys, and
// the routes of docs/api.md.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.h"
#include "engine/engine.h"
#include "serve/auth.h"
#include "serve/ingest_routes.h"
#include "serve/metrics.h"
#include "serve/query_routes.h"
#include "serve/connection_tracker.h"
#include "util/status.h"

namespace swell::serve {

struct HttpServerOptions {
  bool log_requests = true;  // one line per request on stderr
};

class HttpServer {
 public:
  // REQUIRES: engine outlives the server; config passed ValidateConfig.
  HttpServer(Engine* engine, const config::Config& config, HttpServerOptions options = {});
  ~HttpServer();

  // Binds host:port; port 0 picks a free port. *bound_port gets the port.
  Status Bind(const std::string& host, int port, int* bound_port);
  // Serves until Stop(); in-flight requests finish before it returns.
  // REQUIRES: Bind returned OK.
  Status Run();
  // Thread-safe; callable before or during Run.
  void Stop();

  HttpMetrics* metrics() { return &metrics_; }

 private:
  void RegisterRoutes();
  void Fallback(const httplib::Request& req, httplib::Response& res);
  void WidenBacklog();
  // After a route read its body: a body that did not arrive within
  // body_timeout_seconds is answered 408 and the connection closed.
  void AnswerLateBody(httplib::Response& res, bool amplitude_shape);
  // Shuts down slow connections every half second until Stop.
  void Watchdog();

  Engine* engine_;
  config::Config config_;
  HttpServerOptions options_;
  KeyRegistry keys_;
  HttpMetrics metrics_;
  IngestRoutes ingest_;
  QueryRoutes query_;
  ConnectionTracker connections_;  // before server_: its handlers use it
  httplib::Server server_;
  std::atomic<int> bound_port_{0};
  int listen_socket_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex watchdog_mu_;
  std::condition_variable watchdog_cv_;
  std::thread watchdog_;
};

}  // namespace swell::serve
