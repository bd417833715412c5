#include "query/audience.h"

#include <gtest/gtest.h>

#include "query/audience_request.h"
#include "query/query_service.h"
#include "query/query_test_util.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

class AudienceTest : public ::testing::Test {
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
    batch.events.push_back(E("buy", "b", kDay1 + 2 * kH + 5, {android}, {pro}));
    batch.events.push_back(E("buy", "", kDay1 + 26 * kH, {}, {}, "dev1"));
    batch.events.push_back(E("open", "a", kDay1 + 3 * kH, {ios}));
    batch.events.push_back(E("open", "c", kDay1 + 3 * kH));
    speed::ApplyResult r;
    ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  }

  std::string Run(const std::string& json) {
    std::string out;
    Status st = service_->Audience("app", json, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  std::string Error(const std::string& json) {
    std::string out;
    Status st = service_->Audience("app", json, &out);
    EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
    return st.message();
  }
  static std::string Count(uint64_t n) {
    std::string c = std::to_string(n);
    return R"({"count":)" + c + R"(,"lower_bound":)" + c + R"(,"upper_bound":)" + c + R"(,"mode":"exact"})";
  }

  std::unique_ptr<speed::SpeedLayer> speed_;
  std::unique_ptr<QueryService> service_;
};

constexpr char kRange[] = R"("from":"2026-10-01","to":"2026-10-02")";

TEST_F(AudienceTest, Leaves) {
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"buy",)") + kRange + "}}"), Count(3));
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01"}})")), Count(2));
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"buy","min_count":2,)") + kRange + "}}"), Count(1));
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"buy","property":"platform","value":"ios",)") + kRange + "}}"),
            Count(1));
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"buy","property":"plan","type":"user","values":["pro","x"],)") +
                kRange + "}}"),
            Count(2));
  EXPECT_EQ(Run(std::string(R"({"tree":{"event":"nope",)") + kRange + "}}"), Count(0));
  // A partial hour: [01:00, 02:00:00.004] holds a's two buys, not b's.
  EXPECT_EQ(Run(R"({"tree":{"event":"buy","from":"2026-10-01T01:00:00Z","to":"2026-10-01T02:00:00.004Z"}})"),
            Count(1));
  EXPECT_EQ(Run(R"({"tree":{"event":"buy","from":"2026-10-01T01:00:00Z","to":"2026-10-01T02:00:00.005Z"}})"),
            Count(2));
  // In New York 2026-10-01 local ends at 04:00Z on 10-02: the dev1 buy (02:00Z) is in.
  EXPECT_EQ(Run(R"({"timezone":"America/New_York","tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01"}})"),
            Count(1));
}

TEST_F(AudienceTest, Operators) {
  std::string buy = std::string(R"({"event":"buy",)") + kRange + "}";
  std::string open = std::string(R"({"event":"open",)") + kRange + "}";
  EXPECT_EQ(Run(R"({"tree":{"op":"and","children":[)" + buy + "," + open + "]}}"), Count(1));
  EXPECT_EQ(Run(R"({"tree":{"op":"or","children":[)" + buy + "," + open + "]}}"), Count(4));
  // The universe: users with any event in the leaves' ranges (a, b, dev1, c).
  EXPECT_EQ(Run(R"({"tree":{"op":"not","children":[)" + buy + "]}}"), Count(1));
  EXPECT_EQ(Run(R"({"tree":{"op":"and","children":[)" + open + R"(,{"op":"not","children":[)" + buy + "]}]}}"),
            Count(1));
  std::string out = Run(R"({"sample":10,"tree":{"op":"or","children":[)" + buy + "," + open + "]}}");
  EXPECT_EQ(out, R"({"count":4,"lower_bound":4,"upper_bound":4,"mode":"exact","sample":["a","b","dev1","c"]})");
  EXPECT_EQ(Run(R"({"sample":1,"tree":)" + open + "}"),
            R"({"count":2,"lower_bound":2,"upper_bound":2,"mode":"exact","sample":["a"]})");
}

TEST_F(AudienceTest, NewEventsChangeTheAnswer) {
  std::string q = std::string(R"({"tree":{"event":"open",)") + kRange + "}}";
  EXPECT_EQ(Run(q), Count(2));
  EventBatch batch{"app", {E("open", "z", kDay1 + 30 * kH)}};
  speed::ApplyResult r;
  ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  EXPECT_EQ(Run(q), Count(3));
}

TEST_F(AudienceTest, BadRequests) {
  EXPECT_NE(Error("[]").find("request"), std::string::npos);
  EXPECT_NE(Error(R"({})").find("tree"), std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01"},"x":1})").find("x: unknown"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01","colour":1}})").find("tree.colour"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-02","to":"2026-10-01"}})").find("tree.to"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01"}})").find("tree.to"), std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01","min_count":0}})")
                .find("tree.min_count"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01","min_count":"2"}})")
                .find("tree.min_count"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"2026-10-01","to":"2026-10-01","value":"x"}})")
                .find("tree.property"),
            std::string::npos);
  std::string leaf = R"({"event":"buy","from":"2026-10-01","to":"2026-10-01"})";
  EXPECT_NE(Error(R"({"tree":{"op":"not","children":[)" + leaf + "," + leaf + "]}}").find("tree.children"),
            std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"op":"and","children":[]}})").find("tree.children"), std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"op":"xor","children":[)" + leaf + "]}}").find("tree.op"), std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"op":"or","children":[)" + leaf + R"(,{"op":"and","children":[1]}]}})")
                .find("tree.children[1].children[0]"),
            std::string::npos);
  EXPECT_NE(Error(R"({"mode":"estimate","sample":2,"tree":)" + leaf + "}").find("sample"), std::string::npos);
  EXPECT_NE(Error(R"({"std_devs":2,"tree":)" + leaf + "}").find("std_devs"), std::string::npos);
  EXPECT_NE(Error(R"({"sample":-1,"tree":)" + leaf + "}").find("sample"), std::string::npos);
  EXPECT_NE(Error(R"({"timezone":"Mars/Base","tree":)" + leaf + "}").find("timezone"), std::string::npos);
  EXPECT_NE(Error(R"({"tree":{"event":"buy","from":"0001-01-01","to":"9999-12-31"}})").find("tree.to: the range is longer"),
            std::string::npos);
  EXPECT_EQ(Run(R"({"tree":{"event":"buy","from":"1970-01-01","to":"9000-12-31"}})"), Count(3));
  // Depth: 32 levels pass, 33 do not.
  auto nested = [&](int depth) {
    std::string s = leaf;
    for (int i = 1; i < depth; ++i) s = R"({"op":"or","children":[)" + s + "]}";
    return R"({"tree":)" + s + "}";
  };
  EXPECT_EQ(Run(nested(32)), Count(2));
  EXPECT_NE(Error(nested(33)).find("deeper"), std::string::npos);
  // Leaves: 256 pass, 257 do not.
  auto wide = [&](int n) {
    std::string s = R"({"tree":{"op":"or","children":[)";
    for (int i = 0; i < n; ++i) s += (i ? "," : "") + leaf;
    return s + "]}}";
  };
  EXPECT_EQ(Run(wide(256)), Count(2));
  EXPECT_NE(Error(wide(257)).find("256"), std::string::npos);
}

}  // namespace
}  // namespace swell::query
