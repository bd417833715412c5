#include "query/segmentation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/civil_time.h"
#include "query/filter.h"
#include "util/json_writer.h"

namespace swell::query {

using speed::HourBuffer;
using speed::Interner;

namespace {

// Neumaier's step: *sum + *comp stays the sum to about one ulp whatever the
// order of the addends, so sources merging in any order agree.
void Neumaier(double* sum, double* comp, double x) {
  const double t = *sum + x;
  if (std::fabs(*sum) >= std::fabs(x)) *comp += (*sum - t) + x;
  else *comp += (x - t) + *sum;
  *sum = t;
}

bool CountMetric(Metric m) { return !MetricNeedsNumbers(m); }

void AddSeries(std::map<SeriesKey, SeriesPartial>* series, SeriesKey key, SeriesPartial&& s) {
  auto it = series->find(key);
  if (it == series->end()) series->emplace(std::move(key), std::move(s));
  else it->second.Merge(s);
}

// A numeric property's numbers per value id, parsed once per id.
class NumberCache {
 public:
  explicit NumberCache(const BoundProperty* p) : property_(p) {}
  bool Get(uint32_t id, double* out) {
    if (id == Interner::kMissing) return false;
    auto it = memo_.find(id);
    if (it == memo_.end()) {
      double d = 0;
      bool ok = ParseNumberText(property_->Text(id), &d);
      it = memo_.emplace(id, std::make_pair(ok, d)).first;
    }
    *out = it->second.second;
    return it->second.first;
  }

 private:
  const BoundProperty* property_;
  std::unordered_map<uint32_t, std::pair<bool, double>> memo_;
};

// One requested event bound to a source.
struct EventPlan {
  size_t index = 0;
  bool any = false;
  uint32_t name = Interner::kMissing;
  BoundFilters filters;
  bool sets = false;                 // SetsShapeEvent
  std::optional<BoundFilter> is;     // the one `is` filter of a sets shape
  std::unordered_map<uint64_t, SeriesPartial> acc;  // by packed group ids
  uint64_t last_key = 0;
  SeriesPartial* last = nullptr;
};

uint64_t PackGroup(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }

}  // namespace

void SeriesPartial::Merge(const SeriesPartial& o) {
  for (size_t i = 0; i < o.events.size(); ++i) events[i] += o.events[i];
  for (size_t i = 0; i < o.users.size(); ++i) users[i] |= o.users[i];
  for (size_t i = 0; i < o.numbers.size(); ++i) {
    if (!o.numbers[i]) continue;
    numbers[i] += o.numbers[i];
    Neumaier(&sum[i], &comp[i], o.sum[i]);
    comp[i] += o.comp[i];
    min[i] = std::min(min[i], o.min[i]);
    max[i] = std::max(max[i], o.max[i]);
  }
}

void SeriesPartial::AddNumber(size_t b, double v) {
  numbers[b]++;
  Neumaier(&sum[b], &comp[b], v);
  min[b] = std::min(min[b], v);
  max[b] = std::max(max[b], v);
}

void SegmentationPartial::Merge(SegmentationPartial&& other) {
  for (auto& [key, s] : other.series) AddSeries(&series, key, std::move(s));
}

SeriesPartial NewSeriesPartial(int64_t buckets, Metric metric) {
  const size_t n = static_cast<size_t>(buckets);
  SeriesPartial s;
  s.events.assign(n, 0);
  if (MetricNeedsUsers(metric)) s.users.resize(n);
  if (MetricNeedsNumbers(metric)) {
    s.numbers.assign(n, 0);
    s.sum.assign(n, 0);
    s.comp.assign(n, 0);
    s.min.assign(n, std::numeric_limits<double>::infinity());
    s.max.assign(n, -std::numeric_limits<double>::infinity());
  }
  return s;
}

Status ScanBuckets(const SegmentationRequest& req, const TimeBuckets& chart, TimeBuckets* scan) {
  const int window = ActiveWindowDays(req.metric);
  if (window <= 1) {
    *scan = chart;
    return Status::OK();
  }
  TimeBound from = req.from;
  from.ms -= int64_t{window - 1} * kMsPerDay;
  // The chart owns the zone and outlives every use of *scan.
  std::shared_ptr<const TimeZone> tz(std::shared_ptr<const TimeZone>(), &chart.tz());
  return TimeBuckets::Make(chart.interval(), tz, from, req.to_exclusive, scan);
}

bool SetsShapeEvent(const SegmentationRequest& req, size_t i) {
  const EventMatcher& e = req.events[i];
  if (e.event == kAnyEvent || !req.group_by.empty() || !CountMetric(req.metric)) return false;
  if (e.filters.empty()) return true;
  if (e.filters.size() != 1 || e.filters[0].kind != FilterExpr::Kind::kLeaf) return false;
  const Filter& f = e.filters[0].leaf;
  if (f.op != FilterOp::kIs) return false;
  return f.property.user ||
         (f.property.name != "event_type" && f.property.name != "user_id" && f.property.name != "device_id");
}

void ScanSpeedLayer(const SegmentationRequest& req, const TimeBuckets& chart, const speed::AppState& app,
                    SegmentationPartial* out, ScanStats* stats) {
  TimeBuckets scan;
  if (!ScanBuckets(req, chart, &scan).ok()) scan = chart;
  ScanSource(req, scan, app, std::vector<bool>(req.events.size(), true), true, out, stats);
}

void ScanSource(const SegmentationRequest& req, const TimeBuckets& buckets, const speed::AppState& app,
                const std::vector<bool>& want, bool use_sets, SegmentationPartial* out, ScanStats* stats) {
  ScanStats local_stats;
  if (!stats) stats = &local_stats;
  const Metric metric = req.metric;
  const bool users = MetricNeedsUsers(metric);

  std::vector<EventPlan> plans;
  plans.reserve(req.events.size());
  for (size_t i = 0; i < req.events.size(); ++i) {
    if (!want[i]) continue;
    const EventMatcher& m = req.events[i];
    EventPlan p;
    p.index = i;
    p.any = m.event == kAnyEvent;
    if (!p.any) {
      p.name = app.names().Find(m.event);
      if (p.name == Interner::kMissing) continue;
    }
    p.filters = BoundFilters::Bind(m.filters, app);
    if (use_sets && SetsShapeEvent(req, i)) {
      if (!m.filters.empty()) p.is = BoundFilter::Bind(m.filters[0].leaf, app);
      p.sets = !p.is || p.is->property().kind() == BoundProperty::Kind::kKey;
    }
    plans.push_back(std::move(p));
  }
  if (plans.empty()) return;

  std::vector<BoundProperty> group;
  for (const PropertyRef& g : req.group_by) group.push_back(BoundProperty::Bind(g, app));
  std::optional<BoundProperty> number_prop;
  if (req.metric_property) number_prop = BoundProperty::Bind(*req.metric_property, app);
  NumberCache numbers(number_prop ? &*number_prop : nullptr);

  // Rows of one group often follow each other: remember the last series
  // (unordered_map nodes stay put).
  auto series_for = [&](EventPlan& p, uint64_t key) -> SeriesPartial& {
    if (p.last && p.last_key == key) return *p.last;
    auto it = p.acc.find(key);
    if (it == p.acc.end()) it = p.acc.emplace(key, NewSeriesPartial(buckets.size(), metric)).first;
    p.last_key = key;
    p.last = &it->second;
    return it->second;
  };

  std::vector<EventPlan*> scanning;
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
    const int64_t b0 = one_offset ? buckets.IndexOf(begin, local_begin) : -1;
    const bool whole = b0 >= 0 && b0 == buckets.IndexOf(last, local_last);

    scanning.clear();
    for (EventPlan& p : plans) {
      // The sets hold whole hours.
      if (p.sets && whole && (!p.is || buf.HasValueSets(p.name, p.is->property().key_ref()))) {
        SeriesPartial* s = nullptr;
        auto add = [&](const speed::UserSet* set) {
          if (!set) return;
          if (!s) s = &series_for(p, 0);
          s->events[b0] += set->events;
          if (users) s->users[b0] |= set->users;
        };
        if (!p.is) {
          add(buf.FindSet(p.name, speed::kAllKey, 0));
        } else {
          for (uint32_t v : p.is->ids()) add(buf.FindSet(p.name, p.is->property().key_ref(), v));
        }
        stats->hours_from_sets++;
        continue;
      }
      scanning.push_back(&p);
    }
    if (scanning.empty()) continue;

    stats->hours_scanned++;
    const size_t rows = buf.rows();
    stats->rows_scanned += rows;
    const BoundProperty* group0 = group.empty() ? nullptr : &group[0];
    const BoundProperty* group1 = group.size() > 1 ? &group[1] : nullptr;
    auto add_row = [&](EventPlan& p, size_t r, int64_t b) __attribute__((always_inline)) {
      uint64_t key = 0;
      if (group0) key = PackGroup(group0->ValueAt(buf, r), group1 ? group1->ValueAt(buf, r) : 0);
      SeriesPartial& s = series_for(p, key);
      s.events[b]++;
      if (users) s.users[b].add(buf.user(r));
      double v = 0;
      if (number_prop && numbers.Get(number_prop->ValueAt(buf, r), &v)) s.AddNumber(static_cast<size_t>(b), v);
    };
    if (scanning.size() == 1) {
      // The common case, kept as tight as a one-event chart's loop.
      EventPlan& p = *scanning[0];
      for (size_t r = 0; r < rows; ++r) {
        if (!p.any && buf.name(r) != p.name) continue;
        if (!p.filters.Matches(buf, r)) continue;
        const int64_t t = buf.time_ms(r);
        const int64_t b = buckets.IndexOf(t, local.ToLocalMs(t));
        if (b >= 0) add_row(p, r, b);
      }
      continue;
    }
    for (size_t r = 0; r < rows; ++r) {
      int64_t b = -2;  // not computed yet
      for (EventPlan* p : scanning) {
        if (!p->any && buf.name(r) != p->name) continue;
        if (!p->filters.Matches(buf, r)) continue;
        if (b == -2) {
          const int64_t t = buf.time_ms(r);
          b = buckets.IndexOf(t, local.ToLocalMs(t));
        }
        if (b < 0) break;
        add_row(*p, r, b);
      }
    }
  }

  // A value whose text is "(none)" joins the group of events lacking the
  // property, so groups are added, not inserted.
  for (EventPlan& p : plans) {
    for (auto& [packed, s] : p.acc) {
      SeriesKey key;
      key.event = static_cast<uint32_t>(p.index);
      for (size_t g = 0; g < group.size(); ++g) {
        const uint32_t id = g == 0 ? static_cast<uint32_t>(packed >> 32) : static_cast<uint32_t>(packed);
        key.group.push_back(id == Interner::kMissing ? std::string(kNoneGroup) : std::string(group[g].Text(id)));
      }
      AddSeries(&out->series, std::move(key), std::move(s));
    }
  }
}

namespace {

// The chart's points of one series: nullopt where the metric has no value
// (avg, min, max, per_user_avg of an empty bucket).
std::vector<std::optional<double>> Points(const SegmentationRequest& req, const SeriesPartial& s, int64_t count,
                                          int64_t offset) {
  std::vector<std::optional<double>> out(static_cast<size_t>(count));
  const int window = ActiveWindowDays(req.metric);
  std::vector<const Roaring*> parts;
  for (int64_t b = 0; b < count; ++b) {
    const size_t j = static_cast<size_t>(b + offset);
    std::optional<double>& v = out[static_cast<size_t>(b)];
    switch (req.metric) {
      case Metric::kTotals: v = static_cast<double>(s.events[j]); break;
      case Metric::kUniques: v = static_cast<double>(s.users[j].cardinality()); break;
      case Metric::kDau:
      case Metric::kWau:
      case Metric::kMau: {
        parts.clear();
        for (int64_t k = std::max<int64_t>(0, b + offset - window + 1); k <= b + offset; ++k)
          parts.push_back(&s.users[static_cast<size_t>(k)]);
        v = static_cast<double>(parts.size() == 1 ? parts[0]->cardinality()
                                                  : Roaring::fastunion(parts.size(), parts.data()).cardinality());
        break;
      }
      case Metric::kSum: v = s.numbers[j] ? s.sum[j] + s.comp[j] : 0.0; break;
      case Metric::kAvg:
        if (s.numbers[j]) v = (s.sum[j] + s.comp[j]) / static_cast<double>(s.numbers[j]);
        break;
      case Metric::kMin:
        if (s.numbers[j]) v = s.min[j];
        break;
      case Metric::kMax:
        if (s.numbers[j]) v = s.max[j];
        break;
      case Metric::kPerUserAvg: {
        const uint64_t u = s.users[j].cardinality();
        if (u) v = static_cast<double>(s.events[j]) / static_cast<double>(u);
        break;
      }
    }
  }
  return out;
}

// Compensated like the points' sums, so that equal series tie exactly.
double Total(const std::vector<std::optional<double>>& points) {
  double t = 0, comp = 0;
  for (const auto& p : points)
    if (p) Neumaier(&t, &comp, *p);
  return t + comp;
}

struct Row {
  SeriesKey key;
  const SeriesPartial* series;
  std::vector<std::optional<double>> points;
  double total;
};

bool RowBefore(const Row& a, const Row& b) {
  if (a.total != b.total) return a.total > b.total;
  return a.key.group < b.key.group;  // std::string compares bytes as unsigned
}

}  // namespace

std::string RenderSegmentation(const SegmentationRequest& req, const TimeBuckets& chart,
                               const SegmentationPartial& partial) {
  TimeBuckets scan;
  if (!ScanBuckets(req, chart, &scan).ok()) scan = chart;
  const int64_t count = chart.size();
  const int64_t offset = scan.size() - chart.size();
  const bool integral = CountMetric(req.metric) && req.metric != Metric::kPerUserAvg;
  const SeriesPartial empty = NewSeriesPartial(scan.size(), req.metric);

  JsonWriter w;
  w.BeginObject().Key("series").BeginArray();
  for (uint32_t e = 0; e < req.events.size(); ++e) {
    std::vector<Row> rows;
    auto first = partial.series.lower_bound(SeriesKey{e, {}});
    for (auto it = first; it != partial.series.end() && it->first.event == e; ++it)
      rows.push_back({it->first, &it->second, Points(req, it->second, count, offset), 0});
    if (req.group_by.empty() && rows.empty()) rows.push_back({SeriesKey{e, {}}, &empty, Points(req, empty, count, offset), 0});
    for (Row& r : rows) r.total = Total(r.points);
    std::sort(rows.begin(), rows.end(), RowBefore);

    // Top `limit`; the rest merge into "(other)", with a kept group of that
    // text if there is one, so every label is listed once.
    SeriesPartial other;
    if (req.limit > 0 && rows.size() > static_cast<size_t>(req.limit)) {
      SeriesKey other_key{e, std::vector<std::string>(req.group_by.size(), std::string(kOtherGroup))};
      other = NewSeriesPartial(scan.size(), req.metric);
      std::vector<Row> kept;
      for (size_t i = 0; i < rows.size(); ++i) {
        if (i < static_cast<size_t>(req.limit) && rows[i].key != other_key) kept.push_back(std::move(rows[i]));
        else other.Merge(*rows[i].series);
      }
      Row o{other_key, &other, Points(req, other, count, offset), 0};
      o.total = Total(o.points);
      kept.push_back(std::move(o));
      rows = std::move(kept);
      std::sort(rows.begin(), rows.end(), RowBefore);
    }

    for (const Row& row : rows) {
      w.BeginObject().Key("event").String(req.events[e].event).Key("group");
      if (req.group_by.empty()) {
        w.Null();
      } else if (req.group_list) {
        w.BeginArray();
        for (const std::string& g : row.key.group) w.String(g);
        w.EndArray();
      } else {
        w.String(row.key.group[0]);
      }
      w.Key("points").BeginArray();
      for (int64_t b = 0; b < count; ++b) {
        w.BeginObject().Key("t").String(chart.Label(b)).Key("value");
        const std::optional<double>& v = row.points[static_cast<size_t>(b)];
        if (!v) w.Null();
        else if (integral) w.Uint(static_cast<uint64_t>(*v));
        else w.Double(*v);
        w.EndObject();
      }
      w.EndArray().EndObject();
    }
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace swell::query
