#include "query/timezone.h"

#include <gtest/gtest.h>

namespace swell::query {
namespace {

// Transition instants below were worked out by hand from each zone's rules
// (e.g. US: second Sunday of March 02:00 local standard time) and written as
// Unix seconds; they do not come from this code.
constexpr int64_t kHour = 3600;

std::shared_ptr<const TimeZone> Zone(const char* name) {
  std::shared_ptr<const TimeZone> tz;
  Status st = TimeZone::Load(name, &tz);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return tz;
}

void ExpectTransition(const TimeZone& tz, int64_t at, int32_t before, int32_t after) {
  EXPECT_EQ(tz.OffsetAt(at - 1), before) << tz.name() << " at " << at;
  EXPECT_EQ(tz.OffsetAt(at), after) << tz.name() << " at " << at;
  TimeZone::Period p = tz.Lookup(at);
  EXPECT_EQ(p.begin_s, at) << tz.name();
  EXPECT_EQ(tz.Lookup(at - 1).end_s, at) << tz.name();
}

TEST(TimeZoneTest, NewYork) {
  auto tz = Zone("America/New_York");
  // 2026-03-08 07:00 UTC (02:00 EST) and 2026-11-01 06:00 UTC (02:00 EDT).
  ExpectTransition(*tz, 1772953200, -5 * kHour, -4 * kHour);
  ExpectTransition(*tz, 1793512800, -4 * kHour, -5 * kHour);
  // Before the 2007 rule change DST began on the first Sunday of April.
  ExpectTransition(*tz, 1143961200, -5 * kHour, -4 * kHour);
  // Far past any table: the footer rule, 2100-03-14 and 2100-11-07.
  ExpectTransition(*tz, 4108690800, -5 * kHour, -4 * kHour);
  ExpectTransition(*tz, 4129250400, -4 * kHour, -5 * kHour);
  EXPECT_EQ(tz->OffsetAt(1767225600), -5 * kHour);  // 2026-01-01
}

TEST(TimeZoneTest, London) {
  auto tz = Zone("Europe/London");
  // Last Sundays of March and October 2026, 01:00 UTC.
  ExpectTransition(*tz, 1774746000, 0, kHour);
  ExpectTransition(*tz, 1792890000, kHour, 0);
}

TEST(TimeZoneTest, KolkataHasAHalfHourOffsetAllYear) {
  auto tz = Zone("Asia/Kolkata");
  for (int64_t t = 1767225600; t < 1767225600 + 366 * 86400; t += 86400 * 7)
    EXPECT_EQ(tz->OffsetAt(t), 5 * kHour + 1800);
  EXPECT_EQ(tz->OffsetAt(4108690800), 5 * kHour + 1800);
}

TEST(TimeZoneTest, LordHoweMovesByHalfAnHour) {
  auto tz = Zone("Australia/Lord_Howe");
  // DST (+11) ends first Sunday of April 02:00 local daylight time:
  // 2026-04-04 15:00 UTC. It starts first Sunday of October 02:00 local
  // standard time (+10:30): 2026-10-03 15:30 UTC.
  ExpectTransition(*tz, 1775314800, 11 * kHour, 10 * kHour + 1800);
  ExpectTransition(*tz, 1791041400, 10 * kHour + 1800, 11 * kHour);
}

TEST(TimeZoneTest, Utc) {
  auto tz = Zone("UTC");
  EXPECT_EQ(tz->OffsetAt(0), 0);
  EXPECT_EQ(tz->OffsetAt(4108690800), 0);
  EXPECT_EQ(TimeZone::Utc()->OffsetAt(1772953200), 0);
}

TEST(TimeZoneTest, RejectsUnknownAndPathLikeNames) {
  std::shared_ptr<const TimeZone> tz;
  EXPECT_TRUE(TimeZone::Load("Mars/Olympus_Mons", &tz).IsInvalidArgument());
  EXPECT_TRUE(TimeZone::Load("../../etc/passwd", &tz).IsInvalidArgument());
  EXPECT_TRUE(TimeZone::Load("/etc/passwd", &tz).IsInvalidArgument());
  EXPECT_TRUE(TimeZone::Load("", &tz).IsInvalidArgument());
  EXPECT_TRUE(TimeZone::Load("America", &tz).IsInvalidArgument());  // a directory
}

TEST(TimeZoneTest, FooterOnlyFileUsesTheRule) {
  // A minimal TZif v2 with no transitions and one type, whose footer says
  // US Eastern rules.
  auto be32 = [](std::string* s, uint32_t v) {
    for (int k = 3; k >= 0; --k) s->push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  };
  auto header = [&](std::string* s) {
    s->append("TZif2");
    s->append(15, '\0');
    for (uint32_t c : {0u, 0u, 0u, 0u, 1u, 4u}) be32(s, c);
  };
  std::string data;
  header(&data);
  be32(&data, static_cast<uint32_t>(-5 * 3600)), data.push_back(0), data.push_back(0), data.append("EST", 4);
  header(&data);
  be32(&data, static_cast<uint32_t>(-5 * 3600)), data.push_back(0), data.push_back(0), data.append("EST", 4);
  data.append("\nEST5EDT,M3.2.0,M11.1.0\n");
  std::shared_ptr<const TimeZone> tz;
  ASSERT_TRUE(TimeZone::FromTzif("test", data, &tz).ok());
  ExpectTransition(*tz, 1772953200, -5 * kHour, -4 * kHour);
  ExpectTransition(*tz, 1793512800, -4 * kHour, -5 * kHour);
  EXPECT_TRUE(TimeZone::FromTzif("test", data.substr(0, 50), &tz).IsCorruption());
}

}  // namespace
}  // namespace swell::query
