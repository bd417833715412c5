#include "query/event_stream.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "lake/event_file_writer.h"
#include "lake/events_schema.h"
#include "lake/local_storage.h"
#include "query/query_test_util.h"
#include "speed/app_state.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

Property P(std::string key, std::string v) { return Property{std::move(key), PropertyValue::String(std::move(v))}; }

std::unique_ptr<speed::AppState> Speed(const std::vector<Event>& events) {
  std::unique_ptr<speed::AppState> app;
  EXPECT_TRUE(speed::AppState::Open("app", "", 7 * 24 * kH, &app).ok());
  speed::ApplyResult r;
  EXPECT_TRUE(app->Apply(events, 1, &r).ok());
  return app;
}

// A lake partition as PartitionCache loads it: rows numbered by the lake.
std::unique_ptr<speed::AppState> Sealed(const std::vector<std::pair<Event, uint32_t>>& events) {
  std::unique_ptr<speed::AppState> app;
  EXPECT_TRUE(speed::AppState::Open("app", "", 7 * 24 * kH, &app).ok());
  for (const auto& [e, user] : events) app->AddSealedRow(e, user);
  return app;
}

StreamMatcher M(std::string event, int64_t begin = std::numeric_limits<int64_t>::min(), int64_t end = kNoTimeBound,
                std::vector<FilterExpr> filters = {}) {
  StreamMatcher m;
  m.match.event = std::move(event);
  m.match.filters = std::move(filters);
  m.begin_ms = begin;
  m.end_ms = end;
  return m;
}

FilterExpr Is(std::string property, std::vector<std::string> values) {
  FilterExpr f;
  f.leaf.property.name = std::move(property);
  f.leaf.op = FilterOp::kIs;
  f.leaf.values = std::move(values);
  return f;
}

std::string Text(const EventStream& s, const StreamRow& r, size_t p) {
  uint32_t v = s.ValueOf(r, p);
  return v == kNoValue ? "-" : s.texts[v];
}

TEST(EventStreamTest, SpeedLayerMasksRangesAndOrder) {
  auto app = Speed({E("open", "a", kDay1 + 5 * kH, {P("platform", "ios")}),
                    E("buy", "a", kDay1 + 1 * kH, {P("platform", "android")}),
                    E("open", "b", kDay1 + 2 * kH),
                    E("view", "a", kDay1 + 3 * kH),
                    E("open", "a", kDay1 + 30 * kH)});  // outside every range
  StreamSpec spec;
  spec.matchers.push_back(M("open", kDay1, kDay1 + 24 * kH));
  spec.matchers.push_back(M("_all", kDay1, kDay1 + 24 * kH, {Is("platform", {"ios", "android"})}));
  spec.matchers.push_back(M("buy"));
  spec.properties.push_back(PropertyRef{"platform", false});
  spec.properties.push_back(PropertyRef{"event_type", false});
  StreamBuilder b(spec);
  EXPECT_EQ(b.scan_begin_ms(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(b.scan_end_ms(), kNoTimeBound);
  b.AddSource(*app);
  EventStream s = b.Finish();
  const uint32_t ua = app->users().Find("u:a"), ub = app->users().Find("u:b");
  ASSERT_EQ(s.rows.size(), 3u);  // a's view and a's late open match nothing
  ASSERT_LT(ua, ub);
  EXPECT_EQ(s.rows[0].user, ua);
  EXPECT_EQ(s.rows[0].time_ms, kDay1 + 1 * kH);
  EXPECT_EQ(s.rows[0].mask, 0b110u);  // buy: _all with android, and buy
  EXPECT_EQ(Text(s, s.rows[0], 0), "android");
  EXPECT_EQ(Text(s, s.rows[0], 1), "buy");
  EXPECT_EQ(s.rows[1].time_ms, kDay1 + 5 * kH);
  EXPECT_EQ(s.rows[1].mask, 0b011u);
  EXPECT_EQ(Text(s, s.rows[1], 0), "ios");
  EXPECT_EQ(Text(s, s.rows[1], 1), "open");
  EXPECT_EQ(s.rows[2].user, ub);
  EXPECT_EQ(s.rows[2].mask, 0b001u);
  EXPECT_EQ(Text(s, s.rows[2], 0), "-");
  auto runs = s.UserRuns();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], std::make_pair(size_t{0}, size_t{2}));
  EXPECT_EQ(runs[1], std::make_pair(size_t{2}, size_t{3}));
  EXPECT_EQ(b.stats().rows_kept, 3u);
}

TEST(EventStreamTest, RangesAreHalfOpenToTheMillisecond) {
  auto app = Speed({E("x", "a", kDay1 - 1), E("x", "a", kDay1), E("x", "a", kDay1 + kH - 1), E("x", "a", kDay1 + kH)});
  StreamSpec spec;
  spec.matchers.push_back(M("x", kDay1, kDay1 + kH));
  StreamBuilder b(spec);
  b.AddSource(*app);
  EventStream s = b.Finish();
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].time_ms, kDay1);
  EXPECT_EQ(s.rows[1].time_ms, kDay1 + kH - 1);
}

TEST(EventStreamTest, KeepOtherEventsAndUnknownNames) {
  auto app = Speed({E("x", "a", kDay1), E("y", "a", kDay1 + 1), E("z", "a", kDay1 + 2 * kH)});
  StreamSpec spec;
  spec.matchers.push_back(M("x", kDay1, kDay1 + kH));
  spec.matchers.push_back(M("never-sent", kDay1, kDay1 + kH));
  spec.keep_other_events = true;
  spec.other_begin_ms = kDay1;
  spec.other_end_ms = kDay1 + kH;
  StreamBuilder b(spec);
  b.AddSource(*app);
  EventStream s = b.Finish();
  ASSERT_EQ(s.rows.size(), 2u);  // z lies outside the other-events range
  EXPECT_EQ(s.rows[0].mask, 1u);
  EXPECT_EQ(s.rows[1].mask, 0u);
}

TEST(EventStreamTest, SourcesMergeByUserNumberAndTime) {
  // The speed layer numbers a, b as 0, 1; a lake partition holds b's and
  // a's older events under those numbers, out of time order, with its own
  // value ids (platform "web" is interned first there).
  auto fresh = Speed({E("open", "a", kDay1 + 10 * kH, {P("platform", "ios")}),
                      E("open", "b", kDay1 + 10 * kH, {P("platform", "web")})});
  const uint32_t ua = fresh->users().Find("u:a"), ub = fresh->users().Find("u:b");
  auto sealed = Sealed({{E("open", "b", kDay1 + 3 * kH, {P("platform", "web")}), ub},
                        {E("open", "a", kDay1 + 2 * kH, {P("platform", "ios")}), ua},
                        {E("open", "a", kDay1 + 1 * kH, {P("platform", "web")}), ua},
                        {E("open", "a", kDay1 + 1 * kH + 1), ua}});
  StreamSpec spec;
  spec.matchers.push_back(M("open"));
  spec.properties.push_back(PropertyRef{"platform", false});
  StreamBuilder b(spec);
  std::thread t([&] { b.AddSource(*sealed); });
  b.AddSource(*fresh);
  t.join();
  EventStream s = b.Finish();
  ASSERT_EQ(s.rows.size(), 6u);
  std::vector<std::pair<uint32_t, int64_t>> got;
  std::vector<std::string> platforms;
  for (const StreamRow& r : s.rows) {
    got.emplace_back(r.user, r.time_ms);
    platforms.push_back(Text(s, r, 0));
  }
  std::vector<std::pair<uint32_t, int64_t>> want = {{ua, kDay1 + 1 * kH},     {ua, kDay1 + 1 * kH + 1},
                                                    {ua, kDay1 + 2 * kH},     {ua, kDay1 + 10 * kH},
                                                    {ub, kDay1 + 3 * kH},     {ub, kDay1 + 10 * kH}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(platforms, (std::vector<std::string>{"web", "-", "ios", "ios", "web", "web"}));
  EXPECT_EQ(s.texts.size(), 2u);  // one id per text, whatever the source
}

TEST(EventStreamTest, SplitRunsNeverSplitsAUser) {
  std::vector<Event> events;
  for (int u = 0; u < 50; ++u)
    for (int i = 0; i <= u % 7; ++i) events.push_back(E("x", "u" + std::to_string(u), kDay1 + i));
  auto app = Speed(events);
  StreamSpec spec;
  spec.matchers.push_back(M("x"));
  StreamBuilder b(spec);
  b.AddSource(*app);
  EventStream s = b.Finish();
  auto runs = s.UserRuns();
  ASSERT_EQ(runs.size(), 50u);
  for (size_t parts : {1, 3, 8, 100}) {
    auto slices = s.SplitRuns(runs, parts);
    size_t n = 0;
    for (auto sl : slices) {
      EXPECT_FALSE(sl.empty());
      n += sl.size();
    }
    EXPECT_EQ(n, runs.size());
    EXPECT_LE(slices.size(), std::max<size_t>(parts, 1));
  }
}

TEST(EventStreamTest, EmptySpecAndEmptySource) {
  auto app = Speed({E("x", "a", kDay1)});
  StreamBuilder none(StreamSpec{});
  none.AddSource(*app);
  EXPECT_TRUE(none.Finish().rows.empty());
  StreamSpec spec;
  spec.matchers.push_back(M("x"));
  StreamBuilder b(spec);
  EventStream s = b.Finish();
  EXPECT_TRUE(s.rows.empty());
  EXPECT_TRUE(s.UserRuns().empty());
  EXPECT_TRUE(s.SplitRuns(s.UserRuns(), 4).empty());
}

// Sealed days through the lake: the partitions of the spec's days are
// loaded (through the cache) and merged with the speed layer by user number.
TEST(EventStreamTest, AddLakeReadsTheSpansDays) {
  const std::string root = ::testing::TempDir() + "event_stream_lake_" + std::to_string(getpid());
  std::filesystem::remove_all(root);
  std::unique_ptr<lake::LocalStorage> storage;
  ASSERT_TRUE(lake::LocalStorage::Open(root + "/store", &storage).ok());
  lake::EventsSchema schema;
  ASSERT_TRUE(lake::EventsSchema::Make({}, &schema).ok());
  lake::Snapshot snapshot;
  // Day 1 and day 3 sealed; users a = 0, b = 1.
  auto seal = [&](const std::string& date, std::vector<Event> events, std::vector<uint32_t> users) {
    std::vector<size_t> order(events.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return lake::EventLess(events[x], events[y]); });
    std::vector<Event> sorted;
    std::vector<uint32_t> numbers;
    for (size_t i : order) sorted.push_back(events[i]), numbers.push_back(users[i]);
    const std::string local = root + "/" + date + ".parquet";
    lake::EventFileInfo info;
    ASSERT_TRUE(lake::WriteEventFile(local, schema, sorted, numbers, lake::EventFileOptions(), &info).ok());
    lake::LakeFile f;
    f.kind = lake::FileKind::kEvents;
    f.app_id = "app";
    f.date = date;
    f.key = "events/app=app/date=" + date + "/part-0.parquet";
    f.size = info.size;
    f.rows = info.rows;
    f.min_time_ms = info.min_time_ms;
    f.max_time_ms = info.max_time_ms;
    ASSERT_TRUE(storage->PutFile(f.key, local).ok());
    snapshot.files.push_back(f);
  };
  seal("2026-10-01", {E("open", "a", kDay1 + kH, {P("platform", "ios")}), E("buy", "b", kDay1 + 2 * kH)}, {0, 1});
  seal("2026-10-03", {E("open", "b", kDay1 + 50 * kH, {P("platform", "web")}), E("zzz", "a", kDay1 + 51 * kH)}, {1, 0});
  std::sort(snapshot.files.begin(), snapshot.files.end(),
            [](const lake::LakeFile& x, const lake::LakeFile& y) { return x.key < y.key; });
  auto fresh = Speed({E("x", "a", kDay1), E("x", "b", kDay1), E("open", "a", kDay1 + 49 * kH)});
  ASSERT_EQ(fresh->users().Find("u:a"), 0u);
  ASSERT_EQ(fresh->users().Find("u:b"), 1u);
  PartitionCache cache(storage.get(), 1 << 30);

  StreamSpec spec;
  spec.matchers.push_back(M("open"));
  spec.matchers.push_back(M("buy", kDay1, kDay1 + 24 * kH));
  spec.properties.push_back(PropertyRef{"platform", false});
  StreamBuilder b(spec);
  b.AddSource(*fresh);
  ASSERT_TRUE(b.AddLake("app", snapshot, &cache).ok());
  EXPECT_EQ(b.stats().partitions_scanned, 2u);
  EventStream s = b.Finish();
  std::vector<std::tuple<uint32_t, int64_t, uint32_t, std::string>> got;
  for (const StreamRow& r : s.rows) got.emplace_back(r.user, r.time_ms, r.mask, Text(s, r, 0));
  std::vector<std::tuple<uint32_t, int64_t, uint32_t, std::string>> want = {
      {0, kDay1 + kH, 1, "ios"}, {0, kDay1 + 49 * kH, 1, "-"}, {1, kDay1 + 2 * kH, 2, "-"}, {1, kDay1 + 50 * kH, 1, "web"}};
  EXPECT_EQ(got, want);

  // A spec over day 1 only reads day 1's partition (from the cache now).
  StreamSpec day1;
  day1.matchers.push_back(M("open", kDay1, kDay1 + 24 * kH));
  StreamBuilder one(day1);
  ASSERT_TRUE(one.AddLake("app", snapshot, &cache).ok());
  EXPECT_EQ(one.stats().partitions_scanned, 1u);
  EXPECT_EQ(one.Finish().rows.size(), 1u);
  EXPECT_GE(cache.stats().hits, 1u);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace swell::query
