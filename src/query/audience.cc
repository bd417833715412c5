#include "query/audience.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "lake/layout.h"
#include "lake/sets_file.h"
#include "query/civil_time.h"
#include "query/filter.h"
#include "query/timezone.h"
#include "util/json_writer.h"
#include "util/parallel.h"

namespace swell::query {

using speed::HourBuffer;
using speed::Interner;

namespace {

// The all-users set of every event name of the hour, united into *users.
void AddAllNames(const HourBuffer& buf, const speed::AppState& app, Roaring* users) {
  for (uint32_t n = 0; n < app.names().size(); ++n)
    if (const speed::UserSet* set = buf.FindSet(n, speed::kAllKey, 0)) *users |= set->users;
}

// True when every instant of the UTC day starting at day_ms is in the range
// and the day runs under one UTC offset of its zone.
bool WholeDayInRange(const TimeBuckets& range, int64_t day_ms) {
  LocalTimeCache local(&range.tz());
  const int64_t last = day_ms + kMsPerDay - 1;
  const int64_t local_first = local.ToLocalMs(day_ms);
  if (local.period_end_ms() <= last) return false;
  return !range.BeforeRange(day_ms, local_first) && !range.AfterRange(last, local_first + kMsPerDay - 1);
}

// The (scope, property) of the sets/ rows a term reads, or false when its
// shape needs the rows.
bool TermSetsShape(const AudienceTerm& term, std::string* scope, std::string* property) {
  scope->clear();
  property->clear();
  if (term.min_count != 1) return false;
  if (!term.filter) return true;
  if (term.event_name == kAnyEvent) return false;
  const PropertyRef& p = term.filter->property;
  if (!p.user && (p.name == "event_type" || p.name == "user_id" || p.name == "device_id")) return false;
  *scope = std::string(p.user ? lake::kUserScope : lake::kEventScope);
  *property = p.name;
  return true;
}

// Adds a term's users of one day from its sets rows; *answered false when
// they cannot answer (a marker row: the property's values are not there).
// In estimate mode the rows' sketches go into *sketches instead.
Status AddTermFromSets(const AudienceTerm& term, PartitionCache* cache, const lake::LakeFile& sets_file,
                       Roaring* users, ThetaUnion* sketches, bool* answered) {
  std::string scope, property;
  *answered = false;
  if (!TermSetsShape(term, &scope, &property)) return Status::OK();
  const bool any = term.event_name == kAnyEvent;
  std::shared_ptr<const std::vector<lake::SetsRow>> rows;
  lake::SetsReadOptions read_options;
  read_options.sketches = sketches != nullptr;
  SWELL_RETURN_IF_ERROR(cache->GetSetsRows(sets_file, any ? std::string() : term.event_name, read_options, &rows));
  std::vector<const lake::SetsRow*> found;
  for (const lake::SetsRow& row : *rows) {
    if ((!any && row.event_type != term.event_name) || row.scope != scope || row.property != property) continue;
    if (row.is_marker()) return Status::OK();
    if (term.filter &&
        std::find(term.filter->values.begin(), term.filter->values.end(), *row.value) == term.filter->values.end())
      continue;
    found.push_back(&row);
  }
  if (sketches) {
    for (const lake::SetsRow* r : found) {
      // A file written before sketches existed: the bitmaps answer.
      if (!r->sketch) return Status::OK();
    }
    for (const lake::SetsRow* r : found) SWELL_RETURN_IF_ERROR(sketches->Update(*r->sketch));
  } else {
    for (const lake::SetsRow* r : found) *users |= r->users;
  }
  *answered = true;
  return Status::OK();
}

}  // namespace

Status PlanAudience(const AudienceRequest& req, std::shared_ptr<const TimeZone> tz, AudiencePlan* out) {
  AudiencePlan plan;
  for (const AudienceLeaf& leaf : req.leaves) {
    AudienceTerm term;
    term.event_name = leaf.event_name;
    term.filter = leaf.filter;
    term.min_count = leaf.min_count;
    term.from = leaf.from;
    term.to_exclusive = leaf.to_exclusive;
    Status st = TimeBuckets::Make(Interval::kMonth, tz, leaf.from, leaf.to_exclusive, &term.range);
    if (!st.ok() && st.message().rfind("interval:", 0) == 0)
      return Status::InvalidArgument(leaf.field + ".to: the range is longer than " +
                                     std::to_string(TimeBuckets::kMaxBuckets / 12) + " years");
    SWELL_RETURN_IF_ERROR(st.WithContext(leaf.field));
    plan.terms.push_back(std::move(term));
  }
  plan.leaves = plan.terms.size();
  if (req.has_not) {
    // The universe: any event in any leaf's range, one term per distinct range.
    std::vector<std::pair<TimeBound, TimeBound>> seen;
    for (size_t i = 0; i < req.leaves.size(); ++i) {
      const AudienceLeaf& leaf = req.leaves[i];
      bool dup = false;
      for (const auto& [f, t] : seen)
        dup |= f.utc == leaf.from.utc && f.ms == leaf.from.ms && t.utc == leaf.to_exclusive.utc &&
               t.ms == leaf.to_exclusive.ms;
      if (dup) continue;
      seen.emplace_back(leaf.from, leaf.to_exclusive);
      AudienceTerm term;
      term.event_name = std::string(kAnyEvent);
      term.range = plan.terms[i].range;
      term.from = leaf.from;
      term.to_exclusive = leaf.to_exclusive;
      plan.terms.push_back(std::move(term));
    }
  }
  plan.estimate = req.estimate;
  for (size_t i = 0; i < plan.terms.size(); ++i) plan.terms[i].origin = i;
  *out = std::move(plan);
  return Status::OK();
}

AudiencePlan ChunkAudiencePlan(const AudiencePlan& plan, int chunk_days, int64_t data_begin_ms,
                               int64_t data_end_ms) {
  AudiencePlan out;
  out.leaves = plan.leaves;
  out.estimate = plan.estimate;
  const int64_t chunk_ms = int64_t{chunk_days} * kMsPerDay;
  for (size_t i = 0; i < plan.terms.size(); ++i) {
    const AudienceTerm& term = plan.terms[i];
    const int64_t begin = term.begin_ms(), end = term.end_ms();
    if (chunk_ms <= 0 || term.min_count > 1 || end <= begin) {
      out.terms.push_back(term);
      out.terms.back().origin = i;
      continue;
    }
    const int64_t first = FloorDiv(std::max(begin, data_begin_ms), chunk_ms);
    const int64_t last = FloorDiv(std::min(end, data_end_ms) - 1, chunk_ms);
    for (int64_t c = first; c <= last && data_begin_ms < data_end_ms; ++c) {
      AudienceTerm chunk = term;
      chunk.clip_begin_ms = std::max(term.clip_begin_ms, c * chunk_ms);
      chunk.clip_end_ms = std::min(term.clip_end_ms, (c + 1) * chunk_ms);
      chunk.origin = i;
      out.terms.push_back(std::move(chunk));
    }
  }
  return out;
}

void AudiencePartial::Merge(AudiencePartial&& other) {
  for (size_t i = 0; i < sketches.size() && i < other.sketches.size(); ++i) {
    // Sketches of one plan share the seed: a mismatch cannot happen.
    (void)sketches[i].Update(other.sketches[i].Result());
  }
  for (size_t i = 0; i < users.size() && i < other.users.size(); ++i) {
    if (users[i].isEmpty()) users[i] = std::move(other.users[i]);
    else users[i] |= other.users[i];
  }
  for (size_t i = 0; i < counts.size() && i < other.counts.size(); ++i) {
    if (counts[i].empty()) {
      counts[i] = std::move(other.counts[i]);
      continue;
    }
    for (const auto& [user, n] : other.counts[i]) counts[i][user] += n;
  }
}

void ScanAudience(const AudiencePlan& plan, const speed::AppState& app, AudiencePartial* out,
                  const std::vector<bool>* mask, AudienceScanStats* stats) {
  AudienceScanStats local_stats;
  if (!stats) stats = &local_stats;
  const auto& hours = app.hours();
  for (size_t t = 0; t < plan.terms.size(); ++t) {
    if (mask && !(*mask)[t]) continue;
    const AudienceTerm& term = plan.terms[t];
    const bool any = term.event_name == kAnyEvent;
    const uint32_t name = any ? Interner::kMissing : app.names().Find(term.event_name);
    if (!any && name == Interner::kMissing) continue;
    std::optional<BoundFilter> filter;
    if (term.filter) {
      filter = BoundFilter::Bind(*term.filter, app);
      if (filter->ids().empty()) continue;  // no value of the filter exists here
    }
    const bool sets_ok =
        term.min_count == 1 && (!filter || (!any && filter->property().kind() == BoundProperty::Kind::kKey));
    const TimeBuckets& range = term.range;
    Roaring& users = out->users[t];
    auto& counts = out->counts[t];
    std::vector<uint32_t> found;
    LocalTimeCache local(&range.tz());
    for (auto it = hours.lower_bound(FloorDiv(term.begin_ms(), kMsPerHour));
         it != hours.end() && it->second->begin_ms() < term.end_ms(); ++it) {
      const HourBuffer& buf = *it->second;
      const int64_t begin = buf.begin_ms(), last = begin + kMsPerHour - 1;
      const int64_t local_begin = local.ToLocalMs(begin);
      const bool one_offset = local.period_end_ms() > last;
      const int64_t local_last = local_begin + kMsPerHour - 1;
      if (one_offset && (range.BeforeRange(last, local_last) || range.AfterRange(begin, local_begin))) continue;
      const bool whole = one_offset && !range.BeforeRange(begin, local_begin) && !range.AfterRange(last, local_last);
      if (sets_ok && whole && (!filter || buf.HasValueSets(name, filter->property().key_ref()))) {
        if (any) {
          AddAllNames(buf, app, &users);
        } else if (!filter) {
          if (const speed::UserSet* set = buf.FindSet(name, speed::kAllKey, 0)) users |= set->users;
        } else {
          for (uint32_t v : filter->ids())
            if (const speed::UserSet* set = buf.FindSet(name, filter->property().key_ref(), v)) users |= set->users;
        }
        stats->hours_from_sets++;
        continue;
      }
      stats->hours_scanned++;
      const size_t rows = buf.rows();
      for (size_t r = 0; r < rows; ++r) {
        if (!any && buf.name(r) != name) continue;
        if (filter && !filter->Matches(buf, r)) continue;
        if (!whole) {
          const int64_t ts = buf.time_ms(r);
          if (range.BeforeRange(ts, local.ToLocalMs(ts)) || range.AfterRange(ts, local.ToLocalMs(ts))) continue;
        }
        if (term.min_count == 1) found.push_back(buf.user(r));
        else counts[buf.user(r)]++;
      }
      if (found.size() > 4096) {
        users.addMany(found.size(), found.data());
        found.clear();
      }
    }
    if (!found.empty()) users.addMany(found.size(), found.data());
  }
}

Status ScanLakeAudience(const AudiencePlan& plan, const std::string& app_id, const lake::Snapshot& snapshot,
                        PartitionCache* cache, AudiencePartial* out, AudienceScanStats* stats,
                        const std::vector<bool>* mask) {
  int64_t begin = INT64_MAX, end = INT64_MIN;
  for (size_t t = 0; t < plan.terms.size(); ++t) {
    if (mask && !(*mask)[t]) continue;
    begin = std::min(begin, plan.terms[t].begin_ms());
    end = std::max(end, plan.terms[t].end_ms());
  }
  if (end <= begin) return Status::OK();
  // Clamped to the years the lake's dates can name (lake_scan.cc).
  int32_t min_day = 0, max_day = 0;
  lake::ParseDate("0000-01-01", &min_day);
  lake::ParseDate("9999-12-31", &max_day);
  const int32_t first_day = std::max(min_day, lake::DayOfTimeMs(begin));
  const int32_t last_day = std::min(max_day, lake::DayOfTimeMs(end - 1));
  if (first_day > last_day) return Status::OK();
  const std::string from = lake::DateString(first_day);
  const std::string to = lake::DateString(last_day);
  std::vector<const lake::LakeFile*> files = snapshot.Select(lake::FileKind::kEvents, app_id, from, to);
  if (files.empty()) return Status::OK();
  std::map<std::string, const lake::LakeFile*> sets_by_date;
  for (const lake::LakeFile* f : snapshot.Select(lake::FileKind::kSets, app_id, from, to)) sets_by_date[f->date] = f;

  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  AudienceScanStats total;
  auto work = [&] {
    AudiencePartial mine(plan.terms.size(), plan.estimate);
    AudienceScanStats my_stats;
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      const lake::LakeFile& file = *files[i];
      int32_t day = 0;
      if (!lake::ParseDate(file.date, &day)) continue;
      const int64_t day_ms = int64_t{day} * kMsPerDay;
      auto sets = sets_by_date.find(file.date);
      std::vector<bool> need(plan.terms.size(), false);
      bool any_need = false, any_sets = false;
      Status st;
      for (size_t t = 0; t < plan.terms.size() && st.ok(); ++t) {
        const AudienceTerm& term = plan.terms[t];
        if (mask && !(*mask)[t]) continue;
        if (day_ms + kMsPerDay <= term.begin_ms() || day_ms >= term.end_ms()) continue;
        bool answered = false;
        if (sets != sets_by_date.end() && term.min_count == 1 && WholeDayInRange(term.range, day_ms)) {
          st = AddTermFromSets(term, cache, *sets->second, &mine.users[t],
                               plan.estimate ? &mine.sketches[t] : nullptr, &answered);
          any_sets |= answered;
        }
        if (!answered) need[t] = any_need = true;
      }
      if (st.ok() && any_need) {
        std::shared_ptr<const speed::AppState> state;
        st = cache->Get(file, &state);
        if (st.ok()) ScanAudience(plan, *state, &mine, &need);
      }
      if (!st.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = st;
        return;
      }
      if (any_need) my_stats.partitions_scanned++;
      else if (any_sets) my_stats.partitions_from_sets++;
    }
    std::lock_guard lock(mu);
    out->Merge(std::move(mine));
    total.partitions_from_sets += my_stats.partitions_from_sets;
    total.partitions_scanned += my_stats.partitions_scanned;
  };
  RunOnThreads(CpuWorkers(files.size(), 4), work);
  if (stats) {
    stats->partitions_from_sets += total.partitions_from_sets;
    stats->partitions_scanned += total.partitions_scanned;
  }
  return first_error;
}

namespace {

Roaring Evaluate(const AudienceNode& node, const std::vector<Roaring>& leaf_sets, const Roaring& universe) {
  switch (node.op) {
    case AudienceNode::Op::kLeaf: return leaf_sets[static_cast<size_t>(node.leaf)];
    case AudienceNode::Op::kNot: return universe - Evaluate(node.children[0], leaf_sets, universe);
    case AudienceNode::Op::kAnd: {
      Roaring acc = Evaluate(node.children[0], leaf_sets, universe);
      for (size_t i = 1; i < node.children.size() && !acc.isEmpty(); ++i)
        acc &= Evaluate(node.children[i], leaf_sets, universe);
      return acc;
    }
    case AudienceNode::Op::kOr: {
      Roaring acc;
      for (const AudienceNode& c : node.children) acc |= Evaluate(c, leaf_sets, universe);
      return acc;
    }
  }
  return Roaring();
}

void AppendBound(std::string* out, const TimeBound& b) {
  out->append(b.utc ? "Z" : "L").append(std::to_string(b.ms)).push_back(',');
}

}  // namespace

Roaring AudienceTermSet(const AudienceTerm& term, const Roaring& users,
                        const std::unordered_map<uint32_t, uint32_t>& counts) {
  if (term.min_count <= 1) return users;
  std::vector<uint32_t> kept;
  for (const auto& [user, n] : counts)
    if (n >= term.min_count) kept.push_back(user);
  std::sort(kept.begin(), kept.end());
  Roaring r;
  r.addMany(kept.size(), kept.data());
  return r;
}

Roaring EvaluateAudienceSets(const AudienceNode& root, const std::vector<Roaring>& leaf_sets, const Roaring& universe) {
  return Evaluate(root, leaf_sets, universe);
}

std::string AudienceTermKey(const AudienceTerm& term) {
  // Lengths before variable texts keep any two different terms apart.
  std::string key;
  key.append(std::to_string(term.event_name.size())).push_back(':');
  key.append(term.event_name);
  if (term.filter) {
    const Filter& f = *term.filter;
    std::vector<std::string> values = f.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    key.append(f.property.user ? "|U" : "|E").append(std::to_string(f.property.name.size())).push_back(':');
    key.append(f.property.name).append("|").append(std::to_string(static_cast<int>(f.op))).push_back('|');
    for (const std::string& v : values) key.append(std::to_string(v.size())).append(":").append(v);
  }
  key.append("|n").append(std::to_string(term.min_count)).push_back('|');
  // A chunk wholly inside its range asks the same question whatever the
  // range, so a range moved by a day shares its inner chunks.
  const bool inside = term.clip_begin_ms >= term.range.inner_begin_ms() && term.clip_end_ms <= term.range.inner_end_ms();
  if (inside) {
    key.append("inside|");
  } else {
    AppendBound(&key, term.from);
    AppendBound(&key, term.to_exclusive);
    key.append(term.range.tz().name()).push_back('|');
  }
  key.append(std::to_string(term.clip_begin_ms)).push_back(',');
  key.append(std::to_string(term.clip_end_ms));
  return key;
}

std::string AudienceTermVersion(const AudienceTerm& term, const std::string& app_id, const speed::AppState* app,
                                const lake::Snapshot* snapshot) {
  std::string version;
  const int64_t begin = term.begin_ms(), end = term.end_ms();
  if (end <= begin) return version;
  if (app) {
    const auto& hours = app->hours();
    for (auto it = hours.lower_bound(FloorDiv(begin, kMsPerHour)); it != hours.end() && it->second->begin_ms() < end;
         ++it)
      version.append("h").append(std::to_string(it->first)).append(":").append(std::to_string(it->second->rows()));
  }
  if (snapshot) {
    int32_t min_day = 0, max_day = 0;
    lake::ParseDate("0000-01-01", &min_day);
    lake::ParseDate("9999-12-31", &max_day);
    const int32_t first_day = std::max(min_day, lake::DayOfTimeMs(begin));
    const int32_t last_day = std::min(max_day, lake::DayOfTimeMs(end - 1));
    if (first_day <= last_day) {
      const std::string from = lake::DateString(first_day), to = lake::DateString(last_day);
      for (lake::FileKind kind : {lake::FileKind::kEvents, lake::FileKind::kSets})
        for (const lake::LakeFile* f : snapshot->Select(kind, app_id, from, to)) version.append("|").append(f->key);
    }
  }
  return version;
}

std::string RenderAudience(const AudienceRequest& req, uint64_t count, const std::vector<std::string>& sample) {
  JsonWriter w;
  w.BeginObject().Key("count").Uint(count).Key("lower_bound").Uint(count).Key("upper_bound").Uint(count);
  w.Key("mode").String("exact");
  if (req.sample > 0) {
    w.Key("sample").BeginArray();
    for (const std::string& id : sample) w.String(id);
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace swell::query
