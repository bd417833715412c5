#include "demo/demo_data.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace swell::demo {

TEST(DemoData, DeterministicValidAndShapedLikeAProduct) {
  DemoOptions options;
  options.users = 300;
  options.days = 10;
  options.end_ms = 1790000000000;  // fixed so the test is repeatable
  options.batch_events = 777;
  std::vector<Event> all;
  uint64_t n = 0;
  ASSERT_TRUE(GenerateDemoEvents(options, [&](std::vector<Event>&& b) {
                EXPECT_LE(b.size(), 777u);
                for (auto& e : b) all.push_back(std::move(e));
                return Status::OK();
              }, &n).ok());
  ASSERT_EQ(n, all.size());
  ASSERT_GT(all.size(), 1000u);

  std::map<std::string, std::set<std::string>> users_by_event;
  std::set<std::string> insert_ids;
  for (const auto& e : all) {
    EXPECT_FALSE(e.event_type.empty());
    EXPECT_FALSE(e.user_id.empty() && e.device_id.empty());
    EXPECT_LE(e.time_ms, options.end_ms);
    EXPECT_GE(e.time_ms, options.end_ms - 11LL * 86400000);
    EXPECT_GE(e.arrival_ms, e.time_ms);
    EXPECT_TRUE(insert_ids.insert(e.insert_id).second) << "insert ids are unique";
    users_by_event[e.event_type].insert(e.UserKey());
  }
  // A funnel that narrows: fewer buyers than cart users than viewers.
  EXPECT_GT(users_by_event["view_item"].size(), users_by_event["add_to_cart"].size());
  EXPECT_GT(users_by_event["add_to_cart"].size(), users_by_event["purchase"].size());
  EXPECT_GT(users_by_event["purchase"].size(), 0u);

  std::vector<Event> again;
  ASSERT_TRUE(GenerateDemoEvents(options, [&](std::vector<Event>&& b) {
                for (auto& e : b) again.push_back(std::move(e));
                return Status::OK();
              }, &n).ok());
  EXPECT_EQ(again, all);
}

}  // namespace swell::demo
