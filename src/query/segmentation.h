// Segmentation: per time bucket, a metric of each requested event (or any
// event), filtered and optionally grouped by one or two properties
// (docs/queries.md).
//
// Each data source produces a SegmentationPartial: per (event, group) and
// bucket, the event count, the set of user numbers, and the numeric
// property's count, sum and extremes, as the metric needs. Partials of
// different sources or time chunks merge exactly (counts add, user sets
// unite since every source numbers users with the app's one dictionary,
// extremes compare, sums add compensated), and only the merged partial
// becomes the response: top-N and "(other)" are decided there, so an
// "(other)" point is as exact as any other.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <roaring/roaring.hh>

#include "query/query_request.h"
#include "query/time_buckets.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

// The group of events that lack a group-by property.
inline constexpr std::string_view kNoneGroup = "(none)";
// The group the series past "limit" merge into.
inline constexpr std::string_view kOtherGroup = "(other)";

struct SeriesPartial {
  std::vector<uint64_t> events;  // per bucket
  std::vector<Roaring> users;    // per bucket; empty unless MetricNeedsUsers
  // Per bucket, empty unless MetricNeedsNumbers: how many events had a
  // numeric value, their sum (sum + comp: Neumaier-compensated, so that
  // the merge order of sources hardly matters), the smallest and largest.
  std::vector<uint64_t> numbers;
  std::vector<double> sum, comp, min, max;

  // REQUIRES: other has the same buckets and metric.
  void Merge(const SeriesPartial& other);
  void AddNumber(size_t bucket, double v);
};

// A series of the partial: the request's event index and one group text per
// group-by property (none for an ungrouped chart).
struct SeriesKey {
  uint32_t event = 0;
  std::vector<std::string> group;
  auto operator<=>(const SeriesKey&) const = default;
};

struct SegmentationPartial {
  std::map<SeriesKey, SeriesPartial> series;
  void Merge(SegmentationPartial&& other);
};

// An empty series over `buckets` buckets, with the vectors the metric needs.
SeriesPartial NewSeriesPartial(int64_t buckets, Metric metric);

// The buckets a chart's partials are kept on: the chart's own, or for an
// active-user metric (wau, mau) the chart's with the N - 1 days before its
// first (calendar days for a local `from`, 24-hour days for an instant), so
// that the first point's window is whole. Partial bucket i is scan bucket i.
Status ScanBuckets(const SegmentationRequest& req, const TimeBuckets& chart, TimeBuckets* scan);

struct ScanStats {
  uint64_t hours_from_sets = 0;  // (hour, event) pairs answered from the user sets
  uint64_t hours_scanned = 0;    // hours whose rows were read
  uint64_t rows_scanned = 0;
};

// Adds the app's speed-layer events to *out.
// REQUIRES: the caller holds app.mu shared.
void ScanSpeedLayer(const SegmentationRequest& req, const TimeBuckets& chart, const speed::AppState& app,
                    SegmentationPartial* out, ScanStats* stats = nullptr);

// The operator under ScanSpeedLayer and the lake's row scans: adds the rows
// of the events i with want[i] set, on the scan buckets (ScanBuckets).
// use_sets false reads every hour's rows.
// REQUIRES: want.size() == req.events.size(); app held shared if live.
void ScanSource(const SegmentationRequest& req, const TimeBuckets& scan, const speed::AppState& app,
                const std::vector<bool>& want, bool use_sets, SegmentationPartial* out, ScanStats* stats);

// Whether event i's shape is one the pre-aggregated user sets answer: a
// named event, no group-by, a count or user metric, and no filter or one
// `is` filter on a property.
bool SetsShapeEvent(const SegmentationRequest& req, size_t i);

// The response JSON: per event in request order, its series (top `limit`
// and "(other)") by total descending then group bytes, every chart bucket.
std::string RenderSegmentation(const SegmentationRequest& req, const TimeBuckets& chart,
                               const SegmentationPartial& partial);

}  // namespace swell::query
