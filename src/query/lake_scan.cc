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

// The (scope, property, values) a sets/ file answers the request with, or
// false when the shape needs the rows.
bool SetsShape(const SegmentationRequest& req, std::string* scope, std::string* property,
               std::vector<std::string>* values) {
  if (req.event_name == kAnyEvent || req.group_by || req.filters.size() > 1) return false;
  scope->clear();
  property->clear();
  values->clear();
  if (req.filters.empty()) return true;
  const Filter& f = req.filters[0];
  if (f.op != FilterOp::kIs) return false;
  if (!f.property.user &&
      (f.property.name == "event_type" || f.property.name == "user_id" || f.property.name == "device_id"))
    return false;
  *scope = std::string(f.property.user ? lake::kUserScope : lake::kEventScope);
  *property = f.property.name;
  for (const std::string& v : f.values)
    if (std::find(values->begin(), values->end(), v) == values->end()) values->push_back(v);
  return true;
}

// Adds the day from its sets rows; false when they cannot answer (the
// property's values are incomplete there).
Status AddFromSets(const SegmentationRequest& req, PartitionCache* cache, const lake::LakeFile& sets_file,
                   int64_t bucket, int64_t width, const std::string& scope, const std::string& property,
                   const std::vector<std::string>& values, SegmentationPartial* out, bool* answered) {
  std::shared_ptr<const std::vector<lake::SetsRow>> cached;
  SWELL_RETURN_IF_ERROR(cache->GetSetsRows(sets_file, req.event_name, &cached));
  const std::vector<lake::SetsRow>& rows = *cached;
  const bool uniques = req.metric == Metric::kUniques;
  SeriesPartial series;
  series.events.assign(static_cast<size_t>(width), 0);
  if (uniques) series.users.resize(static_cast<size_t>(width));
  bool any = false;
  for (const lake::SetsRow& row : rows) {
    if (row.event_type != req.event_name || row.scope != scope || row.property != property) continue;
    if (row.is_marker()) {
      *answered = false;
      return Status::OK();
    }
    if (!scope.empty() && std::find(values.begin(), values.end(), *row.value) == values.end()) continue;
    series.events[bucket] += row.event_count;
    if (uniques) series.users[bucket] |= row.users;
    any = true;
  }
  *answered = true;
  if (!any) return Status::OK();
  SegmentationPartial partial;
  partial.series.emplace("", std::move(series));
  out->Merge(std::move(partial));
  return Status::OK();
}

}  // namespace

Status ScanLakeSegmentation(const SegmentationRequest& req, const TimeBuckets& buckets, const std::string& app_id,
                            const lake::Snapshot& snapshot, PartitionCache* cache,
                            SegmentationPartial* out, LakeScanStats* stats) {
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

  std::string scope, property;
  std::vector<std::string> values;
  const bool sets_shape = SetsShape(req, &scope, &property, &values);

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
      bool answered = false;
      int32_t day = 0;
      if (sets_shape && lake::ParseDate(file.date, &day)) {
        auto sets = sets_by_date.find(file.date);
        int64_t bucket = WholeDayBucket(buckets, int64_t{day} * kMsPerDay);
        if (sets != sets_by_date.end() && bucket >= 0) {
          SegmentationPartial day_partial;
          st = AddFromSets(req, cache, *sets->second, bucket, buckets.size(), scope, property, values, &day_partial, &answered);
          if (st.ok() && answered) {
            mine.Merge(std::move(day_partial));
            my_stats.partitions_from_sets++;
          }
        }
      }
      if (st.ok() && !answered) {
        std::shared_ptr<const speed::AppState> state;
        st = cache->Get(file, &state);
        if (st.ok()) {
          ScanSpeedLayer(req, buckets, *state, &mine);
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
