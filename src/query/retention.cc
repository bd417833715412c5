#include "query/retention.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "query/civil_time.h"
#include "query/request_json.h"
#include "util/json_writer.h"
#include "util/parallel.h"

namespace swell::query {

namespace {

// Every zone offset lies within +-26 hours.
constexpr int64_t kMaxOffsetMs = 26 * kMsPerHour;

int64_t SecondsToMs(int64_t s) {
  if (s >= INT64_MAX / 1000) return INT64_MAX;
  if (s <= INT64_MIN / 1000) return INT64_MIN;
  return s * 1000;
}

// Calls fn(begin_ms, end_ms, offset_ms) for each offset period of tz
// overlapping [from_ms, to_ms).
template <typename Fn>
void ForEachPeriod(const TimeZone& tz, int64_t from_ms, int64_t to_ms, const Fn& fn) {
  for (int64_t t = from_ms; t < to_ms;) {
    TimeZone::Period p = tz.Lookup(FloorDiv(t, 1000));
    const int64_t end = SecondsToMs(p.end_s);
    fn(SecondsToMs(p.begin_s), end, int64_t{p.offset_s} * 1000);
    if (end <= t) break;
    t = end;
  }
}

// The earliest UTC instant whose local time is >= local_ms. Local time may
// run backwards (fall-back nights), so instants after it may still be
// earlier in local time: callers test each event exactly.
int64_t EarliestUtcAtOrAfter(const TimeZone& tz, int64_t local_ms) {
  int64_t best = local_ms + kMaxOffsetMs;
  ForEachPeriod(tz, local_ms - kMaxOffsetMs, local_ms + kMaxOffsetMs, [&](int64_t b, int64_t e, int64_t off) {
    const int64_t t = std::max(b, local_ms - off);
    if (t < e) best = std::min(best, t);
  });
  return best;
}

// One past the latest UTC instant whose local time is < local_ms.
int64_t UtcEndBefore(const TimeZone& tz, int64_t local_ms) {
  int64_t best = local_ms - kMaxOffsetMs;
  ForEachPeriod(tz, local_ms - kMaxOffsetMs, local_ms + kMaxOffsetMs, [&](int64_t b, int64_t e, int64_t off) {
    const int64_t t = std::min(e - 1, local_ms - off - 1);
    if (t >= b) best = std::max(best, t + 1);
  });
  return best;
}

int64_t LocalOf(const TimeZone& tz, const TimeBound& t) {
  return t.utc ? t.ms + int64_t{tz.OffsetAt(FloorDiv(t.ms, 1000))} * 1000 : t.ms;
}

}  // namespace

void RetentionSetsPartial::Merge(RetentionSetsPartial&& other) {
  auto unite = [](Roaring* into, Roaring&& from) {
    if (into->isEmpty()) *into = std::move(from);
    else if (!from.isEmpty()) *into |= from;
  };
  for (size_t i = 0; i < start.size() && i < other.start.size(); ++i) unite(&start[i], std::move(other.start[i]));
  for (size_t i = 0; i < ret.size() && i < other.ret.size(); ++i) unite(&ret[i], std::move(other.ret[i]));
  unite(&later, std::move(other.later));
}

Status RetentionQuery::Create(std::string_view request_json, const ZoneResolver& zones, int64_t now_ms,
                              std::unique_ptr<RetentionQuery>* out) {
  std::unique_ptr<RetentionQuery> q(new RetentionQuery());
  RetentionRequest& req = q->req_;
  SWELL_RETURN_IF_ERROR(ParseRetentionRequest(request_json, &req));
  SWELL_RETURN_IF_ERROR(zones(req.timezone, &q->tz_));
  const TimeZone& tz = *q->tz_;
  const Interval interval = req.interval == RetentionInterval::kWeek ? Interval::kWeek : Interval::kDay;
  Status st = TimeBuckets::Make(interval, q->tz_, req.from, req.to_exclusive, &q->cohorts_);
  if (!st.ok() && st.message().rfind("interval:", 0) == 0)
    return BadField("to", "the range holds more than " + std::to_string(kMaxRetentionCohorts) + " cohorts");
  SWELL_RETURN_IF_ERROR(st);
  if (q->cohorts_.size() > kMaxRetentionCohorts)
    return BadField("to", "the range holds " + std::to_string(q->cohorts_.size()) + " cohorts (at most " +
                              std::to_string(kMaxRetentionCohorts) + ")");

  // The UTC span of the start range: exact for instants, the widest the
  // zone allows for wall-clock bounds.
  q->begin_ms_ = req.from.utc ? req.from.ms : EarliestUtcAtOrAfter(tz, req.from.ms);
  q->end_ms_ = req.to_exclusive.utc ? req.to_exclusive.ms : UtcEndBefore(tz, req.to_exclusive.ms);
  q->as_of_local_ms_ = req.as_of ? LocalOf(tz, *req.as_of) : LocalOf(tz, TimeBound{true, now_ms});

  // Return events count from the start on, up to the end of the last
  // period of the last cohort (no end for unbounded).
  int64_t return_end = kNoTimeBound;
  if (req.mode != RetentionMode::kUnbounded) {
    const int64_t periods_after = int64_t{req.last_period()} + 1;
    if (req.rolling) {
      const int64_t len = req.interval == RetentionInterval::kWeek ? 7 * kMsPerDay : kMsPerDay;
      return_end = q->end_ms_ + periods_after * len;
    } else {
      const int64_t last_unit = q->UnitOf(LocalOf(tz, TimeBound{req.to_exclusive.utc, req.to_exclusive.ms - 1}));
      const int64_t unit_end_local = req.interval == RetentionInterval::kWeek
                                         ? ((last_unit + periods_after) * 7 - 3) * kMsPerDay
                                         : (last_unit + periods_after) * kMsPerDay;
      return_end = UtcEndBefore(tz, unit_end_local);
    }
  }
  q->spec_.matchers.push_back({req.start, q->begin_ms_, q->end_ms_});
  q->spec_.matchers.push_back({req.return_event, q->begin_ms_, return_end});
  *out = std::move(q);
  return Status::OK();
}

int64_t RetentionQuery::UnitOf(int64_t local_ms) const {
  const int64_t day = FloorDiv(local_ms, kMsPerDay);
  // Day 0 (1970-01-01) was a Thursday; day -3 a Monday.
  return req_.interval == RetentionInterval::kWeek ? FloorDiv(day + 3, 7) : day;
}

std::string RetentionQuery::Evaluate(const EventStream& stream) const {
  const int cols = req_.columns();
  const size_t width = static_cast<size_t>(cols) + 1;
  const size_t cohorts = static_cast<size_t>(cohorts_.size());
  const int last_period = req_.last_period();
  const bool unbounded = req_.mode == RetentionMode::kUnbounded;
  // Period -> column (0: none): the identity for n_day, the bracket for
  // brackets.
  std::vector<int> column_of(static_cast<size_t>(last_period) + 1, 0);
  if (req_.mode == RetentionMode::kBrackets) {
    for (size_t b = 0; b < req_.brackets.size(); ++b)
      for (int p = req_.brackets[b].first; p <= req_.brackets[b].second; ++p) column_of[p] = static_cast<int>(b) + 1;
  } else {
    for (int p = 1; p <= last_period; ++p) column_of[p] = p;
  }
  const int64_t rolling_len =
      !req_.rolling ? 0 : req_.interval == RetentionInterval::kWeek ? 7 * kMsPerDay : kMsPerDay;

  std::vector<uint64_t> counts(cohorts * width, 0);
  const std::vector<std::pair<size_t, size_t>> runs = stream.UserRuns();
  const size_t workers = CpuWorkers(runs.size() / 4096 + 1, 8);
  const auto slices = stream.SplitRuns(runs, workers * 4);
  std::atomic<size_t> next{0};
  std::mutex mu;
  auto work = [&] {
    // Unbounded: per cohort, users whose last period is exactly N (N capped
    // at `periods`); turned into "period N or later" at the end.
    std::vector<uint64_t> mine(cohorts * width, 0);
    std::vector<uint32_t> stamp(width, 0);  // column marked for the user with this stamp
    uint32_t user_stamp = 0;
    LocalTimeCache local(tz_.get());
    const StreamRow* rows = stream.rows.data();
    for (size_t s; (s = next.fetch_add(1)) < slices.size();) {
      for (const auto& [b, e] : slices[s]) {
        size_t first = e;
        int64_t cohort = -1;
        for (size_t i = b; i < e; ++i) {
          if (!(rows[i].mask & 1u)) continue;
          const int64_t t = rows[i].time_ms;
          cohort = cohorts_.IndexOf(t, local.ToLocalMs(t));
          if (cohort >= 0) {
            first = i;
            break;
          }
        }
        if (cohort < 0) continue;
        const int64_t start = rows[first].time_ms;
        const int64_t start_local = local.ToLocalMs(start);
        const int64_t start_unit = UnitOf(start_local);
        uint64_t* row = &mine[static_cast<size_t>(cohort) * width];
        row[0]++;
        ++user_stamp;
        // Events of the start's millisecond may precede it in the run.
        size_t i = first;
        while (i > b && rows[i - 1].time_ms == start) --i;
        int64_t max_period = 0;
        for (; i < e; ++i) {
          if (!(rows[i].mask & 2u)) continue;
          const int64_t t = rows[i].time_ms;
          const int64_t p = rolling_len ? (t - start) / rolling_len : UnitOf(local.ToLocalMs(t)) - start_unit;
          if (p < 1) continue;
          if (unbounded) {
            max_period = std::max(max_period, p);
            continue;
          }
          if (p > last_period) {
            if (rolling_len) break;  // rolling periods only grow along the run
            continue;
          }
          const int c = column_of[static_cast<size_t>(p)];
          if (c == 0 || stamp[c] == user_stamp) continue;
          stamp[c] = user_stamp;
          row[c]++;
        }
        if (unbounded && max_period > 0) row[std::min<int64_t>(max_period, cols)]++;
      }
    }
    std::lock_guard lock(mu);
    for (size_t k = 0; k < counts.size(); ++k) counts[k] += mine[k];
  };
  RunOnThreads(workers, work);
  if (unbounded) {
    for (size_t c = 0; c < cohorts; ++c)
      for (int n = cols - 1; n >= 1; --n) counts[c * width + n] += counts[c * width + n + 1];
  }
  return Render(counts);
}

std::string RetentionQuery::Render(const std::vector<uint64_t>& counts) const {
  const int cols = req_.columns();
  const size_t width = static_cast<size_t>(cols) + 1;
  const int64_t cohorts = cohorts_.size();
  const int64_t unit_days = req_.interval == RetentionInterval::kWeek ? 7 : 1;
  JsonWriter w;
  w.BeginObject().Key("cohorts").BeginArray();
  for (int64_t c = 0; c < cohorts; ++c) {
    const uint64_t* row = &counts[static_cast<size_t>(c) * width];
    w.BeginObject().Key("cohort").String(cohorts_.Label(c)).Key("users").Uint(row[0]).Key("retained").BeginArray();
    for (size_t k = 0; k < width; ++k) w.Uint(row[k]);
    w.EndArray().EndObject();
  }
  w.EndArray().Key("overall").BeginArray();
  // A cohort's column has ended when its local start plus the column's last
  // period + 1 units is at or before as_of (compared in local time).
  const int64_t first_unit = UnitOf(LocalOf(*tz_, req_.from));
  auto unit_start_local = [&](int64_t unit) {
    return req_.interval == RetentionInterval::kWeek ? (unit * 7 - 3) * kMsPerDay : unit * kMsPerDay;
  };
  for (int col = 0; col <= cols; ++col) {
    uint64_t users = 0, retained = 0;
    for (int64_t c = 0; c < cohorts; ++c) {
      const uint64_t* row = &counts[static_cast<size_t>(c) * width];
      if (col > 0) {
        const int64_t end = unit_start_local(first_unit + c) +
                            (int64_t{req_.column_last_period(col)} + 1) * unit_days * kMsPerDay;
        if (end > as_of_local_ms_) continue;
      }
      users += row[0];
      retained += row[col];
    }
    w.BeginObject().Key("column").Int(col).Key("users").Uint(users).Key("retained").Uint(retained).Key("rate");
    if (users == 0) w.Null();
    else w.Double(static_cast<double>(retained) / static_cast<double>(users));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace swell::query
