// Roaring bitmap operations on user sets of realistic sizes: dense user
// numbers out of a 1M-user app, sets from a rare event (10k users) to a
// daily-active set (300k). The set operations of uniques, audiences and
// funnels reduce to these.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>
#include <roaring/roaring.hh>

namespace {

constexpr uint32_t kUniverse = 1000000;

Roaring RandomSet(uint32_t size, uint64_t seed) {
  Roaring r;
  uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
  while (r.cardinality() < size) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    r.add(static_cast<uint32_t>(s % kUniverse));
  }
  r.runOptimize();
  return r;
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t a : {10000, 100000, 300000}) b->Args({a, 100000});
}

void BM_RoaringOr(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 1), b = RandomSet(static_cast<uint32_t>(state.range(1)), 2);
  for (auto _ : state) benchmark::DoNotOptimize((a | b).cardinality());
}
BENCHMARK(BM_RoaringOr)->Apply(Sizes);

void BM_RoaringOrInPlace30Days(benchmark::State& state) {
  // The union of 30 daily sets: a monthly-active set.
  std::vector<Roaring> days;
  for (int d = 0; d < 30; ++d) days.push_back(RandomSet(static_cast<uint32_t>(state.range(0)), 10 + d));
  for (auto _ : state) {
    Roaring acc;
    for (const auto& d : days) acc |= d;
    benchmark::DoNotOptimize(acc.cardinality());
  }
}
BENCHMARK(BM_RoaringOrInPlace30Days)->Arg(10000)->Arg(100000);

void BM_RoaringAnd(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 3), b = RandomSet(static_cast<uint32_t>(state.range(1)), 4);
  for (auto _ : state) benchmark::DoNotOptimize((a & b).cardinality());
}
BENCHMARK(BM_RoaringAnd)->Apply(Sizes);

void BM_RoaringAndCardinality(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 5), b = RandomSet(static_cast<uint32_t>(state.range(1)), 6);
  for (auto _ : state) benchmark::DoNotOptimize(a.and_cardinality(b));
}
BENCHMARK(BM_RoaringAndCardinality)->Apply(Sizes);

void BM_RoaringAndNot(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 7), b = RandomSet(static_cast<uint32_t>(state.range(1)), 8);
  for (auto _ : state) benchmark::DoNotOptimize((a - b).cardinality());
}
BENCHMARK(BM_RoaringAndNot)->Apply(Sizes);

void BM_RoaringCardinality(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 9);
  for (auto _ : state) benchmark::DoNotOptimize(a.cardinality());
}
BENCHMARK(BM_RoaringCardinality)->Arg(10000)->Arg(300000);

void BM_RoaringAddSequential(benchmark::State& state) {
  // Building a set as events arrive: add() of user numbers in event order.
  std::vector<uint32_t> users(100000);
  uint64_t s = 42;
  for (auto& u : users) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    u = static_cast<uint32_t>((s >> 33) % kUniverse);
  }
  for (auto _ : state) {
    Roaring r;
    for (uint32_t u : users) r.add(u);
    benchmark::DoNotOptimize(r.cardinality());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(users.size()));
}
BENCHMARK(BM_RoaringAddSequential);

void BM_RoaringSerialize(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 11);
  std::vector<char> buf(a.getSizeInBytes());
  for (auto _ : state) benchmark::DoNotOptimize(a.write(buf.data()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_RoaringSerialize)->Arg(10000)->Arg(300000);

void BM_RoaringDeserialize(benchmark::State& state) {
  auto a = RandomSet(static_cast<uint32_t>(state.range(0)), 12);
  std::vector<char> buf(a.getSizeInBytes());
  a.write(buf.data());
  for (auto _ : state) benchmark::DoNotOptimize(Roaring::read(buf.data()).cardinality());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_RoaringDeserialize)->Arg(10000)->Arg(300000);

}  // namespace
