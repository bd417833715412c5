// Theta sketch (DataSketches-compatible) hot paths: feeding user keys into an
// update sketch (the estimate-mode path of uniques and audiences), and the
// union of daily compact sketches (a 30-day unique count).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sketch/theta_set_ops.h"
#include "sketch/theta_update_sketch.h"

namespace {

// Distinct user keys shaped like Swell's ("u:" + user id).
std::vector<std::string> UserKeys(size_t n, uint64_t first) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back("u:user_" + std::to_string(first + i));
  return keys;
}

swell::ThetaUpdateSketch MakeSketch(int lg_k) {
  swell::ThetaSketchOptions o;
  o.lg_k = static_cast<uint8_t>(lg_k);
  swell::ThetaUpdateSketch s;
  if (!swell::ThetaUpdateSketch::Make(o, &s).ok()) abort();
  return s;
}

// Args: items per sketch, lg_k. Below k items the sketch is exact (every
// hash kept); above, most updates are rejected by theta.
void BM_ThetaUpdateU64(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto s = MakeSketch(static_cast<int>(state.range(1)));
    for (uint64_t i = 0; i < n; ++i) s.Update(i * 0x9e3779b97f4a7c15ULL);
    benchmark::DoNotOptimize(s.Estimate());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ThetaUpdateU64)->Args({1000, 12})->Args({100000, 12})->Args({1000000, 12})->Args({1000000, 16});

void BM_ThetaUpdateString(benchmark::State& state) {
  const auto keys = UserKeys(static_cast<size_t>(state.range(0)), 0);
  for (auto _ : state) {
    auto s = MakeSketch(static_cast<int>(state.range(1)));
    for (const auto& k : keys) s.Update(std::string_view(k));
    benchmark::DoNotOptimize(s.Estimate());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * keys.size()));
}
BENCHMARK(BM_ThetaUpdateString)->Args({1000, 12})->Args({100000, 12})->Args({1000000, 12});

// The union of 30 daily sketches of 100k users each (overlapping by half).
void BM_ThetaUnion30Days(benchmark::State& state) {
  std::vector<swell::CompactThetaSketch> days;
  for (int d = 0; d < 30; ++d) {
    auto s = MakeSketch(static_cast<int>(state.range(0)));
    for (uint64_t i = 0; i < 100000; ++i) s.Update(static_cast<uint64_t>(d) * 50000 + i);
    days.push_back(s.Compact());
  }
  for (auto _ : state) {
    swell::ThetaSketchOptions o;
    o.lg_k = static_cast<uint8_t>(state.range(0));
    swell::ThetaUnion u;
    if (!swell::ThetaUnion::Make(o, &u).ok()) abort();
    for (const auto& d : days) benchmark::DoNotOptimize(u.Update(d).ok());
    benchmark::DoNotOptimize(u.Result().Estimate());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * days.size()));
}
BENCHMARK(BM_ThetaUnion30Days)->Arg(12)->Arg(16);

}  // namespace
