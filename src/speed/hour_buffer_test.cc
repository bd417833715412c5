#include "speed/hour_buffer.h"

#include <gtest/gtest.h>

#include <vector>

#include "speed/interner.h"

namespace swell::speed {
namespace {

TEST(HourBufferTest, RowsAndSetsAgree) {
  HourBuffer buf(10);
  EXPECT_EQ(buf.begin_ms(), 36'000'000);
  std::vector<PropRef> ios = {{EventKeyRef(0), 7}, {UserKeyRef(1), 9}};
  std::vector<PropRef> android = {{EventKeyRef(0), 8}};
  auto row = [](uint32_t name, uint32_t user, std::span<const PropRef> props) {
    return RowInput{name, user, Interner::kMissing, Interner::kMissing, 36'000'000, 36'000'001, 0, 0, props};
  };
  buf.Append(row(1, 100, ios));
  buf.Append(row(1, 100, ios));
  buf.Append(row(1, 200, android));
  buf.Append(row(2, 300, {}));

  ASSERT_EQ(buf.rows(), 4u);
  EXPECT_EQ(buf.Value(0, EventKeyRef(0)), 7u);
  EXPECT_EQ(buf.Value(0, UserKeyRef(1)), 9u);
  EXPECT_EQ(buf.Value(2, UserKeyRef(1)), Interner::kMissing);
  EXPECT_EQ(buf.Value(3, EventKeyRef(0)), Interner::kMissing);

  const UserSet* all1 = buf.FindSet(1, kAllKey, 0);
  ASSERT_NE(all1, nullptr);
  EXPECT_EQ(all1->events, 3u);
  EXPECT_EQ(all1->users.cardinality(), 2u);
  const UserSet* ios1 = buf.FindSet(1, EventKeyRef(0), 7);
  ASSERT_NE(ios1, nullptr);
  EXPECT_EQ(ios1->events, 2u);
  EXPECT_TRUE(ios1->users.contains(100));
  EXPECT_FALSE(ios1->users.contains(200));
  EXPECT_EQ(buf.FindSet(2, EventKeyRef(0), 7), nullptr);
  EXPECT_EQ(buf.FindSet(2, kAllKey, 0)->events, 1u);
  EXPECT_GT(buf.MemoryBytes(), 4u * 32);
}

}  // namespace
}  // namespace swell::speed

namespace swell::speed {
namespace {

TEST(HourBufferTest, KeysWhoseValuesRarelyRepeatLoseTheirValueSets) {
  HourBuffer buf(0);
  const uint32_t kKey = EventKeyRef(3);
  auto append = [&](uint32_t name, uint32_t user, uint32_t value) {
    PropRef p{kKey, value};
    buf.Append({name, user, Interner::kMissing, Interner::kMissing, 0, 0, 0, 0, {&p, 1}});
  };
  // Up to kMinValueSets distinct values are always kept.
  for (uint32_t v = 0; v < HourBuffer::kMinValueSets; ++v) append(1, v, v);
  EXPECT_TRUE(buf.HasValueSets(1, kKey));
  EXPECT_NE(buf.FindSet(1, kKey, 0), nullptr);
  uint64_t before = buf.MemoryBytes();
  // One more distinct value with one event per value: dropped.
  append(1, 7, 9999);
  EXPECT_FALSE(buf.HasValueSets(1, kKey));
  EXPECT_EQ(buf.FindSet(1, kKey, 0), nullptr);
  EXPECT_EQ(buf.FindSet(1, kKey, 9999), nullptr);
  EXPECT_LT(buf.MemoryBytes(), before);
  // Dropped for good, even when values start repeating.
  for (int i = 0; i < 100; ++i) append(1, 1, 0);
  EXPECT_FALSE(buf.HasValueSets(1, kKey));
  // The all-users set and the rows are unaffected.
  EXPECT_EQ(buf.FindSet(1, kAllKey, 0)->events, HourBuffer::kMinValueSets + 101);
  EXPECT_EQ(buf.Value(HourBuffer::kMinValueSets, kKey), 9999u);

  // Another name whose values repeat enough keeps its sets past
  // kMinValueSets: 40 values over 140 events.
  for (uint32_t i = 0; i < 100; ++i) append(2, i, 0);
  for (uint32_t i = 0; i < 40; ++i) append(2, i, i);
  EXPECT_TRUE(buf.HasValueSets(2, kKey));
  EXPECT_EQ(buf.FindSet(2, kKey, 39)->events, 1u);
  EXPECT_EQ(buf.FindSet(2, kKey, 0)->events, 101u);
}

}  // namespace
}  // namespace swell::speed
