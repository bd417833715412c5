#include "demo/demo_data.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>

namespace swell::demo {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

struct Weighted {
  const char* value;
  double weight;
};

const Weighted kPlatforms[] = {{"iOS", 0.45}, {"Android", 0.40}, {"Web", 0.15}};
const Weighted kCountries[] = {{"United States", 0.30}, {"Germany", 0.12}, {"India", 0.12}, {"Brazil", 0.09},
                               {"Japan", 0.08}, {"France", 0.07}, {"United Kingdom", 0.07},
                               {"Côte d'Ivoire", 0.03}, {"Türkiye", 0.04}, {"Ελλάδα", 0.03},
                               {"日本", 0.02}, {"Canada", 0.03}};
const Weighted kPlans[] = {{"free", 0.78}, {"pro", 0.18}, {"enterprise", 0.04}};
const Weighted kVersions[] = {{"3.2.0", 0.5}, {"3.1.4", 0.3}, {"3.0.9", 0.15}, {"2.9.1", 0.05}};
const Weighted kCategories[] = {{"shoes", 0.25}, {"books", 0.2}, {"café ☕", 0.12}, {"electronics", 0.18},
                                {"garden 🌱", 0.1}, {"toys", 0.1}, {"מוזיקה", 0.05}};
const Weighted kChannels[] = {{"organic", 0.5}, {"paid_search", 0.2}, {"social", 0.15},
                              {"email", 0.1}, {"referral", 0.05}};
const char* kSearchTerms[] = {"running shoes", "novel", "espresso", "headphones", "tulips", "lego",
                              "vinyl", "naïve café", "東京 guide", "gift card"};

class Generator {
 public:
  Generator(const DemoOptions& options, const std::function<Status(std::vector<Event>&&)>& sink)
      : options_(options), sink_(sink), rng_(options.seed) {}

  Status Run(uint64_t* generated) {
    int64_t end = options_.end_ms;
    if (end == 0)
      end = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
    end_ms_ = end;
    int64_t start_day = (end / kDayMs - options_.days + 1) * kDayMs;
    users_.resize(options_.users);
    for (uint64_t u = 0; u < options_.users; ++u) {
      User& user = users_[u];
      user.id = "user-" + std::to_string(100000 + u);
      user.device = "device-" + std::to_string(900000 + u * 7);
      // Sign-ups arrive through the whole period, more at the start.
      user.first_day = static_cast<int>(std::floor(std::pow(Uniform(), 1.6) * options_.days));
      user.platform = Pick(kPlatforms);
      user.country = Pick(kCountries);
      user.plan = Pick(kPlans);
      user.version = Pick(kVersions);
      user.channel = Pick(kChannels);
      user.engagement = 0.25 + 0.7 * Uniform();
      user.anonymous_first = Uniform() < 0.3;  // some browse before they log in
    }
    for (int day = 0; day < options_.days; ++day) {
      int64_t day_start = start_day + day * kDayMs;
      for (auto& user : users_) {
        if (user.churned || day < user.first_day) continue;
        if (day == user.first_day) {
          SWELL_RETURN_IF_ERROR(Emit(user, "sign_up", day_start + RandomOffsetInDay(), {}));
        } else {
          // Activity decays with age; some users churn for good.
          double age = day - user.first_day;
          if (Uniform() < 0.015 + 0.01 * (1 - user.engagement)) {
            user.churned = true;
            continue;
          }
          if (Uniform() > user.engagement * std::exp(-age / 20.0) + 0.05) continue;
        }
        int sessions = 1 + static_cast<int>(Uniform() * 2.5 * user.engagement);
        for (int s = 0; s < sessions; ++s) SWELL_RETURN_IF_ERROR(Session(user, day_start + RandomOffsetInDay()));
      }
    }
    SWELL_RETURN_IF_ERROR(Flush());
    *generated = generated_;
    return Status::OK();
  }

 private:
  struct User {
    std::string id, device, platform, country, plan, version, channel;
    int first_day = 0;
    double engagement = 0.5;
    bool churned = false;
    bool anonymous_first = false;
    bool identified = false;
  };

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  template <size_t N>
  const char* Pick(const Weighted (&options)[N]) {
    double total = 0;
    for (const auto& o : options) total += o.weight;
    double r = Uniform() * total;
    for (const auto& o : options) {
      if (r < o.weight) return o.value;
      r -= o.weight;
    }
    return options[N - 1].value;
  }

  // Evening-heavy local activity.
  int64_t RandomOffsetInDay() {
    double h = std::normal_distribution<double>(15.0, 4.5)(rng_);
    h = std::fmod(std::fmod(h, 24.0) + 24.0, 24.0);
    return static_cast<int64_t>(h * kHourMs);
  }

  Status Session(User& user, int64_t t) {
    int64_t session_id = t;
    auto step = [&](const char* name, std::vector<Property> props) -> Status {
      SWELL_RETURN_IF_ERROR(Emit(user, name, t, std::move(props), session_id));
      t += static_cast<int64_t>(5000 + Uniform() * 120000);
      return Status::OK();
    };
    SWELL_RETURN_IF_ERROR(step("app_open", {{"channel", PropertyValue::String(user.channel)}}));
    if (user.anonymous_first && !user.identified && Uniform() < 0.4) user.identified = true;
    int views = 1 + static_cast<int>(Uniform() * 6);
    const char* category = Pick(kCategories);
    for (int v = 0; v < views; ++v) {
      if (Uniform() < 0.3) {
        SWELL_RETURN_IF_ERROR(step("search", {{"query", PropertyValue::String(kSearchTerms[rng_() % 10])},
                                              {"results", PropertyValue::Int(static_cast<int64_t>(Uniform() * 80))}}));
      }
      double price = std::round((5 + std::pow(Uniform(), 2) * 300) * 100) / 100;
      SWELL_RETURN_IF_ERROR(step("view_item", {{"category", PropertyValue::String(category)},
                                               {"item_id", PropertyValue::String("sku-" + std::to_string(rng_() % 5000))},
                                               {"price", PropertyValue::Double(price)}}));
    }
    // The purchase funnel: view_item -> add_to_cart -> begin_checkout -> purchase.
    double intent = 0.2 + 0.5 * user.engagement + (user.plan == std::string("free") ? 0 : 0.15);
    if (Uniform() < intent * 0.6) {
      SWELL_RETURN_IF_ERROR(step("add_to_cart", {{"category", PropertyValue::String(category)}}));
      if (Uniform() < 0.55) {
        SWELL_RETURN_IF_ERROR(step("begin_checkout", {{"items", PropertyValue::Int(1 + rng_() % 4)}}));
        if (Uniform() < 0.7) {
          double revenue = std::round((10 + Uniform() * 250) * 100) / 100;
          SWELL_RETURN_IF_ERROR(step("purchase", {{"category", PropertyValue::String(category)},
                                                  {"revenue", PropertyValue::Double(revenue)},
                                                  {"currency", PropertyValue::String("USD")}}));
        }
      }
    }
    if (Uniform() < 0.1) SWELL_RETURN_IF_ERROR(step("share", {{"target", PropertyValue::String("messenger")}}));
    if (Uniform() < 0.05) SWELL_RETURN_IF_ERROR(step("error", {{"code", PropertyValue::Int(500 + rng_() % 4)}}));
    return Status::OK();
  }

  Status Emit(User& user, const char* name, int64_t t, std::vector<Property> props, int64_t session_id = -1) {
    if (t > end_ms_) return Status::OK();  // the demo has no future events
    Event e;
    e.event_type = name;
    if (!user.anonymous_first || user.identified) e.user_id = user.id;
    e.device_id = user.device;
    e.time_ms = t;
    // Mobile clients batch while offline: a few events arrive hours late.
    e.arrival_ms = std::min(end_ms_, t + (Uniform() < 0.02 ? static_cast<int64_t>(Uniform() * 6 * kHourMs) : 300));
    e.session_id = session_id;
    e.insert_id = user.device + "-" + std::to_string(generated_ + pending_.size());
    e.fields = {{"platform", PropertyValue::String(user.platform)},
                {"country", PropertyValue::String(user.country)},
                {"app_version", PropertyValue::String(user.version)}};
    e.event_properties = std::move(props);
    e.user_properties = {{"plan", PropertyValue::String(user.plan)},
                         {"channel", PropertyValue::String(user.channel)}};
    pending_.push_back(std::move(e));
    if (pending_.size() >= options_.batch_events) return Flush();
    return Status::OK();
  }

  Status Flush() {
    if (pending_.empty()) return Status::OK();
    generated_ += pending_.size();
    std::vector<Event> batch;
    batch.swap(pending_);
    return sink_(std::move(batch));
  }

  const DemoOptions& options_;
  const std::function<Status(std::vector<Event>&&)>& sink_;
  std::mt19937_64 rng_;
  std::vector<User> users_;
  std::vector<Event> pending_;
  uint64_t generated_ = 0;
  int64_t end_ms_ = 0;
};

}  // namespace

Status GenerateDemoEvents(const DemoOptions& options, const std::function<Status(std::vector<Event>&& batch)>& sink,
                          uint64_t* events_generated) {
  if (options.days <= 0 || options.users == 0) return Status::InvalidArgument("demo needs at least one user and one day");
  Generator generator(options, sink);
  uint64_t n = 0;
  SWELL_RETURN_IF_ERROR(generator.Run(&n));
  if (events_generated) *events_generated = n;
  return Status::OK();
}

}  // namespace swell::demo
