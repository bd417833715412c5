#include "query/lake_scan.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "lake/layout.h"
#include "lake/sets_file.h"
#include "query/civil_time.h"
#include "query/timezone.h"
#include "util/parallel.h"

namespace swell::query {

namespace {


// The bucket every event of the UTC day starting at day_ms falls in, or -1
// when the day spans several buckets, offsets, or the range's edge.
int64_t WholeDayBucket(const TimeBuckets& buckets, int64_t day_ms) {
  LocalTimeCache local(&buckets.tz());
  const int64_t last = day_ms + kMsPerDay - 1;
  const int64_t local_first = local.ToLocalMs(day_ms);
  if (local.period_end_ms() <= last) return -1;
  const int64_t b = buckets.IndexOf(day_ms, local_first);
  if (b < 0 || buckets.IndexOf(last, local_first + kMsPerDay - 1) != b) return -1;
  return b;
}

// The (scope, property, values) a sets/ file answers event i with.
// REQUIRES: SetsShapeEvent(req, i).
void SetsShape(const SegmentationRequest& req, size_t i, std::string* scope, std::string* property,
               std::vector<std::string>* values) {
  scope->clear();
  property->clear();
  values->clear();
  const EventMatcher& e = req.events[i];
  if (e.filters.empty()) return;
  const Filter& f = e.filters[0].leaf;
  *scope = std::string(f.property.user ? lake::kUserScope : lake::kEventScope);
  *property = f.property.name;
  for (const std::string& v : f.values)
    if (std::find(values->begin(), values->end(), v) == values->end()) values->push_back(v);
}

struct SetsPlan {
  size_t event = 0;
  std::string scope, property;
  std::vector<std::string> values;
};

// Adds the day of event plan.event from its sets rows; false when they
// cannot answer (the property's values are incomplete there).
Status AddFromSets(const SegmentationRequest& req, PartitionCache* cache, const lake::LakeFile& sets_file,
                   int64_t bucket, int64_t width, const SetsPlan& plan, SegmentationPartial* out, bool* answered) {
  const std::string& name = req.events[plan.event].event;
  std::shared_ptr<const std::vector<lake::SetsRow>> cached;
  SWELL_RETURN_IF_ERROR(cache->GetSetsRows(sets_file, name, &cached));
  const std::vector<lake::SetsRow>& rows = *cached;
  const bool users = MetricNeedsUsers(req.metric);
  SeriesPartial series = NewSeriesPartial(width, req.metric);
  bool any = false;
  for (const lake::SetsRow& row : rows) {
    if (row.event_type != name || row.scope != plan.scope || row.property != plan.property) continue;
    if (row.is_marker()) {
      *answered = false;
      return Status::OK();
    }
    if (!plan.scope.empty() &&
        std::find(plan.values.begin(), plan.values.end(), *row.value) == plan.values.end())
      continue;
    series.events[bucket] += row.event_count;
    if (users) series.users[bucket] |= row.users;
    any = true;
  }
  *answered = true;
  if (!any) return Status::OK();
  SegmentationPartial partial;
  partial.series.emplace(SeriesKey{static_cast<uint32_t>(plan.event), {}}, std::move(series));
  out->Merge(std::move(partial));
  return Status::OK();
}

}  // namespace

Status ScanLakeSegmentation(const SegmentationRequest& req, const TimeBuckets& chart, const std::string& app_id,
                            const lake::Snapshot& snapshot, PartitionCache* cache,
                            SegmentationPartial* out, LakeScanStats* stats) {
  TimeBuckets buckets;
  SWELL_RETURN_IF_ERROR(ScanBuckets(req, chart, &buckets));
  if (buckets.scan_end_ms() <= buckets.scan_begin_ms()) return Status::OK();
  // The scan range is widened by a day's worth of offsets, so it can pass
  // the years the lake's dates can name (0000..9999): clamp to them, as
  // dates outside compare wrongly as text ("10000-01-01" < "9999-12-31").
  int32_t min_day = 0, max_day = 0;
  lake::ParseDate("0000-01-01", &min_day);
  lake::ParseDate("9999-12-31", &max_day);
  const int32_t first_day = std::max(min_day, lake::DayOfTimeMs(buckets.scan_begin_ms()));
  const int32_t last_day = std::min(max_day, lake::DayOfTimeMs(buckets.scan_end_ms() - 1));
  if (first_day > last_day) return Status::OK();
  const std::string from = lake::DateString(first_day);
  const std::string to = lake::DateString(last_day);
  std::vector<const lake::LakeFile*> files = snapshot.Select(lake::FileKind::kEvents, app_id, from, to);
  if (files.empty()) return Status::OK();
  std::map<std::string, const lake::LakeFile*> sets_by_date;
  for (const lake::LakeFile* f : snapshot.Select(lake::FileKind::kSets, app_id, from, to)) sets_by_date[f->date] = f;

  std::vector<SetsPlan> sets_plans;
  for (size_t i = 0; i < req.events.size(); ++i) {
    if (!SetsShapeEvent(req, i)) continue;
    SetsPlan p;
    p.event = i;
    SetsShape(req, i, &p.scope, &p.property, &p.values);
    sets_plans.push_back(std::move(p));
  }

  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  LakeScanStats total;
  auto work = [&] {
    SegmentationPartial mine;
    LakeScanStats my_stats;
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      const lake::LakeFile& file = *files[i];
      Status st;
      // Events the day's sets answer are done; the rest read its rows.
      std::vector<bool> rows_wanted(req.events.size(), true);
      size_t from_sets = 0;
      int32_t day = 0;
      if (!sets_plans.empty() && lake::ParseDate(file.date, &day)) {
        auto sets = sets_by_date.find(file.date);
        const int64_t bucket = WholeDayBucket(buckets, int64_t{day} * kMsPerDay);
        if (sets != sets_by_date.end() && bucket >= 0) {
          for (const SetsPlan& plan : sets_plans) {
            SegmentationPartial day_partial;
            bool answered = false;
            st = AddFromSets(req, cache, *sets->second, bucket, buckets.size(), plan, &day_partial, &answered);
            if (!st.ok()) break;
            if (answered) {
              mine.Merge(std::move(day_partial));
              rows_wanted[plan.event] = false;
              from_sets++;
            }
          }
        }
      }
      if (from_sets > 0) my_stats.partitions_from_sets++;
      if (st.ok() && from_sets < req.events.size()) {
        std::shared_ptr<const speed::AppState> state;
        st = cache->Get(file, &state);
        if (st.ok()) {
          ScanSource(req, buckets, *state, rows_wanted, true, &mine, nullptr);
          my_stats.partitions_scanned++;
        }
      }
      if (!st.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = st;
        return;
      }
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

Status LakeEventNames(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache,
                      std::map<std::string, EventNameCounts>* out) {
  for (const lake::LakeFile* f : snapshot.Select(lake::FileKind::kSets, app_id, "0000-01-01", "9999-12-31")) {
    std::shared_ptr<const std::vector<lake::SetsRow>> rows;
    SWELL_RETURN_IF_ERROR(cache->GetSetsRows(*f, "", &rows));
    for (const lake::SetsRow& row : *rows) {
      if (row.scope != lake::kAllUsersScope) continue;
      EventNameCounts& c = (*out)[row.event_type];
      c.totals += row.event_count;
      c.users |= row.users;
    }
  }
  return Status::OK();
}

}  // namespace swell::query
