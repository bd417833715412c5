// CRC-32C of write-ahead log records, at record sizes from one small event
// to a large group commit.
#include <benchmark/benchmark.h>

#include <string>

#include "util/crc32c.h"

static void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = swell::crc32c::Extend(crc, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(256)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);
