#include "query/funnel.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <functional>
#include <set>

#include "query/query_test_util.h"
#include "speed/app_state.h"
#include "speed/speed_layer.h"
#include "util/json_writer.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;
constexpr int64_t kMin = 60'000;
constexpr int64_t kS = 1000;

Property P(std::string key, std::string v) { return Property{std::move(key), PropertyValue::String(std::move(v))}; }
Property N(std::string key, int64_t v) { return Property{std::move(key), PropertyValue::Int(v)}; }

Status Zones(const std::string& name, std::shared_ptr<const TimeZone>* out) { return TimeZone::Load(name, out); }

// Runs a funnel over events. Events with sealed[i] set go to a second
// source built as the lake's partitions are (AddSealedRow, numbered by the
// speed layer's dictionary), so answers must merge both.
std::string RunFunnel(const std::vector<Event>& events, const std::string& json,
                      const std::vector<bool>* sealed = nullptr, StreamStats* stats = nullptr) {
  std::unique_ptr<speed::AppState> fresh, lake;
  EXPECT_TRUE(speed::AppState::Open("app", "", 7 * 24 * kH, &fresh).ok());
  EXPECT_TRUE(speed::AppState::Open("app", "", 7 * 24 * kH, &lake).ok());
  std::vector<Event> live;
  for (size_t i = 0; i < events.size(); ++i) {
    if (sealed && (*sealed)[i]) {
      lake->AddSealedRow(events[i], fresh->mutable_users()->GetOrAdd(events[i].UserKey()));
    } else {
      live.push_back(events[i]);
    }
  }
  speed::ApplyResult r;
  EXPECT_TRUE(fresh->Apply(live, 1, &r).ok());
  std::unique_ptr<FunnelQuery> q;
  Status st = FunnelQuery::Create(json, Zones, &q);
  EXPECT_TRUE(st.ok()) << st.ToString() << " for " << json;
  if (!st.ok()) return "";
  StreamBuilder b(q->stream_spec());
  b.AddSource(*fresh);
  b.AddSource(*lake);
  if (stats) *stats = b.stats();
  return q->Evaluate(b.Finish());
}

std::string Error(const std::string& json) {
  std::unique_ptr<FunnelQuery> q;
  Status st = FunnelQuery::Create(json, Zones, &q);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString() << " for " << json;
  return st.message();
}

struct StepOut {
  uint64_t users = 0;
  double conversion = 0, from_previous = 0;
  bool has_time = false;
  double median = 0, avg = 0;
};

std::vector<StepOut> ParseSteps(simdjson::dom::array arr) {
  std::vector<StepOut> out;
  for (simdjson::dom::element s : arr) {
    StepOut o;
    o.users = uint64_t(s["users"]);
    o.conversion = double(s["conversion"]);
    o.from_previous = double(s["conversion_from_previous"]);
    o.has_time = !s["median_ms"].is_null();
    if (o.has_time) {
      o.median = double(s["median_ms"]);
      o.avg = double(s["avg_ms"]);
    }
    out.push_back(o);
  }
  return out;
}

std::vector<uint64_t> Users(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::vector<uint64_t> out;
  for (const StepOut& s : ParseSteps(root["steps"])) out.push_back(s.users);
  return out;
}

std::vector<StepOut> Steps(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  return ParseSteps(root["steps"]);
}

// group -> users per step, in response order.
std::vector<std::pair<std::string, std::vector<uint64_t>>> Groups(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::vector<std::pair<std::string, std::vector<uint64_t>>> out;
  for (simdjson::dom::element g : root["groups"].get_array()) {
    std::vector<uint64_t> users;
    for (const StepOut& s : ParseSteps(g["steps"])) users.push_back(s.users);
    out.emplace_back(std::string(std::string_view(g["group"])), users);
  }
  return out;
}

using U = std::vector<uint64_t>;

std::string Req(const std::string& steps, const std::string& extra = "") {
  return R"({"steps":)" + steps + R"(,"from":"2026-10-01","to":"2026-10-07")" + (extra.empty() ? "" : "," + extra) + "}";
}
constexpr char kOVB[] = R"([{"event":"open"},{"event":"view"},{"event":"buy"}])";

// --- The docs' worked example ------------------------------------------------

std::vector<Event> DocsExample() {
  return {E("open", "a", kDay1 + 10 * kH), E("view", "a", kDay1 + 10 * kH + 5 * kMin),
          E("buy", "a", kDay1 + 10 * kH + 5 * kMin),
          E("open", "b", kDay1 + 10 * kH), E("view", "b", kDay1 + 34 * kH + 1), E("open", "b", kDay1 + 33 * kH),
          E("view", "c", kDay1 + 10 * kH), E("open", "c", kDay1 + 11 * kH)};
}

TEST(FunnelTest, DocsExample) {
  std::string out = RunFunnel(DocsExample(), Req(kOVB, R"("window":"1d")"));
  EXPECT_EQ(out,
            R"({"steps":[)"
            R"({"event":"open","users":3,"conversion":1,"conversion_from_previous":1,"median_ms":null,"avg_ms":null},)"
            R"({"event":"view","users":2,"conversion":0.6666666666666666,"conversion_from_previous":0.6666666666666666,)"
            R"("median_ms":1950000.5,"avg_ms":1950000.5},)"
            R"({"event":"buy","users":1,"conversion":0.3333333333333333,"conversion_from_previous":0.5,)"
            R"("median_ms":300000,"avg_ms":300000}]})");
  EXPECT_EQ(Users(RunFunnel(DocsExample(), Req(kOVB, R"("order":"any")"))), (U{3, 3, 1}));
  // b's views are 24 h + 1 ms and 1 h + 1 ms after an open: a 1-hour window
  // still fails by a millisecond.
  EXPECT_EQ(Users(RunFunnel(DocsExample(), Req(kOVB, R"("window":"1h")"))), (U{3, 1, 1}));
  EXPECT_EQ(Users(RunFunnel(DocsExample(), Req(kOVB, R"("window":3601)"))), (U{3, 2, 1}));
}

// --- One rule at a time ------------------------------------------------------

TEST(FunnelTest, WindowEdgeToTheMillisecond) {
  const std::string req = Req(R"([{"event":"open"},{"event":"buy"}])", R"("window":"90s")");
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("buy", "a", kDay1 + 90 * kS)}, req)), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("buy", "a", kDay1 + 90 * kS + 1)}, req)), (U{1, 0}));
  // The entry range: x1 at the last millisecond of `to` counts, the next
  // one does not; later steps may pass the range's end.
  const std::string edge = R"({"steps":[{"event":"open"},{"event":"buy"}],"from":"2026-10-01",)"
                           R"("to":"2026-10-01T05:00:00.000Z","window":"1d"})";
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 5 * kH), E("buy", "a", kDay1 + 28 * kH)}, edge)), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 5 * kH + 1), E("buy", "a", kDay1 + 6 * kH)}, edge)), (U{0, 0}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 - 1), E("buy", "a", kDay1 + 6 * kH)}, edge)), (U{0, 0}));
}

TEST(FunnelTest, SameMillisecondEitherOrder) {
  // Sent buy first: still a chain open -> buy, and in any order of steps.
  std::vector<Event> ev = {E("buy", "a", kDay1 + kH), E("open", "a", kDay1 + kH)};
  EXPECT_EQ(Users(RunFunnel(ev, Req(R"([{"event":"open"},{"event":"buy"}])"))), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel(ev, Req(R"([{"event":"buy"},{"event":"open"}])"))), (U{1, 1}));
  auto steps = Steps(RunFunnel(ev, Req(R"([{"event":"open"},{"event":"buy"}])")));
  EXPECT_TRUE(steps[1].has_time);
  EXPECT_EQ(steps[1].median, 0);
}

TEST(FunnelTest, OneEventFillsOneStep) {
  const std::string twice = Req(R"([{"event":"a"},{"event":"a"}])");
  EXPECT_EQ(Users(RunFunnel({E("a", "u", kDay1)}, twice)), (U{1, 0}));
  EXPECT_EQ(Users(RunFunnel({E("a", "u", kDay1), E("a", "u", kDay1)}, twice)), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("a", "u", kDay1), E("a", "u", kDay1 + 1)}, twice)), (U{1, 1}));
  const std::string any_after = Req(R"([{"event":"open"},{"event":"_all"}])");
  EXPECT_EQ(Users(RunFunnel({E("open", "u", kDay1)}, any_after)), (U{1, 0}));
  EXPECT_EQ(Users(RunFunnel({E("open", "u", kDay1), E("zzz", "u", kDay1)}, any_after)), (U{1, 1}));
  // Same millisecond: x matches steps 2 and 3, y only step 2. Matching x
  // to step 2 would leave step 3 empty; the chain is open, y, x.
  const std::string three = Req(
      R"([{"event":"open"},{"event":"_all","filters":[{"property":"k","op":"is","values":["1","2"]}]},)"
      R"({"event":"_all","filters":[{"property":"k","op":"is","values":["2"]}]}])");
  EXPECT_EQ(Users(RunFunnel({E("open", "u", kDay1), E("x", "u", kDay1 + 5, {P("k", "2")}),
                             E("y", "u", kDay1 + 5, {P("k", "1")})},
                            three)),
            (U{1, 1, 1}));
}

TEST(FunnelTest, ReEntryCountsOnceAndTakesTheShortestTime) {
  std::vector<Event> ev = {E("open", "a", kDay1), E("buy", "a", kDay1 + 10 * kMin), E("open", "a", kDay1 + 11 * kMin),
                           E("buy", "a", kDay1 + 12 * kMin), E("open", "b", kDay1), E("buy", "b", kDay1 + 30 * kMin)};
  auto steps = Steps(RunFunnel(ev, Req(R"([{"event":"open"},{"event":"buy"}])")));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].users, 2u);
  EXPECT_EQ(steps[1].users, 2u);
  EXPECT_EQ(steps[1].median, (1 * kMin + 30 * kMin) / 2.0);
  EXPECT_EQ(steps[1].avg, (1 * kMin + 30 * kMin) / 2.0);
  EXPECT_EQ(steps[1].from_previous, 1);
}

TEST(FunnelTest, ExactOrder) {
  const std::string exact = Req(kOVB, R"("order":"exact")");
  // Any event strictly between two steps breaks the chain, a step's or not.
  std::vector<Event> between = {E("open", "a", kDay1), E("zzz", "a", kDay1 + 1), E("view", "a", kDay1 + 2),
                                E("buy", "a", kDay1 + 3)};
  EXPECT_EQ(Users(RunFunnel(between, exact)), (U{1, 0, 0}));
  EXPECT_EQ(Users(RunFunnel(between, Req(kOVB))), (U{1, 1, 1}));
  // Events in the same millisecond as a step never break it.
  std::vector<Event> same = {E("open", "a", kDay1), E("zzz", "a", kDay1), E("view", "a", kDay1 + 2),
                             E("zzz", "a", kDay1 + 2), E("buy", "a", kDay1 + 3), E("zzz", "a", kDay1 + 3)};
  EXPECT_EQ(Users(RunFunnel(same, exact)), (U{1, 1, 1}));
  // A repeated step in between breaks it too (ClickHouse's strict_order
  // would skip it); a later entry can still make an exact chain.
  std::vector<Event> repeat = {E("open", "a", kDay1), E("view", "a", kDay1 + 1), E("view", "a", kDay1 + 2),
                               E("buy", "a", kDay1 + 3)};
  EXPECT_EQ(Users(RunFunnel(repeat, exact)), (U{1, 1, 0}));
  repeat.push_back(E("open", "a", kDay1 + 10));
  repeat.push_back(E("view", "a", kDay1 + 11));
  repeat.push_back(E("buy", "a", kDay1 + 12));
  EXPECT_EQ(Users(RunFunnel(repeat, exact)), (U{1, 1, 1}));
  // Events after the range or before the entry do not matter.
  EXPECT_EQ(Users(RunFunnel({E("zzz", "a", kDay1 - 5), E("open", "a", kDay1), E("view", "a", kDay1 + 1),
                             E("buy", "a", kDay1 + 2), E("zzz", "a", kDay1 + 3)},
                            exact)),
            (U{1, 1, 1}));
}

TEST(FunnelTest, Exclusions) {
  const std::string steps = R"([{"event":"open"},{"event":"view"},{"event":"buy"}])";
  auto with = [&](const std::string& between) {
    return Req(steps, R"("exclusions":[{"event":"cancel","between":)" + between + "}]");
  };
  std::vector<Event> ev = {E("open", "a", kDay1), E("view", "a", kDay1 + 10), E("cancel", "a", kDay1 + 20),
                           E("buy", "a", kDay1 + 30)};
  EXPECT_EQ(Users(RunFunnel(ev, with("[1,2]"))), (U{1, 1, 1}));
  EXPECT_EQ(Users(RunFunnel(ev, with("[2,3]"))), (U{1, 1, 0}));
  EXPECT_EQ(Users(RunFunnel(ev, with("[1,3]"))), (U{1, 1, 0}));
  // Strictly between: a cancel in the same millisecond as step i or step j
  // does not exclude; one in the same millisecond as a step in between does.
  std::vector<Event> edge = {E("open", "a", kDay1), E("view", "a", kDay1 + 10), E("cancel", "a", kDay1 + 10),
                             E("cancel", "a", kDay1 + 30), E("buy", "a", kDay1 + 30)};
  EXPECT_EQ(Users(RunFunnel(edge, with("[2,3]"))), (U{1, 1, 1}));
  EXPECT_EQ(Users(RunFunnel(edge, with("[1,2]"))), (U{1, 1, 1}));
  EXPECT_EQ(Users(RunFunnel(edge, with("[1,3]"))), (U{1, 1, 0}));
  // A later step 2 after the cancel makes a valid chain (the earliest view
  // does not).
  std::vector<Event> later = {E("open", "a", kDay1), E("view", "a", kDay1 + 10), E("cancel", "a", kDay1 + 20),
                              E("view", "a", kDay1 + 25), E("buy", "a", kDay1 + 30)};
  EXPECT_EQ(Users(RunFunnel(later, with("[2,3]"))), (U{1, 1, 1}));
  auto t = Steps(RunFunnel(later, with("[2,3]")));
  EXPECT_EQ(t[1].median, 10);  // the shortest chain of length 2 uses the first view
  EXPECT_EQ(t[2].median, 30);
  // Re-entry after the excluded event.
  std::vector<Event> reentry = {E("open", "a", kDay1), E("cancel", "a", kDay1 + 5), E("open", "a", kDay1 + 6),
                                E("view", "a", kDay1 + 10), E("buy", "a", kDay1 + 30)};
  EXPECT_EQ(Users(RunFunnel(reentry, with("[1,3]"))), (U{1, 1, 1}));
  // Exclusion filters, and an exclusion that is also a step's event.
  const std::string filtered = Req(
      steps, R"("exclusions":[{"event":"view","filters":[{"property":"k","op":"is","values":["bad"]}],"between":[1,3]}])");
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("view", "a", kDay1 + 10, {P("k", "bad")}),
                             E("buy", "a", kDay1 + 30)},
                            filtered)),
            (U{1, 1, 0}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("view", "a", kDay1 + 10, {P("k", "ok")}),
                             E("buy", "a", kDay1 + 30)},
                            filtered)),
            (U{1, 1, 1}));
}

TEST(FunnelTest, HoldConstant) {
  const std::string req = Req(kOVB, R"("hold_constant":["platform"])");
  std::vector<Event> ev = {E("open", "a", kDay1, {P("platform", "ios")}), E("view", "a", kDay1 + 1, {P("platform", "android")}),
                           E("view", "a", kDay1 + 2, {P("platform", "ios")}), E("buy", "a", kDay1 + 3, {P("platform", "web")})};
  EXPECT_EQ(Users(RunFunnel(ev, req)), (U{1, 1, 0}));
  EXPECT_EQ(Users(RunFunnel(ev, Req(kOVB))), (U{1, 1, 1}));
  // Absent is a value of its own: all absent holds, absent then set does not.
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("view", "a", kDay1 + 1), E("buy", "a", kDay1 + 2)}, req)),
            (U{1, 1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1), E("view", "a", kDay1 + 1, {P("platform", "")}),
                             E("buy", "a", kDay1 + 2)},
                            req)),
            (U{1, 0, 0}));
  // Values compare as text: 3 and 3.0 and "3" are one value; two properties.
  const std::string two = Req(kOVB, R"("hold_constant":["v",{"property":"plan","type":"user"}])");
  Property pro{"plan", PropertyValue::String("pro")};
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1, {N("v", 3)}, {pro}),
                             E("view", "a", kDay1 + 1, {Property{"v", PropertyValue::Double(3.0)}}, {pro}),
                             E("buy", "a", kDay1 + 2, {P("v", "3")}, {})},
                            two)),
            (U{1, 1, 0}));
}

TEST(FunnelTest, GroupByValueAtEntry) {
  const std::string req = Req(R"([{"event":"open"},{"event":"buy"}])", R"("group_by":"country","window":"1h")");
  std::vector<Event> ev = {
      // a enters from US and DE; converts only from DE (the buy is 2 h after
      // the US entry): counts in both groups at step 1.
      E("open", "a", kDay1, {P("country", "US")}), E("open", "a", kDay1 + 2 * kH, {P("country", "DE")}),
      E("buy", "a", kDay1 + 2 * kH + 5, {P("country", "US")}),
      // b: no country, and the text "(none)": one group.
      E("open", "b", kDay1), E("open", "b", kDay1 + 1, {P("country", "(none)")}), E("buy", "b", kDay1 + 7),
      E("open", "c", kDay1, {P("country", "DE")})};
  const std::string out = RunFunnel(ev, req);
  EXPECT_EQ(Users(out), (U{3, 2}));
  auto groups = Groups(out);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0], (std::pair<std::string, U>{"DE", {2, 1}}));
  EXPECT_EQ(groups[1], (std::pair<std::string, U>{"(none)", {1, 1}}));
  EXPECT_EQ(groups[2], (std::pair<std::string, U>{"US", {1, 0}}));
  // Overall a's time is the shortest over groups; b's is 7 - 1 = 6 ms.
  EXPECT_EQ(Steps(out)[1].median, (5 + 6) / 2.0);
  // Nothing matched: an empty groups list.
  EXPECT_EQ(RunFunnel({}, req),
            R"({"steps":[{"event":"open","users":0,"conversion":0,"conversion_from_previous":0,"median_ms":null,)"
            R"("avg_ms":null},{"event":"buy","users":0,"conversion":0,"conversion_from_previous":0,)"
            R"("median_ms":null,"avg_ms":null}],"groups":[]})");
}

TEST(FunnelTest, TimeToConvert) {
  // Per user the smallest t(xk) - t(x1) over valid chains; median and mean
  // over users; for `any` max - min.
  std::vector<Event> ev = {E("open", "a", kDay1), E("buy", "a", kDay1 + 100), E("open", "a", kDay1 + 150),
                           E("buy", "a", kDay1 + 160), E("open", "b", kDay1), E("buy", "b", kDay1 + 40),
                           E("open", "c", kDay1), E("buy", "c", kDay1 + 31), E("buy", "d", kDay1 + 1),
                           E("open", "d", kDay1 + 5)};
  auto t = Steps(RunFunnel(ev, Req(R"([{"event":"open"},{"event":"buy"}])")));
  EXPECT_EQ(t[1].users, 3u);  // a 10, b 40, c 31
  EXPECT_EQ(t[1].median, 31);
  EXPECT_EQ(t[1].avg, 27);
  t = Steps(RunFunnel(ev, Req(R"([{"event":"open"},{"event":"buy"}])", R"("order":"any")")));
  EXPECT_EQ(t[1].users, 4u);  // and d: 4
  EXPECT_EQ(t[1].median, (10 + 31) / 2.0);
  EXPECT_EQ(t[1].avg, (10 + 40 + 31 + 4) / 4.0);
}

TEST(FunnelTest, AnyOrderEntersAtStepOne) {
  const std::string any = Req(kOVB, R"("order":"any","window":"2h")");
  // The view and the buy come before the open, the view before the range:
  // the open (step 1) is in the range, the span is 1 h 30.
  std::vector<Event> before = {E("view", "a", kDay1 - 30 * kMin), E("buy", "a", kDay1 + 10 * kMin),
                               E("open", "a", kDay1 + kH)};
  EXPECT_EQ(Users(RunFunnel(before, any)), (U{1, 1, 1}));
  EXPECT_EQ(Steps(RunFunnel(before, any))[2].median, 90 * kMin);
  // An open before the range is no entry, whatever follows in it.
  std::vector<Event> early = {E("open", "a", kDay1 - 1), E("view", "a", kDay1 + 1), E("buy", "a", kDay1 + 2)};
  EXPECT_EQ(Users(RunFunnel(early, any)), (U{0, 0, 0}));
  // Span to the millisecond.
  EXPECT_EQ(Users(RunFunnel({E("view", "a", kDay1), E("open", "a", kDay1 + 2 * kH)}, any)), (U{1, 1, 0}));
  EXPECT_EQ(Users(RunFunnel({E("view", "a", kDay1), E("open", "a", kDay1 + 2 * kH + 1)}, any)), (U{1, 0, 0}));
}

TEST(FunnelTest, EmptyAndSingleStep) {
  EXPECT_EQ(Users(RunFunnel({}, Req(kOVB))), (U{0, 0, 0}));
  auto t = Steps(RunFunnel({E("open", "a", kDay1)}, Req(R"([{"event":"open"}])")));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].users, 1u);
  EXPECT_EQ(t[0].conversion, 1);
  EXPECT_FALSE(t[0].has_time);
  // Unknown event names match nothing.
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1)}, Req(R"([{"event":"open"},{"event":"nope"}])"))), (U{1, 0}));
}

TEST(FunnelTest, TimeZoneOfTheRange) {
  // In New York (EDT, UTC-4) Oct 1 is [04:00Z Oct 1, 04:00Z Oct 2).
  const std::string req = R"({"steps":[{"event":"open"},{"event":"buy"}],"from":"2026-10-01","to":"2026-10-01",)"
                          R"("timezone":"America/New_York"})";
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 3 * kH), E("buy", "a", kDay1 + 5 * kH)}, req)), (U{0, 0}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 4 * kH), E("buy", "a", kDay1 + 5 * kH)}, req)), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 28 * kH - 1), E("buy", "a", kDay1 + 30 * kH)}, req)), (U{1, 1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", kDay1 + 28 * kH)}, req)), (U{0, 0}));
  // The fall-back night (Nov 1 2026, 01:00-02:00 local twice): a wall-clock
  // range ending at 01:30 holds both passes of 01:00-01:30, as a chart's does.
  const int64_t nov1 = kDay1 + 31 * 24 * kH;  // 2026-11-01T00:00Z
  const std::string night = R"({"steps":[{"event":"open"}],"from":"2026-11-01T01:00","to":"2026-11-01T01:29:59.999",)"
                            R"("timezone":"America/New_York"})";
  // 01:10 EDT = 05:10Z, 01:10 EST = 06:10Z, 01:40 EDT = 05:40Z.
  EXPECT_EQ(Users(RunFunnel({E("open", "a", nov1 + 5 * kH + 10 * kMin)}, night)), (U{1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", nov1 + 6 * kH + 10 * kMin)}, night)), (U{1}));
  EXPECT_EQ(Users(RunFunnel({E("open", "a", nov1 + 5 * kH + 40 * kMin)}, night)), (U{0}));
}

TEST(FunnelTest, BadRequestsNameTheField) {
  auto starts = [](const std::string& msg, const std::string& prefix) {
    return msg.rfind(prefix, 0) == 0 ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << msg;
  };
  const std::string range = R"("from":"2026-10-01","to":"2026-10-02")";
  EXPECT_TRUE(starts(Error("[]"), "request:"));
  EXPECT_TRUE(starts(Error("{" + range + "}"), "steps: is required"));
  EXPECT_TRUE(starts(Error(R"({"steps":[],)" + range + "}"), "steps: must hold 1 to 20"));
  std::string many = R"({"steps":[)";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + R"({"event":"a"})";
  EXPECT_TRUE(starts(Error(many + "]," + range + "}"), "steps: must hold 1 to 20"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"name":"a"}],)" + range + "}"), "steps[0].name: unknown field"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a","filters":[{"property":"p","op":"nope","values":[]}]}],)" + range + "}"),
                     "steps[0].filters[0].op:"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"to":"2026-10-02"})"), "from: is required"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"from":"2026-10-01"})"), "to: is required"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"from":"2026-10-03","to":"2026-10-02"})"), "to:"));
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"from":"2026-13-01","to":"2026-10-02"})"), "from:"));
  for (const char* w : {R"("0s")", R"("1x")", R"("d")", R"("1.5h")", R"("367d")", "0", "1.5", R"(true)", "31622401"})
    EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"window":)" + std::string(w) + "," + range + "}"), "window:"))
        << w;
  EXPECT_TRUE(starts(Error(R"({"steps":[{"event":"a"}],"order":"strict",)" + range + "}"), "order: must be one of"));
  const std::string two = R"({"steps":[{"event":"a"},{"event":"b"}],)" + range;
  EXPECT_TRUE(starts(Error(two + R"(,"exclusions":[{"event":"x"}]})"), "exclusions[0].between: is required"));
  EXPECT_TRUE(starts(Error(two + R"(,"exclusions":[{"event":"x","between":[2,1]}]})"), "exclusions[0].between:"));
  EXPECT_TRUE(starts(Error(two + R"(,"exclusions":[{"event":"x","between":[1,3]}]})"), "exclusions[0].between:"));
  EXPECT_TRUE(starts(Error(two + R"(,"exclusions":[{"event":"x","between":[0,2]}]})"), "exclusions[0].between[0]:"));
  EXPECT_TRUE(starts(Error(two + R"(,"exclusions":[{"event":"x","between":[1,2],"when":1}]})"),
                     "exclusions[0].when: unknown field"));
  EXPECT_TRUE(starts(Error(two + R"(,"order":"any","exclusions":[{"event":"x","between":[1,2]}]})"),
                     "exclusions: are not allowed with order any"));
  EXPECT_TRUE(starts(Error(two + R"(,"hold_constant":["a","b","c","d"]})"), "hold_constant: must hold at most 3"));
  EXPECT_TRUE(starts(Error(two + R"(,"hold_constant":[{"property":"a","type":"x"}]})"), "hold_constant[0].type:"));
  EXPECT_TRUE(starts(Error(two + R"(,"group_by":3})"), "group_by: must be a string or an object"));
  EXPECT_TRUE(starts(Error(two + R"(,"timezone":"Mars/Olympus"})"), "timezone:"));
  EXPECT_TRUE(starts(Error(two + R"(,"limit":3})"), "limit: unknown field"));
  // Good ones.
  std::unique_ptr<FunnelQuery> q;
  ASSERT_TRUE(FunnelQuery::Create(two + R"(,"window":90})", Zones, &q).ok());
  EXPECT_EQ(q->request().window_ms, 90'000);
  for (auto [w, ms] : std::vector<std::pair<std::string, int64_t>>{
           {R"("90s")", 90'000}, {R"("30m")", 1'800'000}, {R"("2h")", 7'200'000}, {R"("366d")", 366 * 86'400'000LL}}) {
    ASSERT_TRUE(FunnelQuery::Create(two + R"(,"window":)" + w + "}", Zones, &q).ok()) << w;
    EXPECT_EQ(q->request().window_ms, ms);
  }
}

// A user with thousands of events in one window. Order `exact` walks at
// most a step per block from each entry; `this` jumps between the blocks
// that can change a chain, but an open exclusion keeps partial chains
// alive through the window (entries x excluded blocks); `any` grows a
// window from each block (blocks x window events): both are quadratic in
// such a user, so they get fewer events here.
TEST(FunnelTest, BusyUser) {
  for (auto [order, pairs] : std::vector<std::pair<std::string, int>>{{"exact", 4000}, {"this", 1500}, {"any", 1000}}) {
    std::vector<Event> ev;
    for (int i = 0; i < pairs; ++i) {
      ev.push_back(E("open", "bot", kDay1 + i * 10));
      ev.push_back(E(i % 2 ? "view" : "cancel", "bot", kDay1 + i * 10 + 5));
    }
    ev.push_back(E("buy", "bot", kDay1 + pairs * 10));
    const auto start = std::chrono::steady_clock::now();
    std::string extra = R"("order":")" + order + "\"";
    if (order != "any") extra += R"(,"exclusions":[{"event":"cancel","between":[2,3]}])";
    const U users = Users(RunFunnel(ev, Req(kOVB, extra)));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(users, (U{1, 1, 1})) << order;
    std::printf("busy user, order %s, %d events: %.0f ms\n", order.c_str(), 2 * pairs + 1, ms);
  }
}

// --- ClickHouse windowFunnel's documented examples ---------------------------
//
// From ClickHouse's parametric-functions docs and its test
// tests/queries/0_stateless/00632_aggregation_window_funnel: windowFunnel's
// answer per user is the furthest step, which here is the last step the
// user is counted at. Timestamps there are seconds; here seconds after
// 2026-10-01 (the range covers every entry), the window the same number of
// seconds. docs/queries.md "Compared with ClickHouse windowFunnel" says where
// the two differ.

// The furthest step each user reached, in user-name order.
std::vector<uint64_t> Levels(const std::vector<Event>& events, const std::string& steps, int64_t window_s,
                             const std::string& extra = "") {
  std::set<std::string> names;
  for (const Event& e : events) names.insert(e.user_id);
  std::vector<uint64_t> out;
  for (const std::string& u : names) {
    std::vector<Event> mine;
    for (const Event& e : events)
      if (e.user_id == u) mine.push_back(e);
    const std::vector<uint64_t> users = Users(RunFunnel(
        mine, R"({"steps":)" + steps + R"(,"from":"2026-10-01","to":"2026-10-01","window":)" +
                  std::to_string(window_s) + (extra.empty() ? "" : "," + extra) + "}"));
    uint64_t level = 0;
    while (level < users.size() && users[level] == 1) ++level;
    out.push_back(level);
  }
  return out;
}

// Steps on the numeric property `event` (ClickHouse's `event = 1003`).
std::string CodeSteps(std::vector<std::pair<std::string, int>> conds) {
  std::string s = "[";
  for (size_t i = 0; i < conds.size(); ++i)
    s += std::string(i ? "," : "") + R"({"event":"_all","filters":[{"property":"event","op":")" + conds[i].first +
         R"(","values":[)" + std::to_string(conds[i].second) + "]}]}";
  return s + "]";
}
std::string Codes(std::vector<int> codes) {
  std::vector<std::pair<std::string, int>> c;
  for (int x : codes) c.emplace_back("is", x);
  return CodeSteps(c);
}
Event Code(const std::string& user, int64_t second, int code) {
  return E("e", user, kDay1 + second * kS, {N("event", code)});
}

TEST(FunnelClickHouseTest, FunnelTest) {
  // funnel_test: (0,1000), (1,1001), ..., (8,1008).
  std::vector<Event> ev;
  for (int i = 0; i <= 8; ++i) ev.push_back(Code("u", i, 1000 + i));
  EXPECT_EQ(Levels(ev, Codes({1000}), 10000), (U{1}));
  EXPECT_EQ(Levels(ev, Codes({1000, 1001}), 10000), (U{2}));
  EXPECT_EQ(Levels(ev, Codes({1000, 1001, 1002}), 10000), (U{3}));
  EXPECT_EQ(Levels(ev, Codes({1000, 1001, 1002, 1008}), 10000), (U{4}));
  EXPECT_EQ(Levels(ev, Codes({1000}), 1), (U{1}));
  EXPECT_EQ(Levels(ev, Codes({1003, 1004, 1005, 1006, 1007}), 2), (U{3}));
  EXPECT_EQ(Levels(ev, Codes({1003, 1004, 1005, 1006, 1007}), 3), (U{4}));
  EXPECT_EQ(Levels(ev, Codes({1003, 1004, 1005, 1006, 1007}), 4), (U{5}));
}

TEST(FunnelClickHouseTest, FunnelTest2) {
  // funnel_test2: 1001..1008 at 01:01:01..01:01:08.
  std::vector<Event> ev;
  for (int i = 1; i <= 8; ++i) ev.push_back(Code("u", 3661 + i - 1, 1000 + i));
  EXPECT_EQ(Levels(ev, Codes({1003, 1004, 1005, 1006, 1007}), 4), (U{5}));
  EXPECT_EQ(Levels(ev, Codes({1001, 1008}), 10000), (U{2}));
  EXPECT_EQ(Levels(ev, Codes({1008, 1001}), 10000), (U{1}));
  EXPECT_EQ(Levels(ev, CodeSteps({{"lte", 1007}, {"gte", 1002}, {"lte", 1006}, {"gte", 1004}}), 4), (U{4}));
}

TEST(FunnelClickHouseTest, DefaultModeWithRepeats) {
  // funnel_test_strict: 1005 twice; the default mode reaches 7 (ClickHouse's
  // strict_deduplication, which stops at the repeat with 6, has no
  // equivalent).
  std::vector<Event> ev;
  int t = 0;
  for (int code : {1000, 1001, 1002, 1003, 1004, 1005}) ev.push_back(Code("u", t, code)), t += 10;
  ev.push_back(Code("u", 51, 1005));
  for (int code : {1006, 1007, 1008}) ev.push_back(Code("u", t + 10 * (code - 1006) + 10, code));
  EXPECT_EQ(Levels(ev, Codes({1000, 1001, 1002, 1003, 1004, 1005, 1006}), 10000), (U{7}));
}

std::vector<Event> StrictOrderUsers() {
  // funnel_test_strict_order, users 1..6 (seconds 1.. as there).
  std::vector<Event> ev;
  auto add = [&](const std::string& u, const std::string& seq) {
    for (size_t i = 0; i < seq.size(); ++i) ev.push_back(E(std::string(1, seq[i]), u, kDay1 + (int64_t(i) + 1) * kS));
  };
  add("1", "abc");
  add("2", "adbc");
  add("3", "aabbcc");
  add("4", "aaaabbcc");
  add("5", "aabbdcc");
  add("6", "ccbbaa");
  return ev;
}
constexpr char kABC[] = R"([{"event":"a"},{"event":"b"},{"event":"c"}])";

TEST(FunnelClickHouseTest, StrictOrder) {
  // Default mode: [3, 3, 3, 3, 3, 1], the same as order `this`.
  EXPECT_EQ(Levels(StrictOrderUsers(), kABC, 86400), (U{3, 3, 3, 3, 3, 1}));
  // ClickHouse's strict_order answers [3, 1, 3, 3, 2, 1]: it lets a repeat of
  // a step already reached pass (users 3 and 4). Order `exact` lets no event
  // pass between two steps, so those users stop at 2.
  EXPECT_EQ(Levels(StrictOrderUsers(), kABC, 86400, R"("order":"exact")"), (U{3, 1, 2, 2, 2, 1}));
  // User 7: a, c, b with a 10-second window: 1 in strict_order and exact;
  // 2 in order `this` (a, b; the c came before b).
  std::vector<Event> u7 = {E("a", "7", kDay1 + 1 * kS), E("c", "7", kDay1 + 2 * kS), E("b", "7", kDay1 + 3 * kS)};
  EXPECT_EQ(Levels(u7, kABC, 10, R"("order":"exact")"), (U{1}));
  EXPECT_EQ(Levels(u7, kABC, 10), (U{2}));
}

TEST(FunnelClickHouseTest, NullableProperties) {
  // funnel_test_non_null: a NULL column is an absent property here
  // (not_set), COALESCE(a, '') = 'a1' is `a is a1`.
  std::vector<Event> ev = {
      E("e", "1", kDay1 + 1 * kS, {P("a", "a1"), P("b", "b1")}), E("e", "1", kDay1 + 2 * kS, {P("a", "a2"), P("b", "b2")}),
      E("e", "2", kDay1 + 1 * kS, {P("a", "a1")}),               E("e", "2", kDay1 + 2 * kS, {P("a", "a2")}),
      E("e", "3", kDay1 + 1 * kS),
      E("e", "4", kDay1 + 1 * kS, {P("b", "b1")}),               E("e", "4", kDay1 + 2 * kS, {P("a", "a2")}),
      E("e", "4", kDay1 + 3 * kS, {P("b", "b3")})};
  auto is = [](const char* p, const char* v) {
    return std::string(R"({"property":")") + p + R"(","op":"is","values":[")" + v + R"("]})";
  };
  auto unset = [](const char* p) { return std::string(R"({"property":")") + p + R"(","op":"not_set"})"; };
  auto step = [](const std::string& filters) { return R"({"event":"_all","filters":[)" + filters + "]}"; };
  EXPECT_EQ(Levels(ev, "[" + step(is("a", "a1")) + "," + step(is("a", "a2")) + "]", 86400), (U{2, 2, 0, 0}));
  EXPECT_EQ(Levels(ev, "[" + step(is("a", "a1")) + "," + step(is("b", "b2")) + "]", 86400), (U{2, 1, 0, 0}));
  EXPECT_EQ(Levels(ev, "[" + step(unset("a") + "," + unset("b")) + "]", 86400), (U{0, 0, 1, 0}));
  EXPECT_EQ(Levels(ev, "[" + step(unset("a")) + "," + step(is("b", "b3")) + "]", 86400), (U{0, 0, 1, 2}));
  EXPECT_EQ(Levels(ev, "[" + step(unset("a")) + "," + step(is("b", "b3")) + "]", 86400, R"("order":"exact")"),
            (U{0, 0, 1, 1}));
}

TEST(FunnelClickHouseTest, SameTimestampAndOneEventPerStep) {
  // funnel_test_strict_increase: (0,1000), (1,1001), (1,1002), (1,1003), (2,1004).
  std::vector<Event> ev = {Code("u", 0, 1000), Code("u", 1, 1001), Code("u", 1, 1002), Code("u", 1, 1003),
                           Code("u", 2, 1004)};
  // Default mode: 5; same here (events of one instant fill consecutive steps).
  // (strict_increase, which answers 2, has no equivalent.)
  EXPECT_EQ(Levels(ev, Codes({1000, 1001, 1002, 1003, 1004}), 10000), (U{5}));
  // ClickHouse's default mode lets the one 1004 event fill three steps (3);
  // here an event fills one step, as ClickHouse's strict_once (1).
  EXPECT_EQ(Levels(ev, Codes({1004, 1004, 1004}), 10000), (U{1}));
}

TEST(FunnelClickHouseTest, StrictOnce) {
  // funnel_test2 of the strict_once cases: window 200 s, steps failure,
  // failure, success: 123 -> 3, 234 -> 2, 345 -> 1 in every strict_once mode.
  auto r = [](const std::string& u, int64_t t, const char* result) {
    return E("e", u, kDay1 + t * kS, {P("result", result)});
  };
  std::vector<Event> ev = {r("234", 100, "failure"), r("345", 200, "success"), r("345", 210, "failure"),
                           r("345", 230, "success"), r("234", 250, "failure"), r("123", 180, "failure"),
                           r("123", 220, "failure"), r("123", 250, "success")};
  auto step = [](const char* v) {
    return std::string(R"({"event":"_all","filters":[{"property":"result","op":"is","values":[")") + v + R"("]}]})";
  };
  EXPECT_EQ(Levels(ev, "[" + step("failure") + "," + step("failure") + "," + step("success") + "]", 200),
            (U{3, 2, 1}));
}

TEST(FunnelClickHouseTest, Reentry) {
  // funnel_test_allow_reentry, users 1..5.
  std::vector<Event> ev;
  auto add = [&](const std::string& u, const std::string& seq) {
    for (size_t i = 0; i < seq.size(); ++i) ev.push_back(E(std::string(1, seq[i]), u, kDay1 + (int64_t(i) + 1) * kS));
  };
  add("1", "abac");
  add("2", "ababc");
  add("3", "abcbd");
  add("4", "acb");
  add("5", "abcabcd");
  const std::string abcd = R"([{"event":"a"},{"event":"b"},{"event":"c"},{"event":"d"}])";
  // strict_order: [2, 2, 3, 1, 3]; exact: user 2 re-enters at its second a
  // (a, b, c adjacent) and reaches 3.
  EXPECT_EQ(Levels(ev, kABC, 86400, R"("order":"exact")"), (U{2, 3, 3, 1, 3}));
  // strict_order + allow_reentry: [3, 3, 3, 1, 3]; exact keeps user 1 at 2
  // (its c follows the second a, not a b).
  // Four steps, strict_order [2, 2, 4, 1, 3]: exact stops user 3 at its b
  // between c and d (3) and lets user 5's second pass reach d (4).
  EXPECT_EQ(Levels(ev, abcd, 86400, R"("order":"exact")"), (U{2, 3, 3, 1, 4}));
  // Order `this` (as ClickHouse's default): every user but 4 reaches c.
  EXPECT_EQ(Levels(ev, kABC, 86400), (U{3, 3, 3, 2, 3}));
}

TEST(FunnelClickHouseTest, Ecommerce) {
  // funnel_test_ecommerce, window 600 s.
  auto a = [](const std::string& u, int64_t t, const char* action) { return E(action, u, kDay1 + t * kS); };
  std::vector<Event> ev = {a("1", 100, "begin_checkout"), a("1", 200, "view_product_detail"),
                           a("1", 300, "begin_checkout"), a("1", 400, "complete_payment"),
                           a("2", 100, "begin_checkout"), a("2", 200, "view_product_detail"),
                           a("2", 250, "view_product_detail"), a("2", 300, "begin_checkout"),
                           a("2", 400, "complete_payment"), a("3", 100, "begin_checkout"),
                           a("3", 200, "view_product_detail"), a("3", 300, "complete_payment")};
  const std::string three =
      R"([{"event":"begin_checkout"},{"event":"view_product_detail"},{"event":"complete_payment"}])";
  const std::string four = R"([{"event":"begin_checkout"},{"event":"view_product_detail"},)"
                           R"({"event":"begin_checkout"},{"event":"complete_payment"}])";
  // strict_order: [2, 2, 3], the same as exact.
  EXPECT_EQ(Levels(ev, three, 600, R"("order":"exact")"), (U{2, 2, 3}));
  // Four steps with begin_checkout twice: ClickHouse's strict_order answers
  // [1, 1, 1]; here the second begin_checkout is a distinct event that fills
  // step 3, so exact reaches 4 for user 1 (user 2's second view breaks it).
  EXPECT_EQ(Levels(ev, four, 600, R"("order":"exact")"), (U{4, 2, 2}));
  EXPECT_EQ(Levels(ev, four, 600), (U{4, 4, 2}));
}

TEST(FunnelClickHouseTest, DocsExample) {
  // The docs' `trend` example: 1003 (Jan 29), 1009 (Jan 30), 1007 (Jan 31),
  // 1010 (Feb 1); chain 1003, 1009, 1007, 1010 -> level 4. Shifted to
  // 2026-10-01 10:00; ClickHouse's window (6048000000000000 s) is past the
  // 366-day maximum, which is plenty.
  const int64_t t0 = 10 * 3600;
  std::vector<Event> ev = {Code("1", t0, 1003), Code("1", t0 + 2 * 86400 - 3600, 1007), Code("1", t0 + 86400 - 7200, 1009),
                           Code("1", t0 + 3 * 86400 - 7200, 1010)};
  EXPECT_EQ(Levels(ev, Codes({1003, 1009, 1007, 1010}), 366 * 86400), (U{4}));
}

// --- A brute-force enumerator, straight from the definitions ---------------

// Small events: a name (0..3: a, b, c, x), a property p (-1 absent, else
// "v0".."v1") and a property q (-1 absent, 0 "x", 1 "(none)").
struct BEvent {
  int user;
  int64_t t;
  int name;
  int p;
  int q;
};
struct BMatcher {
  int name;  // -1: _all
  int p;     // -1: no filter, else p is "v<p>"
};
struct BExclusion {
  BMatcher m;
  int i, j;  // 1-based
};
struct BRequest {
  std::vector<BMatcher> steps;
  std::vector<BExclusion> exclusions;
  FunnelOrder order = FunnelOrder::kThis;
  int64_t window_ms = 0;
  int64_t from = 0, to_exclusive = 0;
  bool hold_p = false, group_q = false;
};

const char* kNames[] = {"a", "b", "c", "x"};

bool Matches(const BMatcher& m, const BEvent& e) {
  return (m.name < 0 || m.name == e.name) && (m.p < 0 || m.p == e.p);
}

std::string MatcherJson(const BMatcher& m) {
  std::string s = std::string(R"({"event":")") + (m.name < 0 ? "_all" : kNames[m.name]) + "\"";
  if (m.p >= 0) s += R"(,"filters":[{"property":"p","op":"is","values":["v)" + std::to_string(m.p) + R"("]}])";
  return s + "}";
}

std::string IsoMs(int64_t ms) {
  // Times of these tests lie on 2026-10-01 UTC.
  int64_t in_day = ms - kDay1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-10-01T%02lld:%02lld:%02lld.%03lldZ", (long long)(in_day / kH),
                (long long)(in_day / kMin % 60), (long long)(in_day / kS % 60), (long long)(in_day % 1000));
  return buf;
}

std::string RequestJson(const BRequest& r) {
  std::string s = R"({"steps":[)";
  for (size_t i = 0; i < r.steps.size(); ++i) s += (i ? "," : "") + MatcherJson(r.steps[i]);
  s += R"(],"from":")" + IsoMs(r.from) + R"(","to":")" + IsoMs(r.to_exclusive - 1) + "\"";
  s += R"(,"window":)" + std::to_string(r.window_ms / 1000);
  s += std::string(R"(,"order":")") + (r.order == FunnelOrder::kThis ? "this" : r.order == FunnelOrder::kExact ? "exact" : "any") + "\"";
  if (!r.exclusions.empty()) {
    s += R"(,"exclusions":[)";
    for (size_t i = 0; i < r.exclusions.size(); ++i) {
      std::string m = MatcherJson(r.exclusions[i].m);
      m.pop_back();
      s += (i ? "," : "") + m + R"(,"between":[)" + std::to_string(r.exclusions[i].i) + "," +
           std::to_string(r.exclusions[i].j) + "]}";
    }
    s += "]";
  }
  if (r.hold_p) s += R"(,"hold_constant":["p"])";
  if (r.group_q) s += R"(,"group_by":"q")";
  return s + "}";
}

// Per group text: per step, the users' shortest times (one entry per user
// who has a valid chain of that length).
using BTimes = std::map<std::string, std::vector<std::vector<int64_t>>>;

// Every tuple of distinct events of one user, checked against the rules.
void BruteUser(const BRequest& r, const std::vector<BEvent>& ev, BTimes* by_group, BTimes* overall) {
  const int k_max = static_cast<int>(r.steps.size());
  // best[group][k] = shortest time over valid chains of length k.
  std::map<std::string, std::map<int, int64_t>> best;
  std::vector<int> chain;
  std::vector<bool> used(ev.size(), false);
  auto valid = [&](int k) {
    const BEvent& x1 = ev[chain[0]];
    int64_t lo = x1.t, hi = x1.t;
    for (int i = 0; i < k; ++i) lo = std::min(lo, ev[chain[i]].t), hi = std::max(hi, ev[chain[i]].t);
    if (r.order == FunnelOrder::kAny) {
      if (x1.t < r.from || x1.t >= r.to_exclusive || hi - lo > r.window_ms) return false;
    } else {
      if (x1.t < r.from || x1.t >= r.to_exclusive) return false;
      for (int i = 1; i < k; ++i)
        if (ev[chain[i]].t < ev[chain[i - 1]].t) return false;
      if (ev[chain[k - 1]].t > x1.t + r.window_ms) return false;
    }
    if (r.order == FunnelOrder::kExact)
      for (int i = 0; i + 1 < k; ++i)
        for (const BEvent& e : ev)
          if (e.t > ev[chain[i]].t && e.t < ev[chain[i + 1]].t) return false;
    for (const BExclusion& x : r.exclusions) {
      if (x.j > k) continue;
      for (const BEvent& e : ev)
        if (Matches(x.m, e) && e.t > ev[chain[x.i - 1]].t && e.t < ev[chain[x.j - 1]].t) return false;
    }
    if (r.hold_p)
      for (int i = 0; i < k; ++i)
        if (ev[chain[i]].p != x1.p) return false;
    return true;
  };
  std::function<void(int)> extend = [&](int placed) {
    if (placed > 0 && valid(placed)) {
      const BEvent& x1 = ev[chain[0]];
      int64_t lo = x1.t, hi = x1.t;
      for (int i = 0; i < placed; ++i) lo = std::min(lo, ev[chain[i]].t), hi = std::max(hi, ev[chain[i]].t);
      const int64_t time = r.order == FunnelOrder::kAny ? hi - lo : ev[chain[placed - 1]].t - x1.t;
      const std::string g = !r.group_q || x1.q != 0 ? "(none)" : "x";
      auto [it, fresh] = best[g].try_emplace(placed, time);
      if (!fresh) it->second = std::min(it->second, time);
    }
    if (placed == k_max) return;
    for (size_t e = 0; e < ev.size(); ++e) {
      if (used[e] || !Matches(r.steps[placed], ev[e])) continue;
      used[e] = true;
      chain.push_back(static_cast<int>(e));
      extend(placed + 1);
      chain.pop_back();
      used[e] = false;
    }
  };
  extend(0);
  std::map<int, int64_t> all;
  for (const auto& [g, per_k] : best) {
    auto& slot = (*by_group)[g];
    slot.resize(k_max);
    for (const auto& [k, t] : per_k) {
      slot[k - 1].push_back(t);
      auto [it, fresh] = all.try_emplace(k, t);
      if (!fresh) it->second = std::min(it->second, t);
    }
  }
  if (!all.empty()) {
    auto& slot = (*overall)[""];
    slot.resize(k_max);
    for (const auto& [k, t] : all) slot[k - 1].push_back(t);
  }
}

void BruteSteps(const BRequest& r, std::vector<std::vector<int64_t>> times, JsonWriter* w) {
  const int k_max = static_cast<int>(r.steps.size());
  times.resize(k_max);
  auto number = [&](double v) {
    if (v == static_cast<double>(static_cast<int64_t>(v))) w->Int(static_cast<int64_t>(v));
    else w->Double(v);
  };
  w->BeginArray();
  for (int k = 0; k < k_max; ++k) {
    const double users = static_cast<double>(times[k].size());
    const double first = static_cast<double>(times[0].size());
    const double prev = static_cast<double>(times[k == 0 ? 0 : k - 1].size());
    w->BeginObject();
    w->Key("event").String(r.steps[k].name < 0 ? "_all" : kNames[r.steps[k].name]);
    w->Key("users").Uint(times[k].size());
    w->Key("conversion");
    number(first == 0 ? 0 : users / first);
    w->Key("conversion_from_previous");
    number(prev == 0 ? 0 : users / prev);
    std::vector<int64_t> t = times[k];
    if (k == 0 || t.empty()) {
      w->Key("median_ms").Null();
      w->Key("avg_ms").Null();
    } else {
      std::sort(t.begin(), t.end());
      const size_t n = t.size();
      const double median =
          n % 2 ? static_cast<double>(t[n / 2]) : (static_cast<double>(t[n / 2 - 1]) + static_cast<double>(t[n / 2])) / 2;
      int64_t sum = 0;
      for (int64_t v : t) sum += v;
      w->Key("median_ms");
      number(median);
      w->Key("avg_ms");
      number(static_cast<double>(sum) / static_cast<double>(n));
    }
    w->EndObject();
  }
  w->EndArray();
}

std::string Brute(const BRequest& r, const std::vector<BEvent>& events) {
  std::map<int, std::vector<BEvent>> users;
  for (const BEvent& e : events) users[e.user].push_back(e);
  BTimes by_group, overall;
  for (const auto& [u, ev] : users) BruteUser(r, ev, &by_group, &overall);
  JsonWriter w;
  w.BeginObject();
  w.Key("steps");
  BruteSteps(r, overall[""], &w);
  if (r.group_q) {
    std::vector<std::pair<std::string, std::vector<std::vector<int64_t>>>> groups(by_group.begin(), by_group.end());
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      if (a.second[0].size() != b.second[0].size()) return a.second[0].size() > b.second[0].size();
      return a.first < b.first;
    });
    w.Key("groups").BeginArray();
    for (const auto& [g, t] : groups) {
      w.BeginObject();
      w.Key("group").String(g);
      w.Key("steps");
      BruteSteps(r, t, &w);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

Event ToEvent(const BEvent& b) {
  std::vector<Property> fields;
  if (b.p >= 0) fields.push_back(P("p", "v" + std::to_string(b.p)));
  if (b.q >= 0) fields.push_back(P("q", b.q == 0 ? "x" : "(none)"));
  return E(kNames[b.name], "u" + std::to_string(b.user), b.t, fields);
}

// users, events per user (at most), steps (at most), seconds events spread over.
struct RandomShape {
  int users = 30, events = 8, steps = 5, seconds = 12;
};

void RandomizedAgainstBruteForce(FunnelOrder order, uint32_t seed, int rounds, RandomShape shape = {}) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  for (int round = 0; round < rounds; ++round) {
    BRequest r;
    r.order = order;
    const int k = 1 + pick(shape.steps);
    for (int i = 0; i < k; ++i) r.steps.push_back({pick(5) == 0 ? -1 : pick(3), pick(4) == 0 ? pick(2) : -1});
    if (order != FunnelOrder::kAny && k >= 2)
      for (int x = pick(4); x > 0; --x) {
        int i = 1 + pick(k - 1);
        int j = i + 1 + pick(k - i);
        r.exclusions.push_back({{pick(4) == 0 ? -1 : pick(4), pick(3) == 0 ? pick(2) : -1}, i, j});
      }
    r.window_ms = (1 + pick(4)) * kS;
    r.from = kDay1 + 10 * kS;
    r.to_exclusive = r.from + (2 + pick(6)) * kS + pick(3) - 1;
    r.hold_p = pick(3) == 0;
    r.group_q = pick(3) == 0;
    std::vector<BEvent> events;
    std::vector<bool> sealed;
    for (int u = 0; u < shape.users; ++u) {
      const int n = pick(shape.events);
      for (int e = 0; e < n; ++e) {
        // Whole seconds, often the same millisecond, sometimes a
        // millisecond either side of a window or range edge.
        int64_t t = r.from + (pick(shape.seconds) - 2) * kS;
        const int jitter = pick(6);
        if (jitter == 1) t += 1;
        if (jitter == 2) t -= 1;
        events.push_back({u, t, pick(4), pick(3) - 1, pick(3) - 1});
        sealed.push_back(pick(3) == 0);
      }
    }
    std::vector<Event> evs;
    for (const BEvent& b : events) evs.push_back(ToEvent(b));
    const std::string json = RequestJson(r);
    const std::string got = RunFunnel(evs, json, &sealed);
    const std::string want = Brute(r, events);
    if (got != want) {
      std::string dump;
      for (const BEvent& e : events)
        dump += "u" + std::to_string(e.user) + " " + kNames[e.name] + " t=" + std::to_string(e.t - r.from) +
                " p=" + std::to_string(e.p) + " q=" + std::to_string(e.q) + "\n";
      ADD_FAILURE() << "round " << round << "\nrequest " << json << "\ngot  " << got << "\nwant " << want << "\n"
                    << dump;
      return;
    }
  }
}

// SWELL_FUNNEL_ROUNDS=N runs N rounds (with other seeds) for a longer soak.
int Rounds() {
  const char* env = std::getenv("SWELL_FUNNEL_ROUNDS");
  return env ? std::atoi(env) : 400;
}
uint32_t Seed(uint32_t base) { return std::getenv("SWELL_FUNNEL_ROUNDS") ? base * 7919 + Rounds() : base; }

TEST(FunnelRandomTest, ThisOrder) { RandomizedAgainstBruteForce(FunnelOrder::kThis, Seed(1), Rounds()); }
TEST(FunnelRandomTest, ExactOrder) { RandomizedAgainstBruteForce(FunnelOrder::kExact, Seed(2), Rounds()); }
TEST(FunnelRandomTest, AnyOrder) { RandomizedAgainstBruteForce(FunnelOrder::kAny, Seed(3), Rounds()); }
// Fewer, busier users: long walks between steps, many entries each.
TEST(FunnelRandomTest, BusyUsers) {
  const RandomShape busy{4, 22, 3, 30};
  RandomizedAgainstBruteForce(FunnelOrder::kThis, Seed(4), Rounds() / 4, busy);
  RandomizedAgainstBruteForce(FunnelOrder::kExact, Seed(5), Rounds() / 4, busy);
  RandomizedAgainstBruteForce(FunnelOrder::kAny, Seed(6), Rounds() / 4, busy);
}

}  // namespace
}  // namespace swell::query
