#include "serve/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "serve/request_body.h"
#include "serve/response.h"
#include "util/json_writer.h"

namespace swell::serve {

namespace {

struct KnownPath {
  const char* path;
  const char* allow;  // methods, for 405 and the Allow header
  Route route;
};

constexpr KnownPath kKnownPaths[] = {
    {"/2/httpapi", "POST, OPTIONS", Route::kHttpApi},
    {"/batch", "POST, OPTIONS", Route::kBatch},
    {"/api/v1/segmentation", "POST", Route::kSegmentation},
    {"/api/v1/audience", "POST", Route::kAudience},
    {"/api/v1/funnel", "POST", Route::kFunnel},
    {"/api/v1/retention", "POST", Route::kRetention},
    {"/api/v1/events", "GET", Route::kEvents},
    {"/healthz", "GET", Route::kHealthz},
    {"/metrics", "GET", Route::kMetrics},
    {"/", "GET", Route::kIndex},
};

const KnownPath* FindPath(const std::string& path) {
  for (const KnownPath& p : kKnownPaths) {
    if (path == p.path) return &p;
  }
  return nullptr;
}

// Each worker thread serves one request at a time, so the start of the
// current request can live in a thread-local.
thread_local std::chrono::steady_clock::time_point t_request_start;
thread_local bool t_request_started = false;

// Queries run at once by default: one per hardware thread, as a query uses
// one core; at least 2 so that one slow query cannot hold every other back.
int DefaultConcurrentQueries() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }

QueryLimits MakeQueryLimits(const config::Config& config) {
  QueryLimits q;
  q.max_body_bytes = 1ull << 20;
  q.max_concurrent_queries =
      config.limits.max_concurrent_queries > 0 ? config.limits.max_concurrent_queries : DefaultConcurrentQueries();
  // Waiting queries hold HTTP workers too: as many may wait as run, twice.
  q.max_queued_queries = 2 * q.max_concurrent_queries;
  q.queue_wait = std::chrono::seconds(config.limits.query_queue_seconds);
  return q;
}

// Whether the request announces a body (RFC 9112 6.3).
bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

const char* StatusText(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Error";
  }
}

void AddCors(httplib::Response& res) {
  // Browser SDKs post from any origin; the api_key in the body authorizes.
  res.set_header("Access-Control-Allow-Origin", "*");
}

const char* kIndexHtml = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Swell</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
code{background:#f2f2f2;padding:0 .25rem}</style></head>
<body>
<h1>Swell</h1>
<p>Behavioral analytics: send events, ask which users did what.</p>
<h2>Endpoints</h2>
<ul>
<li><code>POST /2/httpapi</code>, <code>POST /batch</code> &mdash; ingest (Amplitude HTTP V2 / Batch bodies)</li>
<li><code>POST /api/v1/segmentation</code>, <code>POST /api/v1/funnel</code>, <code>POST /api/v1/retention</code>, <code>POST /api/v1/audience</code>, <code>GET /api/v1/events</code> &mdash; queries (<code>Authorization: Bearer READ_KEY</code>)</li>
<li><a href="/healthz"><code>GET /healthz</code></a> &mdash; health</li>
<li><a href="/metrics"><code>GET /metrics</code></a> &mdash; Prometheus metrics</li>
</ul>
<p>The API is documented in <code>docs/api.md</code>; operations in <code>docs/operations.md</code>.</p>
</body>
</html>
)";

}  // namespace

HttpServer::HttpServer(Engine* engine, const config::Config& config, HttpServerOptions options)
    : engine_(engine),
      config_(config),
      options_(options),
      keys_(config),
      ingest_(engine, &keys_, &metrics_,
              IngestRouteOptions{config.limits.max_body_bytes, 4 * config.limits.max_body_bytes,
                                 [&] {
                                   collect::IngestLimits l;
                                   l.max_events = config.limits.max_events_per_request;
                                   l.max_event_age_ms = config.lake.max_event_age_days * 86'400'000;
                                   return l;
                                 }()},
              IngestRouteOptions{config.limits.max_batch_body_bytes, 2 * config.limits.max_batch_body_bytes,
                                 [&] {
                                   collect::IngestLimits l;
                                   l.max_events = config.limits.max_events_per_batch_request;
                                   l.max_event_age_ms = config.lake.max_event_age_days * 86'400'000;
                                   return l;
                                 }()}),
      query_(engine, &keys_, &metrics_, MakeQueryLimits(config)) {
  const config::ServerConfig& sc = config_.server;
  int threads = sc.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.set_keep_alive_max_count(100000);
  server_.set_keep_alive_timeout(sc.keep_alive_seconds);
  server_.set_read_timeout(sc.read_timeout_seconds, 0);
  server_.set_write_timeout(sc.write_timeout_seconds, 0);
  server_.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server
  // bind the same port and silently share its traffic.
  server_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;
  });
  // Route handlers read bodies themselves under their own limits; this only
  // bounds what httplib reads on its own (and drains for a 413).
  server_.set_payload_max_length(2 * config_.limits.max_batch_body_bytes + (1 << 20));
  RegisterRoutes();
}

void HttpServer::RegisterRoutes() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    t_request_start = std::chrono::steady_clock::now();
    t_request_started = true;
    // The headers are in: the body's time starts now.
    if (HasBody(req)) {
      auto deadline = t_request_start + std::chrono::seconds(config_.server.body_timeout_seconds);
      connections_.Begin(req, deadline);
      SetBodyDeadline({deadline, [this, peer = ConnectionTracker::PeerOf(req)](bool timed_out) {
                         connections_.BodyDone(peer);
                         if (timed_out) metrics_.CountSlowClosed(/*body=*/true, 1);
                       }});
    } else {
      connections_.Begin(req);
      SetBodyDeadline({});
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    // A close the client asked for httplib does itself; one a route asked
    // for (an unread body, a late one) is the watchdog's to do, at once.
    bool close = res.get_header_value("Connection") == "close" && req.get_header_value("Connection") != "close" &&
                 req.version != "HTTP/1.0";
    connections_.End(req, close);
    if (close) watchdog_cv_.notify_all();
    double seconds = 0;
    if (t_request_started) {
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request_start).count();
      t_request_started = false;
    }
    const KnownPath* known = FindPath(req.path);
    metrics_.ObserveRequest(known ? known->route : Route::kOther, seconds);
    if (options_.log_requests) {
      // The path only: a query string could carry a key.
      std::string path = req.path.size() > 200 ? req.path.substr(0, 200) + "..." : req.path;
      for (char& c : path) {
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
      }
      std::fprintf(stderr, "%s %s %s %d %zu %.3fms\n", req.remote_addr.c_str(), req.method.c_str(), path.c_str(),
                   res.status, res.body.size(), seconds * 1000);
    }
  });
  server_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    // Routes write their own bodies; this covers what httplib refuses itself
    // (malformed request line, URI too long, ...).
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    SendJson(res, res.status, ErrorJson(StatusText(res.status)));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendJson(res, 500, ErrorJson("internal error: " + what));
  });

  for (Route route : {Route::kHttpApi, Route::kBatch}) {
    std::string path(RouteLabel(route));
    server_.Post(path, [this, route](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
      AddCors(res);
      ingest_.Handle(route, req, res, reader);
      if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/true);
    });
    server_.Options(path, [](const httplib::Request&, httplib::Response& res) {
      AddCors(res);
      res.set_header("Access-Control-Allow-Methods", "POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Content-Type, Content-Encoding, Accept");
      res.set_header("Access-Control-Max-Age", "86400");
      res.status = 204;
    });
  }
  server_.Post("/api/v1/segmentation",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 query_.Segmentation(req, res, reader);
                 if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/false);
               });
  server_.Post("/api/v1/audience",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 query_.Audience(req, res, reader);
                 if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/false);
               });
  server_.Post("/api/v1/funnel",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 query_.Funnel(req, res, reader);
                 if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/false);
               });
  server_.Post("/api/v1/retention",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 query_.Retention(req, res, reader);
                 if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/false);
               });
  server_.Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) { query_.Events(req, res); });
  server_.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    Status health = engine_->health();
    if (health.ok()) return SendJson(res, 200, R"({"status":"ok"})");
    // A log that refuses appends needs a restart; say so to the supervisor.
    JsonWriter w;
    w.BeginObject().Key("status").String("failing").Key("error").String(health.message()).EndObject();
    SendJson(res, 503, w.str());
  });
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(metrics_.Render(engine_->stats()), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(kIndexHtml, "text/html; charset=utf-8");
  });

  // Everything else: 404 for unknown paths, 405 for known paths with the
  // wrong method. Bodies are drained unread (never inflated).
  auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string ignored;
    BodyResult br = ReadRequestBody(req, reader, 0, 1 << 20, &ignored);
    if (!br.drained) CloseAfterResponse(res);
    Fallback(req, res);
    if (TakeBodyTimedOut()) AnswerLateBody(res, /*amplitude_shape=*/false);
  };
  auto without_body = [this](const httplib::Request& req, httplib::Response& res) { Fallback(req, res); };
  server_.Get(".*", without_body);
  server_.Options(".*", without_body);
  server_.Post(".*", with_body);
  server_.Put(".*", with_body);
  server_.Patch(".*", with_body);
  server_.Delete(".*", with_body);
}

void HttpServer::AnswerLateBody(httplib::Response& res, bool amplitude_shape) {
  std::string message = "the request body did not arrive within " +
                        std::to_string(config_.server.body_timeout_seconds) +
                        " s of its headers ([server] body_timeout_seconds)";
  SendJson(res, 408, amplitude_shape ? AmplitudeErrorJson(408, message) : ErrorJson(message));
  CloseAfterResponse(res);
}

void HttpServer::Watchdog() {
  ConnectionTracker::Timeouts timeouts;
  timeouts.header = std::chrono::seconds(config_.server.header_timeout_seconds);
  timeouts.keep_alive = std::chrono::seconds(config_.server.keep_alive_seconds);
  // Slow connections closed since the last line on stderr: a flood is
  // reported, at most every 10 s, rather than line by line.
  uint64_t unreported = 0;
  auto last_report = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  std::unique_lock<std::mutex> l(watchdog_mu_);
  while (!stopping_.load()) {
    watchdog_cv_.wait_for(l, std::chrono::milliseconds(500));
    if (stopping_.load()) break;
    auto now = std::chrono::steady_clock::now();
    ConnectionTracker::SweepCounts counts = connections_.Sweep(bound_port_.load(), timeouts, now);
    metrics_.SetConnections(counts.open);
    if (counts.header_closed > 0) metrics_.CountSlowClosed(/*body=*/false, counts.header_closed);
    unreported += counts.header_closed + counts.body_ended;
    if (unreported > 0 && options_.log_requests && now - last_report >= std::chrono::seconds(10)) {
      std::fprintf(stderr, "closed %llu slow connection(s): request headers or body not in within "
                   "[server] header_timeout_seconds / body_timeout_seconds; %llu open\n",
                   static_cast<unsigned long long>(unreported), static_cast<unsigned long long>(counts.open));
      unreported = 0;
      last_report = now;
    }
  }
}

void HttpServer::Fallback(const httplib::Request& req, httplib::Response& res) {
  const KnownPath* known = FindPath(req.path);
  if (known == nullptr) {
    return SendJson(res, 404, ErrorJson("no such endpoint: " + req.method + " " + req.path + " (see docs/api.md)"));
  }
  res.set_header("Allow", known->allow);
  SendJson(res, 405, ErrorJson("method " + req.method + " is not allowed on " + req.path + "; allowed: " +
                               known->allow));
}

Status HttpServer::Bind(const std::string& host, int port, int* bound_port) {
  if (port == 0) {
    int p = server_.bind_to_any_port(host);
    if (p <= 0) return Status::IOError("cannot listen on " + host + ": no free port or bad address");
    *bound_port = p;
    bound_port_.store(p);
    WidenBacklog();
    return Status::OK();
  }
  if (!server_.bind_to_port(host, port)) {
    return Status::IOError(fmt::format("cannot listen on {}:{} (in use, or a bad address)", host, port));
  }
  *bound_port = port;
  bound_port_.store(port);
  WidenBacklog();
  return Status::OK();
}

void HttpServer::WidenBacklog() {
  // httplib 0.11.4 listens with a backlog of 5: a burst of new clients
  // overflows it and their connections wait for a SYN retransmit (1 s).
  // listen() again on a listening socket only changes the backlog.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
}

Status HttpServer::Run() {
  if (stopping_.load()) return Status::OK();
  {
    std::lock_guard<std::mutex> l(watchdog_mu_);
    if (!watchdog_.joinable() && bound_port_.load() > 0) watchdog_ = std::thread([this] { Watchdog(); });
  }
  bool ok = server_.listen_after_bind();
  if (!ok && !stopping_.load()) return Status::IOError("HTTP server stopped with an error");
  return Status::OK();
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> l(watchdog_mu_);
    stopping_.store(true);
  }
  watchdog_cv_.notify_all();
  server_.stop();
  if (bound_port_.load() > 0) connections_.CloseIdle(bound_port_.load());
}

HttpServer::~HttpServer() {
  Stop();
  if (watchdog_.joinable()) watchdog_.join();
}

}  // namespace swell::serve
