#include "serve/metrics.h"

#include <fmt/format.h>

namespace swell::serve {

namespace {

// Prometheus floats: shortest form that round-trips ("0.0005", "10").
std::string Num(double v) { return fmt::format("{}", v); }

void Header(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string_view RouteLabel(Route route) {
  switch (route) {
    case Route::kHttpApi: return "/2/httpapi";
    case Route::kBatch: return "/batch";
    case Route::kSegmentation: return "/api/v1/segmentation";
    case Route::kFunnel: return "/api/v1/funnel";
    case Route::kRetention: return "/api/v1/retention";
    case Route::kAudience: return "/api/v1/audience";
    case Route::kEvents: return "/api/v1/events";
    case Route::kHealthz: return "/healthz";
    case Route::kMetrics: return "/metrics";
    case Route::kIndex: return "/";
    default: return "other";
  }
}

std::string_view RejectReasonLabel(RejectReason reason) {
  switch (reason) {
    case RejectReason::kInvalidEvent: return "invalid_event";
    case RejectReason::kInvalidApiKey: return "invalid_api_key";
    case RejectReason::kTooManyEvents: return "too_many_events";
    case RejectReason::kTooManyRequests: return "too_many_requests";
    case RejectReason::kServerError: return "server_error";
    case RejectReason::kDiskFull: return "disk_full";
    default: return "other";
  }
}

HttpMetrics::HttpMetrics() {
  for (auto& route : ingest_requests_)
    for (auto& c : route) c.store(0);
  for (auto& c : rejected_) c.store(0);
  for (auto& h : latency_)
    for (auto& b : h.buckets) b.store(0);
}

void HttpMetrics::CountIngestRequest(Route route, int code) {
  int r = route == Route::kBatch ? 1 : 0;
  int slot = kNumCodes;
  for (int i = 0; i < kNumCodes; ++i) {
    if (kCodes[i] == code) slot = i;
  }
  ingest_requests_[r][slot].fetch_add(1, std::memory_order_relaxed);
}

void HttpMetrics::CountRejectedEvents(RejectReason reason, uint64_t n) {
  rejected_[static_cast<int>(reason)].fetch_add(n, std::memory_order_relaxed);
}

void HttpMetrics::ObserveRequest(Route route, double seconds) {
  Histogram& h = latency_[static_cast<int>(route)];
  int b = 0;
  while (b < kNumLatencyBuckets && seconds > kLatencyBucketsSeconds[b]) ++b;
  h.buckets[b].fetch_add(1, std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_nanos.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::string HttpMetrics::Render(const EngineStats& s) const {
  std::string out;
  auto line = [&out](std::string_view name, std::string_view labels, std::string_view value) {
    out += name;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
  };

  Header(&out, "swell_events_ingested_total", "counter", "Events made durable and queryable since start.");
  line("swell_events_ingested_total", "", std::to_string(s.events_ingested));

  Header(&out, "swell_events_duplicate_total", "counter",
         "Events acknowledged but dropped as insert_id repeats since start.");
  line("swell_events_duplicate_total", "", std::to_string(s.events_duplicate));

  Header(&out, "swell_events_rejected_total", "counter", "Events refused, by reason, since start.");
  for (int i = 0; i < static_cast<int>(RejectReason::kCount); ++i) {
    line("swell_events_rejected_total",
         fmt::format("reason=\"{}\"", RejectReasonLabel(static_cast<RejectReason>(i))),
         std::to_string(rejected_[i].load(std::memory_order_relaxed)));
  }

  Header(&out, "swell_ingest_requests_total", "counter", "Ingest requests by route and response status code.");
  for (int r = 0; r < 2; ++r) {
    std::string_view route = RouteLabel(r == 0 ? Route::kHttpApi : Route::kBatch);
    for (int c = 0; c <= kNumCodes; ++c) {
      uint64_t v = ingest_requests_[r][c].load(std::memory_order_relaxed);
      // 200 is always shown so a dashboard has a series from the start.
      if (v == 0 && !(c < kNumCodes && kCodes[c] == 200)) continue;
      std::string code = c < kNumCodes ? std::to_string(kCodes[c]) : "other";
      line("swell_ingest_requests_total", fmt::format("route=\"{}\",code=\"{}\"", route, code), std::to_string(v));
    }
  }

  Header(&out, "swell_ingest_batches_total", "counter", "Batches written to the log since start.");
  line("swell_ingest_batches_total", "", std::to_string(s.batches));
  Header(&out, "swell_ingest_disk_full_total", "counter",
         "Batches the write-ahead log refused because the disk was full, since start (nothing of them stored).");
  line("swell_ingest_disk_full_total", "", std::to_string(s.wal.disk_full));

  Header(&out, "swell_wal_bytes_total", "counter", "Bytes appended to the write-ahead log since start.");
  line("swell_wal_bytes_total", "", std::to_string(s.wal.bytes));
  Header(&out, "swell_wal_records_total", "counter", "Records appended to the write-ahead log since start.");
  line("swell_wal_records_total", "", std::to_string(s.wal.records));
  Header(&out, "swell_wal_disk_bytes", "gauge", "Size of the live write-ahead log segments.");
  line("swell_wal_disk_bytes", "", std::to_string(s.wal.disk_bytes));
  Header(&out, "swell_wal_segments", "gauge", "Live write-ahead log segment files.");
  line("swell_wal_segments", "", std::to_string(s.wal.segments));

  Header(&out, "swell_seal_runs_total", "counter", "Seal rounds run since start (timer, pressure or by hand).");
  line("swell_seal_runs_total", "", std::to_string(s.seal_runs));
  Header(&out, "swell_seal_failures_total", "counter", "Seal rounds that ended in an error since start.");
  line("swell_seal_failures_total", "", std::to_string(s.seal_failures));
  Header(&out, "swell_sealed_partitions_total", "counter", "App-days committed to the lake since start.");
  line("swell_sealed_partitions_total", "", std::to_string(s.sealed.partitions));
  Header(&out, "swell_sealed_events_total", "counter", "Events moved from the speed layer into the lake since start.");
  line("swell_sealed_events_total", "", std::to_string(s.sealed.events_sealed));
  Header(&out, "swell_seal_last_timestamp_seconds", "gauge", "When the last seal round finished (0: none yet).");
  line("swell_seal_last_timestamp_seconds", "", fmt::format("{:.3f}", s.last_seal_ms / 1000.0));
  Header(&out, "swell_lake_version", "gauge", "Manifest version queries read.");
  line("swell_lake_version", "", std::to_string(s.lake_version));
  Header(&out, "swell_lake_files", "gauge", "Files the current manifest version lists.");
  line("swell_lake_files", "", std::to_string(s.lake_files));
  Header(&out, "swell_lake_bytes", "gauge", "Bytes of the files the current manifest version lists.");
  line("swell_lake_bytes", "", std::to_string(s.lake_bytes));
  Header(&out, "swell_query_partitions_total", "counter",
         "Lake partitions queries read, by how: from the sets/ files or by scanning events.");
  line("swell_query_partitions_total", "source=\"sets\"", std::to_string(s.queries.partitions_from_sets));
  line("swell_query_partitions_total", "source=\"events\"", std::to_string(s.queries.partitions_scanned));
  Header(&out, "swell_query_stream_rows_total", "counter",
         "Events funnels and retention read into their per-user streams.");
  line("swell_query_stream_rows_total", "", std::to_string(s.queries.stream_rows));
  Header(&out, "swell_partition_cache_requests_total", "counter", "Loaded lake partitions asked for, by result.");
  line("swell_partition_cache_requests_total", "result=\"hit\"", std::to_string(s.queries.partition_cache_hits));
  line("swell_partition_cache_requests_total", "result=\"miss\"", std::to_string(s.queries.partition_cache_misses));
  Header(&out, "swell_partition_cache_bytes", "gauge", "Memory held by loaded lake partitions.");
  line("swell_partition_cache_bytes", "", std::to_string(s.queries.partition_cache_bytes));
  Header(&out, "swell_query_result_cache_hits_total", "counter",
         "Audience chunk results taken from the result cache (their data unchanged since they were computed).");
  line("swell_query_result_cache_hits_total", "", std::to_string(s.queries.result_cache_hits));
  Header(&out, "swell_query_result_cache_misses_total", "counter",
         "Audience chunk results computed: not cached, or their data changed.");
  line("swell_query_result_cache_misses_total", "", std::to_string(s.queries.result_cache_misses));
  Header(&out, "swell_query_result_cache_evictions_total", "counter",
         "Cached audience chunk results dropped to stay within the cache's bytes.");
  line("swell_query_result_cache_evictions_total", "", std::to_string(s.queries.result_cache_evictions));
  Header(&out, "swell_query_result_cache_bytes", "gauge", "Memory held by the audience result cache.");
  line("swell_query_result_cache_bytes", "", std::to_string(s.queries.result_cache_bytes));

  Header(&out, "swell_wal_fsync_seconds", "histogram",
         "Latency of write-ahead log fsyncs (one per commit group).");
  uint64_t cumulative = 0;
  for (int b = 0; b < wal::LogStats::kNumBuckets; ++b) {
    cumulative += s.wal.fsync_bucket_counts[b];
    line("swell_wal_fsync_seconds_bucket", fmt::format("le=\"{}\"", Num(wal::LogStats::kFsyncBucketsMicros[b] / 1e6)),
         std::to_string(cumulative));
  }
  cumulative += s.wal.fsync_bucket_counts[wal::LogStats::kNumBuckets];
  line("swell_wal_fsync_seconds_bucket", "le=\"+Inf\"", std::to_string(cumulative));
  line("swell_wal_fsync_seconds_sum", "", Num(s.wal.fsync_micros_total / 1e6));
  // Prometheus requires _count to equal the +Inf bucket.
  line("swell_wal_fsync_seconds_count", "", std::to_string(cumulative));

  Header(&out, "swell_speed_events", "gauge", "Events held in the in-memory speed layer.");
  line("swell_speed_events", "", std::to_string(s.speed.events));
  Header(&out, "swell_speed_users", "gauge", "Distinct users in the speed layer.");
  line("swell_speed_users", "", std::to_string(s.speed.users));
  Header(&out, "swell_speed_memory_bytes", "gauge", "Estimated memory held by the speed layer.");
  line("swell_speed_memory_bytes", "", std::to_string(s.speed.memory_bytes));

  Header(&out, "swell_replayed_records", "gauge", "Log records replayed into the speed layer at start.");
  line("swell_replayed_records", "", std::to_string(s.replayed_records));
  Header(&out, "swell_replay_truncated_bytes", "gauge", "Bytes of torn log tail cut at start.");
  line("swell_replay_truncated_bytes", "", std::to_string(s.replay_truncated_bytes));

  Header(&out, "swell_queries_in_flight", "gauge", "Queries running now (at most [limits] max_concurrent_queries).");
  line("swell_queries_in_flight", "", std::to_string(queries_running_.load(std::memory_order_relaxed)));
  Header(&out, "swell_queries_waiting", "gauge", "Queries waiting for a slot to run.");
  line("swell_queries_waiting", "", std::to_string(queries_waiting_.load(std::memory_order_relaxed)));
  Header(&out, "swell_queries_refused_total", "counter",
         "Queries answered 429: over max_concurrent_queries after the wait, since start.");
  line("swell_queries_refused_total", "", std::to_string(queries_refused_.load(std::memory_order_relaxed)));
  Header(&out, "swell_http_connections", "gauge", "Client connections open.");
  line("swell_http_connections", "", std::to_string(connections_.load(std::memory_order_relaxed)));
  Header(&out, "swell_http_slow_clients_closed_total", "counter",
         "Connections closed because their headers or body did not arrive in time, since start.");
  line("swell_http_slow_clients_closed_total", "phase=\"headers\"",
       std::to_string(slow_closed_[0].load(std::memory_order_relaxed)));
  line("swell_http_slow_clients_closed_total", "phase=\"body\"",
       std::to_string(slow_closed_[1].load(std::memory_order_relaxed)));

  Header(&out, "swell_http_request_seconds", "histogram", "Time to answer HTTP requests, by route.");
  for (int r = 0; r < kRoutes; ++r) {
    const Histogram& h = latency_[r];
    uint64_t count = h.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string_view route = RouteLabel(static_cast<Route>(r));
    uint64_t cum = 0;
    for (int b = 0; b <= kNumLatencyBuckets; ++b) {
      cum += h.buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kNumLatencyBuckets ? Num(kLatencyBucketsSeconds[b]) : "+Inf";
      line("swell_http_request_seconds_bucket", fmt::format("route=\"{}\",le=\"{}\"", route, le), std::to_string(cum));
    }
    line("swell_http_request_seconds_sum", fmt::format("route=\"{}\"", route),
         Num(h.sum_nanos.load(std::memory_order_relaxed) / 1e9));
    // Bucket increments and the count race; report the buckets' total so the
    // histogram is always self-consistent.
    line("swell_http_request_seconds_count", fmt::format("route=\"{}\"", route), std::to_string(cum));
  }
  return out;
}

}  // namespace swell::serve
