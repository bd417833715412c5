#include "serve/ingest_routes.h"

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>

#include "serve/request_body.h"
#include "serve/response.h"
#include "util/json_writer.h"
#include "wal/log_writer.h"

namespace swell::serve {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

uint64_t CountEventsNamedInError(const std::string& error_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(error_json).get(doc)) return 0;
  std::set<int64_t> indices;
  for (const char* field :
       {"events_with_invalid_fields", "events_with_missing_fields", "events_with_invalid_id_lengths"}) {
    simdjson::dom::object fields;
    if (doc[field].get(fields)) continue;
    for (auto [name, list] : fields) {
      simdjson::dom::array arr;
      if (list.get(arr)) continue;
      for (simdjson::dom::element e : arr) {
        int64_t i;
        if (!e.get(i)) indices.insert(i);
      }
    }
  }
  return indices.size();
}

IngestRoutes::IngestRoutes(Engine* engine, const KeyRegistry* keys, HttpMetrics* metrics,
                           IngestRouteOptions httpapi, IngestRouteOptions batch)
    : engine_(engine), keys_(keys), metrics_(metrics), httpapi_(std::move(httpapi)), batch_(std::move(batch)) {}

void IngestRoutes::Handle(Route route, const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
  const IngestRouteOptions& opt = route == Route::kBatch ? batch_ : httpapi_;
  const int64_t now_ms = NowMs();
  auto reply = [&](int status, std::string body) {
    metrics_->CountIngestRequest(route, status);
    SendJson(res, status, std::move(body));
  };

  std::string body;
  BodyResult br = ReadRequestBody(req, reader, opt.max_body_bytes, opt.drain_limit_bytes, &body);
  if (!br.drained) CloseAfterResponse(res);
  switch (br.outcome) {
    case BodyResult::Outcome::kOk: break;
    case BodyResult::Outcome::kTooLarge:
      // Amplitude's exact body: the SDKs look for it to split the batch.
      return reply(413, AmplitudeErrorJson(413, "Payload too large"));
    case BodyResult::Outcome::kUnsupportedEncoding: return reply(415, AmplitudeErrorJson(415, br.message));
    case BodyResult::Outcome::kBadEncoding:
    case BodyResult::Outcome::kReadFailed: return reply(400, AmplitudeErrorJson(400, br.message));
  }

  collect::ParsedRequest parsed;
  collect::IngestError error;
  if (!collect::ParseAmplitudeRequest(body, now_ms, opt.limits, &parsed, &error)) {
    if (error.http_status == 413) {
      metrics_->CountRejectedEvents(RejectReason::kTooManyEvents, error.events_in_request);
    } else {
      metrics_->CountRejectedEvents(RejectReason::kInvalidEvent, CountEventsNamedInError(error.body_json));
    }
    return reply(error.http_status, std::move(error.body_json));
  }
  const uint64_t n = parsed.events.size();
  if (n > opt.limits.max_events) {
    metrics_->CountRejectedEvents(RejectReason::kTooManyEvents, n);
    return reply(413, AmplitudeErrorJson(413, "Payload too large"));
  }
  const std::string* app = keys_->AppForIngestKey(parsed.api_key);
  if (app == nullptr) {
    metrics_->CountRejectedEvents(RejectReason::kInvalidApiKey, n);
    // Amplitude echoes the key back; the request log never shows it.
    return reply(400, AmplitudeErrorJson(400, "Invalid API key: " + parsed.api_key));
  }

  IngestResult result;
  Status st = engine_->Ingest(*app, std::move(parsed.events), &result);
  if (wal::IsDiskFull(st)) {
    // Not a 500: the server is healthy and the request can succeed as sent
    // once space is freed, and Amplitude SDKs retry a 503 with the same
    // events (insert_id dedup makes any resend safe).
    metrics_->CountRejectedEvents(RejectReason::kDiskFull, n);
    // The file and errno are for the operator, at most once a minute.
    static std::atomic<int64_t> last_logged_ms{0};
    int64_t last = last_logged_ms.load(std::memory_order_relaxed);
    if (now_ms - last >= 60'000 && last_logged_ms.compare_exchange_strong(last, now_ms))
      std::fprintf(stderr, "swell: ingest refused: %s\n", st.message().c_str());
    res.set_header("Retry-After", "60");
    return reply(503, AmplitudeErrorJson(503, "Disk full: the server has no space left on its disk, so nothing from "
                                              "this request was stored; retry later"));
  }
  if (st.IsResourceExhausted()) {
    metrics_->CountRejectedEvents(RejectReason::kTooManyRequests, n);
    res.set_header("Retry-After", "30");
    return reply(429, AmplitudeErrorJson(429, "Too many requests: " + st.message()));
  }
  if (!st.ok()) {
    metrics_->CountRejectedEvents(RejectReason::kServerError, n);
    return reply(500, AmplitudeErrorJson(500, "Internal error: the events were not stored: " + st.ToString()));
  }
  JsonWriter w;
  w.BeginObject()
      .Key("code").Int(200)
      .Key("events_ingested").Uint(n)
      .Key("payload_size_bytes").Uint(body.size())
      .Key("server_upload_time").Int(now_ms)
      .EndObject();
  reply(200, w.Take());
}

}  // namespace swell::serve
