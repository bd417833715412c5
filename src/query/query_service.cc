#include "query/query_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include <roaring/roaring.hh>

#include "lake/snapshot_holder.h"
#include "query/audience.h"
#include "query/audience_request.h"
#include "query/audience_run.h"
#include "query/result_cache.h"
#include "query/event_stream.h"
#include "query/funnel.h"
#include "query/lake_scan.h"
#include "query/partition_cache.h"
#include "query/query_request.h"
#include "query/retention.h"
#include "query/segmentation.h"
#include "query/time_buckets.h"
#include "query/timezone.h"
#include "speed/app_state.h"
#include "speed/speed_layer.h"
#include "util/json_writer.h"

namespace swell::query {

namespace {

class QueryServiceImpl : public QueryService {
 public:
  QueryServiceImpl(speed::SpeedLayer* speed, LakeAccess lake, QueryOptions options)
      : speed_(speed), lake_(lake), options_(options) {
    if (lake_.storage) cache_ = std::make_unique<PartitionCache>(lake_.storage, lake_.cache_bytes);
    results_ = std::make_unique<ResultCache>(options_.result_cache_bytes);
  }

  QueryStats stats() const override {
    QueryStats s;
    s.partitions_from_sets = from_sets_.load(std::memory_order_relaxed);
    s.partitions_scanned = scanned_.load(std::memory_order_relaxed);
    s.stream_rows = stream_rows_.load(std::memory_order_relaxed);
    if (cache_) {
      PartitionCacheStats c = cache_->stats();
      s.partition_cache_hits = c.hits;
      s.partition_cache_misses = c.misses;
      s.partition_cache_bytes = c.bytes;
    }
    ResultCacheStats r = results_->stats();
    s.result_cache_hits = r.hits;
    s.result_cache_misses = r.misses;
    s.result_cache_evictions = r.evictions;
    s.result_cache_bytes = r.bytes;
    return s;
  }

  Status Segmentation(const std::string& app_id, std::string_view request_json, std::string* response_json) override {
    SegmentationRequest req;
    SWELL_RETURN_IF_ERROR(ParseSegmentationRequest(request_json, &req));
    SWELL_RETURN_IF_ERROR(CheckRangeDays("", req.from, req.to_exclusive, options_.limits.max_range_days));
    if (!req.group_by.empty() && req.limit == 0) req.limit = options_.limits.default_group_limit;
    std::shared_ptr<const TimeZone> tz;
    SWELL_RETURN_IF_ERROR(GetZone(req.timezone, &tz));
    TimeBuckets buckets;
    SWELL_RETURN_IF_ERROR(TimeBuckets::Make(req.interval, tz, req.from, req.to_exclusive, &buckets));
    SegmentationPartial partial;
    // The lake version is taken while the app is held, so that it and the
    // speed layer's rows are of one moment (SpeedLayer::EvictSealed).
    std::shared_ptr<const lake::Snapshot> snapshot;
    Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      snapshot = Snapshot();
      ScanSpeedLayer(req, buckets, app, &partial);
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
    if (st.IsNotFound()) snapshot = Snapshot();
    if (snapshot) {
      LakeScanStats lake_stats;
      SWELL_RETURN_IF_ERROR(ScanLakeSegmentation(req, buckets, app_id, *snapshot, cache_.get(),
                                                 &partial, &lake_stats));
      from_sets_.fetch_add(lake_stats.partitions_from_sets, std::memory_order_relaxed);
      scanned_.fetch_add(lake_stats.partitions_scanned, std::memory_order_relaxed);
    }
    *response_json = RenderSegmentation(req, buckets, partial);
    return Status::OK();
  }

  Status Funnel(const std::string& app_id, std::string_view request_json, std::string* response_json) override {
    std::unique_ptr<FunnelQuery> query;
    SWELL_RETURN_IF_ERROR(FunnelQuery::Create(request_json, Zones(), &query));
    SWELL_RETURN_IF_ERROR(CheckRangeDays("", query->request().from, query->request().to_exclusive,
                                         options_.limits.max_range_days));
    EventStream stream;
    SWELL_RETURN_IF_ERROR(BuildStream(app_id, query->stream_spec(), &stream));
    *response_json = query->Evaluate(stream);
    return Status::OK();
  }

  Status Retention(const std::string& app_id, std::string_view request_json, std::string* response_json) override {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    std::unique_ptr<RetentionQuery> query;
    SWELL_RETURN_IF_ERROR(RetentionQuery::Create(request_json, Zones(), now_ms, &query));
    SWELL_RETURN_IF_ERROR(CheckRangeDays("", query->request().from, query->request().to_exclusive,
                                         options_.limits.max_range_days));
    if (query->SetsAnswer()) {
      // From the user sets, no row read. As Segmentation, the lake version
      // is taken while the app is held. A source without the sets this
      // request needs (NotSupported) sends it to the stream below.
      RetentionSetsPartial partial = query->NewSetsPartial();
      std::shared_ptr<const lake::Snapshot> snapshot;
      Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
        snapshot = Snapshot();
        return query->AddSpeedSets(app, &partial);
      });
      if (st.IsNotFound()) {
        snapshot = Snapshot();
        st = Status::OK();
      }
      uint64_t files = 0;
      if (st.ok() && snapshot) st = query->AddLakeSets(app_id, *snapshot, cache_.get(), &partial, &files);
      if (st.ok()) {
        from_sets_.fetch_add(files, std::memory_order_relaxed);
        *response_json = query->EvaluateSets(partial);
        return Status::OK();
      }
      if (!st.IsNotSupported()) return st;
    }
    EventStream stream;
    SWELL_RETURN_IF_ERROR(BuildStream(app_id, query->stream_spec(), &stream));
    *response_json = query->Evaluate(stream);
    return Status::OK();
  }

  Status Audience(const std::string& app_id, std::string_view request_json, std::string* response_json) override {
    return AudienceAcross({app_id}, request_json, response_json);
  }

  Status AudienceAcross(const std::vector<std::string>& apps, std::string_view request_json,
                        std::string* response_json) override {
    AudienceSources sources;
    sources.speed = speed_;
    sources.snapshot = [this] { return Snapshot(); };
    sources.partitions = cache_.get();
    sources.results = results_.get();
    sources.chunk_days = options_.audience_chunk_days;
    sources.max_range_days = options_.limits.max_range_days;
    sources.zone = [this](const std::string& name, std::shared_ptr<const TimeZone>* out) { return GetZone(name, out); };
    AudienceScanStats scan;
    Status st = RunAudience(sources, apps, request_json, response_json, &scan);
    from_sets_.fetch_add(scan.partitions_from_sets, std::memory_order_relaxed);
    scanned_.fetch_add(scan.partitions_scanned, std::memory_order_relaxed);
    return st;
  }

  Status EventNames(const std::string& app_id, std::string* response_json) override {
    struct Counts {
      uint64_t totals = 0;
      Roaring users;
    };
    std::map<std::string, Counts> by_name;
    std::shared_ptr<const lake::Snapshot> snapshot;
    Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      snapshot = Snapshot();
      // From the all-users set of each name and hour: no row is read.
      for (uint32_t name = 0; name < app.names().size(); ++name) {
        Counts c;
        std::vector<const Roaring*> sets;
        for (const auto& [hour, buf] : app.hours()) {
          const speed::UserSet* set = buf->FindSet(name, speed::kAllKey, 0);
          if (!set) continue;
          c.totals += set->events;
          sets.push_back(&set->users);
        }
        if (sets.empty()) continue;
        c.users = Roaring::fastunion(sets.size(), sets.data());
        by_name.emplace(std::string(app.names().Get(name)), std::move(c));
      }
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
    if (st.IsNotFound()) snapshot = Snapshot();
    if (snapshot) {
      std::map<std::string, EventNameCounts> sealed;
      SWELL_RETURN_IF_ERROR(LakeEventNames(app_id, *snapshot, cache_.get(), &sealed));
      for (auto& [name, counts] : sealed) {
        Counts& c = by_name[name];
        c.totals += counts.totals;
        c.users |= counts.users;
      }
    }
    std::vector<std::pair<const std::string*, const Counts*>> rows;
    for (const auto& [name, c] : by_name) rows.emplace_back(&name, &c);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second->totals > b.second->totals; });
    // A client can make up any number of names; the list stays a page
    // (docs/api.md "Limits"), the most frequent first.
    constexpr size_t kMaxEventNames = 10'000;
    const bool truncated = rows.size() > kMaxEventNames;
    if (truncated) rows.resize(kMaxEventNames);
    JsonWriter w;
    w.BeginObject().Key("events").BeginArray();
    for (const auto& [name, c] : rows)
      w.BeginObject().Key("name").String(*name).Key("totals").Uint(c->totals).Key("users").Uint(c->users.cardinality()).EndObject();
    w.EndArray();
    if (truncated) w.Key("truncated").Bool(true);
    w.EndObject();
    *response_json = w.Take();
    return Status::OK();
  }

 private:
  Status GetZone(const std::string& name, std::shared_ptr<const TimeZone>* out) {
    if (name == "UTC") {
      *out = TimeZone::Utc();
      return Status::OK();
    }
    std::lock_guard lock(zones_mu_);
    auto it = zones_.find(name);
    if (it != zones_.end()) {
      *out = it->second;
      return Status::OK();
    }
    SWELL_RETURN_IF_ERROR(TimeZone::Load(name, out));
    // Bounded: only names that exist as zone files get here.
    zones_.emplace(name, *out);
    return Status::OK();
  }

  ZoneResolver Zones() {
    return [this](const std::string& name, std::shared_ptr<const TimeZone>* out) { return GetZone(name, out); };
  }

  // The per-user stream of a behavioral query: the speed layer's rows read
  // while the app is held (the lake version taken then, as Segmentation
  // does), then the sealed days of that version.
  Status BuildStream(const std::string& app_id, const StreamSpec& spec, EventStream* out) {
    StreamBuilder builder(spec);
    std::shared_ptr<const lake::Snapshot> snapshot;
    Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      snapshot = Snapshot();
      builder.AddSource(app);
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
    if (st.IsNotFound()) snapshot = Snapshot();
    if (snapshot) SWELL_RETURN_IF_ERROR(builder.AddLake(app_id, *snapshot, cache_.get()));
    StreamStats stream_stats = builder.stats();
    scanned_.fetch_add(stream_stats.partitions_scanned, std::memory_order_relaxed);
    stream_rows_.fetch_add(stream_stats.rows_kept, std::memory_order_relaxed);
    *out = builder.Finish();
    return Status::OK();
  }

  // The version queries read now, or null without a lake.
  std::shared_ptr<const lake::Snapshot> Snapshot() const {
    return lake_.storage && lake_.snapshots ? lake_.snapshots->Get() : nullptr;
  }

  speed::SpeedLayer* speed_;
  LakeAccess lake_;
  QueryOptions options_;
  std::unique_ptr<PartitionCache> cache_;
  std::unique_ptr<ResultCache> results_;
  std::atomic<uint64_t> from_sets_{0}, scanned_{0}, stream_rows_{0};
  std::mutex zones_mu_;
  std::map<std::string, std::shared_ptr<const TimeZone>> zones_;
};

}  // namespace

std::unique_ptr<QueryService> QueryService::Create(speed::SpeedLayer* speed, LakeAccess lake,
                                                   QueryOptions options) {
  return std::make_unique<QueryServiceImpl>(speed, lake, options);
}

}  // namespace swell::query
