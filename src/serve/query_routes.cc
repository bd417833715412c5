#include "serve/query_routes.h"

#include "serve/request_body.h"
#include "serve/response.h"

namespace swell::serve {

namespace {

constexpr const char* kPortfolioReadsAudiencesOnly =
    "a portfolio key reads audiences only (POST /api/v1/audience)";

// Seconds a refused query is told to wait: queries take milliseconds to
// seconds, so a slot is usually free again within one.
constexpr int kRetryAfterSeconds = 1;

}  // namespace

bool QueryRoutes::Authorize(const httplib::Request& req, httplib::Response& res, bool portfolio_ok,
                            ReadAuth* auth) {
  // The header's whole value: get_header_value stops at a NUL byte.
  const size_t headers = req.get_header_value_count("Authorization");
  *auth = keys_->AuthorizeReadHeaders(headers, headers > 0 ? std::string_view(req.headers.find("Authorization")->second)
                                                           : std::string_view());
  if (auth->http_status != 200) {
    if (auth->http_status == 401) res.set_header("WWW-Authenticate", "Bearer");
    SendJson(res, auth->http_status, ErrorJson(auth->error));
    return false;
  }
  if (auth->portfolio && !portfolio_ok) {
    SendJson(res, 403, ErrorJson(kPortfolioReadsAudiencesOnly));
    return false;
  }
  return true;
}

void QueryRoutes::Answer(httplib::Response& res, const Status& st, std::string json) {
  if (st.ok()) return SendJson(res, 200, std::move(json));
  if (st.IsInvalidArgument() || st.IsNotSupported()) return SendJson(res, 400, ErrorJson(st.message()));
  if (st.IsPermissionDenied()) return SendJson(res, 403, ErrorJson(st.message()));
  SendJson(res, 500, ErrorJson("query failed: " + st.ToString()));
}

void QueryRoutes::Gated(httplib::Response& res, const std::function<Status(std::string*)>& run) {
  int running = 0;
  if (!gate_.Enter(&running)) {
    res.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
    return SendJson(res, 429,
                    ErrorJson("too many queries at once: " + std::to_string(running) +
                              " running, the server runs at most " + std::to_string(gate_.max_running()) +
                              " ([limits] max_concurrent_queries); retry after " +
                              std::to_string(kRetryAfterSeconds) + " s"));
  }
  std::string out;
  Status st;
  try {
    st = run(&out);
  } catch (...) {
    gate_.Leave();
    throw;
  }
  gate_.Leave();
  Answer(res, st, std::move(out));
}

void QueryRoutes::Segmentation(const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
  PostForApp(req, res, reader, &query::QueryService::Segmentation);
}

void QueryRoutes::Audience(const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) {
  Post(req, res, reader, /*portfolio_ok=*/true, [this](const ReadAuth& auth, std::string_view body, std::string* out) {
    if (auth.portfolio) return engine_->queries()->AudienceAcross(auth.apps, body, out);
    return engine_->queries()->Audience(auth.app_id, body, out);
  });
}

void QueryRoutes::Funnel(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  PostForApp(req, res, reader, &query::QueryService::Funnel);
}

void QueryRoutes::Retention(const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
  PostForApp(req, res, reader, &query::QueryService::Retention);
}

void QueryRoutes::PostForApp(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader,
                             Status (query::QueryService::*run)(const std::string&, std::string_view, std::string*)) {
  Post(req, res, reader, /*portfolio_ok=*/false,
       [this, run](const ReadAuth& auth, std::string_view body, std::string* out) {
         return (engine_->queries()->*run)(auth.app_id, body, out);
       });
}

void QueryRoutes::Post(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                       bool portfolio_ok, const Run& run) {
  // The body is read first, whatever the key, so that a refused request
  // leaves the keep-alive connection usable.
  std::string body;
  BodyResult br = ReadRequestBody(req, reader, limits_.max_body_bytes, 4 * limits_.max_body_bytes, &body);
  if (!br.drained) CloseAfterResponse(res);
  ReadAuth auth;
  if (!Authorize(req, res, portfolio_ok, &auth)) return;
  switch (br.outcome) {
    case BodyResult::Outcome::kOk: break;
    case BodyResult::Outcome::kTooLarge: return SendJson(res, 413, ErrorJson("query " + br.message));
    case BodyResult::Outcome::kUnsupportedEncoding: return SendJson(res, 415, ErrorJson(br.message));
    case BodyResult::Outcome::kBadEncoding:
    case BodyResult::Outcome::kReadFailed: return SendJson(res, 400, ErrorJson(br.message));
  }
  Gated(res, [&](std::string* out) { return run(auth, body, out); });
}

void QueryRoutes::Events(const httplib::Request& req, httplib::Response& res) {
  ReadAuth auth;
  if (!Authorize(req, res, /*portfolio_ok=*/false, &auth)) return;
  Gated(res, [&](std::string* out) { return engine_->queries()->EventNames(auth.app_id, out); });
}

}  // namespace swell::serve
