// The speed layer's hot path: applying a durable batch (dedup, user
// dictionary, hour buffers, user sets), and the insert_id dedup index alone.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "event/event_codec.h"
#include "speed/dedup_index.h"
#include "speed/speed_layer.h"

namespace {

swell::EventBatch Batch(uint64_t first, size_t n) {
  static const char* kNames[] = {"page_view", "session_start", "view_item", "add_to_cart", "purchase", "search"};
  static const char* kPlatforms[] = {"iOS", "Android", "Web"};
  static const char* kCountries[] = {"US", "IN", "BR", "DE", "GB", "FR", "JP", "ID", "MX", "CA"};
  swell::EventBatch b;
  b.app_id = "bench";
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = first + i;
    uint64_t u = (k * 7919) % 1000000;
    swell::Event e;
    e.event_type = kNames[k % 6];
    e.user_id = "user_" + std::to_string(u);
    e.device_id = "device-" + std::to_string(u);
    e.insert_id = "ins-" + std::to_string(k);
    e.time_ms = 1790812800000LL + static_cast<int64_t>(k) * 250;  // 30 days over ~10M events
    e.arrival_ms = 1790812800000LL + static_cast<int64_t>(k);
    e.fields.push_back({"platform", swell::PropertyValue::String(kPlatforms[u % 3])});
    e.fields.push_back({"country", swell::PropertyValue::String(kCountries[u % 10])});
    e.event_properties.push_back({"item_id", swell::PropertyValue::String("item_" + std::to_string(k * 13 % 100000))});
    e.user_properties.push_back({"plan", swell::PropertyValue::String("free")});
    b.events.push_back(std::move(e));
  }
  return b;
}

void BM_SpeedApply(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::string dir = (std::filesystem::temp_directory_path() / ("swell-speed-bench-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  swell::speed::SpeedOptions options;
  options.data_dir = dir;
  options.memory_limit_bytes = 64ull << 30;
  std::unique_ptr<swell::speed::SpeedLayer> speed;
  swell::Status st = swell::speed::SpeedLayer::Open(options, &speed);
  if (!st.ok()) {
    state.SkipWithError(st.ToString().c_str());
    return;
  }
  uint64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    swell::EventBatch b = Batch(next, n);
    next += n;
    state.ResumeTiming();
    swell::speed::ApplyResult r;
    st = speed->Apply(b, &r);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["bytes_per_event_held"] =
      static_cast<double>(speed->stats().memory_bytes) / static_cast<double>(std::max<uint64_t>(1, speed->stats().events));
  speed.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SpeedApply)->Arg(100)->Arg(1000);

void BM_DedupCheckAndInsert(benchmark::State& state) {
  swell::speed::DedupIndex index(7LL * 24 * 3600 * 1000);
  uint64_t k = 0;
  std::string id;
  for (auto _ : state) {
    id = "0123456789abcdef";
    uint64_t x = k++ * 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 16; ++i) id[i] = "0123456789abcdef"[(x >> (4 * i)) & 15];
    benchmark::DoNotOptimize(index.CheckAndInsert(id, 1790812800000LL + static_cast<int64_t>(k)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["entries"] = static_cast<double>(index.size());
}
BENCHMARK(BM_DedupCheckAndInsert);

}  // namespace
