// Measures the speed layer and segmentation on synthetic data: apply rate,
// memory per event, and query latency per query shape.
// Usage: swell_segmentation_bench [events=1000000] [users=100000] [days=30]
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "query/query_service.h"
#include "speed/speed_layer.h"

namespace swell {
namespace {

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU seconds of this thread: wall time on a shared machine overstates cost.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

long MaxRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int Main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const uint32_t users = argc > 2 ? static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 100'000;
  const int days = argc > 3 ? std::atoi(argv[3]) : 30;
  const int64_t start = 1790812800000;  // 2026-10-01T00:00Z
  std::mt19937_64 rng(42);
  const char* names[] = {"open", "view", "search", "add_to_cart", "purchase", "share", "login", "logout", "rate", "play"};
  const char* platforms[] = {"iOS", "Android", "Web"};
  const char* countries[] = {"US", "DE", "FR", "JP", "BR", "IN", "GB", "CA"};
  const char* plans[] = {"free", "pro", "enterprise"};

  std::vector<EventBatch> batches;
  batches.reserve(n / 1000 + 1);
  for (uint64_t i = 0; i < n; ++i) {
    if (i % 1000 == 0) batches.push_back({"bench", {}});
    Event e;
    e.event_type = names[rng() % 10];
    e.user_id = "user" + std::to_string(rng() % users);
    e.insert_id = "i" + std::to_string(i);
    e.time_ms = start + static_cast<int64_t>(rng() % (uint64_t(days) * 86'400'000));
    e.arrival_ms = start + static_cast<int64_t>(i);
    e.fields.push_back({"platform", PropertyValue::String(platforms[rng() % 3])});
    e.fields.push_back({"country", PropertyValue::String(countries[rng() % 8])});
    e.event_properties.push_back({"item", PropertyValue::Int(static_cast<int64_t>(rng() % 500))});
    e.event_properties.push_back({"price", PropertyValue::Double(static_cast<double>(rng() % 10000) / 100)});
    e.user_properties.push_back({"plan", PropertyValue::String(plans[rng() % 3])});
    batches.back().events.push_back(std::move(e));
  }

  std::unique_ptr<speed::SpeedLayer> speed;
  speed::SpeedOptions options;
  options.memory_limit_bytes = ~0ull;
  Status st = speed::SpeedLayer::Open(options, &speed);
  if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  long rss_before = MaxRssKb();
  auto t0 = std::chrono::steady_clock::now();
  double cpu0 = ThreadCpuSeconds();
  for (const EventBatch& b : batches) {
    speed::ApplyResult r;
    st = speed->Apply(b, &r);
    if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  double cpu = ThreadCpuSeconds() - cpu0;
  speed::SpeedStats s = speed->stats();
  std::printf("apply: %llu events in %.2f s wall, %.2f s CPU = %.0f events/s per core (batches of 1000, 5 properties each)\n",
              static_cast<unsigned long long>(s.events), Seconds(t0, t1), cpu, s.events / cpu);
  std::printf("memory: estimated %.1f MB = %.0f bytes/event; max RSS grew %.1f MB (input batches included)\n",
              s.memory_bytes / 1e6, double(s.memory_bytes) / s.events, (MaxRssKb() - rss_before) / 1e3);

  auto service = query::QueryService::Create(speed.get());
  std::string range = R"("from":"2026-10-01","to":"2026-10-30")";
  struct Q {
    const char* what;
    std::string json;
  } queries[] = {
      {"totals/day, no filter (user sets)", R"({"event":{"name":"purchase"},)" + range + "}"},
      {"uniques/day, no filter (user sets)", R"({"event":{"name":"purchase"},"metric":"uniques",)" + range + "}"},
      {"uniques/week, platform is iOS (user sets)",
       R"({"event":{"name":"purchase","filters":[{"property":"platform","op":"is","values":["iOS"]}]},"metric":"uniques","interval":"week",)" + range + "}"},
      {"totals/day, group by country (row scan)", R"({"event":{"name":"purchase"},"group_by":"country",)" + range + "}"},
      {"uniques/day New York, plan is_not free, group by platform (row scan)",
       R"({"event":{"name":"purchase","filters":[{"property":"plan","type":"user","op":"is_not","values":["free"]}]},"metric":"uniques","group_by":"platform","timezone":"America/New_York",)" + range + "}"},
      {"totals/hour Kolkata, any event, group by event_type (row scan of all events)",
       R"({"event":{"name":"_all"},"interval":"hour","group_by":"event_type","timezone":"Asia/Kolkata",)" + range + "}"},
      {"avg price/day, price gte 50, group by country (row scan)",
       R"({"event":{"name":"purchase","filters":[{"property":"price","op":"gte","values":[50]}]},"metric":"avg","property":"price","group_by":"country",)" + range + "}"},
      {"wau/day (user sets, 6 days before the range)", R"({"event":{"name":"purchase"},"metric":"wau",)" + range + "}"},
      {"3 events uniques/day, one with an or-tree (sets + one row scan)",
       R"({"events":[{"name":"open"},{"name":"purchase"},{"name":"view","filters":[{"or":[{"property":"country","op":"contains","values":["D"]},{"property":"item","op":"lt","values":[10]}]}]}],"metric":"uniques",)" + range + "}"},
      {"uniques/day by item x plan, limit 10 (row scan, 1500 groups)",
       R"({"event":{"name":"purchase"},"metric":"uniques","group_by":["item",{"property":"plan","type":"user"}],"limit":10,)" + range + "}"},
  };
  for (const Q& q : queries) {
    std::vector<double> ms, cpu_ms;
    std::string out;
    for (int rep = 0; rep < 5; ++rep) {
      auto a = std::chrono::steady_clock::now();
      double c = ThreadCpuSeconds();
      st = service->Segmentation("bench", q.json, &out);
      cpu_ms.push_back((ThreadCpuSeconds() - c) * 1e3);
      auto b = std::chrono::steady_clock::now();
      if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
      ms.push_back(Seconds(a, b) * 1e3);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu_ms.begin(), cpu_ms.end());
    std::printf("query %-72s wall median %7.2f ms, CPU median %7.2f ms\n", q.what, ms[2], cpu_ms[2]);
  }
  std::string out;
  auto a = std::chrono::steady_clock::now();
  (void)service->EventNames("bench", &out);
  std::printf("query %-75s %8.2f ms\n", "GET /api/v1/events", Seconds(a, std::chrono::steady_clock::now()) * 1e3);
  return 0;
}

}  // namespace
}  // namespace swell

int main(int argc, char** argv) { return swell::Main(argc, argv); }
