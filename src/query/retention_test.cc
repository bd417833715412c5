#include "query/retention.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "lake/events_schema.h"
#include "lake/event_file_writer.h"
#include "lake/layout.h"
#include "lake/local_storage.h"
#include "lake/promoted_columns.h"
#include "lake/sets_file.h"
#include "lake/snapshot_holder.h"
#include "query/civil_time.h"
#include "query/query_service.h"
#include "query/query_test_util.h"
#include "speed/speed_layer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;  // 2026-10-01T00:00:00Z, a Thursday
using testing::kH;

constexpr int64_t kMin = 60'000;
constexpr int64_t kD = 24 * kH;

Status Zones(const std::string& name, std::shared_ptr<const TimeZone>* out) {
  if (name == "UTC") {
    *out = TimeZone::Utc();
    return Status::OK();
  }
  return TimeZone::Load(name, out);
}

std::unique_ptr<RetentionQuery> MakeQuery(const std::string& json, int64_t now_ms = INT64_MAX / 2) {
  std::unique_ptr<RetentionQuery> q;
  Status st = RetentionQuery::Create(json, Zones, now_ms, &q);
  EXPECT_TRUE(st.ok()) << st.ToString() << " for " << json;
  return q;
}

// The rows of the stream a query's spec keeps from events, numbered by
// their user key, in stream order (user, then time): what a StreamBuilder
// yields, built by hand so that the evaluation is tested on its own.
bool MatchesFilterText(const Filter& f, const Event& e) {
  const PropertyValue* v = f.property.user ? e.FindUserProperty(f.property.name) : e.FindField(f.property.name);
  if (!v && !f.property.user) v = e.FindEventProperty(f.property.name);
  const bool in = v && std::find(f.values.begin(), f.values.end(), v->ToText()) != f.values.end();
  return f.op == FilterOp::kIs ? in : !in;
}
bool Matches(const EventMatcher& m, const Event& e) {
  if (m.event != kAnyEvent && m.event != e.event_type) return false;
  for (const FilterExpr& f : m.filters)
    if (!MatchesFilterText(f.leaf, e)) return false;
  return true;
}

EventStream HandStream(const StreamSpec& spec, const std::vector<Event>& events) {
  std::map<std::string, uint32_t> numbers;
  for (const Event& e : events) numbers.emplace(e.UserKey(), 0);
  uint32_t n = 0;
  for (auto& [k, v] : numbers) v = n++;
  EventStream s;
  for (const Event& e : events) {
    uint32_t mask = 0;
    for (size_t i = 0; i < spec.matchers.size(); ++i) {
      const StreamMatcher& m = spec.matchers[i];
      if (e.time_ms >= m.begin_ms && e.time_ms < m.end_ms && Matches(m.match, e)) mask |= 1u << i;
    }
    if (mask) s.rows.push_back({e.time_ms, numbers[e.UserKey()], mask, 0});
  }
  std::stable_sort(s.rows.begin(), s.rows.end(), [](const StreamRow& a, const StreamRow& b) {
    return a.user != b.user ? a.user < b.user : a.time_ms < b.time_ms;
  });
  return s;
}

std::string RunStream(const std::string& json, const std::vector<Event>& events, int64_t now_ms = INT64_MAX / 2) {
  auto q = MakeQuery(json, now_ms);
  if (!q) return "";
  return q->Evaluate(HandStream(q->stream_spec(), events));
}

struct Parsed {
  std::vector<std::string> labels;
  std::vector<std::vector<uint64_t>> retained;  // per cohort, column 0 = users
  std::vector<std::vector<uint64_t>> overall;   // per column: users, retained
  std::vector<std::optional<double>> rates;
};

Parsed Parse(const std::string& json) {
  Parsed p;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "bad JSON: " << json;
    return p;
  }
  simdjson::dom::array cohorts, overall;
  if (root["cohorts"].get_array().get(cohorts) != simdjson::SUCCESS ||
      root["overall"].get_array().get(overall) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no cohorts or overall: " << json;
    return p;
  }
  for (simdjson::dom::element c : cohorts) {
    std::string_view label;
    simdjson::dom::array retained;
    uint64_t users = 0;
    EXPECT_EQ(c["cohort"].get_string().get(label), simdjson::SUCCESS);
    EXPECT_EQ(c["retained"].get_array().get(retained), simdjson::SUCCESS);
    EXPECT_EQ(c["users"].get_uint64().get(users), simdjson::SUCCESS);
    p.labels.emplace_back(label);
    std::vector<uint64_t> row;
    for (simdjson::dom::element v : retained) row.push_back(uint64_t(v));
    EXPECT_EQ(row.at(0), users);
    p.retained.push_back(row);
  }
  for (simdjson::dom::element o : overall) {
    int64_t column = -1;
    uint64_t users = 0, retained = 0;
    simdjson::dom::element rate;
    EXPECT_EQ(o["column"].get_int64().get(column), simdjson::SUCCESS);
    EXPECT_EQ(o["users"].get_uint64().get(users), simdjson::SUCCESS);
    EXPECT_EQ(o["retained"].get_uint64().get(retained), simdjson::SUCCESS);
    EXPECT_EQ(o["rate"].get(rate), simdjson::SUCCESS);
    EXPECT_EQ(column, static_cast<int64_t>(p.overall.size()));
    p.overall.push_back({users, retained});
    if (rate.is_null()) p.rates.push_back(std::nullopt);
    else p.rates.push_back(double(rate));
  }
  return p;
}

// ---------------------------------------------------------------- examples

TEST(RetentionTest, DocsExampleCalendarVersusRolling) {
  std::vector<Event> ev = {
      E("signup", "a", kDay1 + 23 * kH + 59 * kMin), E("open", "a", kDay1 + kD + 1 * kMin),
      E("signup", "b", kDay1 + 10 * kH), E("signup", "b", kDay1 + 2 * kD + 10 * kH),
      E("open", "b", kDay1 + 2 * kD + 11 * kH)};
  const std::string base = R"({"start":{"event":"signup"},"return":{"event":"open"},"from":"2026-10-01","to":"2026-10-03","periods":3)";
  Parsed cal = Parse(RunStream(base + "}", ev));
  ASSERT_EQ(cal.labels, (std::vector<std::string>{"2026-10-01", "2026-10-02", "2026-10-03"}));
  EXPECT_EQ(cal.retained[0], (std::vector<uint64_t>{2, 1, 1, 0}));  // a on day 1, b on day 2
  EXPECT_EQ(cal.retained[1], (std::vector<uint64_t>{0, 0, 0, 0}));
  EXPECT_EQ(cal.retained[2], (std::vector<uint64_t>{0, 0, 0, 0}));  // b's second signup is not a start
  Parsed roll = Parse(RunStream(base + R"(,"days":"rolling"})", ev));
  EXPECT_EQ(roll.retained[0], (std::vector<uint64_t>{2, 0, 1, 0}));  // a: 2 minutes is period 0
}

TEST(RetentionTest, ExactResponse) {
  std::vector<Event> ev = {E("signup", "a", kDay1 + kH), E("open", "a", kDay1 + kD + kH),
                           E("signup", "b", kDay1 + 2 * kH)};
  EXPECT_EQ(RunStream(R"({"start":{"event":"signup"},"return":{"event":"open"},"from":"2026-10-01","to":"2026-10-02","periods":1})",
                      ev),
            R"({"cohorts":[{"cohort":"2026-10-01","users":2,"retained":[2,1]},{"cohort":"2026-10-02","users":0,"retained":[0,0]}],)"
            R"("overall":[{"column":0,"users":2,"retained":2,"rate":1},{"column":1,"users":2,"retained":1,"rate":0.5}]})");
}

TEST(RetentionTest, Modes) {
  // a starts Oct 1, returns on days 2 and 5; b starts Oct 1, returns day 9.
  std::vector<Event> ev = {E("s", "a", kDay1), E("r", "a", kDay1 + 2 * kD), E("r", "a", kDay1 + 5 * kD + 3 * kH),
                           E("s", "b", kDay1 + kH), E("r", "b", kDay1 + 9 * kD)};
  const std::string base = R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-01")";
  EXPECT_EQ(Parse(RunStream(base + R"(,"periods":6})", ev)).retained[0], (std::vector<uint64_t>{2, 0, 1, 0, 0, 1, 0}));
  // Unbounded counts a return in period N or later, however late (b's day 9).
  EXPECT_EQ(Parse(RunStream(base + R"(,"mode":"unbounded","periods":6})", ev)).retained[0],
            (std::vector<uint64_t>{2, 2, 2, 2, 2, 2, 1}));
  EXPECT_EQ(Parse(RunStream(base + R"(,"mode":"brackets","brackets":[[1,1],[2,4],[5,8],[9,20]]})", ev)).retained[0],
            (std::vector<uint64_t>{2, 0, 1, 1, 1}));
}

TEST(RetentionTest, FirstStartOnlyAndReturnIsStartEvent) {
  // b's start is Oct 1; its Oct 3 start is a return (the same event).
  std::vector<Event> ev = {E("s", "b", kDay1 + kH), E("s", "b", kDay1 + 2 * kD), E("s", "c", kDay1 + 2 * kD),
                           E("s", "c", kDay1 + 2 * kD + kH)};  // same day: period 0
  Parsed p = Parse(RunStream(R"({"start":{"event":"s"},"return":{"event":"s"},"from":"2026-10-01","to":"2026-10-03","periods":2})", ev));
  EXPECT_EQ(p.retained[0], (std::vector<uint64_t>{1, 0, 1}));
  EXPECT_EQ(p.retained[2], (std::vector<uint64_t>{1, 0, 0}));
  // A start before the range does not make the user's first start.
  Parsed q = Parse(RunStream(R"({"start":{"event":"s"},"return":{"event":"s"},"from":"2026-10-02","to":"2026-10-03","periods":2})", ev));
  EXPECT_EQ(q.retained[0], (std::vector<uint64_t>{0, 0, 0}));
  EXPECT_EQ(q.retained[1], (std::vector<uint64_t>{2, 0, 0}));
}

TEST(RetentionTest, AllReturnAndFilters) {
  auto ios = Property{"platform", PropertyValue::String("ios")};
  auto pro = Property{"plan", PropertyValue::String("pro")};
  std::vector<Event> ev = {E("s", "a", kDay1, {ios}), E("x", "a", kDay1 + kD),
                           E("s", "b", kDay1, {}, {pro}), E("y", "b", kDay1 + 2 * kD, {ios})};
  const std::string range = R"("from":"2026-10-01","to":"2026-10-01","periods":2})";
  EXPECT_EQ(Parse(RunStream(R"({"start":{"event":"s"},"return":{"event":"_all"},)" + range, ev)).retained[0],
            (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_EQ(Parse(RunStream(R"({"start":{"event":"s","filters":[{"property":"platform","op":"is","values":["ios"]}]},"return":{"event":"_all"},)" + range, ev)).retained[0],
            (std::vector<uint64_t>{1, 1, 0}));
  EXPECT_EQ(Parse(RunStream(R"({"start":{"event":"s","filters":[{"property":"plan","type":"user","op":"is","values":["pro"]}]},"return":{"event":"_all","filters":[{"property":"platform","op":"is","values":["ios"]}]},)" + range, ev)).retained[0],
            (std::vector<uint64_t>{1, 0, 1}));
}

TEST(RetentionTest, Weeks) {
  // Oct 1 2026 is a Thursday: its week starts Monday Sep 28.
  std::vector<Event> ev = {E("s", "a", kDay1 + 20 * kH), E("s", "a", kDay1 + 4 * kD + kH),  // Monday Oct 5
                           E("s", "b", kDay1 + 3 * kD + 23 * kH), E("s", "b", kDay1 + 10 * kD)};  // Sun Oct 4; Sun Oct 11
  const std::string base = R"({"start":{"event":"s"},"return":{"event":"s"},"from":"2026-10-01","to":"2026-10-08","interval":"week","periods":2)";
  Parsed cal = Parse(RunStream(base + "}", ev));
  ASSERT_EQ(cal.labels, (std::vector<std::string>{"2026-09-28", "2026-10-05"}));
  EXPECT_EQ(cal.retained[0], (std::vector<uint64_t>{2, 2, 0}));
  EXPECT_EQ(cal.retained[1], (std::vector<uint64_t>{0, 0, 0}));
  // Rolling weeks: a is back after 3 days 5 hours (period 0), b after 6 days 1 hour (0).
  EXPECT_EQ(Parse(RunStream(base + R"(,"days":"rolling"})", ev)).retained[0], (std::vector<uint64_t>{2, 0, 0}));
}

TEST(RetentionTest, NewYorkDstDays) {
  // 2026-03-08 has 23 hours in New York, 2026-11-01 has 25.
  const int64_t mar8 = 1772928000000;  // 2026-03-08T00:00:00Z
  const int64_t nov1 = 1793491200000;  // 2026-11-01T00:00:00Z
  std::vector<Event> ev = {
      // Mar 8 00:30 EST -> Mar 9 00:10 EDT: 22 h 40 min later, the next calendar day.
      E("s", "a", mar8 + 5 * kH + 30 * kMin), E("r", "a", mar8 + kD + 4 * kH + 10 * kMin),
      // Nov 1 00:10 EDT -> Nov 1 23:50 EST: 24 h 40 min later, the same calendar day.
      E("s", "b", nov1 + 4 * kH + 10 * kMin), E("r", "b", nov1 + kD + 4 * kH + 50 * kMin)};
  const std::string tz = R"(,"timezone":"America/New_York","periods":1)";
  const std::string a = R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-03-08","to":"2026-03-08")" + tz;
  EXPECT_EQ(Parse(RunStream(a + "}", ev)).retained[0], (std::vector<uint64_t>{1, 1}));
  EXPECT_EQ(Parse(RunStream(a + R"(,"days":"rolling"})", ev)).retained[0], (std::vector<uint64_t>{1, 0}));
  const std::string b = R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-11-01","to":"2026-11-01")" + tz;
  EXPECT_EQ(Parse(RunStream(b + "}", ev)).retained[0], (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(Parse(RunStream(b + R"(,"days":"rolling"})", ev)).retained[0], (std::vector<uint64_t>{1, 1}));
}

TEST(RetentionTest, LordHoweHalfHourShift) {
  // Lord Howe moves from +10:30 to +11 at 02:00 local on 2026-10-04.
  std::vector<Event> ev = {
      E("s", "a", kDay1 + 2 * kD + 13 * kH + 40 * kMin),  // Oct 4 00:10 +10:30
      E("r", "a", kDay1 + 3 * kD + 13 * kH + 5 * kMin),   // Oct 5 00:05 +11: 23 h 25 min later
      E("s", "b", kDay1 + 2 * kD + 13 * kH + 20 * kMin),  // Oct 3 23:50 +10:30: cohort Oct 3
  };
  const std::string q = R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-03","to":"2026-10-04","timezone":"Australia/Lord_Howe","periods":1)";
  Parsed cal = Parse(RunStream(q + "}", ev));
  ASSERT_EQ(cal.labels, (std::vector<std::string>{"2026-10-03", "2026-10-04"}));
  EXPECT_EQ(cal.retained[0], (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(cal.retained[1], (std::vector<uint64_t>{1, 1}));
  EXPECT_EQ(Parse(RunStream(q + R"(,"days":"rolling"})", ev)).retained[1], (std::vector<uint64_t>{1, 0}));
}

TEST(RetentionTest, AsOfCutsTheOverallCurve) {
  std::vector<Event> ev = {E("s", "a", kDay1), E("r", "a", kDay1 + kD), E("s", "b", kDay1 + kD + kH),
                           E("r", "b", kDay1 + 2 * kD)};
  const std::string q = R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02","periods":2,"as_of":)";
  // Oct 3 00:00: Oct 1's column 1 has ended (Oct 1 + 2 days), Oct 2's has not.
  Parsed p = Parse(RunStream(q + R"("2026-10-03T00:00:00Z"})", ev));
  EXPECT_EQ(p.overall[0], (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(p.overall[1], (std::vector<uint64_t>{1, 1}));
  EXPECT_EQ(p.overall[2], (std::vector<uint64_t>{0, 0}));
  EXPECT_FALSE(p.rates[2].has_value());
  // One millisecond earlier, no column has ended; the cohorts still count.
  p = Parse(RunStream(q + R"("2026-10-02T23:59:59.999Z"})", ev));
  EXPECT_EQ(p.overall[1], (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(p.retained[1], (std::vector<uint64_t>{1, 1, 0}));
  // Without an offset as_of is wall-clock time in the zone.
  p = Parse(RunStream(R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02","periods":2,"timezone":"Asia/Kolkata","as_of":"2026-10-04T00:00"})", ev));
  EXPECT_EQ(p.overall[1], (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(p.overall[2], (std::vector<uint64_t>{1, 0}));
  // Default: now.
  p = Parse(RunStream(q.substr(0, q.size() - 9) + "}", ev, kDay1 + 3 * kD));
  EXPECT_EQ(p.overall[1], (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(p.overall[2], (std::vector<uint64_t>{1, 0}));
}

TEST(RetentionTest, EmptyRange) {
  Parsed p = Parse(RunStream(R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-03","periods":1})", {}));
  ASSERT_EQ(p.retained.size(), 3u);
  for (const auto& r : p.retained) EXPECT_EQ(r, (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(p.overall[0], (std::vector<uint64_t>{0, 0}));
  EXPECT_FALSE(p.rates[0].has_value());
}

TEST(RetentionTest, BadRequests) {
  struct Case {
    const char* json;
    const char* prefix;
  };
  const std::string ok = R"("start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02")";
  const Case cases[] = {
      {"[]", "request:"},
      {"{", "request:"},
      {R"({"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02"})", "start: is required"},
      {R"({"start":{"event":"s"},"from":"2026-10-01","to":"2026-10-02"})", "return: is required"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"to":"2026-10-02"})", "from: is required"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-02"})", "to: is required"},
      {R"({"start":{},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02"})", "start.event: is required"},
      {R"({"start":{"event":"s","x":1},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-02"})", "start.x: unknown field"},
      {R"({"start":{"event":"s"},"return":{"event":"r","filters":[{"property":"p","op":"nope","values":[]}]},"from":"2026-10-01","to":"2026-10-02"})", "return.filters[0].op:"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-13-01","to":"2026-10-02"})", "from: not a date"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-03","to":"2026-10-02"})", "to: the range ends"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-01-01","to":"2028-12-31"})", "to: the range holds"},
      {R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2000-01-01","to":"2600-12-31"})", "to: the range holds"},
  };
  for (const Case& c : cases) {
    std::unique_ptr<RetentionQuery> q;
    Status st = RetentionQuery::Create(c.json, Zones, 0, &q);
    EXPECT_TRUE(st.IsInvalidArgument()) << c.json;
    EXPECT_EQ(st.message().rfind(c.prefix, 0), 0u) << st.message() << " for " << c.json;
  }
  const std::pair<const char*, const char*> extra[] = {
      {R"("timezone":"Mars/Olympus")", "timezone: unknown zone"},
      {R"("timezone":5)", "timezone: must be a string"},
      {R"("mode":"weekly")", "mode: must be one of"},
      {R"("interval":"month")", "interval: must be one of day, week"},
      {R"("days":"business")", "days: must be one of"},
      {R"("periods":0)", "periods: must be an integer from 1 to 400"},
      {R"("periods":401)", "periods: must be an integer from 1 to 400"},
      {R"("periods":1.5)", "periods: must be an integer"},
      {R"("periods":"3")", "periods: must be an integer"},
      {R"("brackets":[[1,2]])", "brackets: is only allowed with mode brackets"},
      {R"("mode":"brackets")", "brackets: is required"},
      {R"("mode":"brackets","brackets":[])", "brackets: must hold 1 to 50"},
      {R"("mode":"brackets","brackets":[[0,2]])", "brackets[0][0]: must be an integer from 1 to 400"},
      {R"("mode":"brackets","brackets":[[1,401]])", "brackets[0][1]: must be an integer from 1 to 400"},
      {R"("mode":"brackets","brackets":[[3,2]])", "brackets[0]: must have a <= b"},
      {R"("mode":"brackets","brackets":[[1,3],[3,4]])", "brackets[1]: brackets must be ascending"},
      {R"("mode":"brackets","brackets":[[5,6],[1,2]])", "brackets[1]: brackets must be ascending"},
      {R"("mode":"brackets","brackets":[[1]])", "brackets[0]: must be a pair"},
      {R"("mode":"brackets","brackets":{})", "brackets: must be an array"},
      {R"("as_of":"yesterday")", "as_of: not a date"},
      {R"("as_of":1)", "as_of: must be a string"},
      {R"("group_by":"country")", "group_by: unknown field"},
  };
  for (const auto& [field, prefix] : extra) {
    const std::string json = "{" + ok + "," + field + "}";
    std::unique_ptr<RetentionQuery> q;
    Status st = RetentionQuery::Create(json, Zones, 0, &q);
    EXPECT_TRUE(st.IsInvalidArgument()) << json;
    EXPECT_EQ(st.message().rfind(prefix, 0), 0u) << st.message() << " for " << json;
  }
  std::string brackets;
  for (int i = 1; i <= 51; ++i) brackets += (i > 1 ? ",[" : "[") + std::to_string(i) + "," + std::to_string(i) + "]";
  std::unique_ptr<RetentionQuery> q;
  Status st = RetentionQuery::Create("{" + ok + R"(,"mode":"brackets","brackets":[)" + brackets + "]}", Zones, 0, &q);
  EXPECT_EQ(st.message().rfind("brackets: must hold 1 to 50", 0), 0u) << st.message();
  // 1000 cohorts is the limit.
  EXPECT_TRUE(RetentionQuery::Create(R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-01-01","to":"2028-09-26"})", Zones, 0, &q).ok());
}


// ------------------------------------------------- brute force, randomized

// Retention computed straight from docs/queries.md, event by event.
Parsed Brute(const std::string& json, const std::vector<Event>& events, int64_t now_ms) {
  RetentionRequest req;
  EXPECT_TRUE(ParseRetentionRequest(json, &req).ok());
  std::shared_ptr<const TimeZone> tz;
  EXPECT_TRUE(Zones(req.timezone, &tz).ok());
  auto local = [&](int64_t t) { return t + int64_t{tz->Lookup(FloorDiv(t, 1000)).offset_s} * 1000; };
  auto local_bound = [&](const TimeBound& b) { return b.utc ? local(b.ms) : b.ms; };
  auto in_range = [&](int64_t t) {
    const bool after = req.from.utc ? t >= req.from.ms : local(t) >= req.from.ms;
    const bool before = req.to_exclusive.utc ? t < req.to_exclusive.ms : local(t) < req.to_exclusive.ms;
    return after && before;
  };
  const bool week = req.interval == RetentionInterval::kWeek;
  const int64_t unit_days = week ? 7 : 1;
  auto unit = [&](int64_t local_ms) {
    const int64_t d = FloorDiv(local_ms, kD);
    return week ? FloorDiv(d + 3, 7) : d;
  };
  auto unit_start_day = [&](int64_t u) { return week ? u * 7 - 3 : u; };
  const int64_t first = unit(local_bound(req.from));
  const int64_t last = unit(local_bound(TimeBound{req.to_exclusive.utc, req.to_exclusive.ms - 1}));
  std::vector<int> cols;  // each column's last period
  if (req.mode == RetentionMode::kBrackets) {
    for (auto [a, b] : req.brackets) cols.push_back(b);
  } else {
    for (int n = 1; n <= req.periods; ++n) cols.push_back(n);
  }
  Parsed p;
  for (int64_t u = first; u <= last; ++u) {
    CivilDate c = CivilFromDays(unit_start_day(u));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(c.year), c.month, c.day);
    p.labels.push_back(buf);
    p.retained.push_back(std::vector<uint64_t>(cols.size() + 1, 0));
  }
  std::map<std::string, std::vector<const Event*>> by_user;
  for (const Event& e : events) by_user[e.UserKey()].push_back(&e);
  for (const auto& [user, evs] : by_user) {
    std::optional<int64_t> s;
    for (const Event* e : evs)
      if (Matches(req.start, *e) && in_range(e->time_ms) && (!s || e->time_ms < *s)) s = e->time_ms;
    if (!s) continue;
    std::vector<uint64_t>& row = p.retained[static_cast<size_t>(unit(local(*s)) - first)];
    row[0]++;
    std::set<int64_t> periods;
    for (const Event* e : evs) {
      if (!Matches(req.return_event, *e) || e->time_ms < *s) continue;
      const int64_t r = e->time_ms;
      periods.insert(req.rolling ? FloorDiv(r - *s, unit_days * kD) : unit(local(r)) - unit(local(*s)));
    }
    for (size_t c = 1; c <= cols.size(); ++c) {
      bool hit = false;
      for (int64_t q : periods) {
        if (req.mode == RetentionMode::kNDay) hit |= q == static_cast<int64_t>(c);
        if (req.mode == RetentionMode::kUnbounded) hit |= q >= static_cast<int64_t>(c);
        if (req.mode == RetentionMode::kBrackets)
          hit |= q >= req.brackets[c - 1].first && q <= req.brackets[c - 1].second;
      }
      row[c] += hit;
    }
  }
  const int64_t as_of = req.as_of ? local_bound(*req.as_of) : local(now_ms);
  for (size_t c = 0; c <= cols.size(); ++c) {
    uint64_t users = 0, retained = 0;
    for (size_t k = 0; k < p.retained.size(); ++k) {
      if (c > 0 && unit_start_day(first + static_cast<int64_t>(k)) * kD + (cols[c - 1] + 1) * unit_days * kD > as_of)
        continue;
      users += p.retained[k][0];
      retained += p.retained[k][c];
    }
    p.overall.push_back({users, retained});
    p.rates.push_back(users ? std::optional<double>(double(retained) / double(users)) : std::nullopt);
  }
  return p;
}

void ExpectSame(const Parsed& got, const Parsed& want, const std::string& what) {
  EXPECT_EQ(got.labels, want.labels) << what;
  EXPECT_EQ(got.retained, want.retained) << what;
  EXPECT_EQ(got.overall, want.overall) << what;
  ASSERT_EQ(got.rates.size(), want.rates.size()) << what;
  for (size_t i = 0; i < got.rates.size(); ++i) {
    EXPECT_EQ(got.rates[i].has_value(), want.rates[i].has_value()) << what;
    if (got.rates[i] && want.rates[i]) {
      EXPECT_DOUBLE_EQ(*got.rates[i], *want.rates[i]) << what;
    }
  }
}

const char* kMatchers[] = {
    R"({"event":"s"})",
    R"({"event":"r"})",
    R"({"event":"_all"})",
    R"({"event":"s","filters":[{"property":"platform","op":"is","values":["ios"]}]})",
    R"({"event":"r","filters":[{"property":"plan","type":"user","op":"is","values":["pro","team"]}]})",
    R"({"event":"x","filters":[{"property":"platform","op":"is_not","values":["android"]}]})",
};

std::string DateText(int64_t ms) {
  CivilDate c = CivilFromDays(FloorDiv(ms, kD));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(c.year), c.month, c.day);
  return buf;
}
std::string TimeText(int64_t ms, const char* suffix) {
  const int64_t in_day = ms - FloorDiv(ms, kD) * kD;
  char buf[32];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d.%03d%s", static_cast<int>(in_day / kH),
                static_cast<int>(in_day / kMin % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000), suffix);
  return DateText(ms) + buf;
}

// Random events over 2026-09-28 .. 2026-11-10 (DST changes of Lord Howe,
// Berlin and New York inside), half of them on a half-hour grid so that
// times tie and fall on the changes.
std::vector<Event> RandomEvents(std::mt19937_64* rng, int users, int count) {
  const char* names[] = {"s", "r", "x"};
  const char* platforms[] = {"ios", "android", nullptr};
  const char* plans[] = {"pro", "free", "team", nullptr};
  std::vector<Event> ev;
  auto pick = [&](int n) { return static_cast<int>((*rng)() % static_cast<uint64_t>(n)); };
  for (int i = 0; i < count; ++i) {
    int64_t t = kDay1 - 3 * kD + static_cast<int64_t>((*rng)() % static_cast<uint64_t>(43 * kD));
    if (pick(2)) t = FloorDiv(t, 30 * kMin) * 30 * kMin;
    std::vector<Property> fields, user_props;
    const int u = pick(users);
    if (const char* p = platforms[(u + pick(2)) % 3]) fields.push_back({"platform", PropertyValue::String(p)});
    if (const char* p = plans[(u + pick(2)) % 4]) user_props.push_back({"plan", PropertyValue::String(p)});
    ev.push_back(E(names[pick(3)], u % 7 == 0 ? "" : "u" + std::to_string(u), t, fields, user_props,
                   "d" + std::to_string(u)));
  }
  return ev;
}

TEST(RetentionTest, RandomizedAgainstBruteForce) {
  std::mt19937_64 rng(20261001);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const char* zones[] = {"UTC", "America/New_York", "Australia/Lord_Howe", "Europe/Berlin", "Asia/Kolkata"};
  for (int iter = 0; iter < 400; ++iter) {
    std::vector<Event> ev = RandomEvents(&rng, 5 + pick(40), 50 + pick(500));
    const std::string tz = zones[pick(5)];
    const int64_t from = kDay1 - 2 * kD + pick(25) * kD + (pick(3) == 0 ? pick(48) * 30 * kMin + pick(2) : 0);
    const int64_t to = from + pick(20) * kD + (pick(3) == 0 ? pick(48) * 30 * kMin : kD - 1);
    // A date, an instant, or a wall-clock time of the zone.
    auto bound = [&](int64_t ms) {
      switch (pick(3)) {
        case 0: return DateText(ms);
        case 1: return TimeText(ms, pick(2) ? "Z" : "+05:30");
        default: return TimeText(ms, "");
      }
    };
    std::string json = std::string(R"({"start":)") + kMatchers[pick(6)] + R"(,"return":)" + kMatchers[pick(6)] +
                       R"(,"from":")" + bound(from) + R"(","to":")" + bound(to) + R"(","timezone":")" + tz +
                       R"(")";
    const int mode = pick(3);
    if (mode == 1) json += R"(,"mode":"unbounded")";
    if (mode == 2) {
      json += R"(,"mode":"brackets","brackets":[)";
      int a = 1 + pick(3);
      for (int b = 0, n = 1 + pick(4); b < n; ++b) {
        const int e = a + pick(4);
        json += (b ? ",[" : "[") + std::to_string(a) + "," + std::to_string(e) + "]";
        a = e + 1 + pick(2);
      }
      json += "]";
    } else {
      json += R"(,"periods":)" + std::to_string(1 + pick(12));
    }
    if (pick(2)) json += R"(,"interval":"week")";
    if (pick(2)) json += R"(,"days":"rolling")";
    // as_of near unit boundaries of every zone, a millisecond either side.
    const int64_t now = kDay1 + pick(50) * kD + pick(48) * 30 * kMin + pick(3) - 1;
    if (pick(2)) json += R"(,"as_of":")" + TimeText(now + pick(3) * kD, pick(2) ? "Z" : "") + R"(")";
    json += "}";
    auto q = MakeQuery(json, now);
    if (!q) continue;  // a range that ends before it starts in local time
    ExpectSame(Parse(q->Evaluate(HandStream(q->stream_spec(), ev))), Brute(json, ev, now), json);
    if (::testing::Test::HasFailure()) break;
  }
}


// ------------------------------------------------ user sets == event stream

// An app's events split between the speed layer and a lake of sealed days
// (events/ and sets/ files as a seal writes them), one user numbering.
class TwoSources {
 public:
  TwoSources() {
    char tmpl[] = "/tmp/retention_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    EXPECT_TRUE(lake::LocalStorage::Open(dir_ + "/lake", &storage_).ok());
    EXPECT_TRUE(speed::AppState::Open("app", "", 7 * kD, &app_).ok());
    cache_ = std::make_unique<PartitionCache>(storage_.get(), 1ull << 32);
  }
  ~TwoSources() { std::filesystem::remove_all(dir_); }

  uint32_t Number(const Event& e) { return numbers_.emplace(e.UserKey(), numbers_.size()).first->second; }

  void AddToSpeed(const Event& e) { app_->AddSealedRow(e, Number(e)); }

  // Seals one UTC day's events (every event of the day in the lake).
  void AddLakeDay(int32_t day, std::vector<Event> events) {
    std::vector<uint32_t> users;
    for (const Event& e : events) users.push_back(Number(e));
    std::vector<size_t> order(events.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return lake::EventLess(events[a], events[b]); });
    std::vector<Event> sorted;
    std::vector<uint32_t> sorted_users;
    for (size_t i : order) sorted.push_back(events[i]), sorted_users.push_back(users[i]);
    const std::string date = lake::DateString(day);
    lake::EventsSchema schema;
    ASSERT_TRUE(lake::EventsSchema::Make(lake::ChoosePromotedColumns(sorted), &schema).ok());
    lake::EventFileInfo info;
    const std::string events_path = dir_ + "/events-" + date;
    ASSERT_TRUE(lake::WriteEventFile(events_path, schema, sorted, sorted_users, lake::EventFileOptions(), &info).ok());
    lake::LakeFile f;
    f.app_id = "app";
    f.date = date;
    f.kind = lake::FileKind::kEvents;
    ASSERT_TRUE(lake::EventsFileKey(date, "app", lake::PartFileName(lake::NewPartId()), &f.key).ok());
    ASSERT_TRUE(storage_->PutFile(f.key, events_path).ok());
    f.size = info.size, f.rows = info.rows, f.min_time_ms = info.min_time_ms, f.max_time_ms = info.max_time_ms;
    snapshot_.files.push_back(f);
    if (skip_sets_) return;
    std::vector<lake::SetsRow> rows = lake::BuildSetsRows(sorted, sorted_users);
    const std::string sets_path = dir_ + "/sets-" + date;
    ASSERT_TRUE(lake::WriteSetsFile(sets_path, rows, &f.size).ok());
    f.kind = lake::FileKind::kSets;
    f.rows = rows.size();
    ASSERT_TRUE(lake::SetsFileKey(date, "app", lake::PartFileName(lake::NewPartId()), &f.key).ok());
    ASSERT_TRUE(storage_->PutFile(f.key, sets_path).ok());
    snapshot_.files.push_back(f);
  }
  void Finish() {
    std::sort(snapshot_.files.begin(), snapshot_.files.end(),
              [](const lake::LakeFile& a, const lake::LakeFile& b) { return a.key < b.key; });
    snapshot_.version = 1;
  }

  // Both paths' answers: {sets (or the refusal's message), stream}.
  std::pair<std::string, std::string> Answers(const RetentionQuery& q, bool with_builder = true) {
    std::string sets;
    Status st = q.EvaluateFromSets(app_.get(), "app", &snapshot_, cache_.get(), &sets);
    if (!st.ok()) sets = st.ToString();
    StreamBuilder builder(q.stream_spec());
    builder.AddSource(*app_);
    EXPECT_TRUE(builder.AddLake("app", snapshot_, cache_.get()).ok());
    return {sets, q.Evaluate(builder.Finish())};
  }

  const lake::Snapshot& snapshot() const { return snapshot_; }
  PartitionCache* cache() { return cache_.get(); }
  const speed::AppState* app() const { return app_.get(); }
  lake::Storage* storage() { return storage_.get(); }

  bool skip_sets_ = false;

 private:
  std::string dir_;
  std::unique_ptr<lake::LocalStorage> storage_;
  std::unique_ptr<speed::AppState> app_;
  std::unique_ptr<PartitionCache> cache_;
  lake::Snapshot snapshot_;
  std::map<std::string, uint32_t> numbers_;
};

TEST(RetentionSetsTest, WhenTheSetsAnswer) {
  const std::string base = R"("from":"2026-10-01","to":"2026-10-05")";
  auto answers = [&](const std::string& fields) {
    auto q = MakeQuery("{" + base + "," + fields + "}");
    return q && q->SetsAnswer();
  };
  EXPECT_TRUE(answers(R"("start":{"event":"s"},"return":{"event":"_all"})"));
  EXPECT_TRUE(answers(R"("start":{"event":"_all"},"return":{"event":"s"},"interval":"week","mode":"unbounded")"));
  EXPECT_TRUE(answers(R"("start":{"event":"s","filters":[{"property":"plan","type":"user","op":"is","values":["a","b"]}]},"return":{"event":"s"},"timezone":"UTC")"));
  EXPECT_FALSE(answers(R"("start":{"event":"s"},"return":{"event":"r"},"days":"rolling")"));
  EXPECT_FALSE(answers(R"("start":{"event":"s"},"return":{"event":"r"},"timezone":"Europe/London")"));
  EXPECT_FALSE(answers(R"("start":{"event":"_all","filters":[{"property":"p","op":"is","values":["a"]}]},"return":{"event":"r"})"));
  EXPECT_FALSE(answers(R"("start":{"event":"s","filters":[{"property":"p","op":"is_not","values":["a"]}]},"return":{"event":"r"})"));
  EXPECT_FALSE(answers(R"("start":{"event":"s"},"return":{"event":"r","filters":[{"property":"user_id","op":"is","values":["a"]}]})"));
  EXPECT_FALSE(answers(R"("start":{"event":"s"},"return":{"event":"r","filters":[{"property":"p","op":"is","values":["a"]},{"property":"q","op":"is","values":["a"]}]})"));
  auto q = MakeQuery(R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01T00:00:00Z","to":"2026-10-05T23:59:59.999Z"})");
  EXPECT_TRUE(q->SetsAnswer());
  q = MakeQuery(R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01T06:00:00Z","to":"2026-10-05"})");
  EXPECT_FALSE(q->SetsAnswer());
}

TEST(RetentionSetsTest, RandomizedSetsEqualStream) {
  std::mt19937_64 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const char* matchers[] = {
      R"({"event":"s"})",
      R"({"event":"r"})",
      R"({"event":"_all"})",
      R"({"event":"s","filters":[{"property":"platform","op":"is","values":["ios"]}]})",
      R"({"event":"r","filters":[{"property":"plan","type":"user","op":"is","values":["pro","team","nobody"]}]})",
      R"({"event":"x","filters":[{"property":"platform","op":"is","values":["ios","android"]}]})",
  };
  for (int round = 0; round < 4; ++round) {
    TwoSources src;
    std::vector<Event> ev = RandomEvents(&rng, 20 + pick(60), 300 + pick(1500));
    std::map<int32_t, std::vector<Event>> lake_days;
    for (const Event& e : ev) {
      const int32_t day = static_cast<int32_t>(FloorDiv(e.time_ms, kD));
      // About half the days sealed; a tenth of their events late (in memory).
      if ((day * 7 + round) % 10 < 5 && pick(10) != 0) lake_days[day].push_back(e);
      else src.AddToSpeed(e);
    }
    for (auto& [day, events] : lake_days) src.AddLakeDay(day, events);
    src.Finish();
    for (int iter = 0; iter < 40; ++iter) {
      const int64_t from = kDay1 - 2 * kD + pick(25) * kD;
      const int64_t to = from + pick(20) * kD;
      std::string json = std::string(R"({"start":)") + matchers[pick(6)] + R"(,"return":)" + matchers[pick(6)] +
                         R"(,"from":")" + DateText(from) + R"(","to":")" + DateText(to) + R"(")";
      const int mode = pick(3);
      if (mode == 1) json += R"(,"mode":"unbounded")";
      if (mode == 2) json += R"(,"mode":"brackets","brackets":[[1,1],[2,3],[5,9]])";
      else json += R"(,"periods":)" + std::to_string(1 + pick(12));
      if (pick(2)) json += R"(,"interval":"week")";
      json += R"(,"as_of":")" + TimeText(kDay1 + pick(50) * kD, "Z") + R"("})";
      auto q = MakeQuery(json);
      ASSERT_TRUE(q && q->SetsAnswer()) << json;
      auto [sets, stream] = src.Answers(*q);
      EXPECT_EQ(sets, stream) << json;
      ExpectSame(Parse(stream), Brute(json, ev, 0), json);
      if (::testing::Test::HasFailure()) return;
    }
    // Requests only the stream answers, over the same two sources.
    const char* zones[] = {"America/New_York", "Australia/Lord_Howe", "Europe/Berlin"};
    for (int iter = 0; iter < 20; ++iter) {
      const int64_t from = kDay1 - 2 * kD + pick(25) * kD + pick(48) * 30 * kMin;
      const int64_t to = from + pick(20) * kD + pick(48) * 30 * kMin;
      std::string json = std::string(R"({"start":)") + kMatchers[pick(6)] + R"(,"return":)" + kMatchers[pick(6)] +
                         R"(,"from":")" + TimeText(from, "") + R"(","to":")" + TimeText(to, "Z") +
                         R"(","timezone":")" + zones[pick(3)] + R"(","periods":)" + std::to_string(1 + pick(12));
      if (pick(2)) json += R"(,"mode":"unbounded")";
      if (pick(2)) json += R"(,"interval":"week")";
      if (pick(2)) json += R"(,"days":"rolling")";
      json += R"(,"as_of":")" + TimeText(kDay1 + pick(50) * kD, "Z") + R"("})";
      std::unique_ptr<RetentionQuery> q;
      if (!RetentionQuery::Create(json, Zones, 0, &q).ok()) continue;  // ends before it starts
      ExpectSame(Parse(src.Answers(*q).second), Brute(json, ev, 0), json);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(RetentionSetsTest, RefusesWithoutValueSets) {
  // 40 distinct item values in one hour and one day: no value sets kept.
  std::vector<Event> day;
  for (int i = 0; i < 40; ++i)
    day.push_back(E("s", "u" + std::to_string(i), kDay1 + kH + i, {{"item", PropertyValue::Int(i)}}));
  const std::string filtered = R"({"start":{"event":"s","filters":[{"property":"item","op":"is","values":[3]}]},"return":{"event":"s"},"from":"2026-10-01","to":"2026-10-02","periods":1})";
  const std::string plain = R"({"start":{"event":"s"},"return":{"event":"s"},"from":"2026-10-01","to":"2026-10-02","periods":1})";
  {
    TwoSources src;
    for (const Event& e : day) src.AddToSpeed(e);
    src.Finish();
    auto [sets, stream] = src.Answers(*MakeQuery(filtered));
    EXPECT_EQ(sets.rfind("NotSupported", 0), 0u) << sets;
    EXPECT_EQ(Parse(stream).retained[0], (std::vector<uint64_t>{1, 0}));
    auto [sets2, stream2] = src.Answers(*MakeQuery(plain));
    EXPECT_EQ(sets2, stream2);
  }
  {
    TwoSources src;
    src.AddLakeDay(static_cast<int32_t>(kDay1 / kD), day);
    src.Finish();
    auto [sets, stream] = src.Answers(*MakeQuery(filtered));
    EXPECT_EQ(sets.rfind("NotSupported", 0), 0u) << sets;
    EXPECT_EQ(Parse(stream).retained[0], (std::vector<uint64_t>{1, 0}));
    auto [sets2, stream2] = src.Answers(*MakeQuery(plain));
    EXPECT_EQ(sets2, stream2);
  }
  {
    // A sealed day without its sets file.
    TwoSources src;
    src.skip_sets_ = true;
    src.AddLakeDay(static_cast<int32_t>(kDay1 / kD), day);
    src.Finish();
    auto [sets, stream] = src.Answers(*MakeQuery(plain));
    EXPECT_EQ(sets.rfind("NotSupported", 0), 0u) << sets;
    EXPECT_EQ(Parse(stream).retained[0], (std::vector<uint64_t>{40, 0}));
  }
}


// ------------------------------------------------------- through the service

TEST(RetentionServiceTest, AnswersAsTheDefinitions) {
  std::unique_ptr<speed::SpeedLayer> speed;
  ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed).ok());
  auto service = QueryService::Create(speed.get());
  std::mt19937_64 rng(99);
  std::vector<Event> ev = RandomEvents(&rng, 60, 1500);
  // 40 values of item in the hour of Oct 2 03:00: no value sets there.
  for (int i = 0; i < 40; ++i)
    ev.push_back(E("s", "u" + std::to_string(i), kDay1 + kD + 3 * kH + i, {{"item", PropertyValue::Int(i)}}));
  EventBatch batch{"app", ev};
  speed::ApplyResult applied;
  ASSERT_TRUE(speed->Apply(batch, &applied).ok());
  const std::string requests[] = {
      R"({"start":{"event":"s"},"return":{"event":"_all"},"from":"2026-10-01","to":"2026-10-20","periods":7,"as_of":"2026-10-12T00:00:00Z"})",
      R"({"start":{"event":"s","filters":[{"property":"platform","op":"is","values":["ios"]}]},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-20","interval":"week","mode":"unbounded","periods":3,"as_of":"2030-01-01T00:00:00Z"})",
      R"({"start":{"event":"s","filters":[{"property":"item","op":"is","values":[3, 4]}]},"return":{"event":"s"},"from":"2026-10-01","to":"2026-10-20","periods":3,"as_of":"2030-01-01T00:00:00Z"})",
      R"({"start":{"event":"s"},"return":{"event":"r"},"from":"2026-10-01","to":"2026-10-20","timezone":"America/New_York","mode":"brackets","brackets":[[1,2],[3,9]],"as_of":"2030-01-01T00:00:00Z"})",
  };
  for (const std::string& json : requests) {
    std::string got;
    Status st = service->Retention("app", json, &got);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ExpectSame(Parse(got), Brute(json, ev, 0), json);
    EXPECT_EQ(got, RunStream(json, ev)) << json;
    // An app with no events: every cohort, zeros.
    ASSERT_TRUE(service->Retention("nobody", json, &got).ok());
    ExpectSame(Parse(got), Brute(json, {}, 0), json);
  }
  std::string got;
  EXPECT_TRUE(service->Retention("app", R"({"start":{"event":"s"}})", &got).IsInvalidArgument());
}

TEST(RetentionServiceTest, SealedDaysFromTheSets) {
  std::mt19937_64 rng(5);
  std::vector<Event> ev = RandomEvents(&rng, 50, 1200);
  TwoSources src;
  std::map<int32_t, std::vector<Event>> days;
  for (const Event& e : ev) days[static_cast<int32_t>(FloorDiv(e.time_ms, kD))].push_back(e);
  for (auto& [day, events] : days) src.AddLakeDay(day, events);
  src.Finish();
  lake::SnapshotHolder snapshots;
  snapshots.Set(std::make_shared<const lake::Snapshot>(src.snapshot()));
  std::unique_ptr<speed::SpeedLayer> speed;
  ASSERT_TRUE(speed::SpeedLayer::Open(speed::SpeedOptions(), &speed).ok());
  LakeAccess lake;
  lake.storage = src.storage();
  lake.snapshots = &snapshots;
  auto service = QueryService::Create(speed.get(), lake);
  const std::string sets_json = R"({"start":{"event":"s"},"return":{"event":"_all"},"from":"2026-10-01","to":"2026-10-20","periods":7,"as_of":"2026-10-12T00:00:00Z"})";
  std::string got;
  ASSERT_TRUE(service->Retention("app", sets_json, &got).ok());
  ExpectSame(Parse(got), Brute(sets_json, ev, 0), sets_json);
  EXPECT_GT(service->stats().partitions_from_sets, 0u);
  EXPECT_EQ(service->stats().stream_rows, 0u);
  const std::string stream_json = R"({"start":{"event":"s"},"return":{"event":"_all"},"from":"2026-10-01","to":"2026-10-20","periods":7,"timezone":"Europe/Berlin","as_of":"2026-10-12T00:00:00Z"})";
  ASSERT_TRUE(service->Retention("app", stream_json, &got).ok());
  ExpectSame(Parse(got), Brute(stream_json, ev, 0), stream_json);
  EXPECT_GT(service->stats().stream_rows, 0u);
}

// ------------------------------------------------------------ measurement

// Not a check: SWELL_RETENTION_BENCH=EVENTS,USERS,DAYS runs the benchmark's
// retention question (14-day n_day of session_start, UTC cohort days) over
// synthetic sessions sealed into a lake, and prints the times of both paths
// with the lake's partitions cached.
TEST(RetentionBench, SessionStart) {
  const char* env = std::getenv("SWELL_RETENTION_BENCH");
  if (!env) GTEST_SKIP() << "set SWELL_RETENTION_BENCH=EVENTS,USERS,DAYS to measure";
  long long n_events = 0, n_users = 0, n_days = 0;
  ASSERT_EQ(std::sscanf(env, "%lld,%lld,%lld", &n_events, &n_users, &n_days), 3);
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  std::mt19937_64 rng(1);
  // Sessions: users arrive through the period (some before it), stay a
  // geometric number of days, and open a session on a third of them.
  struct Session {
    int64_t time;
    uint32_t user;
  };
  std::vector<Session> sessions;
  std::geometric_distribution<int> lifetime(0.08);
  for (uint32_t u = 0; u < n_users; ++u) {
    const int64_t first = static_cast<int64_t>(rng() % (n_days + 10)) - 10;
    const int64_t last = std::min<int64_t>(n_days - 1, first + lifetime(rng));
    for (int64_t d = std::max<int64_t>(0, first); d <= last; ++d)
      if (rng() % 3 == 0) sessions.push_back({kDay1 + d * kD + static_cast<int64_t>(rng() % kD), u});
  }
  const double per_session = static_cast<double>(n_events) / static_cast<double>(sessions.size());
  const char* names[] = {"view_item", "click", "scroll", "search", "add_to_cart", "purchase", "share", "logout", "rate"};
  const char* platforms[] = {"iOS", "Android", "Web"};
  std::vector<std::vector<Event>> by_day(static_cast<size_t>(n_days));
  std::vector<std::vector<uint32_t>> users_by_day(static_cast<size_t>(n_days));
  uint64_t total = 0, starts = 0;
  double carry = 0;
  for (const Session& s : sessions) {
    carry += per_session;
    const int n = static_cast<int>(carry);
    carry -= n;
    const size_t day = static_cast<size_t>((s.time - kDay1) / kD);
    for (int k = 0; k < n; ++k) {
      const int64_t t = std::min(kDay1 + static_cast<int64_t>(day + 1) * kD - 1, s.time + k * 20'000);
      Event e = E(k == 0 ? "session_start" : names[rng() % 9], "u" + std::to_string(s.user), t,
                  {{"platform", PropertyValue::String(platforms[s.user % 3])}});
      by_day[day].push_back(std::move(e));
      users_by_day[day].push_back(s.user);
      total++;
      starts += k == 0;
    }
  }
  std::printf("data: %llu events (%llu session_start), %llu users, %lld days, %zu sessions\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(starts),
              static_cast<unsigned long long>(n_users), n_days, sessions.size());
  sessions = {};

  const std::string json = R"({"start":{"event":"session_start"},"return":{"event":"session_start"},"from":")" +
                           DateText(kDay1) + R"(","to":")" + DateText(kDay1 + (n_days - 1) * kD) +
                           R"(","mode":"n_day","periods":14})";
  auto q = MakeQuery(json);
  ASSERT_TRUE(q && q->SetsAnswer());
  std::string sets_answer, stream_answer;
  auto t0 = Clock::now();
  if (std::getenv("SWELL_RETENTION_BENCH_SPEED")) {
    // The same events unsealed, in the speed layer.
    TwoSources mem;
    for (size_t d = 0; d < by_day.size(); ++d)
      for (const Event& e : by_day[d]) mem.AddToSpeed(e);
    std::printf("speed layer filled in %.0f ms\n", ms_since(t0));
    for (int rep = 0; rep < 3; ++rep) {
      t0 = Clock::now();
      ASSERT_TRUE(q->EvaluateFromSets(mem.app(), "app", nullptr, nullptr, &sets_answer).ok());
      std::printf("speed layer, sets path: %.1f ms\n", ms_since(t0));
    }
    for (int rep = 0; rep < 2; ++rep) {
      t0 = Clock::now();
      StreamBuilder builder(q->stream_spec());
      builder.AddSource(*mem.app());
      stream_answer = q->Evaluate(builder.Finish());
      std::printf("speed layer, stream path: %.1f ms\n", ms_since(t0));
    }
    EXPECT_EQ(sets_answer, stream_answer);
  }

  TwoSources src;
  t0 = Clock::now();
  for (size_t d = 0; d < by_day.size(); ++d) {
    src.AddLakeDay(static_cast<int32_t>(kDay1 / kD + static_cast<int64_t>(d)), std::move(by_day[d]));
    by_day[d] = {};
  }
  src.Finish();
  std::printf("lake written in %.0f ms\n", ms_since(t0));

  for (int rep = 0; rep < 4; ++rep) {
    t0 = Clock::now();
    ASSERT_TRUE(q->EvaluateFromSets(nullptr, "app", &src.snapshot(), src.cache(), &sets_answer).ok());
    std::printf("sets path %s: %.1f ms\n", rep == 0 ? "(cold)" : "(cached)", ms_since(t0));
  }
  for (int rep = 0; rep < 3; ++rep) {
    t0 = Clock::now();
    StreamBuilder builder(q->stream_spec());
    ASSERT_TRUE(builder.AddLake("app", src.snapshot(), src.cache()).ok());
    const double build_ms = ms_since(t0);
    EventStream stream = builder.Finish();
    const double finish_ms = ms_since(t0) - build_ms;
    stream_answer = q->Evaluate(stream);
    std::printf("stream path %s: %.1f ms (read %.1f, order %.1f, evaluate %.1f; %zu rows)\n",
                rep == 0 ? "(cold)" : "(cached)", ms_since(t0), build_ms, finish_ms,
                ms_since(t0) - build_ms - finish_ms, stream.rows.size());
  }
  EXPECT_EQ(sets_answer, stream_answer);
}

}  // namespace
}  // namespace swell::query
