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
  EXPECT_EQ(r.event_name, "purchase");
  ASSERT_EQ(r.filters.size(), 2u);
  EXPECT_EQ(r.filters[0].values, (std::vector<std::string>{"ios", "3", "2.5", "true"}));
  EXPECT_FALSE(r.filters[0].property.user);
  EXPECT_TRUE(r.filters[1].property.user);
  EXPECT_EQ(r.filters[1].op, FilterOp::kIsNot);
  EXPECT_EQ(r.metric, Metric::kUniques);
  EXPECT_EQ(r.interval, Interval::kWeek);
  ASSERT_TRUE(r.group_by.has_value());
  EXPECT_EQ(r.group_by->name, "plan");
  EXPECT_TRUE(r.group_by->user);
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
  EXPECT_EQ(r.group_by->name, "country");
  EXPECT_FALSE(r.group_by->user);
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
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","metric":"sum"})", "metric"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","interval":"year"})", "interval"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","timezone":7})", "timezone"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":[]})", "group_by"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":{"type":"user"}})", "group_by.property"},
      {R"({"event":{"name":"a"},"from":"2026-01-01","to":"2026-01-02","group_by":{"property":"p","type":"x"}})", "group_by.type"},
      {R"({"event":{"name":"a","filters":{}},"from":"2026-01-01","to":"2026-01-02"})", "event.filters"},
      {R"({"event":{"name":"a","filters":[{"property":"p","op":"gt","values":[]}]},"from":"2026-01-01","to":"2026-01-02"})", "event.filters[0].op"},
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
