// Parsing and validating an Amplitude HTTP V2 body (collect/), per batch size.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_events.h"
#include "collect/amplitude_request.h"

static void BM_ParseAmplitudeRequest(benchmark::State& state) {
  std::string body = swell_bench::AmplitudeBody(static_cast<size_t>(state.range(0)));
  swell::collect::IngestLimits limits;
  for (auto _ : state) {
    swell::collect::ParsedRequest req;
    swell::collect::IngestError err;
    bool ok = swell::collect::ParseAmplitudeRequest(body, 1790812800000LL, limits, &req, &err);
    if (!ok) {
      state.SkipWithError(("refused: " + err.body_json).c_str());
      break;
    }
    benchmark::DoNotOptimize(req.events.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseAmplitudeRequest)->Arg(1)->Arg(100)->Arg(300)->Arg(1000)->Arg(2000);
