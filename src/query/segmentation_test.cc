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
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01","value":3},{"t":"2026-10-02","value":1},{"t":"2026-10-03","value":0}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"metric":"uniques","from":"2026-10-01","to":"2026-10-02"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":1}]}]})");
}

TEST_F(SegmentationTest, FiltersAndGroups) {
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"platform","op":"is","values":["ios"]}]},"from":"2026-10-01","to":"2026-10-01"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01","value":2}]}]})");
  // is_not matches events without the property (the device-only event).
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"platform","op":"is_not","values":["ios"]}]},"from":"2026-10-01","to":"2026-10-02"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-02","group_by":{"property":"plan","type":"user"}})"),
            R"j({"series":[{"group":"(none)","points":[{"t":"2026-10-01","value":1},{"t":"2026-10-02","value":1}]},)j"
            R"({"group":"pro","points":[{"t":"2026-10-01","value":2},{"t":"2026-10-02","value":0}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"_all"},"from":"2026-10-01","to":"2026-10-01","group_by":"event_type"})"),
            R"({"series":[{"group":"buy","points":[{"t":"2026-10-01","value":3}]},{"group":"open","points":[{"t":"2026-10-01","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy","filters":[{"property":"device_id","op":"is","values":["dev1"]}]},"from":"2026-10-02","to":"2026-10-02"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-10-02","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01","to":"2026-10-01","group_by":"nothing_has_this"})"),
            R"j({"series":[{"group":"(none)","points":[{"t":"2026-10-01","value":3}]}]})j");
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
            R"j({"series":[{"group":"(none)","points":[{"t":"2026-10-01","value":4}]}]})j");
}

TEST_F(SegmentationTest, TimeZoneMovesEventsAcrossDays) {
  // 01:00Z and 02:00Z on October 1 are still September 30 in New York;
  // 2026-10-02T02:00Z is October 1 there.
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-09-30","to":"2026-10-01","timezone":"America/New_York"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-09-30","value":3},{"t":"2026-10-01","value":1}]}]})");
  EXPECT_EQ(Run(R"({"event":{"name":"buy"},"from":"2026-10-01T01:00:00Z","to":"2026-10-01T01:59:59.999Z","interval":"hour"})"),
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01T01:00","value":1}]}]})");
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
            R"({"series":[{"group":null,"points":[{"t":"2026-10-01","value":2}]}]})");
}

TEST(SegmentationPartialTest, MergeAddsCountsAndUnitesUsers) {
  // Two sources (say the lake and the speed layer) each saw part of a chart.
  SegmentationPartial a, b;
  a.series["US"].events = {1, 2};
  a.series["US"].users = {Roaring(), Roaring()};
  a.series["US"].users[0].add(7);
  b.series["US"].events = {10, 0};
  b.series["US"].users = {Roaring(), Roaring()};
  b.series["US"].users[0].add(7);
  b.series["US"].users[0].add(8);
  b.series["DE"].events = {0, 5};
  b.series["DE"].users = {Roaring(), Roaring()};
  a.Merge(std::move(b));
  ASSERT_EQ(a.series.size(), 2u);
  EXPECT_EQ(a.series["US"].events, (std::vector<uint64_t>{11, 2}));
  EXPECT_EQ(a.series["US"].users[0].cardinality(), 2u);  // user 7 once
  EXPECT_EQ(a.series["DE"].events, (std::vector<uint64_t>{0, 5}));
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
