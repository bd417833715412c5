// Retention from the pre-aggregated user sets (retention.h): per UTC day the
// users of the start and of the return event, from the speed layer's hour
// sets and the lake's sets/ rows, united per cohort unit (a day or a Monday
// week); then per cohort a difference and a few intersections of bitmaps.
//
// Exact when every period is a whole set of UTC days: calendar days or
// weeks in UTC, with a range of whole UTC days. A user's start is on the
// first day of the range whose start set holds the user, so cohort(u) =
// start(u) minus the start sets of earlier units; the user returned in
// period N when return(u + N) holds the user (every day of unit u + N lies
// after the start's day).
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "lake/layout.h"
#include "lake/sets_file.h"
#include "query/civil_time.h"
#include "query/filter.h"
#include "query/retention.h"
#include "util/parallel.h"

namespace swell::query {

using speed::HourBuffer;
using speed::Interner;

namespace {

// The one `is` filter of a matcher, or null. REQUIRES: SetsMatcher(m).
const Filter* IsFilter(const EventMatcher& m) {
  return m.filters.empty() ? nullptr : &m.filters[0].leaf;
}

// A matcher the sets answer: a named event without filters or with one
// `is` filter on a stored property, or any event without filters.
bool SetsMatcher(const EventMatcher& m) {
  if (m.filters.empty()) return true;
  if (m.event == kAnyEvent || m.filters.size() != 1) return false;
  const FilterExpr& f = m.filters[0];
  if (f.kind != FilterExpr::Kind::kLeaf || f.leaf.op != FilterOp::kIs) return false;
  const PropertyRef& p = f.leaf.property;
  return p.user || (p.name != "event_type" && p.name != "user_id" && p.name != "device_id");
}

// A matcher bound to one AppState's numbering.
struct SpeedMatcher {
  bool nothing = false;  // matches no event of this source
  bool any = false;
  uint32_t name = Interner::kMissing;
  bool filtered = false;
  uint32_t key_ref = 0;
  std::vector<uint32_t> ids;

  static SpeedMatcher Bind(const EventMatcher& m, const speed::AppState& app) {
    SpeedMatcher s;
    s.any = m.event == kAnyEvent;
    if (!s.any) {
      s.name = app.names().Find(m.event);
      if (s.name == Interner::kMissing) s.nothing = true;
    }
    if (const Filter* f = IsFilter(m)) {
      BoundFilter bound = BoundFilter::Bind(*f, app);
      s.filtered = true;
      if (bound.property().kind() != BoundProperty::Kind::kKey || bound.ids().empty()) s.nothing = true;
      s.key_ref = bound.property().key_ref();
      s.ids = bound.ids();
    }
    return s;
  }

  // Appends the hour's user sets of the matcher to *sets.
  Status AddHour(const HourBuffer& buf, const speed::AppState& app, std::vector<const Roaring*>* sets) const {
    if (nothing) return Status::OK();
    if (any) {
      for (uint32_t n = 0; n < app.names().size(); ++n)
        if (const speed::UserSet* set = buf.FindSet(n, speed::kAllKey, 0)) sets->push_back(&set->users);
      return Status::OK();
    }
    if (!filtered) {
      if (const speed::UserSet* set = buf.FindSet(name, speed::kAllKey, 0)) sets->push_back(&set->users);
      return Status::OK();
    }
    if (!buf.HasValueSets(name, key_ref))
      return Status::NotSupported("retention: an hour keeps no value sets for the filter's property");
    for (uint32_t v : ids)
      if (const speed::UserSet* set = buf.FindSet(name, key_ref, v)) sets->push_back(&set->users);
    return Status::OK();
  }
};

// Unites the day's users of a matcher from its sets rows into *users.
// REQUIRES: rows hold the matcher's event's rows (all rows for `_all`).
Status AddSetsRows(const EventMatcher& m, const std::vector<lake::SetsRow>& rows, Roaring* users) {
  const bool any = m.event == kAnyEvent;
  const Filter* f = IsFilter(m);
  const std::string_view scope = !f ? lake::kAllUsersScope : f->property.user ? lake::kUserScope : lake::kEventScope;
  const std::string_view property = f ? std::string_view(f->property.name) : std::string_view();
  std::vector<const Roaring*> found;
  for (const lake::SetsRow& row : rows) {
    if ((!any && row.event_type != m.event) || row.scope != scope || row.property != property) continue;
    if (row.is_marker())
      return Status::NotSupported("retention: a sealed day keeps no value sets for the filter's property");
    if (f && std::find(f->values.begin(), f->values.end(), *row.value) == f->values.end()) continue;
    found.push_back(&row.users);
  }
  if (!found.empty()) {
    found.push_back(users);
    *users = Roaring::fastunion(found.size(), found.data());
  }
  return Status::OK();
}

bool SameMatcher(const EventMatcher& a, const EventMatcher& b) {
  if (a.event != b.event || a.filters.size() != b.filters.size()) return false;
  if (a.filters.empty()) return true;
  const Filter* fa = IsFilter(a);
  const Filter* fb = IsFilter(b);
  return fa->property == fb->property && fa->op == fb->op && fa->values == fb->values;
}

}  // namespace

bool RetentionQuery::SetsAnswer() const {
  if (req_.rolling) return false;
  if (tz_->name() != "UTC" && tz_->name() != "Etc/UTC") return false;
  // The sets hold whole UTC days: the range must be made of them.
  if (FloorDiv(req_.from.ms, kMsPerDay) * kMsPerDay != req_.from.ms) return false;
  if (FloorDiv(req_.to_exclusive.ms, kMsPerDay) * kMsPerDay != req_.to_exclusive.ms) return false;
  return SetsMatcher(req_.start) && SetsMatcher(req_.return_event);
}

RetentionSetsPartial RetentionQuery::NewSetsPartial() const {
  RetentionSetsPartial p;
  p.start.resize(static_cast<size_t>(cohorts_.size()));
  p.ret.resize(static_cast<size_t>(cohorts_.size() + req_.last_period()));
  return p;
}

Status RetentionQuery::AddSpeedSets(const speed::AppState& app, RetentionSetsPartial* out) const {
  const SpeedMatcher start = SpeedMatcher::Bind(req_.start, app);
  const SpeedMatcher ret = SpeedMatcher::Bind(req_.return_event, app);
  const int64_t first_day = FloorDiv(req_.from.ms, kMsPerDay);
  const int64_t end_day = FloorDiv(req_.to_exclusive.ms, kMsPerDay);  // of the range
  const int64_t first_unit = UnitOf(req_.from.ms);
  const bool unbounded = req_.mode == RetentionMode::kUnbounded;
  // The hours' sets per unit, united once at the end: one pass over many
  // small bitmaps instead of growing a union hour by hour.
  std::vector<std::vector<const Roaring*>> starts(out->start.size()), rets(out->ret.size() + 1);
  const auto& hours = app.hours();
  for (auto it = hours.lower_bound(first_day * 24); it != hours.end(); ++it) {
    const HourBuffer& buf = *it->second;
    const int64_t day = FloorDiv(it->first, 24);
    const int64_t unit = UnitOf(day * kMsPerDay) - first_unit;
    if (day < end_day) SWELL_RETURN_IF_ERROR(start.AddHour(buf, app, &starts[static_cast<size_t>(unit)]));
    if (unit < 1) continue;
    if (unit >= static_cast<int64_t>(out->ret.size()) && !unbounded) break;
    // The last slot gathers every later unit (unbounded).
    const size_t slot = static_cast<size_t>(std::min<int64_t>(unit, static_cast<int64_t>(out->ret.size())));
    SWELL_RETURN_IF_ERROR(ret.AddHour(buf, app, &rets[slot]));
  }
  auto unite = [](std::vector<const Roaring*>& sets, Roaring* into) {
    if (sets.empty()) return;
    if (!into->isEmpty()) sets.push_back(into);
    *into = Roaring::fastunion(sets.size(), sets.data());
  };
  for (size_t u = 0; u < starts.size(); ++u) unite(starts[u], &out->start[u]);
  for (size_t u = 0; u < out->ret.size(); ++u) unite(rets[u], &out->ret[u]);
  unite(rets.back(), &out->later);
  return Status::OK();
}

Status RetentionQuery::AddLakeSets(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache,
                                   RetentionSetsPartial* out, uint64_t* files_read) const {
  const int64_t first_day = FloorDiv(req_.from.ms, kMsPerDay);
  const int64_t end_day = FloorDiv(req_.to_exclusive.ms, kMsPerDay);
  const int64_t first_unit = UnitOf(req_.from.ms);
  const bool unbounded = req_.mode == RetentionMode::kUnbounded;
  const int64_t unit_days = req_.interval == RetentionInterval::kWeek ? 7 : 1;
  // The lake's dates name years 0000..9999 (lake_scan.cc).
  int32_t min_day = 0, max_day = 0;
  lake::ParseDate("0000-01-01", &min_day);
  lake::ParseDate("9999-12-31", &max_day);
  int64_t last_day = max_day;
  if (!unbounded) {
    // The last day of the last unit any return counts in.
    const int64_t last_unit = first_unit + static_cast<int64_t>(out->ret.size()) - 1;
    last_day = unit_days == 7 ? last_unit * 7 - 3 + 6 : last_unit;
  }
  if (first_day > max_day || last_day < min_day) return Status::OK();
  const std::string from = lake::DateString(static_cast<int32_t>(std::max<int64_t>(first_day, min_day)));
  const std::string to = lake::DateString(static_cast<int32_t>(std::min<int64_t>(last_day, max_day)));
  std::vector<const lake::LakeFile*> files = snapshot.Select(lake::FileKind::kSets, app_id, from, to);
  {
    std::map<std::string, bool> has_sets;
    for (const lake::LakeFile* f : files) has_sets[f->date] = true;
    for (const lake::LakeFile* f : snapshot.Select(lake::FileKind::kEvents, app_id, from, to))
      if (!has_sets.count(f->date)) return Status::NotSupported("retention: a sealed day has no sets file");
  }
  if (files.empty()) return Status::OK();
  const bool same = SameMatcher(req_.start, req_.return_event);
  auto event_of = [](const EventMatcher& m) { return m.event == kAnyEvent ? std::string() : m.event; };

  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    RetentionSetsPartial mine = NewSetsPartial();
    Status st;
    for (size_t i; st.ok() && (i = next.fetch_add(1)) < files.size();) {
      const lake::LakeFile& file = *files[i];
      int32_t day32 = 0;
      if (!lake::ParseDate(file.date, &day32)) continue;
      const int64_t day = day32;
      const int64_t unit = UnitOf(day * kMsPerDay) - first_unit;
      const bool start = day >= first_day && day < end_day;
      Roaring* ret = nullptr;
      if (unit >= 1 && unit < static_cast<int64_t>(mine.ret.size())) ret = &mine.ret[static_cast<size_t>(unit)];
      else if (unit >= 1 && unbounded) ret = &mine.later;
      std::shared_ptr<const std::vector<lake::SetsRow>> rows;
      if (start) {
        st = cache->GetSetsRows(file, event_of(req_.start), &rows);
        if (st.ok()) st = AddSetsRows(req_.start, *rows, &mine.start[static_cast<size_t>(unit)]);
        if (st.ok() && ret && same) {
          *ret |= mine.start[static_cast<size_t>(unit)];
          continue;
        }
      }
      if (st.ok() && ret) {
        if (!start || !same) st = cache->GetSetsRows(file, event_of(req_.return_event), &rows);
        if (st.ok()) st = AddSetsRows(req_.return_event, *rows, ret);
      }
    }
    std::lock_guard lock(mu);
    if (!st.ok()) {
      if (first_error.ok()) first_error = st;
      return;
    }
    out->Merge(std::move(mine));
  };
  RunOnThreads(CpuWorkers(files.size(), 4), work);
  if (files_read && first_error.ok()) *files_read += files.size();
  return first_error;
}

std::string RetentionQuery::EvaluateSets(const RetentionSetsPartial& partial) const {
  const int cols = req_.columns();
  const size_t width = static_cast<size_t>(cols) + 1;
  const size_t cohorts = partial.start.size();
  const size_t units = partial.ret.size();
  std::vector<uint64_t> counts(cohorts * width, 0);
  std::vector<Roaring> cohort(cohorts);
  Roaring seen;
  for (size_t c = 0; c < cohorts; ++c) {
    cohort[c] = partial.start[c] - seen;
    seen |= partial.start[c];
    counts[c * width] = cohort[c].cardinality();
  }
  switch (req_.mode) {
    case RetentionMode::kNDay:
      for (size_t c = 0; c < cohorts; ++c) {
        if (cohort[c].isEmpty()) continue;
        for (size_t n = 1; n <= static_cast<size_t>(cols) && c + n < units; ++n)
          counts[c * width + n] = cohort[c].and_cardinality(partial.ret[c + n]);
      }
      break;
    case RetentionMode::kUnbounded: {
      // later_users = the return users of unit j or any later one, built
      // from the last unit down; cohort c's column n needs it at j = c + n.
      Roaring later_users = partial.later;
      for (size_t j = units; j-- > 1;) {
        later_users |= partial.ret[j];
        for (size_t n = 1; n <= static_cast<size_t>(cols) && n <= j; ++n) {
          const size_t c = j - n;
          if (c < cohorts && !cohort[c].isEmpty()) counts[c * width + n] = cohort[c].and_cardinality(later_users);
        }
      }
      break;
    }
    case RetentionMode::kBrackets:
      for (size_t c = 0; c < cohorts; ++c) {
        if (cohort[c].isEmpty()) continue;
        for (size_t b = 0; b < req_.brackets.size(); ++b) {
          Roaring hit;
          for (int p = req_.brackets[b].first; p <= req_.brackets[b].second; ++p) {
            const size_t u = c + static_cast<size_t>(p);
            if (u < units) hit |= cohort[c] & partial.ret[u];
          }
          counts[c * width + b + 1] = hit.cardinality();
        }
      }
      break;
  }
  return Render(counts);
}

Status RetentionQuery::EvaluateFromSets(const speed::AppState* app, const std::string& app_id,
                                        const lake::Snapshot* snapshot, PartitionCache* cache,
                                        std::string* response_json) const {
  if (!SetsAnswer()) return Status::NotSupported("retention: the user sets cannot answer this request");
  RetentionSetsPartial partial = NewSetsPartial();
  if (app) SWELL_RETURN_IF_ERROR(AddSpeedSets(*app, &partial));
  if (snapshot && cache) SWELL_RETURN_IF_ERROR(AddLakeSets(app_id, *snapshot, cache, &partial));
  *response_json = EvaluateSets(partial);
  return Status::OK();
}

}  // namespace swell::query
