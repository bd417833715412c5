// Group-commit throughput: N threads append fixed-size records with fsync on,
// and the report gives appends/s, records per fsync and the fsync latency
// distribution from LogStats.
//
//   wal_bench [DIR] [SECONDS] [PAYLOAD_BYTES]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "wal/log_writer.h"

namespace {

using swell::wal::LogOptions;
using swell::wal::LogStats;
using swell::wal::LogWriter;

// Upper bound (microseconds) of the histogram bucket holding quantile q.
uint64_t Quantile(const LogStats& s, double q) {
  uint64_t target = static_cast<uint64_t>(q * s.fsyncs);
  uint64_t seen = 0;
  for (int b = 0; b <= LogStats::kNumBuckets; ++b) {
    seen += s.fsync_bucket_counts[b];
    if (seen > target) return b < LogStats::kNumBuckets ? LogStats::kFsyncBucketsMicros[b] : UINT64_MAX;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string base = argc > 1 ? argv[1] : (std::filesystem::temp_directory_path() / "swell-wal-bench").string();
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  size_t payload_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 512;
  std::printf("%8s %12s %12s %14s %12s %10s %10s\n", "threads", "appends/s", "MB/s", "records/fsync",
              "fsync mean", "fsync p50", "fsync p99");
  for (int threads : {1, 4, 16, 32, 64}) {
    std::string dir = base + "/t" + std::to_string(threads);
    std::filesystem::remove_all(dir);
    std::unique_ptr<LogWriter> w;
    swell::Status st = LogWriter::Open(LogOptions{dir, 64ull << 20, true}, 1, &w);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      return 1;
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> appends{0};
    std::vector<std::thread> pool;
    auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::string payload(payload_bytes, static_cast<char>('a' + t % 26));
        while (!stop.load(std::memory_order_relaxed)) {
          if (!w->Append(payload).ok()) std::abort();
          appends.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    LogStats s = w->stats();
    std::printf("%8d %12.0f %12.1f %14.1f %10.0fus %8lluus %8lluus\n", threads, s.records / elapsed,
                s.bytes / elapsed / 1e6, double(s.records) / double(s.fsyncs),
                double(s.fsync_micros_total) / double(s.fsyncs), static_cast<unsigned long long>(Quantile(s, 0.5)),
                static_cast<unsigned long long>(Quantile(s, 0.99)));
    w.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::remove_all(base);
  return 0;
}
