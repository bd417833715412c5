#include "query/audience_run.h"

#include <algorithm>
#include <unordered_map>

#include "query/audience_request.h"
#include "query/audience_sketch.h"
#include "query/civil_time.h"
#include "query/request_limits.h"
#include "lake/layout.h"
#include "speed/app_state.h"

namespace swell::query {

namespace {

// What one app contributes to one chunk term: the unit the result cache
// keeps. Exact mode fills users or counts, estimate mode sketch or
// hash_counts (counts keyed by the users' item hashes, so that they add
// across apps).
struct TermValue {
  Roaring users;
  std::unordered_map<uint32_t, uint32_t> counts;
  CompactThetaSketch sketch;
  std::unordered_map<uint64_t, uint32_t> hash_counts;

  uint64_t Bytes() const {
    return sizeof(*this) + users.getSizeInBytes(false) + counts.size() * 16 + hash_counts.size() * 24 +
           sketch.NumRetained() * 8;
  }
};

// Per request term, what every chunk of every app added up to.
struct TermTotal {
  Roaring users;
  std::unordered_map<uint32_t, uint32_t> counts;
  ThetaUnion sketches;
  std::unordered_map<uint64_t, uint32_t> hash_counts;

  void Add(const TermValue& v, bool estimate) {
    if (!estimate) {
      users |= v.users;
      for (const auto& [user, n] : v.counts) counts[user] += n;
      return;
    }
    (void)sketches.Update(v.sketch);  // one seed throughout
    for (const auto& [hash, n] : v.hash_counts) hash_counts[hash] += n;
  }
};

// The apps each leaf reads; PermissionDenied for an app the key cannot read.
Status ResolveLeafApps(const AudienceRequest& req, const std::vector<std::string>& apps,
                       std::vector<std::vector<std::string>>* out) {
  out->clear();
  for (const AudienceLeaf& leaf : req.leaves) {
    if (leaf.app.empty()) {
      out->push_back(apps);
      continue;
    }
    if (std::find(apps.begin(), apps.end(), leaf.app) == apps.end())
      return Status::PermissionDenied(leaf.field + ".app: this key does not read app \"" + leaf.app + "\"");
    out->push_back({leaf.app});
  }
  return Status::OK();
}

// Reads the chunk terms of `units` that apply to app (applies[u]) from the
// cache or the data; values[u] is then set for each of them.
Status ReadApp(const AudienceSources& sources, const std::string& app_id, const AudiencePlan& units,
               const std::vector<bool>& applies, std::vector<std::shared_ptr<const TermValue>>* values,
               AudienceScanStats* stats) {
  const bool estimate = units.estimate;
  const std::string prefix = std::to_string(app_id.size()) + ":" + app_id + (estimate ? "|E|" : "|X|");
  std::vector<std::string> keys(units.terms.size()), versions(units.terms.size());
  std::vector<bool> need(units.terms.size(), false);
  bool any_need = false;
  AudiencePartial partial(units.terms.size(), estimate);
  std::shared_ptr<const lake::Snapshot> snapshot;

  auto look_up = [&](const speed::AppState* app) {
    for (size_t u = 0; u < units.terms.size(); ++u) {
      if (!applies[u]) continue;
      keys[u] = prefix + AudienceTermKey(units.terms[u]);
      versions[u] = AudienceTermVersion(units.terms[u], app_id, app, snapshot.get());
      if (sources.results) {
        if (auto hit = sources.results->Get(keys[u], versions[u])) {
          (*values)[u] = std::static_pointer_cast<const TermValue>(hit);
          continue;
        }
      }
      need[u] = any_need = true;
    }
  };
  // The lake version is taken while the app is held, as every query does,
  // so each event is read once: in the speed layer or in the lake.
  Status st = sources.speed->ReadApp(app_id, [&](const speed::AppState& app) {
    if (sources.snapshot) snapshot = sources.snapshot();
    look_up(&app);
    if (any_need) ScanAudience(units, app, &partial, &need, stats);
    return Status::OK();
  });
  if (st.IsNotFound()) {
    if (sources.snapshot) snapshot = sources.snapshot();
    look_up(nullptr);
  } else if (!st.ok()) {
    return st;
  }
  if (!any_need) return Status::OK();
  if (snapshot && sources.partitions)
    SWELL_RETURN_IF_ERROR(
        ScanLakeAudience(units, app_id, *snapshot, sources.partitions, &partial, stats, &need));

  std::vector<std::shared_ptr<TermValue>> fresh(units.terms.size());
  for (size_t u = 0; u < units.terms.size(); ++u)
    if (need[u]) fresh[u] = std::make_shared<TermValue>();
  if (!estimate) {
    for (size_t u = 0; u < units.terms.size(); ++u) {
      if (!need[u]) continue;
      fresh[u]->users = std::move(partial.users[u]);
      fresh[u]->counts = std::move(partial.counts[u]);
    }
  } else {
    // Users found in rows and in memory become sketches through the
    // dictionary's item hashes (the numbers of the lake and of the speed
    // layer are the same dictionary's).
    auto to_sketches = [&](const speed::UserDictionary* dict) -> Status {
      for (size_t u = 0; u < units.terms.size(); ++u) {
        if (!need[u]) continue;
        if (!dict && (!partial.users[u].isEmpty() || !partial.counts[u].empty()))
          return Status::NotSupported("estimate: app \"" + app_id + "\" has no user dictionary loaded");
        ThetaUnion& sketches = partial.sketches[u];
        if (dict && !partial.users[u].isEmpty()) SWELL_RETURN_IF_ERROR(sketches.Update(SketchOfUsers(partial.users[u], *dict)));
        fresh[u]->sketch = sketches.Result();
        if (dict) AddHashCounts(partial.counts[u], *dict, &fresh[u]->hash_counts);
      }
      return Status::OK();
    };
    Status conv = sources.speed->ReadApp(app_id, [&](const speed::AppState& app) { return to_sketches(&app.users()); });
    if (conv.IsNotFound()) conv = to_sketches(nullptr);
    SWELL_RETURN_IF_ERROR(conv);
  }
  for (size_t u = 0; u < units.terms.size(); ++u) {
    if (!need[u]) continue;
    if (sources.results) sources.results->Put(keys[u], versions[u], fresh[u], fresh[u]->Bytes());
    (*values)[u] = std::move(fresh[u]);
  }
  return Status::OK();
}

// The instants the apps hold events in, [*begin, *end) (empty when none):
// from the speed layer's hours and the lake's days.
Status DataSpan(const AudienceSources& sources, const std::vector<std::string>& apps, int64_t* begin, int64_t* end) {
  *begin = INT64_MAX;
  *end = INT64_MIN;
  for (const std::string& app_id : apps) {
    Status st = sources.speed->ReadApp(app_id, [&](const speed::AppState& app) {
      if (!app.hours().empty()) {
        *begin = std::min(*begin, app.hours().begin()->second->begin_ms());
        *end = std::max(*end, app.hours().rbegin()->second->begin_ms() + kMsPerHour);
      }
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
    std::shared_ptr<const lake::Snapshot> snapshot = sources.snapshot ? sources.snapshot() : nullptr;
    if (!snapshot) continue;
    for (const lake::LakeFile* f : snapshot->Select(lake::FileKind::kEvents, app_id, "0000-01-01", "9999-12-31")) {
      int32_t day = 0;
      if (!lake::ParseDate(f->date, &day)) continue;
      *begin = std::min(*begin, int64_t{day} * kMsPerDay);
      *end = std::max(*end, (int64_t{day} + 1) * kMsPerDay);
    }
  }
  return Status::OK();
}

}  // namespace

Status RunAudience(const AudienceSources& sources, const std::vector<std::string>& apps, std::string_view request_json,
                   std::string* response_json, AudienceScanStats* stats) {
  AudienceRequest req;
  SWELL_RETURN_IF_ERROR(ParseAudienceRequest(request_json, &req));
  for (const AudienceLeaf& leaf : req.leaves) {
    SWELL_RETURN_IF_ERROR(CheckRangeDays(leaf.field.empty() ? "" : leaf.field + ".", leaf.from, leaf.to_exclusive,
                                         sources.max_range_days));
  }
  std::vector<std::vector<std::string>> leaf_apps;
  SWELL_RETURN_IF_ERROR(ResolveLeafApps(req, apps, &leaf_apps));
  std::vector<std::string> involved;
  for (const auto& list : leaf_apps)
    for (const std::string& a : list)
      if (std::find(involved.begin(), involved.end(), a) == involved.end()) involved.push_back(a);
  if (!req.estimate && involved.size() > 1)
    return Status::InvalidArgument("mode: exact mode counts the users of one app and this tree reads " +
                                   std::to_string(involved.size()) +
                                   " apps; ask with \"mode\": \"estimate\" (theta sketches of user ids add up across apps)");
  std::shared_ptr<const TimeZone> tz;
  SWELL_RETURN_IF_ERROR(sources.zone(req.timezone, &tz));
  AudiencePlan plan;
  SWELL_RETURN_IF_ERROR(PlanAudience(req, tz, &plan));
  int64_t data_begin = 0, data_end = 0;
  SWELL_RETURN_IF_ERROR(DataSpan(sources, involved, &data_begin, &data_end));
  const AudiencePlan units = ChunkAudiencePlan(plan, sources.chunk_days, data_begin, data_end);

  std::vector<TermTotal> totals(plan.terms.size());
  for (const std::string& app : involved) {
    std::vector<bool> applies(units.terms.size(), false);
    for (size_t u = 0; u < units.terms.size(); ++u) {
      const size_t t = units.terms[u].origin;
      applies[u] = t >= plan.leaves ||
                   std::find(leaf_apps[t].begin(), leaf_apps[t].end(), app) != leaf_apps[t].end();
    }
    std::vector<std::shared_ptr<const TermValue>> values(units.terms.size());
    SWELL_RETURN_IF_ERROR(ReadApp(sources, app, units, applies, &values, stats));
    for (size_t u = 0; u < units.terms.size(); ++u)
      if (values[u]) totals[units.terms[u].origin].Add(*values[u], req.estimate);
  }

  if (req.estimate) {
    std::vector<CompactThetaSketch> leaves;
    for (size_t t = 0; t < plan.leaves; ++t) {
      const AudienceTerm& term = plan.terms[t];
      leaves.push_back(term.min_count > 1 ? SketchOfHashCounts(totals[t].hash_counts, term.min_count)
                                          : totals[t].sketches.Result());
    }
    ThetaUnion universe;
    for (size_t t = plan.leaves; t < plan.terms.size(); ++t) (void)universe.Update(totals[t].sketches.Result());
    const CompactThetaSketch universe_sketch = universe.Result();
    CompactThetaSketch result;
    SWELL_RETURN_IF_ERROR(
        EvaluateAudienceSketch(req.root, leaves, req.has_not ? &universe_sketch : nullptr, &result));
    *response_json = RenderAudienceEstimate(result, req.std_devs);
    return Status::OK();
  }

  std::vector<Roaring> leaves;
  for (size_t t = 0; t < plan.leaves; ++t)
    leaves.push_back(AudienceTermSet(plan.terms[t], totals[t].users, totals[t].counts));
  Roaring universe;
  for (size_t t = plan.leaves; t < plan.terms.size(); ++t) universe |= totals[t].users;
  const Roaring audience = EvaluateAudienceSets(req.root, leaves, universe);
  std::vector<std::string> sample;
  if (req.sample > 0 && !audience.isEmpty() && involved.size() == 1) {
    // The first users by number; their ids from the app's dictionary (a
    // user key is "u:" + user_id or "d:" + device_id).
    std::vector<uint32_t> numbers;
    for (auto it = audience.begin(); it != audience.end() && numbers.size() < req.sample; ++it) numbers.push_back(*it);
    Status st = sources.speed->ReadApp(involved[0], [&](const speed::AppState& app) {
      for (uint32_t n : numbers) {
        if (n >= app.users().size()) continue;
        std::string_view key = app.users().KeyOf(n);
        sample.emplace_back(key.size() >= 2 ? key.substr(2) : key);
      }
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  *response_json = RenderAudience(req, audience.cardinality(), sample);
  return Status::OK();
}

}  // namespace swell::query
