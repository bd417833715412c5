#include "lake/events_schema.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <limits>
#include <random>

#include "lake/event_file_writer.h"
#include "lake/lake_test_util.h"

namespace swell::lake {
namespace {

using parquet::Value;

Event Sample() {
  Event ev;
  ev.event_type = "Purchase";
  ev.user_id = "alice";
  ev.time_ms = 1714521600123;
  ev.arrival_ms = 1714521600999;
  ev.fields = {{"platform", PropertyValue::String("iOS")},
               {"country", PropertyValue::Int(44)},
               {"revenue", PropertyValue::Int(3)},
               {"groups", PropertyValue::Json("{\"org\":[\"a\"]}")},
               {"custom", PropertyValue::Bool(true)}};
  ev.event_properties = {{"plan", PropertyValue::String("pro")},
                         {"amount", PropertyValue::String("4.5")},
                         {"n", PropertyValue::Double(2.5)},
                         {"o", PropertyValue::Json("[1,{\"x\":null}]")},
                         {"q", PropertyValue::String("say \"hi\"")}};
  ev.user_properties = {{"age", PropertyValue::Int(41)}};
  return ev;
}

size_t Col(const EventsSchema& s, const std::string& name) {
  for (size_t i = 0; i < s.parquet_schema().num_columns(); ++i)
    if (s.parquet_schema().column(i).name == name) return i;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(EventsSchema, MapsAnEventOntoTypedColumns) {
  EventsSchema schema;
  ASSERT_TRUE(EventsSchema::Make({{PromotedColumn::Source::kEventProperty, "plan", PromotedColumn::Type::kString},
                                  {PromotedColumn::Source::kEventProperty, "amount", PromotedColumn::Type::kDouble},
                                  {PromotedColumn::Source::kEventProperty, "n", PromotedColumn::Type::kInt64},
                                  {PromotedColumn::Source::kUserProperty, "age", PromotedColumn::Type::kInt64},
                                  {PromotedColumn::Source::kUserProperty, "missing", PromotedColumn::Type::kBool}},
                                 &schema)
                  .ok());
  const auto& ps = schema.parquet_schema();
  EXPECT_EQ(ps.column(EventsSchema::kEventTypeColumn).name, "event_type");
  EXPECT_EQ(ps.column(EventsSchema::kUserIdColumn).name, "user_id");
  EXPECT_EQ(ps.column(EventsSchema::kTimeColumn).name, "time");
  EXPECT_EQ(ps.column(EventsSchema::kTimeColumn).type, parquet::ColumnType::kTimestampMillis);
  EXPECT_EQ(ps.column(EventsSchema::kDeviceIdColumn).name, "device_id");
  EXPECT_EQ(ps.column(EventsSchema::kInsertIdColumn).name, "insert_id");
  EXPECT_EQ(ps.column(EventsSchema::kArrivalColumn).name, "arrival");
  EXPECT_EQ(ps.column(EventsSchema::kSessionIdColumn).name, "session_id");
  EXPECT_EQ(ps.column(EventsSchema::kFirstKnownFieldColumn).name, KnownFields()[0].name);
  EXPECT_EQ(ps.column(Col(schema, "arrival")).type, parquet::ColumnType::kTimestampMillis);
  EXPECT_EQ(ps.column(Col(schema, "revenue")).type, parquet::ColumnType::kDouble);
  EXPECT_EQ(ps.column(Col(schema, "quantity")).type, parquet::ColumnType::kInt64);
  EXPECT_EQ(ps.column(Col(schema, "ep_amount")).type, parquet::ColumnType::kDouble);
  EXPECT_EQ(ps.column(Col(schema, "up_missing")).type, parquet::ColumnType::kBoolean);

  Event ev = Sample();
  std::deque<std::string> scratch;
  std::vector<Value> row;
  schema.ToRow(ev, 7, &scratch, &row);
  ASSERT_EQ(row.size(), ps.num_columns());
  auto str = [&](const std::string& c) { return std::get<std::string_view>(row[Col(schema, c)]); };
  auto null = [&](const std::string& c) { return std::holds_alternative<std::monostate>(row[Col(schema, c)]); };
  EXPECT_EQ(str("event_type"), "Purchase");
  EXPECT_EQ(str("user_id"), "alice");
  EXPECT_TRUE(null("device_id"));  // empty is null, not ""
  EXPECT_EQ(ps.column(EventsSchema::kUserNumberColumn).name, "user_number");
  EXPECT_EQ(ps.column(EventsSchema::kUserNumberColumn).type, parquet::ColumnType::kInt32);
  EXPECT_FALSE(ps.column(EventsSchema::kUserNumberColumn).nullable());
  EXPECT_EQ(std::get<int32_t>(row[EventsSchema::kUserNumberColumn]), 7);
  EXPECT_TRUE(null("insert_id"));
  EXPECT_TRUE(null("session_id"));  // -1: no session
  EXPECT_EQ(std::get<int64_t>(row[Col(schema, "time")]), 1714521600123);
  EXPECT_EQ(std::get<int64_t>(row[Col(schema, "arrival")]), 1714521600999);
  EXPECT_EQ(str("platform"), "iOS");
  EXPECT_EQ(str("country"), "44");  // a string field sent as a number keeps its text
  EXPECT_EQ(std::get<double>(row[Col(schema, "revenue")]), 3.0);
  EXPECT_EQ(str("groups"), "{\"org\":[\"a\"]}");
  EXPECT_TRUE(null("os_name"));
  EXPECT_EQ(str("other_fields"), "{\"custom\":true}");
  EXPECT_EQ(str("event_properties"),
            "{\"plan\":\"pro\",\"amount\":\"4.5\",\"n\":2.5,\"o\":[1,{\"x\":null}],\"q\":\"say \\\"hi\\\"\"}");
  EXPECT_EQ(str("user_properties"), "{\"age\":41}");
  EXPECT_EQ(str("ep_plan"), "pro");
  EXPECT_EQ(std::get<double>(row[Col(schema, "ep_amount")]), 4.5);  // a numeric string counts
  EXPECT_TRUE(null("ep_n"));  // 2.5 is not an int64: null here, kept in the JSON
  EXPECT_EQ(std::get<int64_t>(row[Col(schema, "up_age")]), 41);
  EXPECT_TRUE(null("up_missing"));
}

TEST(EventsSchema, JsonValuesKeepTheirKind) {
  auto json = [](const PropertyValue& v) {
    std::string out;
    AppendJsonValue(v, &out);
    return out;
  };
  EXPECT_EQ(json(PropertyValue::Double(3.0)), "3.0");
  EXPECT_EQ(json(PropertyValue::Double(-0.0)), "-0.0");
  EXPECT_EQ(json(PropertyValue::Double(2.5)), "2.5");
  EXPECT_EQ(json(PropertyValue::Double(1e300)), "1e+300");
  EXPECT_EQ(json(PropertyValue::Double(18446744073709551616.0)), "18446744073709551616.0");
  EXPECT_EQ(json(PropertyValue::Double(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json(PropertyValue::Int(3)), "3");
  EXPECT_EQ(json(PropertyValue::Int(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(json(PropertyValue::Json("[1, 2]")), "[1, 2]");  // verbatim
  EXPECT_EQ(json(PropertyValue::String("a\"b")), "\"a\\\"b\"");
  EXPECT_EQ(PropertiesToJson({}), "{}");
}

TEST(EventsSchema, RefusesBadPromotions) {
  EventsSchema schema;
  EXPECT_TRUE(EventsSchema::Make({{PromotedColumn::Source::kEventProperty, "", PromotedColumn::Type::kString}}, &schema)
                  .IsInvalidArgument());
  EXPECT_TRUE(EventsSchema::Make({{PromotedColumn::Source::kEventProperty, "a", PromotedColumn::Type::kString},
                                  {PromotedColumn::Source::kEventProperty, "a", PromotedColumn::Type::kInt64}},
                                 &schema)
                  .IsInvalidArgument());
  // The same key from both sources is two columns.
  EXPECT_TRUE(EventsSchema::Make({{PromotedColumn::Source::kEventProperty, "a", PromotedColumn::Type::kString},
                                  {PromotedColumn::Source::kUserProperty, "a", PromotedColumn::Type::kString}},
                                 &schema)
                  .ok());
}

TEST(EventLess, OrdersLikeEventTypeThenUserKeyThenTime) {
  std::mt19937 rng(3);
  const char* types[] = {"a", "b", "ab"};
  const char* ids[] = {"", "x", "y", "xy", "é"};
  std::vector<Event> events(400);
  for (Event& e : events) {
    e.event_type = types[rng() % 3];
    e.user_id = ids[rng() % 5];
    e.device_id = ids[rng() % 5];
    e.time_ms = rng() % 5;
  }
  for (const Event& a : events) {
    for (const Event& b : events) {
      auto ka = std::make_tuple(a.event_type, a.UserKey(), a.time_ms);
      auto kb = std::make_tuple(b.event_type, b.UserKey(), b.time_ms);
      ASSERT_EQ(EventLess(a, b), ka < kb);
    }
  }
}

TEST(EventFileWriter, RefusesUnsortedRowsAndReportsTheFile) {
  testing::ScratchDir dir;
  EventsSchema schema;
  ASSERT_TRUE(EventsSchema::Make({}, &schema).ok());
  Event a = Sample(), b = Sample();
  b.time_ms -= 10;
  std::vector<Event> events = {a, b};
  std::vector<uint32_t> numbers = {0, 0};
  EventFileInfo info;
  std::string path = dir.path() + "/x.parquet";
  EXPECT_TRUE(WriteEventFile(path, schema, events, numbers, {}, &info).IsInvalidArgument());
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);  // nothing left behind
  SortEventsForLake(&events);
  // One user number per event, each fitting the INT32 column.
  std::vector<uint32_t> one = {0};
  EXPECT_TRUE(WriteEventFile(path, schema, events, one, {}, &info).IsInvalidArgument());
  std::vector<uint32_t> huge = {0, kMaxUserNumber + 1};
  EXPECT_TRUE(WriteEventFile(path, schema, events, huge, {}, &info).IsInvalidArgument());
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  ASSERT_TRUE(WriteEventFile(path, schema, events, numbers, {}, &info).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(info.size, static_cast<uint64_t>(st.st_size));
  EXPECT_EQ(info.rows, 2u);
  EXPECT_EQ(info.min_time_ms, b.time_ms);
  EXPECT_EQ(info.max_time_ms, a.time_ms);
  std::string bytes = testing::ReadOrMissing(path);
  EXPECT_EQ(bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
}

}  // namespace
}  // namespace swell::lake
