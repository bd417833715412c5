// Counters kept by the HTTP layer and the Prometheus text rendering
// (format 0.0.4) of them together with the engine's stats, for GET /metrics.
// The metric names are listed in docs/operations.md.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine.h"

namespace swell::serve {

// Routes with their own labels; anything else is "other".
enum class Route : int { kHttpApi = 0, kBatch, kSegmentation, kFunnel, kRetention, kAudience, kEvents, kHealthz, kMetrics, kIndex, kOther, kCount };
std::string_view RouteLabel(Route route);

// Why events were refused (label of swell_events_rejected_total).
enum class RejectReason : int {
  kInvalidEvent = 0,    // an event failed validation (Amplitude 400 with field lists)
  kInvalidApiKey,       // the request's api_key names no app
  kTooManyEvents,       // over the per-request event limit (413)
  kTooManyRequests,     // speed layer full (429)
  kServerError,         // the engine failed to store the batch (500)
  kDiskFull,            // the disk was full, nothing stored (503)
  kCount
};
std::string_view RejectReasonLabel(RejectReason reason);

class HttpMetrics {
 public:
  static constexpr double kLatencyBucketsSeconds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,    10};
  static constexpr int kNumLatencyBuckets = sizeof(kLatencyBucketsSeconds) / sizeof(double);

  HttpMetrics();

  // An ingest request answered with status code (any status).
  void CountIngestRequest(Route route, int code);
  void CountRejectedEvents(RejectReason reason, uint64_t n);
  // Any HTTP request that took seconds to answer.
  void ObserveRequest(Route route, double seconds);

  // Queries running and waiting for a slot now (QueryGate).
  void SetQueries(int running, int waiting) {
    queries_running_.store(running, std::memory_order_relaxed);
    queries_waiting_.store(waiting, std::memory_order_relaxed);
  }
  // A query refused with 429 for being over max_concurrent_queries.
  void CountRefusedQuery() { queries_refused_.fetch_add(1, std::memory_order_relaxed); }
  // Client connections open now (as the connection watchdog last saw them).
  void SetConnections(uint64_t open) { connections_.store(open, std::memory_order_relaxed); }
  // Connections closed for being slow: headers or body past their timeout.
  void CountSlowClosed(bool body, uint64_t n) {
    slow_closed_[body ? 1 : 0].fetch_add(n, std::memory_order_relaxed);
  }

  // Renders these counters and the engine's stats.
  std::string Render(const EngineStats& stats) const;

 private:
  static constexpr int kRoutes = static_cast<int>(Route::kCount);
  // Status codes the ingest routes send; others land in the last slot as "other".
  static constexpr int kCodes[] = {200, 400, 401, 403, 404, 405, 408, 413, 415, 429, 500, 503};
  static constexpr int kNumCodes = sizeof(kCodes) / sizeof(int);
  std::atomic<uint64_t> ingest_requests_[2][kNumCodes + 1];
  std::atomic<uint64_t> rejected_[static_cast<int>(RejectReason::kCount)];
  struct Histogram {
    std::atomic<uint64_t> buckets[kNumLatencyBuckets + 1];  // last = +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_nanos{0};
  };
  Histogram latency_[kRoutes];
  std::atomic<int64_t> queries_running_{0};
  std::atomic<int64_t> queries_waiting_{0};
  std::atomic<uint64_t> queries_refused_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> slow_closed_[2] = {};  // headers, body
};

}  // namespace swell::serve
