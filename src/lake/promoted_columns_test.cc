#include "lake/promoted_columns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace swell::lake {
namespace {

using Source = PromotedColumn::Source;
using Type = PromotedColumn::Type;

Event With(std::vector<Property> ep, std::vector<Property> up = {}) {
  Event ev;
  ev.event_type = "e";
  ev.user_id = "u";
  ev.event_properties = std::move(ep);
  ev.user_properties = std::move(up);
  return ev;
}

std::vector<std::string> Names(const std::vector<PromotedColumn>& cols) {
  std::vector<std::string> out;
  for (const auto& c : cols) out.push_back(c.ColumnName());
  return out;
}

TEST(ChoosePromotedColumns, MostFrequentFirstTiesByKey) {
  std::vector<Event> events = {
      With({{"b", PropertyValue::Int(1)}, {"a", PropertyValue::Int(1)}, {"c", PropertyValue::Int(1)}}),
      With({{"c", PropertyValue::Int(2)}, {"b", PropertyValue::Int(2)}}, {{"c", PropertyValue::Int(1)}}),
      With({{"c", PropertyValue::Int(3)}}, {{"c", PropertyValue::Int(1)}}),
      With({}, {{"a", PropertyValue::Int(1)}}),
  };
  auto cols = ChoosePromotedColumns(events);
  EXPECT_EQ(Names(cols), (std::vector<std::string>{"ep_c", "ep_b", "up_c", "ep_a", "up_a"}));
  EXPECT_EQ(cols[0].source, Source::kEventProperty);
  EXPECT_EQ(cols[0].key, "c");
  EXPECT_EQ(cols[2].source, Source::kUserProperty);
  EXPECT_EQ(Names(ChoosePromotedColumns(events, 2)), (std::vector<std::string>{"ep_c", "ep_b"}));
  EXPECT_TRUE(ChoosePromotedColumns(events, 0).empty());
  EXPECT_TRUE(ChoosePromotedColumns({}).empty());
  EXPECT_EQ(ChoosePromotedColumns(events).size(), 5u);
}

TEST(ChoosePromotedColumns, TypedByEveryValueSeen) {
  std::vector<Event> events = {
      With({{"bool", PropertyValue::Bool(true)},
            {"int", PropertyValue::Int(1)},
            {"num", PropertyValue::Int(1)},
            {"mixed", PropertyValue::Int(1)},
            {"str", PropertyValue::String("x")},
            {"json", PropertyValue::Json("{}")},
            {"nulls", PropertyValue::Null()},
            {"boolnum", PropertyValue::Bool(false)}}),
      With({{"bool", PropertyValue::Null()},
            {"int", PropertyValue::Int(-5)},
            {"num", PropertyValue::Double(2.5)},
            {"mixed", PropertyValue::String("1")},
            {"boolnum", PropertyValue::Int(0)}}),
  };
  std::map<std::string, Type> types;
  for (const auto& c : ChoosePromotedColumns(events)) types[c.key] = c.type;
  EXPECT_EQ(types["bool"], Type::kBool);  // nulls do not count
  EXPECT_EQ(types["int"], Type::kInt64);
  EXPECT_EQ(types["num"], Type::kDouble);
  EXPECT_EQ(types["mixed"], Type::kString);
  EXPECT_EQ(types["str"], Type::kString);
  EXPECT_EQ(types["json"], Type::kString);
  EXPECT_EQ(types["nulls"], Type::kString);
  EXPECT_EQ(types["boolnum"], Type::kString);
}

TEST(ChoosePromotedColumns, SkipsInvalidAndCollidingNames) {
  std::vector<Event> events;
  for (int i = 0; i < 3; ++i)
    events.push_back(With({{"", PropertyValue::Int(1)},
                           {"a.b", PropertyValue::Int(1)},
                           {"with space", PropertyValue::Int(1)},
                           {"quote\"", PropertyValue::Int(1)},
                           {std::string(65, 'k'), PropertyValue::Int(1)},
                           {"bad\xff", PropertyValue::Int(1)},
                           {"Plan", PropertyValue::Int(1)},
                           {"ünï-$_9", PropertyValue::Int(1)}}));
  events.push_back(With({{"plan", PropertyValue::Int(1)}, {std::string(64, 'k'), PropertyValue::Int(1)}}));
  // "plan" collides with the more frequent "Plan" once case is ignored.
  EXPECT_EQ(Names(ChoosePromotedColumns(events)),
            (std::vector<std::string>{"ep_Plan", "ep_ünï-$_9", "ep_" + std::string(64, 'k')}));
  EXPECT_TRUE(IsPromotableKey("ok_Key-1$"));
  EXPECT_FALSE(IsPromotableKey("tab\t"));
  EXPECT_FALSE(IsPromotableKey(""));
  // Every choice makes a valid schema.
  EventsSchema schema;
  EXPECT_TRUE(EventsSchema::Make(ChoosePromotedColumns(events), &schema).ok());
}

TEST(ChoosePromotedColumns, CountsEventsNotOccurrencesAndIsDeterministic) {
  std::vector<Event> events = {
      With({{"dup", PropertyValue::Int(1)}, {"dup", PropertyValue::Int(2)}, {"dup", PropertyValue::Int(3)}}),
      With({{"x", PropertyValue::Int(1)}}),
      With({{"x", PropertyValue::Int(1)}}),
  };
  EXPECT_EQ(Names(ChoosePromotedColumns(events)), (std::vector<std::string>{"ep_x", "ep_dup"}));

  std::mt19937 rng(5);
  std::vector<Event> many;
  const char* keys[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (int i = 0; i < 500; ++i) {
    std::vector<Property> ep;
    for (const char* k : keys)
      if (rng() % 3 == 0) ep.push_back({k, rng() % 2 ? PropertyValue::Int(1) : PropertyValue::Double(0.5)});
    many.push_back(With(ep, {{keys[rng() % 8], PropertyValue::Bool(true)}}));
  }
  auto first = ChoosePromotedColumns(many, 10);
  EventsSchema schema;
  ASSERT_TRUE(EventsSchema::Make(first, &schema).ok());
  std::shuffle(many.begin(), many.end(), rng);
  auto second = ChoosePromotedColumns(many, 10);
  ASSERT_EQ(first.size(), 10u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].ColumnName(), second[i].ColumnName());
    EXPECT_EQ(first[i].type, second[i].type);
  }
}

}  // namespace
}  // namespace swell::lake
