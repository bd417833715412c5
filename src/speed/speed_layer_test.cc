#include "speed/speed_layer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "speed/app_state.h"

namespace swell::speed {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/swell_speed_XXXXXX";
  char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d;
}

Event MakeEvent(std::string type, std::string user, std::string device, std::string insert_id, int64_t time_ms,
                int64_t arrival_ms) {
  Event e;
  e.event_type = std::move(type);
  e.user_id = std::move(user);
  e.device_id = std::move(device);
  e.insert_id = std::move(insert_id);
  e.time_ms = time_ms;
  e.arrival_ms = arrival_ms;
  return e;
}

TEST(SpeedLayerTest, DedupFirstWinsAndEventsWithoutInsertIdNeverDedup) {
  SpeedOptions options;
  options.dedup_window_ms = 60'000;
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
  EventBatch batch{"app", {}};
  batch.events.push_back(MakeEvent("open", "alice", "", "x1", 1000, 1000));
  batch.events.push_back(MakeEvent("buy", "bob", "", "x1", 2000, 2000));  // same id, other payload
  batch.events.push_back(MakeEvent("open", "alice", "", "", 3000, 3000));
  batch.events.push_back(MakeEvent("open", "alice", "", "", 3000, 3000));
  ApplyResult r;
  ASSERT_TRUE(speed->Apply(batch, &r).ok());
  EXPECT_EQ(r.applied, 3u);
  EXPECT_EQ(r.duplicates, 1u);
  // After the window, the id counts again.
  EventBatch late{"app", {MakeEvent("open", "carol", "", "x1", 4000, 1000 + 60'000)}};
  ASSERT_TRUE(speed->Apply(late, &r).ok());
  EXPECT_EQ(r.applied, 1u);

  SpeedStats s = speed->stats();
  EXPECT_EQ(s.events, 4u);
  EXPECT_EQ(s.duplicates_dropped, 1u);
  EXPECT_EQ(s.users, 2u);  // alice, carol
  EXPECT_GT(s.memory_bytes, 0u);

  ASSERT_TRUE(speed
                  ->ReadApp("app",
                            [](const AppState& app) {
                              EXPECT_EQ(app.names().Find("buy"), Interner::kMissing);
                              EXPECT_EQ(app.events(), 4u);
                              return Status::OK();
                            })
                  .ok());
  EXPECT_TRUE(speed->ReadApp("other", [](const AppState&) { return Status::OK(); }).IsNotFound());
}

TEST(SpeedLayerTest, ReplayAfterRestartReachesTheSameUserNumbers) {
  std::string dir = TempDir();
  std::vector<EventBatch> log;
  log.push_back({"app", {MakeEvent("a", "u1", "", "", 0, 0), MakeEvent("a", "", "d1", "", 0, 0)}});
  log.push_back({"app", {MakeEvent("a", "u2", "d1", "", 0, 0), MakeEvent("a", "u1", "", "", 0, 0)}});
  SpeedOptions options;
  options.data_dir = dir;
  for (int run = 0; run < 2; ++run) {
    std::unique_ptr<SpeedLayer> speed;
    ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
    for (const auto& b : log) {
      ApplyResult r;
      ASSERT_TRUE(speed->Apply(b, &r).ok());
    }
    ASSERT_TRUE(speed
                    ->ReadApp("app",
                              [](const AppState& app) {
                                EXPECT_EQ(app.users().size(), 3u);
                                EXPECT_EQ(app.users().Find("u:u1"), 0u);
                                EXPECT_EQ(app.users().Find("d:d1"), 1u);
                                EXPECT_EQ(app.users().Find("u:u2"), 2u);
                                return Status::OK();
                              })
                    .ok());
  }
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(dir + "/apps/app/users.dict", &dict).ok());
  EXPECT_EQ(dict->size(), 3u);
  dict.reset();
  // Open loads the dictionaries before any batch arrives.
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
  EXPECT_EQ(speed->stats().users, 3u);
  EXPECT_EQ(speed->stats().events, 0u);
  EXPECT_EQ(speed->AppIds(), std::vector<std::string>{"app"});
}

TEST(SpeedLayerTest, RefusesAppIdsThatEscapeTheDataDirectory) {
  SpeedOptions options;
  options.data_dir = TempDir();
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
  ApplyResult r;
  EXPECT_TRUE(speed->Apply({"../x", {MakeEvent("a", "u", "", "", 0, 0)}}, &r).IsInvalidArgument());
  EXPECT_TRUE(speed->Apply({"a/b", {MakeEvent("a", "u", "", "", 0, 0)}}, &r).IsInvalidArgument());
}

TEST(SpeedLayerTest, MemoryLimit) {
  SpeedOptions options;
  options.memory_limit_bytes = 10'000;
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
  EXPECT_FALSE(speed->OverMemoryLimit());
  EventBatch batch{"app", {}};
  for (int i = 0; i < 1000; ++i) batch.events.push_back(MakeEvent("a", "u" + std::to_string(i), "", "", i, i));
  ApplyResult r;
  ASSERT_TRUE(speed->Apply(batch, &r).ok());
  EXPECT_TRUE(speed->OverMemoryLimit());
}

TEST(SpeedLayerTest, EvictSealedDropsRowsUpToTheCutAndKeepsLateOnes) {
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(SpeedOptions(), &speed).ok());
  const int64_t h = 3'600'000, d = 24 * h;
  ApplyResult r;
  // Record 1: 300 events over day 0's hours 0..2 and day 1's hour 24.
  EventBatch batch{"app", {}};
  for (int i = 0; i < 300; ++i)
    batch.events.push_back(MakeEvent("a", "u" + std::to_string(i), "", "i" + std::to_string(i), (i % 3) * h + i, 0));
  batch.events.push_back(MakeEvent("a", "u1", "", "", d + 5, 0));
  ASSERT_TRUE(speed->Apply(batch, 1, &r).ok());
  // Record 2: a late event for hour 1 of day 0, after the seal's cut at lsn 1.
  ASSERT_TRUE(speed->Apply({"app", {MakeEvent("b", "late", "", "", h + 7, 1)}}, 2, &r).ok());
  std::vector<AppState::RowLocator> rows;
  ASSERT_TRUE(speed->ReadApp("app", [&](const AppState& app) {
    app.CollectRows(0, 24, 1, &rows);
    EXPECT_EQ(app.last_lsn(), 2u);
    EXPECT_EQ(app.MinRowLsn(), 1u);
    return Status::OK();
  }).ok());
  ASSERT_EQ(rows.size(), 300u);
  EXPECT_EQ(rows[0].lsn, 1u);
  uint64_t full = speed->stats().memory_bytes;
  uint64_t evicted = 0;
  bool published = false;
  ASSERT_TRUE(speed->EvictSealed("app", {0}, 1, [&] { published = true; }, &evicted).ok());
  EXPECT_TRUE(published);
  EXPECT_EQ(evicted, 300u);
  EXPECT_EQ(speed->stats().events, 2u);  // the late event and day 1's
  EXPECT_LT(speed->stats().memory_bytes, full);
  ASSERT_TRUE(speed->ReadApp("app", [&](const AppState& app) {
    EXPECT_EQ(app.hours().count(0), 0u);
    EXPECT_EQ(app.hours().at(1)->rows(), 1u);
    EXPECT_EQ(app.hours().at(1)->lsn(0), 2u);
    EXPECT_EQ(app.hours().at(24)->rows(), 1u);
    return Status::OK();
  }).ok());
  // The dedup index outlives the rows: a resend of a sealed event is still a duplicate.
  ASSERT_TRUE(speed->Apply({"app", {MakeEvent("a", "u1", "", "i1", h + 1, 10)}}, 3, &r).ok());
  EXPECT_EQ(r.duplicates, 1u);
  // A record at or below day 0's watermark (a replay) adds no row of day 0.
  ASSERT_TRUE(speed->Apply({"app", {MakeEvent("c", "u9", "", "", 5, 10), MakeEvent("c", "u9", "", "", d + 9, 10)}}, 1, &r).ok());
  EXPECT_EQ(r.sealed, 1u);
  EXPECT_EQ(r.applied, 1u);
}

TEST(SpeedLayerTest, ReadersSeeWholeBatchesWhileApplyRuns) {
  SpeedOptions options;
  std::unique_ptr<SpeedLayer> speed;
  ASSERT_TRUE(SpeedLayer::Open(options, &speed).ok());
  std::atomic<bool> done{false};
  std::atomic<uint64_t> acknowledged{0};
  std::thread writer([&] {
    for (int b = 0; b < 200; ++b) {
      EventBatch batch{"app", {}};
      for (int i = 0; i < 50; ++i) batch.events.push_back(MakeEvent("a", "u" + std::to_string(i), "", "", b, b));
      ApplyResult r;
      ASSERT_TRUE(speed->Apply(batch, &r).ok());
      acknowledged.store((b + 1) * 50);
    }
    done = true;
  });
  while (!done) {
    uint64_t before = acknowledged.load();
    Status st = speed->ReadApp("app", [&](const AppState& app) {
      EXPECT_EQ(app.events() % 50, 0u);
      EXPECT_GE(app.events(), before);
      return Status::OK();
    });
    EXPECT_TRUE(st.ok() || st.IsNotFound());
  }
  writer.join();
}

}  // namespace
}  // namespace swell::speed
