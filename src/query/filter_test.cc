#include "query/filter.h"

#include <gtest/gtest.h>

#include "query/filter_request.h"
#include "query/query_test_util.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

// ParseFilterList over a JSON text.
Status ParseList(const std::string& json, std::vector<FilterExpr>* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS) return Status::InvalidArgument("test: bad JSON");
  return ParseFilterList(e, "filters", out);
}

TEST(FilterParseTest, EveryOpAndTheirValues) {
  std::vector<FilterExpr> f;
  Status st = ParseList(R"([
    {"property": "a", "op": "is", "values": ["x", 3, 2.5, true]},
    {"property": "b", "type": "user", "op": "is_not", "values": []},
    {"property": "c", "op": "contains", "values": ["ab"]},
    {"property": "c", "op": "does_not_contain", "values": ["ab", "cd"]},
    {"property": "n", "op": "gt", "values": [1.5]},
    {"property": "n", "op": "gte", "values": ["-2"]},
    {"property": "n", "op": "lt", "values": [10]},
    {"property": "n", "op": "lte", "values": [1e3]},
    {"property": "s", "op": "set"},
    {"property": "s", "op": "not_set", "values": []}])",
                        &f);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(f.size(), 10u);
  for (const FilterExpr& x : f) EXPECT_EQ(x.kind, FilterExpr::Kind::kLeaf);
  EXPECT_EQ(f[0].leaf.values, (std::vector<std::string>{"x", "3", "2.5", "true"}));
  EXPECT_TRUE(f[1].leaf.property.user);
  EXPECT_EQ(f[1].leaf.op, FilterOp::kIsNot);
  EXPECT_EQ(f[3].leaf.op, FilterOp::kDoesNotContain);
  EXPECT_EQ(f[3].leaf.values.size(), 2u);
  EXPECT_EQ(f[4].leaf.op, FilterOp::kGt);
  EXPECT_EQ(f[4].leaf.number, 1.5);
  EXPECT_EQ(f[5].leaf.number, -2);  // a numeric string is a number
  EXPECT_EQ(f[7].leaf.number, 1000);
  EXPECT_EQ(f[8].leaf.op, FilterOp::kSet);
  EXPECT_EQ(f[9].leaf.op, FilterOp::kNotSet);
}

TEST(FilterParseTest, AndOrTrees) {
  std::vector<FilterExpr> f;
  ASSERT_TRUE(ParseList(R"([{"or": [{"property": "a", "op": "is", "values": ["1"]},
                                    {"and": [{"property": "b", "op": "set"}, {"property": "c", "op": "not_set"}]}]},
                            {"property": "d", "op": "is", "values": ["2"]}])",
                        &f)
                  .ok());
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].kind, FilterExpr::Kind::kOr);
  ASSERT_EQ(f[0].children.size(), 2u);
  EXPECT_EQ(f[0].children[1].kind, FilterExpr::Kind::kAnd);
  EXPECT_EQ(f[0].children[1].children[1].leaf.op, FilterOp::kNotSet);
  EXPECT_EQ(f[1].kind, FilterExpr::Kind::kLeaf);
}

TEST(FilterParseTest, ErrorsNameTheField) {
  std::string deep = R"({"property": "a", "op": "set"})";
  for (int i = 0; i < 9; ++i) deep = R"({"and": [)" + deep + "]}";
  struct Case {
    std::string json;
    const char* field;
  } cases[] = {
      {R"({})", "filters"},
      {R"([1])", "filters[0]"},
      {R"([{"property": "a", "op": "like", "values": []}])", "filters[0].op"},
      {R"([{"property": "", "op": "is", "values": []}])", "filters[0].property"},
      {R"([{"op": "is", "values": []}])", "filters[0].property"},
      {R"([{"property": "a", "values": []}])", "filters[0].op"},
      {R"([{"property": "a", "op": "is"}])", "filters[0].values"},
      {R"([{"property": "a", "op": "is", "values": [[1]]}])", "filters[0].values[0]"},
      {R"([{"property": "a", "op": "gt", "values": []}])", "filters[0].values"},
      {R"([{"property": "a", "op": "gt", "values": [1, 2]}])", "filters[0].values"},
      {R"([{"property": "a", "op": "gt", "values": ["ten"]}])", "filters[0].values[0]"},
      {R"([{"property": "a", "op": "lt", "values": [true]}])", "filters[0].values[0]"},
      {R"([{"property": "a", "op": "set", "values": ["x"]}])", "filters[0].values"},
      {R"([{"property": "a", "type": "group", "op": "set"}])", "filters[0].type"},
      {R"([{"property": "a", "op": "set", "extra": 1}])", "filters[0].extra"},
      {R"([{"or": {}}])", "filters[0].or"},
      {R"([{"or": []}])", "filters[0].or"},
      {R"([{"and": [{"property": "a", "op": "set"}, 3]}])", "filters[0].and[1]"},
      {R"([{"and": [], "or": []}])", "filters[0].and"},
      {"[" + deep + "]", "filters[0].and[0].and[0].and[0].and[0].and[0].and[0].and[0].and[0]"},
  };
  for (const Case& c : cases) {
    std::vector<FilterExpr> f;
    Status st = ParseList(c.json, &f);
    ASSERT_TRUE(st.IsInvalidArgument()) << c.json;
    EXPECT_EQ(st.message().rfind(std::string(c.field) + ":", 0), 0u) << st.message() << " for " << c.json;
  }
  // At most 64 leaves in a list.
  std::string many = "[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + R"({"property": "a", "op": "set"})";
  std::vector<FilterExpr> f;
  EXPECT_TRUE(ParseList(many + "]", &f).IsInvalidArgument());
}

TEST(FilterParseTest, EventMatcherAndPropertyRef) {
  simdjson::dom::parser parser;
  EventMatcher m;
  bool saw_between = false;
  auto extra = [&](std::string_view key, simdjson::dom::element, const std::string&, bool* handled) {
    if (key == "between") saw_between = *handled = true;
    return Status::OK();
  };
  ASSERT_TRUE(ParseEventMatcher(parser.parse(std::string(R"({"event": "buy", "between": [1, 2],
      "filters": [{"property": "p", "op": "set"}]})")).value(), "steps[0]", &m, extra).ok());
  EXPECT_EQ(m.event, "buy");
  EXPECT_EQ(m.filters.size(), 1u);
  EXPECT_TRUE(saw_between);
  Status st = ParseEventMatcher(parser.parse(std::string(R"({"event": "buy", "x": 1})")).value(), "steps[0]", &m);
  EXPECT_EQ(st.message().rfind("steps[0].x:", 0), 0u) << st.message();
  st = ParseEventMatcher(parser.parse(std::string(R"({"filters": []})")).value(), "steps[1]", &m);
  EXPECT_EQ(st.message().rfind("steps[1].event:", 0), 0u) << st.message();

  PropertyRef p;
  ASSERT_TRUE(ParsePropertyRef(parser.parse(std::string(R"({"property": "plan", "type": "user"})")).value(), "g", &p).ok());
  EXPECT_EQ(p, (PropertyRef{"plan", true}));
  ASSERT_TRUE(ParsePropertyRef(parser.parse(std::string(R"("country")")).value(), "g", &p).ok());
  EXPECT_EQ(p, (PropertyRef{"country", false}));
  EXPECT_TRUE(ParsePropertyRef(parser.parse(std::string("7")).value(), "g", &p).IsInvalidArgument());
}

TEST(FilterParseTest, NumberText) {
  struct Case {
    const char* text;
    bool ok;
    double value;
  } cases[] = {
      {"0", true, 0},       {"-0", true, 0},        {"12", true, 12},     {"-7", true, -7},
      {"19.99", true, 19.99}, {"1e3", true, 1000},  {"2.5E-1", true, 0.25}, {"1E+2", true, 100},
      {"", false, 0},       {"-", false, 0},        {"01", false, 0},     {"1.", false, 0},
      {".5", false, 0},     {"+1", false, 0},       {" 1", false, 0},     {"1 ", false, 0},
      {"0x10", false, 0},   {"NaN", false, 0},      {"inf", false, 0},    {"1e400", false, 0},
      {"1,000", false, 0},  {"true", false, 0},     {"1e", false, 0},     {"--1", false, 0},
  };
  for (const Case& c : cases) {
    double d = -1;
    EXPECT_EQ(ParseNumberText(c.text, &d), c.ok) << c.text;
    if (c.ok) EXPECT_EQ(d, c.value) << c.text;
  }
}

// Matching, over events in a speed layer.
class FilterMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed_).ok());
    auto s = [](const char* k, const char* v) { return Property{k, PropertyValue::String(v)}; };
    auto d = [](const char* k, double v) { return Property{k, PropertyValue::Double(v)}; };
    auto i = [](const char* k, int64_t v) { return Property{k, PropertyValue::Int(v)}; };
    EventBatch batch{"app", {}};
    // Row 0..5, in this order within one hour.
    batch.events.push_back(E("buy", "a", kDay1 + 1, {s("color", "Dark red"), d("price", 19.99)}, {s("plan", "pro")}));
    batch.events.push_back(E("buy", "b", kDay1 + 2, {s("color", "blue"), s("price", "7")}));
    batch.events.push_back(E("buy", "c", kDay1 + 3, {s("color", "redish"), i("price", -3)}));
    batch.events.push_back(E("buy", "", kDay1 + 4, {s("price", "cheap")}, {}, "dev"));
    batch.events.push_back(E("buy", "e", kDay1 + 5, {d("price", 3.0), Property{"flag", PropertyValue::Bool(true)}}));
    batch.events.push_back(E("view", "f", kDay1 + 6, {s("price", "1e2")}));
    speed::ApplyResult r;
    ASSERT_TRUE(speed_->Apply(batch, &r).ok());
  }

  // The users (or "dev") of the rows that match the filter list.
  std::string Match(const std::string& json) {
    std::vector<FilterExpr> f;
    Status st = ParseList(json, &f);
    EXPECT_TRUE(st.ok()) << st.ToString();
    std::string out;
    EXPECT_TRUE(speed_->ReadApp("app", [&](const speed::AppState& app) {
      BoundFilters bound = BoundFilters::Bind(f, app);
      for (const auto& [hour, buf] : app.hours())
        for (size_t r = 0; r < buf->rows(); ++r)
          if (bound.Matches(*buf, r)) {
            uint32_t u = buf->user_id(r);
            out += u == speed::Interner::kMissing ? std::string("dev") : std::string(app.values().Get(u));
          }
      return Status::OK();
    }).ok());
    return out;
  }

  std::unique_ptr<speed::SpeedLayer> speed_;
};

TEST_F(FilterMatchTest, TextOps) {
  EXPECT_EQ(Match(R"([{"property": "color", "op": "is", "values": ["blue", "red"]}])"), "b");
  // is_not and does_not_contain match rows lacking the property.
  EXPECT_EQ(Match(R"([{"property": "color", "op": "is_not", "values": ["blue"]}])"), "acdevef");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "is", "values": []}])"), "");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "is_not", "values": []}])"), "abcdevef");
  // contains: case-sensitive substring of the text, any of the values.
  EXPECT_EQ(Match(R"([{"property": "color", "op": "contains", "values": ["red"]}])"), "ac");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "contains", "values": ["Red", "lu"]}])"), "b");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "does_not_contain", "values": ["red"]}])"), "bdevef");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "contains", "values": [""]}])"), "abc");
  // contains reads the canonical text of numbers too: 19.99 holds "9.9".
  EXPECT_EQ(Match(R"([{"property": "price", "op": "contains", "values": [9.9]}])"), "a");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "set"}])"), "abc");
  EXPECT_EQ(Match(R"([{"property": "color", "op": "not_set"}])"), "devef");
  EXPECT_EQ(Match(R"([{"property": "plan", "type": "user", "op": "set"}])"), "a");
  EXPECT_EQ(Match(R"([{"property": "plan", "op": "set"}])"), "");  // an event property of that name: none
  EXPECT_EQ(Match(R"([{"property": "nothing", "op": "not_set"}])"), "abcdevef");
  EXPECT_EQ(Match(R"([{"property": "user_id", "op": "not_set"}])"), "dev");
  EXPECT_EQ(Match(R"([{"property": "event_type", "op": "contains", "values": ["vie"]}])"), "f");
}

TEST_F(FilterMatchTest, NumericOps) {
  // price texts: "19.99", "7", "-3", "cheap", "3", "1e2".
  EXPECT_EQ(Match(R"([{"property": "price", "op": "gt", "values": [7]}])"), "af");
  EXPECT_EQ(Match(R"([{"property": "price", "op": "gte", "values": [7]}])"), "abf");
  EXPECT_EQ(Match(R"([{"property": "price", "op": "lt", "values": ["3"]}])"), "c");
  EXPECT_EQ(Match(R"([{"property": "price", "op": "lte", "values": [3]}])"), "ce");
  EXPECT_EQ(Match(R"([{"property": "price", "op": "gt", "values": [-1e9]}])"), "abcef");  // not "cheap"
  EXPECT_EQ(Match(R"([{"property": "flag", "op": "gte", "values": [0]}])"), "");  // true is not a number
  EXPECT_EQ(Match(R"([{"property": "nothing", "op": "lt", "values": [0]}])"), "");
}

TEST_F(FilterMatchTest, TreesAndLists) {
  // A list is AND; or/and nest.
  EXPECT_EQ(Match(R"([{"property": "color", "op": "set"}, {"property": "price", "op": "lt", "values": [10]}])"), "bc");
  EXPECT_EQ(Match(R"([{"or": [{"property": "color", "op": "is", "values": ["blue"]},
                              {"property": "price", "op": "lt", "values": [0]}]}])"),
            "bc");
  EXPECT_EQ(Match(R"([{"or": [{"property": "flag", "op": "set"},
                              {"and": [{"property": "color", "op": "contains", "values": ["red"]},
                                       {"property": "price", "op": "gt", "values": [0]}]}]},
                      {"property": "event_type", "op": "is", "values": ["buy"]}])"),
            "ae");
  EXPECT_EQ(Match("[]"), "abcdevef");
}

TEST_F(FilterMatchTest, BoundFilterKeepsItsAccessors) {
  // What audiences read of an `is` leaf.
  ASSERT_TRUE(speed_->ReadApp("app", [&](const speed::AppState& app) {
    Filter f{PropertyRef{"color", false}, FilterOp::kIs, {"blue", "nope"}, 0};
    BoundFilter b = BoundFilter::Bind(f, app);
    EXPECT_FALSE(b.negated());
    EXPECT_EQ(b.ids().size(), 1u);  // "nope" is not in the app
    EXPECT_EQ(b.property().kind(), BoundProperty::Kind::kKey);
    f.op = FilterOp::kIsNot;
    EXPECT_TRUE(BoundFilter::Bind(f, app).negated());
    return Status::OK();
  }).ok());
}

}  // namespace
}  // namespace swell::query
