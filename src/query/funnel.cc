#include "query/funnel.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "query/civil_time.h"
#include "query/funnel_chains.h"
#include "util/json_writer.h"
#include "util/parallel.h"

namespace swell::query {

namespace {

constexpr int64_t kMaxOffsetMs = 26 * kMsPerHour;  // beyond any zone's offset

int64_t SecondsToMs(int64_t s) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  if (s >= kMax) return std::numeric_limits<int64_t>::max();
  if (s <= -kMax) return std::numeric_limits<int64_t>::min();
  return s * 1000;
}

// The UTC instants an entry may happen at: an instant bound compares with
// the event's time, a wall-clock bound with its local time, exactly as a
// chart's range does (TimeBuckets). Local time jumps at offset changes, so
// the answer is a list of intervals, walked offset period by offset period.
std::vector<std::pair<int64_t, int64_t>> EntryIntervals(const TimeZone& tz, TimeBound from, TimeBound to) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int64_t lo = from.utc ? from.ms : from.ms - kMaxOffsetMs;
  const int64_t hi = to.utc ? to.ms : to.ms + kMaxOffsetMs;
  if (lo >= hi) return out;
  int64_t s = FloorDiv(lo, 1000);
  for (;;) {
    const TimeZone::Period p = tz.Lookup(s);
    const int64_t pb = SecondsToMs(p.begin_s), pe = SecondsToMs(p.end_s);
    const int64_t off = int64_t{p.offset_s} * 1000;
    const int64_t a = std::max({pb, lo, from.utc ? from.ms : from.ms - off});
    const int64_t b = std::min({pe, hi, to.utc ? to.ms : to.ms - off});
    if (a < b) {
      if (!out.empty() && out.back().second >= a) out.back().second = std::max(out.back().second, b);
      else out.emplace_back(a, b);
    }
    if (pe >= hi || p.end_s <= s) break;
    s = p.end_s;
  }
  return out;
}

// Per group, the users at each step and their shortest times to convert.
struct GroupTotals {
  std::vector<uint64_t> users;
  std::vector<std::vector<int64_t>> times;  // per step: each user's shortest time
};

struct Totals {
  std::unordered_map<uint32_t, GroupTotals> groups;  // by stream text id (kNoValue: "(none)")
  GroupTotals* last = nullptr;  // the group of the last Add: most users add to one group
  uint32_t last_id = 0;
  void Add(const GroupReach& r, int steps) {
    if (!last || last_id != r.group) {
      last = &groups[r.group];  // element pointers survive rehashing
      last_id = r.group;
    }
    GroupTotals& g = *last;
    if (g.users.empty()) {
      g.users.assign(steps, 0);
      g.times.resize(steps);
    }
    for (int k = 1; k <= steps; ++k) {
      if (!((r.reached >> (k - 1)) & 1)) continue;
      g.users[k - 1]++;
      if (k >= 2) g.times[k - 1].push_back(r.best_ms[k - 1]);
    }
  }
  void Merge(Totals&& o) {
    for (auto& [id, t] : o.groups) {
      auto [it, fresh] = groups.try_emplace(id, std::move(t));
      if (fresh) continue;
      for (size_t k = 0; k < t.users.size(); ++k) {
        it->second.users[k] += t.users[k];
        it->second.times[k].insert(it->second.times[k].end(), t.times[k].begin(), t.times[k].end());
      }
    }
  }
};

// Whole numbers as integers: shortest round-trip form would write 300000
// as 3e+05.
void Number(double v, JsonWriter* w) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v > -9e15 && v < 9e15) w->Int(static_cast<int64_t>(v));
  else w->Double(v);
}

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0 : static_cast<double>(a) / static_cast<double>(b); }

void WriteSteps(const FunnelRequest& req, GroupTotals* g, JsonWriter* w) {
  const int steps = static_cast<int>(req.steps.size());
  if (g->users.empty()) {
    g->users.assign(steps, 0);
    g->times.resize(steps);
  }
  w->BeginArray();
  for (int k = 0; k < steps; ++k) {
    const uint64_t users = g->users[k];
    const uint64_t first = g->users[0];
    const uint64_t prev = k == 0 ? first : g->users[k - 1];
    w->BeginObject();
    w->Key("event").String(req.steps[k].event);
    w->Key("users").Uint(users);
    w->Key("conversion");
    Number(Ratio(users, first), w);
    w->Key("conversion_from_previous");
    Number(Ratio(users, prev), w);
    std::vector<int64_t>* times = &g->times[k];
    if (k == 0 || times->empty()) {
      w->Key("median_ms").Null();
      w->Key("avg_ms").Null();
    } else {
      const size_t n = times->size();
      std::nth_element(times->begin(), times->begin() + n / 2, times->end());
      double median = static_cast<double>((*times)[n / 2]);
      if (n % 2 == 0) {
        const int64_t lower = *std::max_element(times->begin(), times->begin() + n / 2);
        median = (static_cast<double>(lower) + median) / 2;
      }
      // Sum in 128 bits: a year of milliseconds times a million users
      // overflows 64.
      __int128 sum = 0;
      for (int64_t t : *times) sum += t;
      w->Key("median_ms");
      Number(median, w);
      w->Key("avg_ms");
      Number(static_cast<double>(sum) / static_cast<double>(n), w);
    }
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

Status FunnelQuery::Create(std::string_view request_json, const ZoneResolver& zones,
                           std::unique_ptr<FunnelQuery>* out) {
  std::unique_ptr<FunnelQuery> q(new FunnelQuery());
  SWELL_RETURN_IF_ERROR(ParseFunnelRequest(request_json, &q->req_));
  const FunnelRequest& req = q->req_;
  std::shared_ptr<const TimeZone> tz;
  SWELL_RETURN_IF_ERROR(zones(req.timezone, &tz));
  // An empty range is refused as a chart's is: compared in local time.
  auto local = [&](const TimeBound& t) {
    return t.utc ? t.ms + int64_t{tz->OffsetAt(FloorDiv(t.ms, 1000))} * 1000 : t.ms;
  };
  if (local(TimeBound{req.to_exclusive.utc, req.to_exclusive.ms - 1}) < local(req.from) ||
      (req.from.utc == req.to_exclusive.utc && req.to_exclusive.ms <= req.from.ms))
    return Status::InvalidArgument("to: the range ends before it starts");

  q->entry_ = EntryIntervals(*tz, req.from, req.to_exclusive);
  if (!q->entry_.empty()) {
    q->begin_ms_ = q->entry_.front().first;
    q->end_ms_ = q->entry_.back().second;
  }
  // Every event a chain can touch lies in [begin, end + window): x1 in the
  // range, the others within the window after it — for order any, within
  // the window either side of it.
  const int64_t begin = q->begin_ms_, end = q->end_ms_;
  const bool empty = q->begin_ms_ >= q->end_ms_;
  const int64_t span_end = empty ? end : end + req.window_ms;
  StreamSpec& spec = q->spec_;
  for (size_t i = 0; i < req.steps.size(); ++i) {
    StreamMatcher m;
    m.match = req.steps[i];
    m.begin_ms = i > 0 && req.order == FunnelOrder::kAny && !empty ? begin - req.window_ms : begin;
    m.end_ms = i == 0 ? end : span_end;
    spec.matchers.push_back(std::move(m));
  }
  for (const FunnelExclusion& x : req.exclusions) {
    StreamMatcher m;
    m.match = x.match;
    m.begin_ms = begin;
    m.end_ms = span_end;
    spec.matchers.push_back(std::move(m));
  }
  if (req.order == FunnelOrder::kExact) {
    spec.keep_other_events = true;
    spec.other_begin_ms = begin;
    spec.other_end_ms = span_end;
  }
  spec.properties = req.hold_constant;
  if (req.group_by) spec.properties.push_back(*req.group_by);
  *out = std::move(q);
  return Status::OK();
}

std::string FunnelQuery::Evaluate(const EventStream& stream) const {
  const int steps = static_cast<int>(req_.steps.size());
  FunnelShape shape;
  shape.steps = steps;
  shape.order = req_.order;
  shape.window_ms = req_.window_ms;
  for (size_t x = 0; x < req_.exclusions.size(); ++x)
    shape.exclusions.push_back(
        {steps + static_cast<int>(x), req_.exclusions[x].first_step, req_.exclusions[x].last_step});
  shape.hold_count = req_.hold_constant.size();
  shape.group = req_.group_by.has_value();
  if (shape.group)
    for (size_t i = 0; i < stream.texts.size(); ++i)
      if (stream.texts[i] == "(none)") shape.none_text = static_cast<uint32_t>(i);
  shape.entry = entry_;

  // Slices of about equal row counts, cut between users, for the threads.
  const std::vector<StreamRow>& rows = stream.rows;
  const size_t total = rows.size();
  const size_t workers = CpuWorkers(total / 65536 + 1, 8);
  const size_t parts = workers * 8;
  std::vector<size_t> cuts = {0};
  for (size_t p = 1; p < parts; ++p) {
    size_t c = std::max(cuts.back(), total * p / parts);
    while (c > 0 && c < total && rows[c].user == rows[c - 1].user) ++c;
    if (c > cuts.back() && c < total) cuts.push_back(c);
  }
  cuts.push_back(total);
  std::atomic<size_t> next{0};
  std::mutex mu;
  Totals overall, grouped;
  RunOnThreads(workers, [&] {
    FunnelChains chains(shape);
    Totals my_overall, my_grouped;
    std::vector<GroupReach> reach;
    for (size_t i; (i = next.fetch_add(1)) + 1 < cuts.size();) {
      for (size_t b = cuts[i], e; b < cuts[i + 1]; b = e) {
        e = b + 1;
        while (e < cuts[i + 1] && rows[e].user == rows[b].user) ++e;
        chains.Run(stream, b, e, &reach);
        if (reach.empty()) continue;
        if (!shape.group) {
          my_overall.Add(reach[0], steps);
          continue;
        }
        // Overall, the user counts once: the longest chain of any group and
        // the shortest time over all of them.
        GroupReach all = reach[0];
        all.group = kNoValue;
        for (size_t g = 1; g < reach.size(); ++g) {
          all.reached |= reach[g].reached;
          for (int k = 1; k < steps; ++k) all.best_ms[k] = std::min(all.best_ms[k], reach[g].best_ms[k]);
        }
        my_overall.Add(all, steps);
        for (const GroupReach& r : reach) my_grouped.Add(r, steps);
      }
    }
    std::lock_guard lock(mu);
    overall.Merge(std::move(my_overall));
    grouped.Merge(std::move(my_grouped));
  });

  JsonWriter w;
  w.BeginObject();
  GroupTotals all;
  if (auto it = overall.groups.find(kNoValue); it != overall.groups.end()) all = std::move(it->second);
  w.Key("steps");
  WriteSteps(req_, &all, &w);
  if (shape.group) {
    struct Row {
      std::string_view text;
      GroupTotals* totals;
    };
    std::vector<Row> rows;
    for (auto& [id, t] : grouped.groups)
      rows.push_back({id == kNoValue ? std::string_view("(none)") : std::string_view(stream.texts[id]), &t});
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      if (a.totals->users[0] != b.totals->users[0]) return a.totals->users[0] > b.totals->users[0];
      return a.text < b.text;  // string_view compares bytes as unsigned char
    });
    w.Key("groups").BeginArray();
    for (Row& r : rows) {
      w.BeginObject();
      w.Key("group").String(r.text);
      w.Key("steps");
      WriteSteps(req_, r.totals, &w);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace swell::query
