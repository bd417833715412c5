#include "query/segmentation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "query/query_service.h"
#include "query/query_test_util.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

class SegmentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed_).ok());
    service_ = QueryService::Create(speed_.get());
    auto ios = Property{"platform", PropertyValue::String("ios")};
    auto android = Property{"platform", PropertyValue::String("android")};
    auto pro = Property{"plan", PropertyValue::String("pro")};
    EventBatch batch{"app", {}};
    batch.events.push_back(E("buy", "a", kDay1 + 1 * kH, {ios}, {pro}));
    batch.events.push_back(E("buy", "a", kDay1 + 2 * kH, {ios}));
    batch.events.push_back(E("buy", "b", kDay1 + 2 * kH, {android}, {pro}));
    batch.events.push_back(E("buy", "", kDay1 + 26 * kH, {}, {}, "dev1"));
    batch.events.push_back(E("open", "a", kDay1 + 3 * kH, {ios}));
    speed::ApplyResult r;
    ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  }

  std::string Run(const std::string& json) {
    std::string out;
    Status st = service_->Segmentation("app", json, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::unique_ptr<speed::SpeedLayer> speed_;
  std::unique_ptr<QueryService> service_;
};

TEST_F(SegmentationTest, TotalsAndUniquesPerDay) {
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-03"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01","value":3},{"t":"2026-10-02","value":1},{"t":"2026-10-03","value":0}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"metric":"uniques","from":"2026-10-01","to":"2026-10-02"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":1}]}]})");
}

TEST_F(SegmentationTest, FiltersAndGroups) {
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"platform","op":"is","values":["ios"]}]},"from":"2026-10-01","to":"2026-10-01"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01","value":2}]}]})");
  // is_not matches events without the property (the device-only event).
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"platform","op":"is_not","values":["ios"]}]},"from":"2026-10-01","to":"2026-10-02"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-02","group_by":{"property":"plan","type":"user"}})"),
            R"j({"series":[{"event":"buy","group":"(none)","points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":1}]},)j"
            R"({"event":"buy","group":"pro","points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":0}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"_all"},"from":"2026-10-01","to":"2026-10-01","group_by":"event_type"})"),
            R"({"series":[{"event":"_all","group":"buy","points":[{"t":"2026-10-01","value":3}]},{"event":"_all","group":"open","points":[{"t":"2026-10-01","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"device_id","op":"is","values":["dev1"]}]},"from":"2026-10-02","to":"2026-10-02"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-02","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","group_by":"nothing_has_this"})"),
            R"j({"series":[{"event":"buy","group":"(none)","points":[{"t":"2026-10-01","value":3}]}]})j");
  EXPECT_EQ(Run(R"({"event":{"name":"nope"},"from":"2026-10-01","to":"2026-10-01","group_by":"platform"})"),
            R"({"series":[]})");
}

TEST_F(SegmentationTest, ValueSpelledLikeTheNoneGroupJoinsIt) {
  EventBatch batch{"app", {E("buy", "z", kDay1 + 5 * kH, {{"country", PropertyValue::String("(none)")}})}};
  speed::ApplyResult r;
  ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  // Three buys on October 1 lack a country and one has the text "(none)":
  // one group of four.
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","group_by":"country"})"),
            R"j({"series":[{"event":"buy","group":"(none)","points":[{"t":"2026-10-01","value":4}]}]})j");
}

TEST_F(SegmentationTest, TimeZoneMovesEventsAcrossDays) {
  // 01:00Z and 02:00Z on October 1 are still September 30 in New York;
  // 2026-10-02T02:00Z is October 1 there.
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-09-30","to":"2026-10-01","timezone":"America/New_York"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-09-30","value":3},{"t":"2026-10-01","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01T01:00:00Z","to":"2026-10-01T01:59:59.999Z","interval":"hour"})"),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01T01:00","value":1}]}]})");
}

TEST_F(SegmentationTest, EventNamesAndErrors) {
  std::string out;
  ASSERT_TRUE(service_->EventNames("app", &out).ok());
  EXPECT_EQ(out, R"({"events":[{"name":"buy","totals":4,"users":3},{"name":"open","totals":1,"users":1}]})");
  ASSERT_TRUE(service_->EventNames("empty", &out).ok());
  EXPECT_EQ(out, R"({"events":[]})");
  EXPECT_TRUE(service_->Segmentation("app", R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","timezone":"Nowhere/Land"})", &out)
                  .IsInvalidArgument());
  EXPECT_TRUE(service_->Segmentation("app", R"({"event":{"name":"buy"},"from":"2026-10-02","to":"2026-10-01"})", &out)
                  .IsInvalidArgument());
}

TEST_F(SegmentationTest, SetsAndRowScansAgree) {
  // A UTC day of whole hours with one `is` filter is answered from the user
  // sets alone, without reading a row.
  const char* base = R"({"event":{"name":"buy","filters":[{"property":"platform","op":"is","values":["ios","android"]}]},"metric":"uniques","from":"2026-10-01","to":"2026-10-01")";
  SegmentationRequest req;
  ASSERT_TRUE(ParseSegmentationRequest(std::string(base) + "}", &req).ok());
  TimeBuckets buckets;
  ASSERT_TRUE(TimeBuckets::Make(req.interval, TimeZone::Utc(), req.from, req.to_exclusive, &buckets).ok());
  SegmentationPartial partial;
  ScanStats stats;
  ASSERT_TRUE(speed_->ReadApp("app", [&](const speed::AppState& app) {
    ScanSpeedLayer(req, buckets, app, &partial, &stats);
    return Status::OK();
  }).ok());
  EXPECT_GT(stats.hours_from_sets, 0u);
  EXPECT_EQ(stats.rows_scanned, 0u);
  EXPECT_EQ(RenderSegmentation(req, buckets, partial),
            R"({"series":[{"event":"buy","group":null,"points":[{"t":"2026-10-01","value":2}]}]})");
}

TEST_F(SegmentationTest, SeveralEventsKeepRequestOrder) {
  // open sorts before buy although buy's total is larger: request order
  // first, then totals within an event.
  EXPECT_EQ(Run(R"({"events":[{"name":"open"},{"name":"buy","filters":[{"property":"platform","op":"is","values":["ios"]}]},{"name":"nope"}],"from":"2026-10-01","to":"2026-10-01"})"),
            R"({"series":[{"event":"open","group":null,"points":[{"t":"2026-10-01","value":1}]},)"
            R"({"event":"buy","group":null,"points":[{"t":"2026-10-01","value":2}]},)"
            R"({"event":"nope","group":null,"points":[{"t":"2026-10-01","value":0}]}]})");
  // Grouped: an event without matches has no series; the same name twice is
  // two series.
  EXPECT_EQ(Run(R"({"events":[{"name":"nope"},{"name":"buy"},{"name":"buy","filters":[{"property":"platform","op":"is_not","values":["ios"]}]}],"from":"2026-10-01","to":"2026-10-01","group_by":"platform","metric":"uniques"})"),
            R"({"series":[{"event":"buy","group":"android","points":[{"t":"2026-10-01","value":1}]},)"
            R"({"event":"buy","group":"ios","points":[{"t":"2026-10-01","value":1}]},)"
            R"({"event":"buy","group":"android","points":[{"t":"2026-10-01","value":1}]}]})");
}

TEST_F(SegmentationTest, TwoGroupsAndOther) {
  // Oct 1-2 buys by (platform, user plan): (ios, pro) a, (ios, (none)) a,
  // (android, pro) b on Oct 1; ((none), (none)) dev1 on Oct 2. Equal totals
  // sort by group bytes.
  const std::string base = R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-02","metric":"uniques","group_by":["platform",{"property":"plan","type":"user"}])";
  EXPECT_EQ(Run(base + "}"),
            R"j({"series":[{"event":"buy","group":["(none)","(none)"],"points":[{"t":"2026-10-01","value":0},{"t":"2026-10-02","value":1}]},)j"
            R"j({"event":"buy","group":["android","pro"],"points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":0}]},)j"
            R"j({"event":"buy","group":["ios","(none)"],"points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":0}]},)j"
            R"j({"event":"buy","group":["ios","pro"],"points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":0}]}]})j");
  // limit 1 keeps ((none), (none)); "(other)" unites a and b on Oct 1: 2,
  // not 1 + 1 + 1.
  EXPECT_EQ(Run(base + R"(,"limit":1})"),
            R"j({"series":[{"event":"buy","group":["(other)","(other)"],"points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":0}]},)j"
            R"j({"event":"buy","group":["(none)","(none)"],"points":[{"t":"2026-10-01","value":0},{"t":"2026-10-02","value":1}]}]})j");
  // A limit at or above the series count changes nothing.
  EXPECT_EQ(Run(base + R"(,"limit":4})"), Run(base + "}"));
  // One property: totals ios 2, android 1, (none) 1 -> limit 1: ios, (other) 2.
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-02","group_by":"platform","limit":1})"),
            R"j({"series":[{"event":"buy","group":"(other)","points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":1}]},)j"
            R"j({"event":"buy","group":"ios","points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":0}]}]})j");
}

TEST_F(SegmentationTest, KeptGroupNamedOtherJoinsTheMergedOne) {
  EventBatch batch{"app", {E("buy", "z", kDay1 + 5 * kH, {{"platform", PropertyValue::String("(other)")}}),
                           E("buy", "y", kDay1 + 6 * kH, {{"platform", PropertyValue::String("(other)")}}),
                           E("buy", "x", kDay1 + 7 * kH, {{"platform", PropertyValue::String("(other)")}})}};
  speed::ApplyResult r;
  ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  // Totals Oct 1: "(other)" 3, ios 2, android 1. limit 2 keeps "(other)"
  // and ios; android merges into the kept "(other)": 4.
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","group_by":"platform","limit":2})"),
            R"j({"series":[{"event":"buy","group":"(other)","points":[{"t":"2026-10-01","value":4}]},)j"
            R"j({"event":"buy","group":"ios","points":[{"t":"2026-10-01","value":2}]}]})j");
}

TEST(SegmentationMetricsTest, NumericAndPerUserMetrics) {
  std::unique_ptr<speed::SpeedLayer> speed;
  ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed).ok());
  auto service = QueryService::Create(speed.get());
  auto price = [](PropertyValue v) { return std::vector<Property>{{"price", std::move(v)}}; };
  EventBatch batch{"app", {}};
  // Oct 1: prices 10, "2.5" (a numeric string), "x" (not a number), -4.5;
  // Oct 2: one buy without a price; Oct 3: nothing.
  batch.events.push_back(E("buy", "a", kDay1 + kH, price(PropertyValue::Int(10))));
  batch.events.push_back(E("buy", "a", kDay1 + 2 * kH, price(PropertyValue::String("2.5"))));
  batch.events.push_back(E("buy", "b", kDay1 + 3 * kH, price(PropertyValue::String("x"))));
  batch.events.push_back(E("buy", "b", kDay1 + 4 * kH, price(PropertyValue::Double(-4.5))));
  batch.events.push_back(E("buy", "c", kDay1 + 26 * kH));
  speed::ApplyResult r;
  ASSERT_TRUE(speed->Apply(batch, &r).ok());
  auto run = [&](const std::string& metric) {
    std::string out;
    Status st = service->Segmentation(
        "app", R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-03",)" + metric + "}", &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    // Only the values.
    std::string values;
    for (size_t p = 0; (p = out.find("\"value\":", p)) != std::string::npos;) {
      p += 8;
      values += out.substr(p, out.find('}', p) - p) + " ";
    }
    return values;
  };
  EXPECT_EQ(run(R"("metric":"sum","property":"price")"), "8 0 0 ");
  EXPECT_EQ(run(R"("metric":"avg","property":"price")"), "2.6666666666666665 null null ");
  EXPECT_EQ(run(R"("metric":"min","property":"price")"), "-4.5 null null ");
  EXPECT_EQ(run(R"("metric":"max","property":{"property":"price"})"), "10 null null ");
  EXPECT_EQ(run(R"("metric":"per_user_avg")"), "2 1 null ");
  EXPECT_EQ(run(R"("metric":"sum","property":"nothing")"), "0 0 0 ");
  // Grouped by the numeric property itself: each group's own numbers.
  std::string out;
  ASSERT_TRUE(service->Segmentation("app", R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","metric":"max","property":"price","group_by":"price"})", &out).ok());
  EXPECT_EQ(out, R"j({"series":[{"event":"buy","group":"10","points":[{"t":"2026-10-01","value":10}]},)j"
                 R"j({"event":"buy","group":"2.5","points":[{"t":"2026-10-01","value":2.5}]},)j"
                 R"j({"event":"buy","group":"x","points":[{"t":"2026-10-01","value":null}]},)j"
                 R"j({"event":"buy","group":"-4.5","points":[{"t":"2026-10-01","value":-4.5}]}]})j");
}

TEST(SegmentationMetricsTest, ActiveUsersReachBeforeTheRange) {
  std::unique_ptr<speed::SpeedLayer> speed;
  ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed).ok());
  auto service = QueryService::Create(speed.get());
  const int64_t kD = 24 * kH;
  EventBatch batch{"app", {}};
  batch.events.push_back(E("open", "a", kDay1 - 6 * kD + 10 * kH));  // Sep 25 10:00
  batch.events.push_back(E("open", "b", kDay1 + 10 * kH));           // Oct 1
  batch.events.push_back(E("open", "c", kDay1 + 2 * kD));            // Oct 3
  batch.events.push_back(E("open", "a", kDay1 + 7 * kD));            // Oct 8
  speed::ApplyResult r;
  ASSERT_TRUE(speed->Apply(batch, &r).ok());
  auto run = [&](const std::string& req) {
    std::string out;
    Status st = service->Segmentation("app", R"({"event":{"name":"open"},)" + req + "}", &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    std::string values;
    for (size_t p = 0; (p = out.find("\"value\":", p)) != std::string::npos;) {
      p += 8;
      values += out.substr(p, out.find('}', p) - p) + " ";
    }
    return values;
  };
  EXPECT_EQ(run(R"("metric":"dau","from":"2026-10-01","to":"2026-10-08")"), "1 0 1 0 0 0 0 1 ");
  // Oct 1's week is Sep 25..Oct 1: a and b.
  EXPECT_EQ(run(R"("metric":"wau","from":"2026-10-01","to":"2026-10-08")"), "2 1 2 2 2 2 2 2 ");
  EXPECT_EQ(run(R"("metric":"mau","from":"2026-10-01","to":"2026-10-03")"), "2 2 3 ");
  // An instant `from` reaches back 6 x 24 h: Sep 25 12:00, after a's event.
  EXPECT_EQ(run(R"("metric":"wau","from":"2026-10-01T12:00:00Z","to":"2026-10-02")"), "1 1 ");
  // `to` still ends the scan.
  EXPECT_EQ(run(R"("metric":"wau","from":"2026-10-07","to":"2026-10-07")"), "2 ");
  std::string out;
  EXPECT_TRUE(service->Segmentation("app", R"({"event":{"name":"open"},"metric":"wau","interval":"week","from":"2026-10-01","to":"2026-10-03"})", &out)
                  .IsInvalidArgument());
  EXPECT_TRUE(service->Segmentation("app", R"({"event":{"name":"open"},"metric":"wau","from":"2026-10-03","to":"2026-10-01"})", &out)
                  .IsInvalidArgument());
}

TEST(SegmentationPartialTest, MergeAddsCountsAndUnitesUsers) {
  // Two sources (say the lake and the speed layer) each saw part of a chart.
  SegmentationPartial a, b;
  const SeriesKey us{0, {"US"}}, de{0, {"DE"}};
  a.series[us] = NewSeriesPartial(2, Metric::kUniques);
  a.series[us].events = {1, 2};
  a.series[us].users[0].add(7);
  b.series[us] = NewSeriesPartial(2, Metric::kUniques);
  b.series[us].events = {10, 0};
  b.series[us].users[0].add(7);
  b.series[us].users[0].add(8);
  b.series[de] = NewSeriesPartial(2, Metric::kUniques);
  b.series[de].events = {0, 5};
  a.Merge(std::move(b));
  ASSERT_EQ(a.series.size(), 2u);
  EXPECT_EQ(a.series[us].events, (std::vector<uint64_t>{11, 2}));
  EXPECT_EQ(a.series[us].users[0].cardinality(), 2u);  // user 7 once
  EXPECT_EQ(a.series[de].events, (std::vector<uint64_t>{0, 5}));
}

TEST(SegmentationPartialTest, MergeNumbers) {
  SeriesPartial a = NewSeriesPartial(2, Metric::kAvg), b = NewSeriesPartial(2, Metric::kAvg);
  a.AddNumber(0, 0.1);
  a.AddNumber(0, 1e16);
  b.AddNumber(0, 0.2);
  b.AddNumber(0, -1e16);
  b.AddNumber(1, 3);
  a.Merge(b);
  EXPECT_EQ(a.numbers, (std::vector<uint64_t>{4, 1}));
  // Compensated: 0.1 and 0.2 survive the large terms that cancel.
  EXPECT_NEAR(a.sum[0] + a.comp[0], 0.3, 1e-15);
  EXPECT_EQ(a.min[0], -1e16);
  EXPECT_EQ(a.max[0], 1e16);
  EXPECT_EQ(a.min[1], 3);
  EXPECT_EQ(a.max[1], 3);
}

TEST(SegmentationConcurrencyTest, QueriesSeeEveryAcknowledgedBatchAndOnlyWholeBatches) {
  std::unique_ptr<speed::SpeedLayer> speed;
  ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed).ok());
  auto service = QueryService::Create(speed.get());
  constexpr int kBatches = 100, kPerBatch = 40;
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      EventBatch batch{"app", {}};
      for (int i = 0; i < kPerBatch; ++i) batch.events.push_back(E("buy", "u" + std::to_string(i), kDay1 + b * 60'000));
      speed::ApplyResult r;
      ASSERT_TRUE(speed->Apply(batch, &r).ok());
      acknowledged.store(b + 1);
    }
  });
  int last = 0;
  while (last < kBatches) {
    int before = acknowledged.load();
    std::string out;
    ASSERT_TRUE(service->Segmentation("app", R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01"})", &out).ok());
    auto pos = out.find("\"value\":");
    ASSERT_NE(pos, std::string::npos);
    int value = std::stoi(out.substr(pos + 8));
    EXPECT_EQ(value % kPerBatch, 0) << out;
    EXPECT_GE(value, before * kPerBatch);
    last = value / kPerBatch;
  }
  writer.join();
}

}  // namespace
}  // namespace swell::query
