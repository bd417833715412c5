#include "speed/speed_layer.h"

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "speed/app_state.h"
#include "util/file_util.h"

namespace swell::speed {

bool IsSafeAppId(std::string_view app_id) {
  if (app_id.empty() || app_id.size() > 128 || app_id == "." || app_id == "..") return false;
  for (char c : app_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

namespace {

class SpeedLayerImpl : public SpeedLayer {
 public:
  explicit SpeedLayerImpl(const SpeedOptions& options) : options_(options) {}

  Status Apply(const EventBatch& batch, uint64_t lsn, ApplyResult* result) override {
    *result = ApplyResult();
    AppState* app = nullptr;
    SWELL_RETURN_IF_ERROR(GetOrOpenApp(batch.app_id, &app));
    Status st;
    uint64_t before_bytes, after_bytes, users_before, users_after;
    {
      std::unique_lock lock(app->mu);
      before_bytes = app->MemoryBytes();
      users_before = app->users().size();
      st = app->Apply(batch.events, lsn, result);
      after_bytes = app->MemoryBytes();
      users_after = app->users().size();
    }
    events_.fetch_add(result->applied, std::memory_order_relaxed);
    duplicates_.fetch_add(result->duplicates, std::memory_order_relaxed);
    users_.fetch_add(users_after - users_before, std::memory_order_relaxed);
    memory_.fetch_add(after_bytes - before_bytes, std::memory_order_relaxed);
    return st;
  }

  bool OverMemoryLimit() const override {
    return memory_.load(std::memory_order_relaxed) > options_.memory_limit_bytes;
  }

  // Opens the app's state, loading its user dictionary.
  Status LoadApp(const std::string& app_id) {
    AppState* app;
    return GetOrOpenApp(app_id, &app);
  }

  SpeedStats stats() const override {
    SpeedStats s;
    s.events = events_.load(std::memory_order_relaxed);
    s.users = users_.load(std::memory_order_relaxed);
    s.memory_bytes = memory_.load(std::memory_order_relaxed);
    s.duplicates_dropped = duplicates_.load(std::memory_order_relaxed);
    return s;
  }

  Status ReadApp(const std::string& app_id, const std::function<Status(const AppState&)>& fn) const override {
    const AppState* app = nullptr;
    {
      std::shared_lock lock(apps_mu_);
      auto it = apps_.find(app_id);
      if (it != apps_.end()) app = it->second.get();
    }
    if (app == nullptr) return Status::NotFound("app holds no events: " + app_id);
    std::shared_lock lock(app->mu);
    return fn(*app);
  }

  std::vector<std::string> AppIds() const override {
    std::shared_lock lock(apps_mu_);
    std::vector<std::string> ids;
    for (const auto& [id, app] : apps_) ids.push_back(id);
    return ids;
  }

  Status EvictSealed(const std::string& app_id, const std::vector<int32_t>& days, uint64_t max_lsn,
                     const std::function<void()>& publish, uint64_t* evicted) override {
    *evicted = 0;
    AppState* app = nullptr;
    SWELL_RETURN_IF_ERROR(GetOrOpenApp(app_id, &app));
    uint64_t before, after;
    {
      std::unique_lock lock(app->mu);
      if (publish) publish();
      before = app->MemoryBytes();
      for (int32_t day : days) {
        *evicted += app->EvictSealed(int64_t{day} * 24, int64_t{day} * 24 + 24, max_lsn);
        app->SetSealedWatermark(day, max_lsn);
      }
      after = app->MemoryBytes();
    }
    events_.fetch_sub(*evicted, std::memory_order_relaxed);
    memory_.fetch_sub(before - after, std::memory_order_relaxed);
    return Status::OK();
  }

  Status SetSealedWatermark(const std::string& app_id, int32_t day, uint64_t lsn) override {
    AppState* app = nullptr;
    SWELL_RETURN_IF_ERROR(GetOrOpenApp(app_id, &app));
    std::unique_lock lock(app->mu);
    app->SetSealedWatermark(day, lsn);
    return Status::OK();
  }

  uint64_t MinRowLsn() const override {
    std::shared_lock lock(apps_mu_);
    uint64_t min = 0;
    for (const auto& [id, app] : apps_) {
      std::shared_lock app_lock(app->mu);
      uint64_t m = app->MinRowLsn();
      if (m != 0 && (min == 0 || m < min)) min = m;
    }
    return min;
  }

  Status SyncDictionaries() override {
    std::shared_lock lock(apps_mu_);
    for (const auto& [id, app] : apps_) {
      std::unique_lock app_lock(app->mu);
      SWELL_RETURN_IF_ERROR(app->mutable_users()->Sync());
    }
    return Status::OK();
  }

 private:
  Status GetOrOpenApp(const std::string& app_id, AppState** out) {
    {
      std::shared_lock lock(apps_mu_);
      auto it = apps_.find(app_id);
      if (it != apps_.end()) {
        *out = it->second.get();
        return Status::OK();
      }
    }
    if (!IsSafeAppId(app_id)) return Status::InvalidArgument("app id not allowed: " + app_id);
    std::unique_lock lock(apps_mu_);
    auto it = apps_.find(app_id);
    if (it == apps_.end()) {
      std::string dict_path;
      if (!options_.data_dir.empty()) {
        std::string dir = options_.data_dir + "/apps/" + app_id;
        SWELL_RETURN_IF_ERROR(CreateDirectories(dir));
        dict_path = dir + "/users.dict";
      }
      std::unique_ptr<AppState> app;
      SWELL_RETURN_IF_ERROR(AppState::Open(app_id, dict_path, options_.dedup_window_ms, &app));
      // Users loaded from the dictionary count as held.
      users_.fetch_add(app->users().size(), std::memory_order_relaxed);
      memory_.fetch_add(app->MemoryBytes(), std::memory_order_relaxed);
      it = apps_.emplace(app_id, std::move(app)).first;
    }
    *out = it->second.get();
    return Status::OK();
  }

  SpeedOptions options_;
  mutable std::shared_mutex apps_mu_;
  std::map<std::string, std::unique_ptr<AppState>> apps_;
  std::atomic<uint64_t> events_{0}, duplicates_{0}, users_{0}, memory_{0};
};

}  // namespace

Status SpeedLayer::Open(const SpeedOptions& options, std::unique_ptr<SpeedLayer>* out) {
  if (options.dedup_window_ms <= 0) return Status::InvalidArgument("dedup_window_ms must be positive");
  auto speed = std::make_unique<SpeedLayerImpl>(options);
  if (!options.data_dir.empty()) {
    std::string apps = options.data_dir + "/apps";
    SWELL_RETURN_IF_ERROR(CreateDirectories(apps));
    std::vector<std::string> names;
    SWELL_RETURN_IF_ERROR(ListDirectory(apps, &names));
    for (const std::string& app : names)
      if (IsSafeAppId(app) && FileExists(apps + "/" + app + "/users.dict"))
        SWELL_RETURN_IF_ERROR(speed->LoadApp(app));
  }
  *out = std::move(speed);
  return Status::OK();
}

}  // namespace swell::speed
