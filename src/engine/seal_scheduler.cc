#include "engine/seal_scheduler.h"

#include <malloc.h>

#include <chrono>
#include <cstdio>

namespace swell {

namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

SealScheduler::SealScheduler(Engine* engine, SealSchedule schedule) : engine_(engine), schedule_(schedule) {
  thread_ = std::thread([this] { Loop(); });
}

SealScheduler::~SealScheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status SealScheduler::RunOnce(int64_t now_ms) {
  seal::SealStats stats;
  const bool pressure = engine_->OverMemoryLimit();
  SWELL_RETURN_IF_ERROR(engine_->SealClosed(pressure ? INT64_MAX : now_ms - schedule_.delay_ms, &stats));
  if (stats.commits > 0) {
    SWELL_RETURN_IF_ERROR(engine_->SweepLake(schedule_.sweep_min_age_ms));
    // A seal frees the sealed rows and its build buffers, often hundreds of
    // MiB spread over glibc's per-thread arenas, which keep freed memory
    // for reuse rather than give it back: without this the server's RSS
    // climbs with every seal under steady ingest (bench/load.mjs).
    ::malloc_trim(0);
  }
  return Status::OK();
}

void SealScheduler::Loop() {
  std::unique_lock lock(mu_);
  // Memory pressure is checked more often than the schedule runs.
  const auto tick = std::chrono::milliseconds(std::min<int64_t>(schedule_.interval_ms, 1000));
  int64_t next_run = NowMs() + schedule_.interval_ms;
  while (!stop_) {
    cv_.wait_for(lock, tick, [this] { return stop_; });
    if (stop_) break;
    int64_t now = NowMs();
    if (now < next_run && !engine_->OverMemoryLimit()) continue;
    next_run = now + schedule_.interval_ms;
    lock.unlock();
    Status st = RunOnce(now);
    // Counted in the engine's stats (seal_failures, /metrics); the next round retries.
    if (!st.ok()) {
      std::fprintf(stderr,
                   "swell: seal failed: %s (the events stay in memory and in the log; retried in %lld s)\n",
                   st.ToString().c_str(), static_cast<long long>(schedule_.interval_ms / 1000));
    }
    lock.lock();
  }
}

}  // namespace swell
