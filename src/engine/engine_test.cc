#include "engine/engine.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace swell {
namespace {

constexpr int64_t kNoon = 1790000000000;  // 2026-09-21T14:13:20Z

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("swell-engine-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Engine> OpenEngine() {
    EngineOptions options;
    options.data_dir = dir_.string();
    std::unique_ptr<Engine> engine;
    Status st = Engine::Open(options, &engine);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return engine;
  }

  static Event MakeEvent(const std::string& name, const std::string& user, const std::string& insert_id,
                         int64_t t = kNoon) {
    Event e;
    e.event_type = name;
    e.user_id = user;
    e.insert_id = insert_id;
    e.time_ms = t;
    e.arrival_ms = t;
    return e;
  }

  // Sum of every point of every series of a segmentation answer.
  static int64_t Total(Engine* engine, const std::string& event, const std::string& metric) {
    std::string request = R"({"event":{"name":")" + event + R"("},"metric":")" + metric +
                          R"(","from":"2026-09-21","to":"2026-09-21","interval":"day"})";
    std::string response;
    Status st = engine->queries()->Segmentation("app", request, &response);
    EXPECT_TRUE(st.ok()) << st.ToString();
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(response).get(doc), simdjson::SUCCESS) << response;
    int64_t total = 0;
    for (auto series : doc["series"].get_array())
      for (auto point : series["points"].get_array()) total += int64_t(point["value"].get_int64());
    return total;
  }

  std::filesystem::path dir_;
};

TEST_F(EngineTest, IngestedEventsAreQueryableAndSurviveRestart) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine);
    IngestResult result;
    ASSERT_TRUE(engine->Ingest("app", {MakeEvent("open", "alice", "i1"), MakeEvent("open", "bob", "i2"),
                                       MakeEvent("open", "alice", "i3")}, &result).ok());
    EXPECT_EQ(result.applied, 3u);
    EXPECT_EQ(Total(engine.get(), "open", "totals"), 3);
    EXPECT_EQ(Total(engine.get(), "open", "uniques"), 2);
  }
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->stats().replayed_records, 1u);
  EXPECT_EQ(Total(engine.get(), "open", "totals"), 3);
  EXPECT_EQ(Total(engine.get(), "open", "uniques"), 2);
}

TEST_F(EngineTest, ResentBatchIsDeduplicatedAcrossRestart) {
  std::vector<Event> batch = {MakeEvent("buy", "carol", "dup-1"), MakeEvent("buy", "dave", "dup-2")};
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->Ingest("app", batch, nullptr).ok());
    IngestResult again;
    ASSERT_TRUE(engine->Ingest("app", batch, &again).ok());
    EXPECT_EQ(again.applied, 0u);
    EXPECT_EQ(again.duplicates, 2u);
  }
  auto engine = OpenEngine();
  IngestResult after_restart;
  ASSERT_TRUE(engine->Ingest("app", batch, &after_restart).ok());
  EXPECT_EQ(after_restart.duplicates, 2u);
  EXPECT_EQ(Total(engine.get(), "buy", "totals"), 2);
}

TEST_F(EngineTest, ConcurrentIngestCountsEveryEventOnce) {
  auto engine = OpenEngine();
  constexpr int kThreads = 8, kBatches = 40, kPerBatch = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Event> events;
        for (int i = 0; i < kPerBatch; ++i) {
          std::string id = std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i);
          events.push_back(MakeEvent("tick", "user-" + std::to_string(t), "ins-" + id));
        }
        if (!engine->Ingest("app", std::move(events), nullptr).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Total(engine.get(), "tick", "totals"), kThreads * kBatches * kPerBatch);
  EXPECT_EQ(Total(engine.get(), "tick", "uniques"), kThreads);
  // Group commit: far fewer fsyncs than batches is the point, but at least one.
  EXPECT_GE(engine->stats().wal.fsyncs, 1u);
  EXPECT_EQ(engine->stats().batches, uint64_t(kThreads * kBatches));
}

}  // namespace
}  // namespace swell
