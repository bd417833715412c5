// Audience chunks, the result cache, estimate mode and audiences across
// apps, through QueryService on a real speed layer.
#include <gtest/gtest.h>

#include "query/audience.h"
#include "query/query_service.h"
#include "query/query_test_util.h"
#include "query/result_cache.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

TEST(ResultCacheTest, AnswersOnlyForTheSameVersion) {
  ResultCache cache(1000);
  EXPECT_EQ(cache.Get("k", "v1"), nullptr);
  cache.Put("k", "v1", std::make_shared<const int>(7), 10);
  auto hit = cache.Get("k", "v1");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*std::static_pointer_cast<const int>(hit), 7);
  EXPECT_EQ(cache.Get("k", "v2"), nullptr);  // the data changed
  cache.Put("k", "v2", std::make_shared<const int>(8), 10);
  EXPECT_EQ(cache.Get("k", "v1"), nullptr);  // replaced, not kept beside
  EXPECT_EQ(*std::static_pointer_cast<const int>(cache.Get("k", "v2")), 8);
  ResultCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(ResultCacheTest, EvictsLeastRecentlyUsed) {
  ResultCache cache(3 * (100 + 1 + 1 + 64));
  for (int i = 0; i < 3; ++i) cache.Put(std::to_string(i), "v", std::make_shared<const int>(i), 100);
  ASSERT_NE(cache.Get("0", "v"), nullptr);  // 0 is now the most recent
  cache.Put("3", "v", std::make_shared<const int>(3), 100);
  EXPECT_EQ(cache.Get("1", "v"), nullptr);
  EXPECT_NE(cache.Get("0", "v"), nullptr);
  EXPECT_NE(cache.Get("3", "v"), nullptr);
  EXPECT_GE(cache.stats().evictions, 1u);
  ResultCache none(0);
  none.Put("k", "v", std::make_shared<const int>(1), 1);
  EXPECT_EQ(none.Get("k", "v"), nullptr);
}

class AudienceCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed_).ok()); }

  std::unique_ptr<QueryService> Service(int chunk_days, uint64_t cache_bytes = 64 << 20) {
    QueryOptions o;
    o.audience_chunk_days = chunk_days;
    o.result_cache_bytes = cache_bytes;
    return QueryService::Create(speed_.get(), {}, o);
  }
  void Apply(const std::string& app, std::vector<Event> events) {
    EventBatch batch{app, std::move(events)};
    speed::ApplyResult r;
    ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  }
  static std::string Run(QueryService* s, const std::string& json, const std::string& app = "app") {
    std::string out;
    Status st = s->Audience(app, json, &out);
    EXPECT_TRUE(st.ok()) << st.ToString() << " for " << json;
    return out;
  }
  static std::string Count(uint64_t n, const char* mode = "exact") {
    std::string c = std::to_string(n);
    return R"({"count":)" + c + R"(,"lower_bound":)" + c + R"(,"upper_bound":)" + c + R"(,"mode":")" + mode + "\"}";
  }

  std::unique_ptr<speed::SpeedLayer> speed_;
};

// Events on both sides of every midnight of three days, so chunk edges at
// each UTC midnight cut between events a millisecond apart.
std::vector<Event> EdgeEvents() {
  std::vector<Event> v;
  for (int d = 0; d < 4; ++d) {
    const int64_t midnight = kDay1 + d * 24 * kH;
    for (int u = 0; u < 6; ++u) {
      const std::string user = "u" + std::to_string((u + d) % 7);
      v.push_back(E(u % 2 ? "buy" : "open", user, midnight - 1 - u));
      v.push_back(E(u % 3 ? "open" : "buy", user, midnight + u));
    }
  }
  return v;
}

TEST_F(AudienceCacheTest, ChunksDoNotChangeAnswers) {
  Apply("app", EdgeEvents());
  const std::vector<std::string> trees = {
      R"({"event":"buy","from":"2026-10-01","to":"2026-10-03"})",
      R"({"event":"buy","from":"2026-10-01T23:59:59.995Z","to":"2026-10-02T00:00:00.001Z"})",
      R"({"op":"and","children":[{"event":"buy","from":"2026-10-01","to":"2026-10-02"},)"
      R"({"op":"not","children":[{"event":"open","from":"2026-10-02","to":"2026-10-04"}]}]})",
      R"({"op":"or","children":[{"event":"open","from":"2026-09-30","to":"2026-10-01","min_count":2},)"
      R"({"event":"buy","from":"2026-10-02T12:00:00","to":"2026-10-04"}]})",
  };
  auto whole = Service(0, 0);
  auto daily = Service(1);
  auto two = Service(2);
  for (const std::string& tz : {"UTC", "America/New_York", "Australia/Lord_Howe"}) {
    for (const std::string& tree : trees) {
      const std::string q = R"({"timezone":")" + tz + R"(","tree":)" + tree + "}";
      const std::string expected = Run(whole.get(), q);
      EXPECT_EQ(Run(daily.get(), q), expected) << q;
      EXPECT_EQ(Run(daily.get(), q), expected) << q << " (from the cache)";
      EXPECT_EQ(Run(two.get(), q), expected) << q;
    }
  }
  EXPECT_GT(daily->stats().result_cache_hits, 0u);
}

TEST_F(AudienceCacheTest, NewEventsInACachedRangeChangeTheAnswer) {
  Apply("app", EdgeEvents());
  auto s = Service(1);
  const std::string q = R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-03"}})";
  const std::string before = Run(s.get(), q);
  const QueryStats first = s->stats();
  EXPECT_EQ(first.result_cache_hits, 0u);
  EXPECT_EQ(first.result_cache_misses, 3u);  // one chunk per day
  EXPECT_EQ(Run(s.get(), q), before);
  EXPECT_EQ(s->stats().result_cache_hits, 3u);
  // A new buyer on the second day: that day's chunk alone is read again.
  Apply("app", {E("buy", "newcomer", kDay1 + 36 * kH)});
  const std::string after = Run(s.get(), q);
  EXPECT_NE(after, before);
  EXPECT_EQ(s->stats().result_cache_hits, 5u);
  EXPECT_EQ(s->stats().result_cache_misses, 4u);
  // The same count as a service that never cached anything.
  EXPECT_EQ(after, Run(Service(0, 0).get(), q));
  // Dedup: a repeat of the same event changes nothing, even cached.
}

TEST_F(AudienceCacheTest, TweakedQueriesReuseUnchangedLeaves) {
  Apply("app", EdgeEvents());
  auto s = Service(1);
  const std::string buy = R"({"event":"buy","from":"2026-10-01","to":"2026-10-03"})";
  Run(s.get(), R"({"tree":{"op":"and","children":[)" + buy + R"(,{"event":"open","from":"2026-10-01","to":"2026-10-01"}]}})");
  const uint64_t hits = s->stats().result_cache_hits;
  // The buy leaf is the same question in another tree: its three chunks are reused.
  Run(s.get(), R"({"tree":{"op":"or","children":[)" + buy + R"(,{"event":"open","from":"2026-10-02","to":"2026-10-02"}]}})");
  EXPECT_EQ(s->stats().result_cache_hits, hits + 3);
  // The range moved by a day: the chunks wholly inside both ranges are reused
  // (10-02 and 10-03), the edges are read.
  const uint64_t before_move = s->stats().result_cache_hits;
  const std::string moved = R"({"tree":{"event":"buy","from":"2026-10-02","to":"2026-10-04"}})";
  const std::string answer = Run(s.get(), moved);
  EXPECT_EQ(s->stats().result_cache_hits, before_move + 2);
  EXPECT_EQ(answer, Run(Service(0, 0).get(), moved));
}

TEST_F(AudienceCacheTest, EstimateEqualsExactBelowK) {
  Apply("app", EdgeEvents());
  std::vector<Event> more;
  for (int i = 0; i < 3000; ++i) more.push_back(E(i % 3 ? "open" : "buy", "p" + std::to_string(i), kDay1 + 5 * kH + i));
  Apply("app", std::move(more));
  auto s = Service(1);
  const std::vector<std::string> trees = {
      R"({"event":"buy","from":"2026-10-01","to":"2026-10-03"})",
      R"({"op":"and","children":[{"event":"buy","from":"2026-10-01","to":"2026-10-02"},)"
      R"({"op":"not","children":[{"event":"open","from":"2026-10-02","to":"2026-10-04"}]}]})",
      R"({"op":"or","children":[{"event":"open","from":"2026-09-30","to":"2026-10-01","min_count":2},)"
      R"({"event":"buy","from":"2026-10-01T04:00:00Z","to":"2026-10-04"}]})",
  };
  for (const std::string& tree : trees) {
    std::string exact = Run(s.get(), R"({"tree":)" + tree + "}");
    const size_t colon = exact.find(':'), comma = exact.find(',');
    const uint64_t n = std::stoull(exact.substr(colon + 1, comma - colon - 1));
    EXPECT_EQ(Run(s.get(), R"({"mode":"estimate","tree":)" + tree + "}"), Count(n, "estimate")) << tree;
  }
}

TEST_F(AudienceCacheTest, EstimatesAcrossApps) {
  // a..j play game-a; f..o play game-b; a device-only player in each.
  std::vector<Event> a, b;
  for (char c = 'a'; c <= 'j'; ++c) a.push_back(E("play", std::string(1, c), kDay1 + kH));
  for (char c = 'f'; c <= 'o'; ++c) b.push_back(E("play", std::string(1, c), kDay1 + 2 * kH));
  a.push_back(E("play", "", kDay1 + kH, {}, {}, "dev-x"));
  b.push_back(E("play", "", kDay1 + kH, {}, {}, "dev-x"));
  Apply("game-a", a);
  Apply("game-b", b);
  auto s = Service(60);
  auto across = [&](const std::string& json, std::string* out) {
    return s->AudienceAcross({"game-a", "game-b"}, json, out);
  };
  const std::string in_a = R"({"event":"play","app":"game-a","from":"2026-10-01","to":"2026-10-01"})";
  const std::string in_b = R"({"event":"play","app":"game-b","from":"2026-10-01","to":"2026-10-01"})";
  std::string out;
  ASSERT_TRUE(across(R"({"mode":"estimate","tree":{"op":"and","children":[)" + in_a + R"(,{"op":"not","children":[)" +
                         in_b + "]}]}}",
                     &out)
                  .ok());
  EXPECT_EQ(out, Count(5, "estimate"));  // a..e
  ASSERT_TRUE(across(R"({"mode":"estimate","tree":{"op":"and","children":[)" + in_a + "," + in_b + "]}}", &out).ok());
  EXPECT_EQ(out, Count(6, "estimate"));  // f..j and dev-x
  // A leaf without "app" reads every app of the key.
  ASSERT_TRUE(across(R"({"mode":"estimate","tree":{"event":"play","from":"2026-10-01","to":"2026-10-01"}})", &out).ok());
  EXPECT_EQ(out, Count(16, "estimate"));  // a..o and dev-x
  Status st = across(R"({"tree":{"op":"and","children":[)" + in_a + "," + in_b + "]}}", &out);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("estimate"), std::string::npos);
  st = s->AudienceAcross({"game-a"}, R"({"mode":"estimate","tree":)" + in_b + "}", &out);
  EXPECT_TRUE(st.IsPermissionDenied()) << st.ToString();
  EXPECT_NE(st.message().find("tree.app"), std::string::npos) << st.message();
  // An app key reads its own app with or without naming it.
  EXPECT_EQ(Run(s.get(), R"({"tree":)" + in_a + "}", "game-a"), Count(11));
}

}  // namespace
}  // namespace swell::query
