#include "query/query_service.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include <roaring/roaring.hh>

#include "query/query_request.h"
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
  explicit QueryServiceImpl(speed::SpeedLayer* speed) : speed_(speed) {}

  Status Segmentation(const std::string& app_id, std::string_view request_json, std::string* response_json) override {
    SegmentationRequest req;
    SWELL_RETURN_IF_ERROR(ParseSegmentationRequest(request_json, &req));
    std::shared_ptr<const TimeZone> tz;
    SWELL_RETURN_IF_ERROR(GetZone(req.timezone, &tz));
    TimeBuckets buckets;
    SWELL_RETURN_IF_ERROR(TimeBuckets::Make(req.interval, tz, req.from, req.to_exclusive, &buckets));
    SegmentationPartial partial;
    Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      ScanSpeedLayer(req, buckets, app, &partial);
      return Status::OK();
    });
    if (!st.ok() && !st.IsNotFound()) return st;
    *response_json = RenderSegmentation(req, buckets, partial);
    return Status::OK();
  }

  Status EventNames(const std::string& app_id, std::string* response_json) override {
    struct Counts {
      uint64_t totals = 0;
      Roaring users;
    };
    std::map<std::string, Counts> by_name;
    Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
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
    std::vector<std::pair<const std::string*, const Counts*>> rows;
    for (const auto& [name, c] : by_name) rows.emplace_back(&name, &c);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second->totals > b.second->totals; });
    JsonWriter w;
    w.BeginObject().Key("events").BeginArray();
    for (const auto& [name, c] : rows)
      w.BeginObject().Key("name").String(*name).Key("totals").Uint(c->totals).Key("users").Uint(c->users.cardinality()).EndObject();
    w.EndArray().EndObject();
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

  speed::SpeedLayer* speed_;
  std::mutex zones_mu_;
  std::map<std::string, std::shared_ptr<const TimeZone>> zones_;
};

}  // namespace

std::unique_ptr<QueryService> QueryService::Create(speed::SpeedLayer* speed) {
  return std::make_unique<QueryServiceImpl>(speed);
}

}  // namespace swell::query
