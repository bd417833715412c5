#include "serve/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace swell::serve {
namespace {

// Parses Prometheus text into "name{labels}" -> value, checking the syntax of
// every line and that every sample belongs to a declared family.
std::map<std::string, std::string> ParseExposition(const std::string& text) {
  std::map<std::string, std::string> samples;
  std::map<std::string, std::string> types;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_FALSE(line.empty()) << "blank line in exposition";
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream ls(line.substr(7));
      std::string name, type;
      ls >> name >> type;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_EQ(types.count(name), 0u) << "family declared twice: " << name;
      types[name] = type;
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    size_t sp = line.rfind(' ');
    EXPECT_NE(sp, std::string::npos) << line;
    std::string key = line.substr(0, sp);
    std::string name = key.substr(0, key.find('{'));
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          types.count(name.substr(0, name.size() - s.size())))
        family = name.substr(0, name.size() - s.size());
    }
    EXPECT_TRUE(types.count(family)) << "sample without # TYPE: " << line;
    EXPECT_EQ(samples.count(key), 0u) << "duplicate sample: " << key;
    samples[key] = line.substr(sp + 1);
  }
  return samples;
}

TEST(MetricsTest, RendersEngineStatsAndCounters) {
  HttpMetrics m;
  m.CountIngestRequest(Route::kHttpApi, 200);
  m.CountIngestRequest(Route::kHttpApi, 200);
  m.CountIngestRequest(Route::kHttpApi, 413);
  m.CountIngestRequest(Route::kBatch, 400);
  m.CountIngestRequest(Route::kBatch, 418);
  m.CountRejectedEvents(RejectReason::kInvalidApiKey, 7);
  m.CountRejectedEvents(RejectReason::kInvalidEvent, 2);
  m.ObserveRequest(Route::kHttpApi, 0.0007);  // in le=0.001
  m.ObserveRequest(Route::kHttpApi, 0.3);     // in le=0.5
  m.ObserveRequest(Route::kHttpApi, 60);      // only +Inf

  EngineStats s;
  s.events_ingested = 1234;
  s.events_duplicate = 5;
  s.replayed_records = 9;
  s.wal.bytes = 4096;
  s.wal.fsyncs = 4;
  s.wal.fsync_micros_total = 1500;
  s.wal.fsync_bucket_counts[0] = 1;  // <= 100us
  s.wal.fsync_bucket_counts[3] = 2;  // <= 1000us
  s.wal.fsync_bucket_counts[wal::LogStats::kNumBuckets] = 1;  // over 1s
  s.speed.events = 1229;
  s.speed.memory_bytes = 1 << 20;

  auto samples = ParseExposition(m.Render(s));
  EXPECT_EQ(samples["swell_events_ingested_total"], "1234");
  EXPECT_EQ(samples["swell_events_duplicate_total"], "5");
  EXPECT_EQ(samples["swell_events_rejected_total{reason=\"invalid_api_key\"}"], "7");
  EXPECT_EQ(samples["swell_events_rejected_total{reason=\"invalid_event\"}"], "2");
  EXPECT_EQ(samples["swell_events_rejected_total{reason=\"too_many_requests\"}"], "0");
  EXPECT_EQ(samples["swell_ingest_requests_total{route=\"/2/httpapi\",code=\"200\"}"], "2");
  EXPECT_EQ(samples["swell_ingest_requests_total{route=\"/2/httpapi\",code=\"413\"}"], "1");
  EXPECT_EQ(samples["swell_ingest_requests_total{route=\"/batch\",code=\"400\"}"], "1");
  EXPECT_EQ(samples["swell_ingest_requests_total{route=\"/batch\",code=\"other\"}"], "1");
  EXPECT_EQ(samples["swell_ingest_requests_total{route=\"/batch\",code=\"200\"}"], "0");
  EXPECT_EQ(samples.count("swell_ingest_requests_total{route=\"/2/httpapi\",code=\"429\"}"), 0u);
  EXPECT_EQ(samples["swell_wal_bytes_total"], "4096");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_bucket{le=\"0.0001\"}"], "1");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_bucket{le=\"0.00025\"}"], "1");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_bucket{le=\"0.001\"}"], "3");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_bucket{le=\"1\"}"], "3");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_bucket{le=\"+Inf\"}"], "4");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_count"], "4");
  EXPECT_EQ(samples["swell_wal_fsync_seconds_sum"], "0.0015");
  EXPECT_EQ(samples["swell_speed_events"], "1229");
  EXPECT_EQ(samples["swell_speed_memory_bytes"], "1048576");
  EXPECT_EQ(samples["swell_replayed_records"], "9");
  EXPECT_EQ(samples["swell_http_request_seconds_bucket{route=\"/2/httpapi\",le=\"0.0005\"}"], "0");
  EXPECT_EQ(samples["swell_http_request_seconds_bucket{route=\"/2/httpapi\",le=\"0.001\"}"], "1");
  EXPECT_EQ(samples["swell_http_request_seconds_bucket{route=\"/2/httpapi\",le=\"0.5\"}"], "2");
  EXPECT_EQ(samples["swell_http_request_seconds_bucket{route=\"/2/httpapi\",le=\"10\"}"], "2");
  EXPECT_EQ(samples["swell_http_request_seconds_bucket{route=\"/2/httpapi\",le=\"+Inf\"}"], "3");
  EXPECT_EQ(samples["swell_http_request_seconds_count{route=\"/2/httpapi\"}"], "3");
  EXPECT_EQ(samples.count("swell_http_request_seconds_count{route=\"/batch\"}"), 0u);
}

}  // namespace
}  // namespace swell::serve
