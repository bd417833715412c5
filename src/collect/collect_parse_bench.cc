// Parse throughput of Amplitude request bodies and NDJSON import, on
// realistic SDK-shaped events. Usage: collect_parse_bench [events]
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "collect/amplitude_request.h"
#include "collect/ndjson_import.h"
#include "util/file_util.h"

namespace {

using swell::collect::IngestError;
using swell::collect::ParsedRequest;

// One event as the Amplitude SDKs send it: ids, device fields, a handful of
// typed properties, a nested object and a user-property operation.
std::string MakeEvent(uint64_t i) {
  static const char* kNames[] = {"page_view", "add_to_cart", "purchase", "sign_up", "search", "share"};
  static const char* kPlatforms[] = {"iOS", "Android", "Web"};
  static const char* kCountries[] = {"United States", "Germany", "Japan", "Brazil", "India"};
  char buf[1024];
  int n = std::snprintf(
      buf, sizeof buf,
      "{\"event_type\":\"%s\",\"user_id\":\"user-%06llu\",\"device_id\":\"c8f3a1e2-%08llx-4d2b-9f1e\","
      "\"time\":%lld,\"insert_id\":\"%016llx-%08llx\",\"session_id\":%lld,\"platform\":\"%s\","
      "\"os_name\":\"%s\",\"os_version\":\"17.%llu\",\"app_version\":\"3.%llu.0\",\"country\":\"%s\","
      "\"language\":\"en-US\",\"library\":\"amplitude-node-ts/1.3.5\",\"event_properties\":{\"plan\":\"pro\","
      "\"price\":%llu.99,\"quantity\":%llu,\"path\":\"/products/%llu\",\"is_trial\":%s,"
      "\"cart\":{\"items\":[%llu,%llu],\"currency\":\"EUR\"}},\"user_properties\":{\"$set\":{\"tier\":\"gold\"},"
      "\"age\":%llu}}",
      kNames[i % 6], (unsigned long long)(i % 50000), (unsigned long long)(i * 2654435761u),
      (long long)(1790000000000LL + static_cast<long long>(i) * 1000), (unsigned long long)(i * 0x9E3779B97F4A7C15ull),
      (unsigned long long)i, (long long)(1790000000000LL + static_cast<long long>(i / 10) * 60000), kPlatforms[i % 3],
      kPlatforms[i % 3], (unsigned long long)(i % 5), (unsigned long long)(i % 40), kCountries[i % 5],
      (unsigned long long)(i % 200), (unsigned long long)(i % 7 + 1), (unsigned long long)(i % 1000),
      (i % 2) ? "true" : "false", (unsigned long long)(i % 13), (unsigned long long)(i % 17),
      (unsigned long long)(18 + i % 60));
  return std::string(buf, static_cast<size_t>(n));
}

// Wall and CPU time: on a shared machine the CPU-time rate is the stable one.
struct Timer {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = CpuSeconds();
  static double CpuSeconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  }
};

void Report(const char* what, uint64_t events, uint64_t bytes, const Timer& t) {
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.wall).count();
  const double cpu = Timer::CpuSeconds() - t.cpu;
  std::printf("%-32s %10.0f events/s %7.1f MB/s per CPU second | wall: %10.0f events/s %7.1f MB/s (%llu events, %.1f MB)\n",
              what, events / cpu, bytes / cpu / 1e6, events / wall, bytes / wall / 1e6, (unsigned long long)events,
              bytes / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;

  // HTTP bodies of 1000 events each, as an SDK flush would send.
  std::string body = "{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":[";
  for (int i = 0; i < 1000; i++) {
    if (i) body += ',';
    body += MakeEvent(static_cast<uint64_t>(i));
  }
  body += "],\"options\":{\"min_id_length\":5},\"client_upload_time\":\"2026-11-24T12:00:00.000Z\"}";
  swell::collect::IngestLimits limits;
  ParsedRequest req;
  IngestError err;
  uint64_t events = 0, bytes = 0;
  Timer t0;
  while (events < total) {
    if (!swell::collect::ParseAmplitudeRequest(body, 1, limits, &req, &err)) {
      std::fprintf(stderr, "unexpected refusal: %s\n", err.body_json.c_str());
      return 1;
    }
    events += req.events.size();
    bytes += body.size();
  }
  Report("http body (1000 events)", events, bytes, t0);

  // NDJSON import, plain and compressed.
  char dir_template[] = "/tmp/collect_bench_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return 1;
  std::string ndjson;
  ndjson.reserve(total * 520);
  for (uint64_t i = 0; i < total; i++) {
    ndjson += MakeEvent(i);
    ndjson += '\n';
  }
  const std::string plain = std::string(dir) + "/events.ndjson";
  const std::string gz = plain + ".gz";
  const std::string zst = plain + ".zst";
  if (!swell::WriteFileAtomic(plain, ndjson).ok()) return 1;
  {
    gzFile f = gzopen(gz.c_str(), "wb6");
    gzwrite(f, ndjson.data(), static_cast<unsigned>(ndjson.size()));
    gzclose(f);
    std::string z(ZSTD_compressBound(ndjson.size()), '\0');
    z.resize(ZSTD_compress(z.data(), z.size(), ndjson.data(), ndjson.size(), 3));
    if (!swell::WriteFileAtomic(zst, z).ok()) return 1;
  }
  for (const std::string& path : {plain, gz, zst}) {
   for (int threads : {0, -1}) {
    swell::collect::ImportOptions opt;
    opt.parse_threads = threads;
    swell::collect::ImportSummary summary;
    uint64_t sunk = 0;
    Timer t1;
    swell::Status s = swell::collect::ImportNdjson(
        path, 1, opt,
        [&](std::vector<swell::Event>&& batch) {
          sunk += batch.size();
          return swell::Status::OK();
        },
        &summary);
    if (!s.ok() || summary.rejected != 0 || sunk != total) {
      std::fprintf(stderr, "import failed: %s rejected=%llu\n", s.ToString().c_str(),
                   (unsigned long long)summary.rejected);
      return 1;
    }
    std::string label = "ndjson " + path.substr(path.rfind('.')) + (threads == 0 ? " inline" : " threaded");
    Report(label.c_str(), sunk, ndjson.size(), t1);
   }
    unlink(path.c_str());
  }
  rmdir(dir);
  return 0;
}
