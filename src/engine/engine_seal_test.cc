// The lambda lifecycle through the engine: seal, late events, restart and
// log trimming leave every answer as it was before the seal.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/engine.h"
#include "lake/layout.h"

namespace swell {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kDay0 = 20'400LL * kDay;  // 2025-11-08T00:00Z

class EngineSealTest : public ::testing::Test {
 public:
  static Event Make(const std::string& name, const std::string& user, int64_t t, const std::string& insert_id = "",
                    const std::string& plan = "") {
    Event e;
    e.event_type = name;
    e.user_id = user;
    e.insert_id = insert_id;
    e.time_ms = t;
    e.arrival_ms = t;
    if (!plan.empty()) e.user_properties.push_back({"plan", PropertyValue::String(plan)});
    e.event_properties.push_back({"n", PropertyValue::Int(t % 7)});
    return e;
  }

 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("swell-engine-seal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Engine> Open(bool raw_tier = false) {
    EngineOptions options;
    options.data_dir = dir_.string();
    options.raw_tier = raw_tier;
    options.wal_segment_bytes = 4096;  // many segments, so trimming shows
    std::unique_ptr<Engine> engine;
    Status st = Engine::Open(options, &engine);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return engine;
  }

  // Several charts' answers, as text: any change of any number shows.
  static std::string Answers(Engine* engine) {
    const char* requests[] = {
        R"({"event":{"name":"open"},"metric":"uniques","from":"2025-11-07","to":"2025-11-12","interval":"day"})",
        R"({"event":{"name":"open"},"metric":"totals","from":"2025-11-07","to":"2025-11-12","interval":"hour"})",
        R"({"event":{"name":"buy","filters":[{"property":"plan","type":"user","op":"is","values":["pro"]}]},"metric":"uniques","from":"2025-11-07","to":"2025-11-12","interval":"week"})",
        R"({"event":{"name":"_all"},"metric":"uniques","from":"2025-11-07","to":"2025-11-12","interval":"day","group_by":{"property":"plan","type":"user"},"timezone":"America/New_York"})",
        R"({"event":{"name":"open","filters":[{"property":"n","op":"is_not","values":["3"]}]},"metric":"totals","from":"2025-11-07","to":"2025-11-12","interval":"day"})",
    };
    std::string all;
    for (const char* r : requests) {
      std::string response;
      Status st = engine->queries()->Segmentation("app", r, &response);
      EXPECT_TRUE(st.ok()) << st.ToString() << " for " << r;
      all += response + "\n";
    }
    std::string names;
    EXPECT_TRUE(engine->queries()->EventNames("app", &names).ok());
    return all + names;
  }

  void Ingest(Engine* engine, std::vector<Event> events) {
    IngestResult r;
    Status st = engine->Ingest("app", std::move(events), &r);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::filesystem::path dir_;
};

std::vector<Event> Days(int users, int per_user) {
  std::vector<Event> out;
  for (int u = 0; u < users; ++u)
    for (int i = 0; i < per_user; ++i) {
      int64_t t = kDay0 + (u * 7919LL + i * 104729LL) * 997 % (3 * kDay);
      std::string user = "u" + std::to_string(u);
      out.push_back(EngineSealTest::Make(i % 3 == 0 ? "buy" : "open", user, t, user + "-" + std::to_string(i),
                                         u % 4 == 0 ? "pro" : "free"));
    }
  return out;
}

TEST_F(EngineSealTest, AnswersDoNotDependOnTheSealAndSurviveRestarts) {
  auto engine = Open();
  std::vector<Event> events = Days(60, 20);
  for (size_t i = 0; i < events.size(); i += 50)
    Ingest(engine.get(), std::vector<Event>(events.begin() + i, events.begin() + std::min(events.size(), i + 50)));
  const std::string before = Answers(engine.get());
  const uint64_t held = engine->stats().speed.events;
  ASSERT_EQ(held, events.size());

  seal::SealStats stats;
  ASSERT_TRUE(engine->SealDays("app", 20'400, 20'401, &stats).ok());
  EXPECT_EQ(stats.partitions, 2u);
  EXPECT_GT(stats.events_sealed, 0u);
  EXPECT_EQ(engine->stats().speed.events, held - stats.evicted);
  EXPECT_EQ(Answers(engine.get()), before);
  EXPECT_GT(engine->stats().queries.partitions_from_sets, 0u);
  EXPECT_GT(engine->stats().queries.partitions_scanned, 0u);

  // Sealing again with nothing held for those days does nothing.
  ASSERT_TRUE(engine->SealDays("app", 20'400, 20'401, &stats).ok());
  EXPECT_EQ(stats.commits, 0u);

  // Late events and a resent (duplicate) event for a sealed day.
  Ingest(engine.get(), {Make("open", "late-user", kDay0 + 5), Make("open", "u1", kDay0 + 7, "u1-1")});
  std::string with_late = Answers(engine.get());
  EXPECT_NE(with_late, before);

  // A restart replays the log but skips what the lake holds.
  engine.reset();
  engine = Open();
  EXPECT_GT(engine->stats().replayed_sealed, 0u);
  EXPECT_EQ(Answers(engine.get()), with_late);

  // Fold the late event in, seal everything, restart: still the same.
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, &stats).ok());
  EXPECT_EQ(engine->stats().speed.events, 0u);
  EXPECT_EQ(Answers(engine.get()), with_late);
  engine.reset();
  engine = Open();
  EXPECT_EQ(engine->stats().speed.events, 0u);
  EXPECT_EQ(Answers(engine.get()), with_late);
  // Resends of sealed events are still duplicates after the restart.
  IngestResult r;
  ASSERT_TRUE(engine->Ingest("app", {Make("open", "u1", kDay0 + 7, "u1-1")}, &r).ok());
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(Answers(engine.get()), with_late);
}

TEST_F(EngineSealTest, SealedDaysLeaveTheLogOnceTheDedupWindowPasses) {
  EngineOptions options;
  options.data_dir = dir_.string();
  options.wal_segment_bytes = 4096;
  options.dedup_window_ms = 1;  // the log is not kept for dedup
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, &engine).ok());
  std::vector<Event> events = Days(40, 10);
  for (size_t i = 0; i < events.size(); i += 20)
    Ingest(engine.get(), std::vector<Event>(events.begin() + i, events.begin() + std::min(events.size(), i + 20)));
  const std::string before = Answers(engine.get());
  uint64_t segments = engine->stats().wal.segments;
  ASSERT_GT(segments, 3u);
  ::usleep(20'000);
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  EXPECT_LE(engine->stats().wal.segments, 1u);
  engine.reset();
  ASSERT_TRUE(Engine::Open(options, &engine).ok());
  EXPECT_EQ(Answers(engine.get()), before);
}

TEST_F(EngineSealTest, RebuildFromRawGivesTheSameLake) {
  auto engine = Open(/*raw_tier=*/true);
  std::vector<Event> events = Days(30, 12);
  Ingest(engine.get(), events);
  const std::string before = Answers(engine.get());
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  Ingest(engine.get(), {Make("open", "late", kDay0 + 9)});
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  const std::string sealed = Answers(engine.get());
  auto snapshot = engine->lake_snapshot();
  EXPECT_FALSE(snapshot->Select(lake::FileKind::kRaw, "app", "2025-11-08", "2025-11-08").empty());
  seal::SealStats stats;
  ASSERT_TRUE(engine->RebuildFromRaw("app", 20'000, 21'000, &stats).ok());
  EXPECT_EQ(stats.partitions, 3u);
  EXPECT_GT(engine->lake_snapshot()->version, snapshot->version);
  EXPECT_EQ(Answers(engine.get()), sealed);
  ASSERT_TRUE(engine->RebuildFromRaw("app", 20'000, 21'000, &stats).ok());
  EXPECT_EQ(Answers(engine.get()), sealed);
}

TEST_F(EngineSealTest, RebuildFromRawRefusesDaysTheRawTierMissed) {
  auto engine = Open(/*raw_tier=*/true);
  Ingest(engine.get(), Days(20, 6));
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  engine.reset();
  engine = Open(/*raw_tier=*/false);  // a late event sealed without raw files
  Ingest(engine.get(), {Make("open", "late", kDay0 + 9)});
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  const std::string sealed = Answers(engine.get());
  Status st = engine->RebuildFromRaw("app", 20'400, 20'400, nullptr);
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
  EXPECT_NE(st.ToString().find("raw tier was off"), std::string::npos) << st.ToString();
  EXPECT_EQ(Answers(engine.get()), sealed);
  // Days the raw tier holds whole are still rebuilt.
  ASSERT_TRUE(engine->RebuildFromRaw("app", 20'401, 20'402, nullptr).ok());
  EXPECT_EQ(Answers(engine.get()), sealed);
}

TEST_F(EngineSealTest, OpeningCleansWhatAKilledSealLeft) {
  auto engine = Open();
  Ingest(engine.get(), Days(10, 5));
  ASSERT_TRUE(engine->SealDays("app", 20'000, 21'000, nullptr).ok());
  const std::string sealed = Answers(engine.get());
  engine.reset();
  // Leftovers of a seal killed part way: a staged file, a lake temporary,
  // and a stored file no manifest version lists.
  std::filesystem::create_directories(dir_ / "staging");
  std::ofstream(dir_ / "staging" / "abc.tmp") << "partial";
  std::filesystem::path part = dir_ / "lake" / "events" / "date=2025-11-08" / "app_id=app";
  std::ofstream(part / ".tmp-1-1") << "partial";
  std::ofstream(part / "part-0123456789abcdef0123456789abcdef.parquet") << "uncommitted";
  engine = Open();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "staging" / "abc.tmp"));
  EXPECT_FALSE(std::filesystem::exists(part / ".tmp-1-1"));
  EXPECT_FALSE(std::filesystem::exists(part / "part-0123456789abcdef0123456789abcdef.parquet"));
  EXPECT_EQ(Answers(engine.get()), sealed);
}

}  // namespace
}  // namespace swell
