#include "query/segmentation.h"

#include <algorithm>
#include <unordered_map>

#include "query/civil_time.h"
#include "query/filter.h"
#include "util/json_writer.h"

namespace swell::query {

using speed::HourBuffer;
using speed::Interner;

namespace {

SeriesPartial NewSeries(int64_t buckets, bool uniques) {
  SeriesPartial s;
  s.events.assign(static_cast<size_t>(buckets), 0);
  if (uniques) s.users.resize(static_cast<size_t>(buckets));
  return s;
}

// The query shape the pre-aggregated sets answer: one named event, no
// group-by, and no filter or a single `is` filter on a stored key.
bool SetsAnswer(const SegmentationRequest& req, const std::vector<BoundFilter>& filters) {
  if (req.event_name == kAnyEvent || req.group_by) return false;
  if (filters.empty()) return true;
  return filters.size() == 1 && !filters[0].negated() &&
         filters[0].property().kind() == BoundProperty::Kind::kKey;
}

void AddSeries(std::map<std::string, SeriesPartial>* series, std::string group, SeriesPartial&& s) {
  auto it = series->find(group);
  if (it == series->end()) {
    series->emplace(std::move(group), std::move(s));
    return;
  }
  for (size_t i = 0; i < s.events.size(); ++i) it->second.events[i] += s.events[i];
  for (size_t i = 0; i < s.users.size(); ++i) it->second.users[i] |= s.users[i];
}

}  // namespace

void SegmentationPartial::Merge(SegmentationPartial&& other) {
  for (auto& [group, s] : other.series) AddSeries(&series, group, std::move(s));
}

void ScanSpeedLayer(const SegmentationRequest& req, const TimeBuckets& buckets, const speed::AppState& app,
                    SegmentationPartial* out, ScanStats* stats) {
  ScanStats local_stats;
  if (!stats) stats = &local_stats;
  const bool uniques = req.metric == Metric::kUniques;
  const bool any_event = req.event_name == kAnyEvent;
  uint32_t name = any_event ? Interner::kMissing : app.names().Find(req.event_name);
  if (!any_event && name == Interner::kMissing) return;

  std::vector<BoundFilter> filters;
  for (const Filter& f : req.filters) filters.push_back(BoundFilter::Bind(f, app));
  std::optional<BoundProperty> group;
  if (req.group_by) group = BoundProperty::Bind(*req.group_by, app);
  const bool use_sets = SetsAnswer(req, filters);

  // Series by group value id while scanning; kMissing is the (none) group,
  // and the ungrouped chart uses 0.
  std::unordered_map<uint32_t, SeriesPartial> acc;
  auto series_for = [&](uint32_t id) -> SeriesPartial& {
    auto it = acc.find(id);
    if (it == acc.end()) it = acc.emplace(id, NewSeries(buckets.size(), uniques)).first;
    return it->second;
  };

  LocalTimeCache local(&buckets.tz());
  const auto& hours = app.hours();
  for (auto it = hours.lower_bound(FloorDiv(buckets.scan_begin_ms(), kMsPerHour));
       it != hours.end() && it->second->begin_ms() < buckets.scan_end_ms(); ++it) {
    const HourBuffer& buf = *it->second;
    const int64_t begin = buf.begin_ms(), last = begin + kMsPerHour - 1;

    // Under one UTC offset local time runs with UTC through the hour, so its
    // ends tell whether the hour is wholly outside the range or in one bucket.
    int64_t local_begin = local.ToLocalMs(begin);
    bool one_offset = local.period_end_ms() > last;
    int64_t local_last = local_begin + kMsPerHour - 1;
    if (one_offset && (buckets.BeforeRange(last, local_last) || buckets.AfterRange(begin, local_begin))) continue;
    if (use_sets) {
      // The sets hold whole hours.
      int64_t b0 = buckets.IndexOf(begin, local_begin);
      bool complete = filters.empty() || buf.HasValueSets(name, filters[0].property().key_ref());
      if (complete && one_offset && b0 >= 0 && b0 == buckets.IndexOf(last, local_last)) {
        SeriesPartial* s = nullptr;
        auto add = [&](const speed::UserSet* set) {
          if (!set) return;
          if (!s) s = &series_for(0);
          s->events[b0] += set->events;
          if (uniques) s->users[b0] |= set->users;
        };
        if (filters.empty()) {
          add(buf.FindSet(name, speed::kAllKey, 0));
        } else {
          for (uint32_t v : filters[0].ids()) add(buf.FindSet(name, filters[0].property().key_ref(), v));
        }
        stats->hours_from_sets++;
        continue;
      }
    }

    stats->hours_scanned++;
    const size_t rows = buf.rows();
    stats->rows_scanned += rows;
    for (size_t r = 0; r < rows; ++r) {
      if (!any_event && buf.name(r) != name) continue;
      bool pass = true;
      for (const BoundFilter& f : filters)
        if (!f.Matches(buf, r)) { pass = false; break; }
      if (!pass) continue;
      int64_t t = buf.time_ms(r);
      int64_t b = buckets.IndexOf(t, local.ToLocalMs(t));
      if (b < 0) continue;
      SeriesPartial& s = series_for(group ? group->ValueAt(buf, r) : 0);
      s.events[b]++;
      if (uniques) s.users[b].add(buf.user(r));
    }
  }

  // A value whose text is "(none)" joins the group of events lacking the
  // property, so groups are added, not inserted.
  for (auto& [id, s] : acc) {
    std::string key;
    if (group) key = id == Interner::kMissing ? std::string(kNoneGroup) : std::string(group->Text(id));
    AddSeries(&out->series, std::move(key), std::move(s));
  }
}

std::string RenderSegmentation(const SegmentationRequest& req, const TimeBuckets& buckets,
                               const SegmentationPartial& partial) {
  const bool uniques = req.metric == Metric::kUniques;
  struct Row {
    const std::string* group;
    const SeriesPartial* series;
    uint64_t total;
  };
  SeriesPartial empty = NewSeries(buckets.size(), uniques);
  static const std::string kUngrouped;
  std::vector<Row> rows;
  auto value = [&](const SeriesPartial& s, int64_t b) {
    return uniques ? s.users[b].cardinality() : s.events[b];
  };
  for (const auto& [group, s] : partial.series) {
    uint64_t total = 0;
    for (int64_t b = 0; b < buckets.size(); ++b) total += value(s, b);
    rows.push_back({&group, &s, total});
  }
  if (!req.group_by && rows.empty()) rows.push_back({&kUngrouped, &empty, 0});
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.total != b.total) return a.total > b.total;
    return *a.group < *b.group;  // std::string compares bytes as unsigned
  });

  JsonWriter w;
  w.BeginObject().Key("series").BeginArray();
  for (const Row& row : rows) {
    w.BeginObject().Key("group");
    if (req.group_by) w.String(*row.group);
    else w.Null();
    w.Key("points").BeginArray();
    for (int64_t b = 0; b < buckets.size(); ++b)
      w.BeginObject().Key("t").String(buckets.Label(b)).Key("value").Uint(value(*row.series, b)).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace swell::query
