// QueryGate: how many queries run at once, and how long one waits for a turn.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "serve/metrics.h"

namespace swell::serve {

// Bounds the queries that run at once. Queries are CPU- and memory-bound:
// past the machine's cores more of them only make each slower, and an
// unbounded burst could take every HTTP worker from ingest. A query over the
// limit waits briefly for a slot (a dashboard opening fires a burst), as
// ClickHouse's queue_max_wait_ms and Druid's query scheduler do; past the
// wait, or with the queue full, it is refused (429 with Retry-After).
class QueryGate {
 public:
  // REQUIRES: max_running >= 1, max_waiting >= 0; metrics outlives the gate.
  QueryGate(int max_running, int max_waiting, std::chrono::milliseconds max_wait, HttpMetrics* metrics)
      : max_running_(max_running), max_waiting_(max_waiting), max_wait_(max_wait), metrics_(metrics) {}

  // Takes a slot, waiting up to max_wait; false when refused, with the
  // queries running then in *running.
  bool Enter(int* running);
  // REQUIRES: Enter returned true.
  void Leave();
  int max_running() const { return max_running_; }

 private:
  const int max_running_;
  const int max_waiting_;
  const std::chrono::milliseconds max_wait_;
  HttpMetrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  int waiting_ = 0;
};

}  // namespace swell::serve
