#include "query/query_request.h"

#include <gtest/gtest.h>

namespace swell::query {
namespace {

TEST(QueryRequestTest, ParsesAFullRequest) {
  SegmentationRequest r;
  Status st = ParseSegmentationRequest(R"({
    "event": {"name": "purchase", "filters": [
      {"property": "platform", "op": "is", "values": ["ios", 3, 2.5, true]},
      {"property": "plan", "type": "user", "op": "is_not", "values": []}]},
    "metric": "uniques", "from": "2026-10-01", "to": "2026-10-31T12:00:00Z",
    "interval": "week", "group_by": {"property": "plan", "type": "user"},
    "timezone": "America/New_York"})",
                                       &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].event, "purchase");
  const auto& filters = r.events[0].filters;
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0].leaf.values, (std::vector<std::string>{"ios", "3", "2.5", "true"}));
  EXPECT_FALSE(filters[0].leaf.property.user);
  EXPECT_TRUE(filters[1].leaf.property.user);
  EXPECT_EQ(filters[1].leaf.op, FilterOp::kIsNot);
  EXPECT_EQ(r.metric, Metric::kUniques);
  EXPECT_EQ(r.interval, Interval::kWeek);
  ASSERT_EQ(r.group_by.size(), 1u);
  EXPECT_EQ(r.group_by[0], (PropertyRef{"plan", true}));
  EXPECT_FALSE(r.group_list);
  EXPECT_EQ(r.limit, 0);
  EXPECT_EQ(r.timezone, "America/New_York");
  EXPECT_FALSE(r.from.utc);
  EXPECT_TRUE(r.to_exclusive.utc);
}

TEST(QueryRequestTest, DefaultsAndStringGroupBy) {
  SegmentationRequest r;
  ASSERT_TRUE(ParseSegmentationRequest(R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":"country"})", &r).ok());
  EXPECT_EQ(r.metric, Metric::kTotals);
  EXPECT_EQ(r.interval, Interval::kDay);
  EXPECT_EQ(r.timezone, "UTC");
  EXPECT_EQ(r.group_by, (std::vector<PropertyRef>{{"country", false}}));
  EXPECT_FALSE(r.group_list);
  EXPECT_FALSE(r.metric_property.has_value());
}

TEST(QueryRequestTest, EventsMetricsGroupsAndLimit) {
  SegmentationRequest r;
  Status st = ParseSegmentationRequest(R"({
    "events": [{"name": "buy", "filters": [{"or": [{"property": "price", "op": "gt", "values": [5]},
                                                   {"property": "coupon", "op": "set"}]}]},
               {"name": "_all"}],
    "metric": "avg", "property": {"property": "price", "type": "event"},
    "from": "2026-10-01", "to": "2026-10-31", "group_by": ["country", {"property": "plan", "type": "user"}],
    "limit": 5})",
                                       &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].event, "buy");
  ASSERT_EQ(r.events[0].filters.size(), 1u);
  EXPECT_EQ(r.events[0].filters[0].kind, FilterExpr::Kind::kOr);
  EXPECT_EQ(r.events[1].event, "_all");
  EXPECT_EQ(r.metric, Metric::kAvg);
  EXPECT_EQ(r.metric_property, (PropertyRef{"price", false}));
  EXPECT_EQ(r.group_by, (std::vector<PropertyRef>{{"country", false}, {"plan", true}}));
  EXPECT_TRUE(r.group_list);
  EXPECT_EQ(r.limit, 5);

  const std::pair<const char*, Metric> metrics[] = {
      {"totals", Metric::kTotals}, {"uniques", Metric::kUniques}, {"dau", Metric::kDau}, {"wau", Metric::kWau},
      {"mau", Metric::kMau}, {"per_user_avg", Metric::kPerUserAvg}};
  for (const auto& [name, m] : metrics) {
    ASSERT_TRUE(ParseSegmentationRequest(std::string(R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":")") +
                                             name + "\"}", &r).ok()) << name;
    EXPECT_EQ(r.metric, m);
  }
  for (const char* name : {"sum", "min", "max"}) {
    ASSERT_TRUE(ParseSegmentationRequest(std::string(R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","property":"p","metric":")") +
                                             name + "\"}", &r).ok()) << name;
    EXPECT_EQ(r.metric_property, (PropertyRef{"p", false}));
  }
  // A one-item list still renders groups as arrays.
  ASSERT_TRUE(ParseSegmentationRequest(R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":["c"]})", &r).ok());
  EXPECT_TRUE(r.group_list);
  EXPECT_EQ(r.group_by.size(), 1u);
  EXPECT_EQ(ActiveWindowDays(Metric::kDau), 1);
  EXPECT_EQ(ActiveWindowDays(Metric::kWau), 7);
  EXPECT_EQ(ActiveWindowDays(Metric::kMau), 30);
  EXPECT_EQ(ActiveWindowDays(Metric::kUniques), 0);
}

TEST(QueryRequestTest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","bogus":1})", "bogus"},
      {R"({"event":{"name":"a","x":1},"from":"2026-01-01","to":"2026-01-02"})", "event.x"},
      {R"({"event":{"name":5},"from":"2026-01-01","to":"2026-01-02"})", "event.name"},
      {R"({"event":{},"from":"2026-01-01","to":"2026-01-02"})", "event.name"},
      {R"({"from":"2026-01-01","to":"2026-01-02"})", "event"},
      {R"({"event":{"name":"a"},"to":"2026-01-02"})", "from"},
      {R"({"event":{"name":"a"},"from":"2026-01-01"})", "to"},
      {R"({"event":{"name":"a"},"from":"2026-13-01","to":"2026-01-02"})", "from"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"median"})", "metric"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"sum"})", "property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"uniques","property":"p"})", "property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"avg","property":""})", "property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"max","property":{"type":"user"}})", "property.property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"wau","interval":"week"})", "interval"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","interval":"hour","metric":"dau"})", "interval"},
      {R"({"event":{"name":"a"},"from":"1800-01-01","to":"2099-12-31","metric":"mau"})", "interval"},
      {R"({"event":{"name":"a"},"events":[{"name":"b"}],"from":"2026-01-01","to":"2026-01-02"})", "events"},
      {R"({"events":[],"from":"2026-01-01","to":"2026-01-02"})", "events"},
      {R"({"events":{},"from":"2026-01-01","to":"2026-01-02"})", "events"},
      {R"({"events":[{"name":"1"},{"name":"2"},{"name":"3"},{"name":"4"},{"name":"5"},{"name":"6"},{"name":"7"},{"name":"8"},{"name":"9"},{"name":"10"},{"name":"11"}],"from":"2026-01-01","to":"2026-01-02"})", "events"},
      {R"({"events":[{"name":"a"},{"nam":"b"}],"from":"2026-01-01","to":"2026-01-02"})", "events[1].nam"},
      {R"({"events":[{"name":"a"},{"filters":[]}],"from":"2026-01-01","to":"2026-01-02"})", "events[1].name"},
      {R"({"events":[{"name":"a","filters":[{"property":"p","op":"lt","values":["x"]}]}],"from":"2026-01-01","to":"2026-01-02"})", "events[0].filters[0].values[0]"},
      {R"({"events":[{"name":"a","filters":[{"or":[{"property":"p","op":"set","values":[1]}]}]}],"from":"2026-01-01","to":"2026-01-02"})", "events[0].filters[0].or[0].values"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":["a","b","c"]})", "group_by"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":["a",7]})", "group_by[1]"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":[{"property":"a","x":1}]})", "group_by[0].x"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":0})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":-1})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":2.5})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":"3"})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":10001})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","limit":18446744073709551615})", "limit"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","interval":"year"})", "interval"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","timezone":7})", "timezone"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":[]})", "group_by"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":5})", "group_by"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":{"type":"user"}})", "group_by.property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":{"property":"p","type":"x"}})", "group_by.type"},
      {R"({"event":{"name":"a","filters":{}},"from":"2026-01-01","to":"2026-01-02"})", "event.filters"},
      {R"({"event":{"name":"a","filters":[{"property":"p","op":"gt","values":[]}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].values"},
      {R"({"event":{"name":"a","filters":[{"property":"p","op":"like","values":[]}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].op"},
      {R"({"event":{"name":"a","filters":[{"property":"p","op":"is","values":[{}]}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].values[0]"},
      {R"({"event":{"name":"a","filters":[{"property":"p","op":"is"}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].values"},
      {R"({"event":{"name":"a","filters":[{"op":"is","values":[]}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].property"},
      {R"([1,2])", "request"},
      {R"({"event":)", "request"},
  };
  for (const Case& c : cases) {
    SegmentationRequest r;
    Status st = ParseSegmentationRequest(c.json, &r);
    ASSERT_TRUE(st.IsInvalidArgument()) << c.json;
    EXPECT_EQ(st.message().rfind(std::string(c.field) + ":", 0), 0u) << st.message() << " for " << c.json;
  }
}

}  // namespace
}  // namespace swell::query
