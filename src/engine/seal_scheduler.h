// SealScheduler: the background half of `swell serve`'s batch layer. Every
// interval it seals, for every app, the UTC days holding events of hours
// that closed at least seal_delay ago; when the speed layer is over its
// memory limit it seals every held day at once (ingest answers 429 until
// then); after a seal it sweeps lake files no retained version lists.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace swell {

struct SealSchedule {
  int64_t delay_ms = 3'600'000;
  int64_t interval_ms = 60'000;
  // Replaced files and versions younger than this are never swept: longer
  // than any query, short enough that a Hive glob over the lake soon sees
  // only live files.
  int64_t sweep_min_age_ms = 10 * 60'000;
};

class SealScheduler {
 public:
  // Starts the thread. REQUIRES: engine outlives the scheduler.
  SealScheduler(Engine* engine, SealSchedule schedule);
  // Stops the thread; a seal in progress finishes first.
  ~SealScheduler();

  // Runs one round now (tests, and the timer): what the thread does each interval.
  Status RunOnce(int64_t now_ms);

 private:
  void Loop();

  Engine* engine_;
  SealSchedule schedule_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace swell
