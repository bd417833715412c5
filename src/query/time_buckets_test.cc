#include "query/time_buckets.h"

#include <gtest/gtest.h>

namespace swell::query {
namespace {

// Instants as Unix milliseconds, worked out by hand.
constexpr int64_t kH = 3'600'000;
constexpr int64_t k2026_03_08 = 1772928000000;  // 2026-03-08T00:00Z, the US spring-forward day
constexpr int64_t k2026_11_01 = 1793491200000;  // 2026-11-01T00:00Z, the US fall-back day

std::shared_ptr<const TimeZone> Zone(const char* name) {
  std::shared_ptr<const TimeZone> tz;
  EXPECT_TRUE(TimeZone::Load(name, &tz).ok());
  return tz;
}

TimeBuckets Make(Interval interval, const char* zone, const char* from, const char* to) {
  TimeBound f, t;
  EXPECT_TRUE(ParseFromBound(from, &f).ok());
  EXPECT_TRUE(ParseToBound(to, &t).ok());
  TimeBuckets b;
  Status st = TimeBuckets::Make(interval, Zone(zone), f, t, &b);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return b;
}

int64_t Index(const TimeBuckets& b, int64_t utc_ms) {
  LocalTimeCache cache(&b.tz());
  return b.IndexOf(utc_ms, cache.ToLocalMs(utc_ms));
}

TEST(TimeBucketsTest, DayBucketsFollowLocalMidnightAcrossDst) {
  TimeBuckets b = Make(Interval::kDay, "America/New_York", "2026-03-07", "2026-03-09");
  ASSERT_EQ(b.size(), 3);
  EXPECT_EQ(b.Label(0), "2026-03-07");
  EXPECT_EQ(b.Label(2), "2026-03-09");
  // March 8 local midnight is 05:00Z (EST); March 9 midnight is 04:00Z (EDT):
  // a 23-hour day.
  EXPECT_EQ(Index(b, k2026_03_08 + 5 * kH - 1), 0);
  EXPECT_EQ(Index(b, k2026_03_08 + 5 * kH), 1);
  EXPECT_EQ(Index(b, k2026_03_08 + 24 * kH + 4 * kH - 1), 1);
  EXPECT_EQ(Index(b, k2026_03_08 + 24 * kH + 4 * kH), 2);
  // Before the range and after it.
  EXPECT_EQ(Index(b, k2026_03_08 - 19 * kH - 1), -1);  // 2026-03-06T23:59:59.999 local
  EXPECT_EQ(Index(b, k2026_03_08 + 48 * kH + 4 * kH), -1);
}

TEST(TimeBucketsTest, FallBackDayHas25HoursAndTheRepeatedHourIsOneBucket) {
  TimeBuckets days = Make(Interval::kDay, "America/New_York", "2026-11-01", "2026-11-01");
  ASSERT_EQ(days.size(), 1);
  EXPECT_EQ(Index(days, k2026_11_01 + 4 * kH), 0);        // 00:00 EDT
  EXPECT_EQ(Index(days, k2026_11_01 + 29 * kH - 1), 0);   // 23:59:59.999 EST
  EXPECT_EQ(Index(days, k2026_11_01 + 29 * kH), -1);

  TimeBuckets hours = Make(Interval::kHour, "America/New_York", "2026-11-01", "2026-11-01");
  ASSERT_EQ(hours.size(), 24);
  EXPECT_EQ(hours.Label(1), "2026-11-01T01:00");
  // 05:30Z is 01:30 EDT and 06:30Z is 01:30 EST: the same local hour.
  EXPECT_EQ(Index(hours, k2026_11_01 + 5 * kH + 1800000), 1);
  EXPECT_EQ(Index(hours, k2026_11_01 + 6 * kH + 1800000), 1);
  EXPECT_EQ(Index(hours, k2026_11_01 + 7 * kH), 2);
}

TEST(TimeBucketsTest, SpringForwardSkipsAnHourLabel) {
  TimeBuckets hours = Make(Interval::kHour, "America/New_York", "2026-03-08", "2026-03-08");
  ASSERT_EQ(hours.size(), 24);
  EXPECT_EQ(hours.Label(2), "2026-03-08T02:00");
  EXPECT_EQ(Index(hours, k2026_03_08 + 7 * kH - 1), 1);  // 01:59:59.999 EST
  EXPECT_EQ(Index(hours, k2026_03_08 + 7 * kH), 3);      // 03:00 EDT
}

TEST(TimeBucketsTest, WeeksStartOnMondayAndMonthsOnTheFirst) {
  // 2026-10-01 is a Thursday; its ISO week starts Monday 2026-09-28.
  TimeBuckets weeks = Make(Interval::kWeek, "UTC", "2026-10-01", "2026-10-31");
  ASSERT_EQ(weeks.size(), 5);
  EXPECT_EQ(weeks.Label(0), "2026-09-28");
  EXPECT_EQ(weeks.Label(1), "2026-10-05");
  EXPECT_EQ(weeks.Label(4), "2026-10-26");
  TimeBuckets months = Make(Interval::kMonth, "UTC", "2025-12-15", "2026-02-01");
  ASSERT_EQ(months.size(), 3);
  EXPECT_EQ(months.Label(0), "2025-12-01");
  EXPECT_EQ(months.Label(2), "2026-02-01");
  // 1969 weeks and months work too (negative day numbers).
  TimeBuckets old = Make(Interval::kWeek, "UTC", "1969-12-31", "1970-01-05");
  ASSERT_EQ(old.size(), 2);
  EXPECT_EQ(old.Label(0), "1969-12-29");
  EXPECT_EQ(old.Label(1), "1970-01-05");
}

TEST(TimeBucketsTest, HalfHourZonesShiftBoundaries) {
  TimeBuckets days = Make(Interval::kDay, "Asia/Kolkata", "2026-01-01", "2026-01-01");
  int64_t midnight_utc = 1767225600000 - 5 * kH - 1800000;  // 2026-01-01T00:00+05:30
  EXPECT_EQ(Index(days, midnight_utc - 1), -1);
  EXPECT_EQ(Index(days, midnight_utc), 0);
  TimeBuckets hours = Make(Interval::kHour, "Asia/Kolkata", "2026-01-01", "2026-01-01");
  EXPECT_EQ(Index(hours, 1767225600000), 5);  // 00:00Z is 05:30 local
  EXPECT_EQ(hours.Label(5), "2026-01-01T05:00");
}

TEST(TimeBucketsTest, TimestampsBound) {
  TimeBound f, t;
  ASSERT_TRUE(ParseFromBound("2026-03-08T10:00:00Z", &f).ok());
  EXPECT_TRUE(f.utc);
  EXPECT_EQ(f.ms, k2026_03_08 + 10 * kH);
  ASSERT_TRUE(ParseFromBound("2026-03-08T10:00:00.5+02:00", &f).ok());
  EXPECT_EQ(f.ms, k2026_03_08 + 8 * kH + 500);
  ASSERT_TRUE(ParseToBound("2026-03-08T10:00", &t).ok());
  EXPECT_FALSE(t.utc);
  EXPECT_EQ(t.ms, k2026_03_08 + 10 * kH + 1);
  ASSERT_TRUE(ParseToBound("2026-03-08", &t).ok());
  EXPECT_EQ(t.ms, k2026_03_08 + 24 * kH);
  for (const char* bad : {"2026-02-30", "2026-3-08", "yesterday", "2026-03-08T25:00", "2026-03-08T10:00Q", ""})
    EXPECT_TRUE(ParseFromBound(bad, &f).IsInvalidArgument()) << bad;
}

TEST(TimeBucketsTest, RejectsEmptyAndHugeRanges) {
  TimeBound f, t;
  ASSERT_TRUE(ParseFromBound("2026-03-09", &f).ok());
  ASSERT_TRUE(ParseToBound("2026-03-08", &t).ok());
  TimeBuckets b;
  EXPECT_TRUE(TimeBuckets::Make(Interval::kDay, TimeZone::Utc(), f, t, &b).IsInvalidArgument());
  ASSERT_TRUE(ParseFromBound("1900-01-01", &f).ok());
  ASSERT_TRUE(ParseToBound("2100-01-01", &t).ok());
  EXPECT_TRUE(TimeBuckets::Make(Interval::kHour, TimeZone::Utc(), f, t, &b).IsInvalidArgument());
  EXPECT_TRUE(TimeBuckets::Make(Interval::kMonth, TimeZone::Utc(), f, t, &b).ok());
}

}  // namespace
}  // namespace swell::query
