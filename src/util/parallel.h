// RunOnThreads: the one way work fans out over threads (a lake query's days,
// a seal's days): `workers` threads each run `work` until it returns, the
// calling thread being one of them, so one worker spawns no thread at all.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace swell {

// REQUIRES: work is safe to run on several threads at once (it takes its
// items from a shared atomic counter, say).
template <typename Work>
void RunOnThreads(size_t workers, const Work& work) {
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back([&work] { work(); });
  work();
  for (std::thread& t : threads) t.join();
}

// Threads for work that is mostly CPU: the machine's cores, at most cap.
inline size_t CpuWorkers(size_t items, size_t cap) {
  size_t cores = std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::max<size_t>(1, std::min({items, cores, cap}));
}

}  // namespace swell
