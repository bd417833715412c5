#include "query/audience_request.h"

#include <gtest/gtest.h>

#include <string>

namespace swell::query {
namespace {

constexpr char kLeaf[] = R"({"event":"buy","from":"2026-10-01","to":"2026-10-02"})";

std::string Req(const std::string& top) { return "{" + top + R"("tree":)" + kLeaf + "}"; }

// The error message of a refused request ("" when it parses).
std::string Error(const std::string& json) {
  AudienceRequest req;
  Status st = ParseAudienceRequest(json, &req);
  if (st.ok()) return "";
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  return st.message();
}

TEST(AudienceRequestTest, ModeAndStdDevs) {
  AudienceRequest req;
  ASSERT_TRUE(ParseAudienceRequest(Req(""), &req).ok());
  EXPECT_FALSE(req.estimate);
  EXPECT_EQ(req.std_devs, 2);
  ASSERT_TRUE(ParseAudienceRequest(Req(R"("mode":"exact",)"), &req).ok());
  EXPECT_FALSE(req.estimate);
  ASSERT_TRUE(ParseAudienceRequest(Req(R"("mode":"estimate",)"), &req).ok());
  EXPECT_TRUE(req.estimate);
  EXPECT_EQ(req.std_devs, 2);
  for (int sd = 1; sd <= 3; ++sd) {
    // Either order of the keys.
    ASSERT_TRUE(ParseAudienceRequest(Req(R"("mode":"estimate","std_devs":)" + std::to_string(sd) + ","), &req).ok());
    EXPECT_EQ(req.std_devs, sd);
    ASSERT_TRUE(ParseAudienceRequest(Req(R"("std_devs":)" + std::to_string(sd) + R"(,"mode":"estimate",)"), &req).ok());
    EXPECT_EQ(req.std_devs, sd);
    EXPECT_TRUE(req.estimate);
  }
  EXPECT_EQ(Error(Req(R"("mode":"guess",)")), "mode: must be one of exact, estimate");
  EXPECT_EQ(Error(Req(R"("mode":1,)")), "mode: must be a string");
  for (const char* bad : {"0", "4", "-1", "2.5", "\"2\"", "null", "18446744073709551615"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Error(Req(R"("mode":"estimate","std_devs":)" + std::string(bad) + ",")).rfind("std_devs: must be", 0),
              0u);
  }
  // std_devs widens bounds, which only an estimate has.
  EXPECT_EQ(Error(Req(R"("std_devs":2,)")).rfind("std_devs: needs mode estimate", 0), 0u);
  EXPECT_EQ(Error(Req(R"("mode":"exact","std_devs":3,)")).rfind("std_devs: needs mode estimate", 0), 0u);
}

TEST(AudienceRequestTest, SampleNeedsExactMode) {
  AudienceRequest req;
  ASSERT_TRUE(ParseAudienceRequest(Req(R"("sample":10,)"), &req).ok());
  EXPECT_EQ(req.sample, 10u);
  ASSERT_TRUE(ParseAudienceRequest(Req(R"("mode":"estimate","sample":0,)"), &req).ok());
  EXPECT_EQ(req.sample, 0u);
  const std::string want = "sample: needs mode exact; an estimate holds hashes, not users";
  EXPECT_EQ(Error(Req(R"("mode":"estimate","sample":1,)")), want);
  EXPECT_EQ(Error(Req(R"("sample":5,"mode":"estimate",)")), want);
  // A bad sample is named as before.
  EXPECT_EQ(Error(Req(R"("mode":"estimate","sample":-1,)")).rfind("sample: must be an integer", 0), 0u);
}

TEST(AudienceRequestTest, LeafApp) {
  AudienceRequest req;
  const std::string tree = R"({"tree":{"op":"or","children":[)" + std::string(kLeaf) +
                           R"(,{"event":"open","app":"mobile-App_2","from":"2026-10-01","to":"2026-10-02"}]}})";
  ASSERT_TRUE(ParseAudienceRequest(tree, &req).ok());
  ASSERT_EQ(req.leaves.size(), 2u);
  EXPECT_EQ(req.leaves[0].app, "");
  EXPECT_EQ(req.leaves[1].app, "mobile-App_2");
  EXPECT_EQ(req.leaves[1].field, "tree.children[1]");
  // 64 characters pass, 65 do not.
  auto with_app = [](const std::string& app_json) {
    return R"({"mode":"estimate","tree":{"op":"or","children":[)" + std::string(kLeaf) +
           R"(,{"event":"open","app":)" + app_json + R"(,"from":"2026-10-01","to":"2026-10-02"}]}})";
  };
  ASSERT_TRUE(ParseAudienceRequest(with_app("\"" + std::string(64, 'a') + "\""), &req).ok());
  EXPECT_EQ(req.leaves[1].app, std::string(64, 'a'));
  for (const std::string& bad :
       {"\"" + std::string(65, 'a') + "\"", std::string(R"("")"), std::string(R"("a.b")"), std::string(R"("../x")"),
        std::string(R"("a b")"), std::string(R"("a/b")"), std::string(R"("\u00e9")")}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Error(with_app(bad)).rfind("tree.children[1].app: must be an app id", 0), 0u);
  }
  EXPECT_EQ(Error(with_app("7")), "tree.children[1].app: must be a string");
  // Still a leaf field: not on an operator.
  EXPECT_EQ(Error(R"({"tree":{"op":"or","app":"x","children":[)" + std::string(kLeaf) + "]}}"),
            "tree.app: unknown field (an operator has op and children)");
}

TEST(AudienceRequestTest, EstimateRequestParsesWhole) {
  AudienceRequest req;
  const std::string json = R"({"mode":"estimate","std_devs":3,"timezone":"Europe/Paris","tree":{"op":"and","children":[
      {"event":"buy","app":"web","property":"platform","value":"ios","from":"2026-10-01","to":"2026-10-31","min_count":2},
      {"op":"not","children":[{"event":"open","from":"2026-10-01","to":"2026-10-31"}]}]}})";
  Status st = ParseAudienceRequest(json, &req);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(req.estimate);
  EXPECT_EQ(req.std_devs, 3);
  EXPECT_TRUE(req.has_not);
  EXPECT_EQ(req.timezone, "Europe/Paris");
  ASSERT_EQ(req.leaves.size(), 2u);
  EXPECT_EQ(req.leaves[0].app, "web");
  EXPECT_EQ(req.leaves[0].min_count, 2u);
  EXPECT_EQ(req.leaves[1].app, "");
  EXPECT_EQ(req.root.op, AudienceNode::Op::kAnd);
}

}  // namespace
}  // namespace swell::query
