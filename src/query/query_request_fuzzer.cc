// libFuzzer target: the query request parsers (docs/queries.md). The first
// byte picks the parser, the rest is the request body: 's' segmentation,
// 'f' funnel, 'r' retention, 'a' audience, any other byte all four. One
// target rather than four because the parsers share their field readers
// (filters, properties, time bounds): an input that reaches deep into a
// filter for one request type is mutated into the others by changing one
// byte, and the fuzzing time is not split four ways.
//
// A refusal must be an InvalidArgument with a message; a request that
// parses must keep every limit its header promises, since the query code
// after the parser relies on them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "query/audience_request.h"
#include "query/funnel_request.h"
#include "query/query_request.h"
#include "query/retention_request.h"
#include "query/time_buckets.h"

namespace {

using namespace swell;
using namespace swell::query;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRefusal(const Status& s) {
  Check(s.IsInvalidArgument() && !s.message().empty());
}

void CheckProperty(const PropertyRef& p) { Check(!p.name.empty()); }

// The filter grammar of filter_request.h: at most 8 levels of and/or, 64
// leaves per list, no empty group.
void CheckFilter(const FilterExpr& x, size_t depth, size_t* leaves) {
  if (x.kind == FilterExpr::Kind::kLeaf) {
    ++*leaves;
    CheckProperty(x.leaf.property);
    return;
  }
  Check(depth < 8 && !x.children.empty());
  for (const FilterExpr& c : x.children) CheckFilter(c, depth + 1, leaves);
}

void CheckMatcher(const EventMatcher& m) {
  Check(!m.event.empty());
  size_t leaves = 0;
  for (const FilterExpr& x : m.filters) CheckFilter(x, 0, &leaves);
  Check(leaves <= 64);
}

void CheckRange(const TimeBound& from, const TimeBound& to) {
  if (from.utc == to.utc) Check(from.ms < to.ms);
}

void Segmentation(std::string_view json) {
  SegmentationRequest r;
  Status s = ParseSegmentationRequest(json, &r);
  if (!s.ok()) return CheckRefusal(s);
  Check(!r.events.empty() && r.events.size() <= kMaxSegmentationEvents);
  for (const EventMatcher& m : r.events) CheckMatcher(m);
  Check(r.group_by.size() <= 2 && (r.group_list || r.group_by.size() <= 1));
  for (const PropertyRef& p : r.group_by) CheckProperty(p);
  Check(r.limit >= 0 && r.limit <= kMaxSegmentationLimit);
  Check(MetricNeedsNumbers(r.metric) == r.metric_property.has_value());
  if (ActiveWindowDays(r.metric) > 0) Check(r.interval == Interval::kDay);
  // What the query does next: the chart's buckets, made or refused.
  TimeBuckets buckets;
  if (TimeBuckets::Make(r.interval, TimeZone::Utc(), r.from, r.to_exclusive, &buckets).ok()) {
    Check(buckets.size() >= 1 && buckets.size() <= TimeBuckets::kMaxBuckets);
    (void)buckets.Label(0);
    (void)buckets.Label(buckets.size() - 1);
  }
}

void Funnel(std::string_view json) {
  FunnelRequest r;
  Status s = ParseFunnelRequest(json, &r);
  if (!s.ok()) return CheckRefusal(s);
  Check(!r.steps.empty() && r.steps.size() <= 20);
  for (const EventMatcher& m : r.steps) CheckMatcher(m);
  Check(r.exclusions.size() <= 10);
  for (const FunnelExclusion& x : r.exclusions) {
    CheckMatcher(x.match);
    Check(1 <= x.first_step && x.first_step < x.last_step && x.last_step <= static_cast<int>(r.steps.size()));
  }
  Check(r.order != FunnelOrder::kAny || r.exclusions.empty());
  Check(r.hold_constant.size() <= 3);
  for (const PropertyRef& p : r.hold_constant) CheckProperty(p);
  if (r.group_by) CheckProperty(*r.group_by);
  Check(r.window_ms >= 1000 && r.window_ms <= int64_t{366} * 86'400'000);
}

void Retention(std::string_view json) {
  RetentionRequest r;
  Status s = ParseRetentionRequest(json, &r);
  if (!s.ok()) return CheckRefusal(s);
  CheckMatcher(r.start);
  CheckMatcher(r.return_event);
  CheckRange(r.from, r.to_exclusive);
  Check(r.periods >= 1 && r.periods <= kMaxRetentionPeriods);
  if (r.mode == RetentionMode::kBrackets) {
    Check(!r.brackets.empty() && r.brackets.size() <= kMaxRetentionBrackets);
    int prev = 0;
    for (const auto& [a, b] : r.brackets) {
      Check(a > prev && a <= b && b <= kMaxRetentionPeriods);
      prev = b;
    }
  } else {
    Check(r.brackets.empty());
  }
  Check(r.columns() >= 1 && r.last_period() == r.column_last_period(r.columns()));
}

// Walks the tree: every leaf index used exactly once, operators well formed.
void CheckNode(const AudienceRequest& r, const AudienceNode& n, int depth, std::vector<int>* uses, bool* has_not) {
  Check(depth <= kMaxAudienceDepth);
  switch (n.op) {
    case AudienceNode::Op::kLeaf:
      Check(n.leaf >= 0 && static_cast<size_t>(n.leaf) < r.leaves.size() && n.children.empty());
      ++(*uses)[n.leaf];
      return;
    case AudienceNode::Op::kNot:
      Check(n.children.size() == 1);
      *has_not = true;
      break;
    default:
      Check(!n.children.empty());
  }
  for (const AudienceNode& c : n.children) CheckNode(r, c, depth + 1, uses, has_not);
}

void Audience(std::string_view json) {
  AudienceRequest r;
  Status s = ParseAudienceRequest(json, &r);
  if (!s.ok()) return CheckRefusal(s);
  Check(!r.leaves.empty() && r.leaves.size() <= kMaxAudienceLeaves);
  std::vector<int> uses(r.leaves.size());
  bool has_not = false;
  CheckNode(r, r.root, 1, &uses, &has_not);
  for (int u : uses) Check(u == 1);
  Check(has_not == r.has_not);
  for (const AudienceLeaf& leaf : r.leaves) {
    Check(!leaf.event_name.empty() && leaf.min_count >= 1 && leaf.min_count <= kMaxMinCount);
    CheckRange(leaf.from, leaf.to_exclusive);
    if (leaf.filter) Check(!leaf.filter->property.name.empty() && !leaf.filter->values.empty());
    Check(leaf.app.size() <= kMaxAudienceAppIdLength);
  }
  Check(r.std_devs >= 1 && r.std_devs <= 3 && r.sample <= kMaxAudienceSample);
  Check(!r.estimate || r.sample == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view json(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 's': Segmentation(json); break;
    case 'f': Funnel(json); break;
    case 'r': Retention(json); break;
    case 'a': Audience(json); break;
    default:
      Segmentation(json);
      Funnel(json);
      Retention(json);
      Audience(json);
  }
  return 0;
}
