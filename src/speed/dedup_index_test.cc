#include "speed/dedup_index.h"

#include <gtest/gtest.h>

#include <string>

namespace swell::speed {
namespace {

TEST(DedupIndexTest, RepeatWithinWindowIsDuplicate) {
  DedupIndex index(1000);
  EXPECT_FALSE(index.CheckAndInsert("a", 10'000));
  EXPECT_TRUE(index.CheckAndInsert("a", 10'000));
  EXPECT_TRUE(index.CheckAndInsert("a", 10'999));  // 999 ms after the first
  EXPECT_FALSE(index.CheckAndInsert("b", 10'500));
}

TEST(DedupIndexTest, WindowIsMeasuredFromTheFirstOccurrence) {
  DedupIndex index(1000);
  EXPECT_FALSE(index.CheckAndInsert("a", 0));
  EXPECT_TRUE(index.CheckAndInsert("a", 900));
  // 1000 ms after the first accepted one: the window is closed, even though
  // the duplicate at 900 is recent (duplicates do not extend the window).
  EXPECT_FALSE(index.CheckAndInsert("a", 1000));
  // Now the reference is 1000.
  EXPECT_TRUE(index.CheckAndInsert("a", 1999));
  EXPECT_FALSE(index.CheckAndInsert("a", 2000));
}

TEST(DedupIndexTest, ExpiryKeepsDecisionsAndBoundsMemory) {
  DedupIndex index(1000);
  // Many ids, arrivals advancing: old ids are swept, recent ones still dedup.
  for (int i = 0; i < 100'000; ++i) ASSERT_FALSE(index.CheckAndInsert("id" + std::to_string(i), i));
  EXPECT_LT(index.size(), 20'000u);
  EXPECT_TRUE(index.CheckAndInsert("id99999", 100'000));
  EXPECT_TRUE(index.CheckAndInsert("id99001", 99'999));
  EXPECT_FALSE(index.CheckAndInsert("id5", 100'000));
}

}  // namespace
}  // namespace swell::speed
