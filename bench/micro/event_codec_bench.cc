// Event batch encode/decode: the write-ahead log payload (docs/formats.md).
#include <benchmark/benchmark.h>

#include <string>

#include "bench_events.h"
#include "event/event_codec.h"

namespace {

swell::EventBatch MakeBatch(size_t n) {
  swell::EventBatch b;
  b.app_id = "bench";
  for (size_t i = 0; i < n; ++i) {
    uint64_t u = (i * 7919) % 1000000;
    swell::Event e;
    e.event_type = swell_bench::kNames[i % 8];
    e.user_id = "user_" + std::to_string(u);
    e.device_id = "device-" + std::to_string(u * 31);
    e.insert_id = "ins-" + std::to_string(i);
    e.time_ms = 1790812800000LL + static_cast<int64_t>(i) * 1000;
    e.arrival_ms = e.time_ms + 5;
    e.fields.push_back({"platform", swell::PropertyValue::String(swell_bench::kPlatforms[u % 3])});
    e.fields.push_back({"country", swell::PropertyValue::String(swell_bench::kCountries[u % 10])});
    e.fields.push_back({"app_version", swell::PropertyValue::String("4.3." + std::to_string(u % 5))});
    e.event_properties.push_back({"item_id", swell::PropertyValue::String("item_" + std::to_string(i * 13 % 100000))});
    e.event_properties.push_back({"price", swell::PropertyValue::Double(19.99)});
    e.user_properties.push_back({"plan", swell::PropertyValue::String("free")});
    b.events.push_back(std::move(e));
  }
  return b;
}

void BM_EncodeEventBatch(benchmark::State& state) {
  swell::EventBatch b = MakeBatch(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    swell::EncodeEventBatch(b, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["bytes_per_event"] = static_cast<double>(out.size()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_EncodeEventBatch)->Arg(100)->Arg(1000);

void BM_DecodeEventBatch(benchmark::State& state) {
  std::string encoded;
  swell::EncodeEventBatch(MakeBatch(static_cast<size_t>(state.range(0))), &encoded);
  for (auto _ : state) {
    swell::EventBatch b;
    swell::Status st = swell::DecodeEventBatch(encoded, &b);
    if (!st.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(b.events.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded.size()));
}
BENCHMARK(BM_DecodeEventBatch)->Arg(100)->Arg(1000);

}  // namespace
