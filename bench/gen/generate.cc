// bench/gen/generate.cc: the benchmark data set, as Amplitude event objects,
// one per line (NDJSON), deterministic for a given seed and size.
//
//   generate --events 10000000 --users 1000000 --days 30 --seed 1
//            [--start 2026-10-01] [--out FILE[.zst]] [--meta FILE.json]
//
// The product it simulates: users sign up through the period (some already
// there at the start), come back in sessions on some days and churn for good
// after a while (a geometric lifetime). A session starts with session_start,
// then mixes 40 event names with a Zipf-like skew, and a purchase funnel:
// view_item -> add_to_cart -> purchase on the same item, with drop-off at
// every step. Properties of different cardinalities:
//   platform     top-level, 3 values (per user)
//   country      top-level, 50 values, Zipf (per user)
//   app_version  top-level, 20 values, skewed to recent (per user)
//   plan         user property, 4 values (per user)
//   item_id      event property on item events, 100,000 values, Zipf
//   price        event property on purchase (a number)
// About 8% of users never log in: their events carry only a device_id.
// A small share of events is sent twice (identical line, same insert_id,
// a few lines later: an SDK retry) and a small share arrives late (written
// 1 to 72 hours after its event time, out of order in the file).
//
// Output is roughly in arrival order. The line count is exactly --events
// (duplicates included).
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

// splitmix64: a fast deterministic generator; its finalizer is a bijection,
// which makes unique ids from counters.
inline uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9e3779b97f4a7c15ULL + 12345) {}
  uint64_t Next() { return Mix(s += 0x9e3779b97f4a7c15ULL); }
  double Uniform() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>(Uniform() * n); }
  double Exp(double mean) { return -mean * std::log(1.0 - Uniform()); }
};

// Sampling from a fixed discrete distribution by binary search over its CDF.
struct Discrete {
  std::vector<double> cdf;
  void Init(const std::vector<double>& weights) {
    cdf.resize(weights.size());
    double total = 0;
    for (double w : weights) total += w;
    double acc = 0;
    for (size_t i = 0; i < weights.size(); ++i) cdf[i] = (acc += weights[i] / total);
    cdf.back() = 1.0;
  }
  void InitZipf(size_t n, double s) {
    std::vector<double> w(n);
    for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(static_cast<double>(i + 1), s);
    Init(w);
  }
  size_t Sample(Rng& rng) const {
    size_t i = static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), rng.Uniform()) - cdf.begin());
    return i < cdf.size() ? i : cdf.size() - 1;
  }
};

// 40 event names. The funnel and session events are emitted by the session
// model; the rest ("filler") are drawn with a Zipf skew.
const char* kSessionStart = "session_start";
const char* kViewItem = "view_item";
const char* kAddToCart = "add_to_cart";
const char* kPurchase = "purchase";
const char* kFiller[] = {
    "page_view", "screen_view", "click_button", "scroll", "search", "app_open", "notification_received",
    "video_play", "view_cart", "like", "app_close", "login", "share", "notification_opened",
    "video_pause", "add_to_wishlist", "comment", "view_promotion", "follow", "video_complete",
    "remove_from_cart", "begin_checkout", "select_promotion", "rate_item", "settings_changed",
    "error_shown", "apply_coupon", "add_payment_info", "profile_updated", "logout", "invite_sent",
    "tutorial_begin", "tutorial_complete", "signup", "subscription_started", "subscription_cancelled"};
constexpr size_t kNumFiller = sizeof(kFiller) / sizeof(kFiller[0]);
static_assert(kNumFiller + 4 == 40, "40 event names");

const char* kPlatforms[] = {"iOS", "Android", "Web"};
const char* kPlans[] = {"free", "starter", "pro", "enterprise"};
const char* kCountries[] = {
    "US", "IN", "BR", "DE", "GB", "FR", "JP", "ID", "MX", "CA", "IT", "ES", "TR", "KR", "RU", "AU", "PH",
    "NG", "VN", "PL", "NL", "AR", "TH", "EG", "PK", "CO", "SA", "ZA", "MY", "BD", "SE", "BE", "CH", "CL",
    "UA", "RO", "PE", "AT", "IL", "NO", "DK", "FI", "IE", "PT", "CZ", "GR", "NZ", "HU", "SG", "KE"};
constexpr size_t kNumCountries = sizeof(kCountries) / sizeof(kCountries[0]);
static_assert(kNumCountries == 50, "50 countries");
constexpr int kNumVersions = 20;
constexpr int kNumItems = 100000;

struct User {
  int32_t first_day;  // may be negative: the user was there before the period
  int32_t last_day;   // churns after this day
  float engagement;   // chance to show up on a day while alive
  uint8_t platform, country, version, plan;
  bool anonymous;
};

struct Out {
  int64_t arrival;  // sort key of the output (event time, or later for a late event)
  uint64_t seq;     // generation order, to keep the sort stable and deterministic
  std::string line;
};

void AppendU64(std::string* s, uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) s->push_back(buf[--n]);
}
void AppendPadded(std::string* s, uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  s->append(buf, width);
}
void AppendHex(std::string* s, uint64_t v, int digits) {
  static const char* kHex = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) s->push_back(kHex[(v >> (4 * i)) & 15]);
}

struct Options {
  uint64_t events = 10000000;
  uint64_t users = 1000000;
  int days = 30;
  uint64_t seed = 1;
  std::string start = "2026-10-01";
  std::string out = "-";
  std::string meta;
  double dup_rate = 0.005;
  double late_rate = 0.01;
};

int64_t ParseDateMs(const std::string& ymd) {
  int y, m, d;
  if (sscanf(ymd.c_str(), "%d-%d-%d", &y, &m, &d) != 3) {
    fprintf(stderr, "generate: bad date %s\n", ymd.c_str());
    exit(2);
  }
  // days from civil (Howard Hinnant)
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468) * kDayMs;
}

class Generator {
 public:
  explicit Generator(const Options& o) : o_(o), rng_(o.seed) {}

  int Run() {
    FILE* f = stdout;
    bool piped = false;
    if (o_.out != "-") {
      if (o_.out.size() > 4 && o_.out.compare(o_.out.size() - 4, 4, ".zst") == 0) {
        std::string cmd = "zstd -q -f -3 -T0 -o '" + o_.out + "'";
        f = popen(cmd.c_str(), "w");
        piped = true;
      } else {
        f = fopen(o_.out.c_str(), "wb");
      }
      if (!f) {
        perror(o_.out.c_str());
        return 1;
      }
    }
    out_ = f;
    start_ms_ = ParseDateMs(o_.start);
    Setup();
    for (int day = 0; day < o_.days; ++day) Day(day);
    Flush(INT64_MAX);
    fflush(out_);
    int rc = 0;
    if (piped) rc = pclose(out_);
    else if (out_ != stdout) rc = fclose(out_);
    if (rc != 0) {
      fprintf(stderr, "generate: writing %s failed\n", o_.out.c_str());
      return 1;
    }
    WriteMeta();
    return 0;
  }

 private:
  void Setup() {
    filler_.InitZipf(kNumFiller, 1.1);
    countries_.InitZipf(kNumCountries, 1.0);
    items_.InitZipf(kNumItems, 0.9);
    platforms_.Init({0.45, 0.40, 0.15});
    plans_.Init({0.70, 0.15, 0.10, 0.05});
    std::vector<double> vw(kNumVersions);
    for (int i = 0; i < kNumVersions; ++i) vw[i] = std::pow(1.35, i);  // newer versions more common
    versions_.Init(vw);
    users_.resize(o_.users);
    for (uint64_t u = 0; u < o_.users; ++u) {
      User& x = users_[u];
      // A quarter were there before the period; the rest sign up through it.
      double r = rng_.Uniform();
      x.first_day = r < 0.25 ? -1 - static_cast<int>(rng_.Below(14))
                             : static_cast<int>(rng_.Below(static_cast<uint64_t>(o_.days)));
      // Lifetime: most users churn within days, a few stay for the whole period.
      double life = rng_.Uniform() < 0.10 ? 1000 : rng_.Exp(5.0);
      x.last_day = x.first_day + static_cast<int>(life);
      x.engagement = static_cast<float>(0.1 + 0.9 * rng_.Uniform());
      x.platform = static_cast<uint8_t>(platforms_.Sample(rng_));
      x.country = static_cast<uint8_t>(countries_.Sample(rng_));
      x.version = static_cast<uint8_t>(versions_.Sample(rng_));
      x.plan = static_cast<uint8_t>(plans_.Sample(rng_));
      x.anonymous = rng_.Uniform() < 0.08;
    }
  }

  // Emits sessions for one day until the running line count reaches the
  // day's share of --events (a weekly rhythm: weekends a little quieter).
  void Day(int day) {
    int64_t day_ms = start_ms_ + day * kDayMs;
    double weight_sum = 0, weight_upto = 0;
    for (int d = 0; d < o_.days; ++d) {
      double w = DayWeight(d);
      weight_sum += w;
      if (d <= day) weight_upto += w;
    }
    uint64_t target = day == o_.days - 1 ? o_.events
                                         : static_cast<uint64_t>(static_cast<double>(o_.events) * weight_upto / weight_sum);
    uint64_t tries = 0;
    while (lines_ < target) {
      uint64_t u = rng_.Below(o_.users);
      const User& x = users_[u];
      ++tries;
      bool alive = x.first_day <= day && day <= x.last_day;
      if (!alive || rng_.Uniform() > x.engagement) {
        if (tries < 200) continue;  // a sparse day: take any user after many misses
      }
      tries = 0;
      // Sessions cluster in the day's waking hours of a user's time zone.
      double hour = std::fmod(12.0 + 5.0 * (rng_.Uniform() + rng_.Uniform() + rng_.Uniform() - 1.5) +
                                  (x.country % 24) + 24.0,
                              24.0);
      int64_t t = day_ms + static_cast<int64_t>(hour * kHourMs);
      Session(u, t, target);
    }
    Flush(day_ms + kDayMs);
  }

  double DayWeight(int d) const {
    int64_t ms = start_ms_ + d * kDayMs;
    int weekday = static_cast<int>(((ms / kDayMs) % 7 + 7 + 3) % 7);  // 0 = Monday
    return weekday >= 5 ? 0.8 : 1.0;
  }

  void Session(uint64_t u, int64_t t, uint64_t target) {
    const User& x = users_[u];
    int64_t day_end = (t / kDayMs + 1) * kDayMs - 1;
    auto next_time = [&]() {
      t += 1000 + static_cast<int64_t>(rng_.Exp(25000));
      if (t > day_end) t = day_end;  // a session stays within its day
      return t;
    };
    Emit(u, x, kSessionStart, t, -1, target);
    int n = 1 + static_cast<int>(rng_.Exp(5.0));
    bool funnel = rng_.Uniform() < 0.35;
    int funnel_at = funnel ? static_cast<int>(rng_.Below(static_cast<uint64_t>(n) + 1)) : -1;
    for (int i = 0; i <= n && lines_ < target; ++i) {
      if (i == funnel_at) {
        // view one to three items; maybe add one to the cart; maybe buy it.
        int views = 1 + static_cast<int>(rng_.Below(3));
        int64_t item = -1;
        for (int v = 0; v < views && lines_ < target; ++v) {
          item = static_cast<int64_t>(items_.Sample(rng_));
          Emit(u, x, kViewItem, next_time(), item, target);
        }
        double p_cart = 0.30 + 0.1 * x.plan;
        if (lines_ < target && rng_.Uniform() < p_cart) {
          Emit(u, x, kAddToCart, next_time(), item, target);
          double p_buy = x.platform == 0 ? 0.55 : (x.platform == 1 ? 0.40 : 0.30);
          if (lines_ < target && rng_.Uniform() < p_buy) Emit(u, x, kPurchase, next_time(), item, target);
        }
      }
      if (i < n && lines_ < target) Emit(u, x, kFiller[filler_.Sample(rng_)], next_time(), -1, target);
    }
  }

  void Emit(uint64_t u, const User& x, const char* name, int64_t t, int64_t item, uint64_t target) {
    uint64_t id = Mix(o_.seed * 0x100000000ULL + seq_ + 1);
    std::string s;
    s.reserve(320);
    s += "{\"event_type\":\"";
    s += name;
    s += '"';
    if (!x.anonymous) {
      s += ",\"user_id\":\"user_";
      AppendPadded(&s, u, 7);
      s += '"';
    }
    s += ",\"device_id\":\"";
    AppendHex(&s, Mix(u * 2654435761ULL + 7), 16);
    s += "\",\"time\":";
    AppendU64(&s, static_cast<uint64_t>(t));
    s += ",\"insert_id\":\"";
    AppendHex(&s, id, 16);
    s += "\",\"platform\":\"";
    s += kPlatforms[x.platform];
    s += "\",\"country\":\"";
    s += kCountries[x.country];
    s += "\",\"app_version\":\"4.";
    AppendU64(&s, x.version / 5);
    s += '.';
    AppendU64(&s, x.version % 5);
    s += "\",\"event_properties\":{";
    if (item >= 0) {
      s += "\"item_id\":\"item_";
      AppendPadded(&s, static_cast<uint64_t>(item), 6);
      s += '"';
      if (name == kPurchase) {
        s += ",\"price\":";
        uint64_t cents = 99 + (Mix(static_cast<uint64_t>(item)) % 20000);
        AppendU64(&s, cents / 100);
        s += '.';
        AppendPadded(&s, cents % 100, 2);
      }
    }
    s += "},\"user_properties\":{\"plan\":\"";
    s += kPlans[x.plan];
    s += "\"}}\n";
    ++seq_;
    int64_t arrival = t;
    if (rng_.Uniform() < o_.late_rate) {
      arrival = t + kHourMs + static_cast<int64_t>(rng_.Uniform() * 71 * kHourMs);
      ++late_;
    }
    bool dup = lines_ + 1 < target && rng_.Uniform() < o_.dup_rate;
    pending_.push_back(Out{arrival, seq_ * 2, dup ? s : std::move(s)});
    ++lines_;
    if (dup) {
      // The retry arrives a moment after the original.
      pending_.push_back(Out{arrival + 1 + static_cast<int64_t>(rng_.Below(5000)), seq_ * 2 + 1,
                             std::move(s)});
      ++lines_;
      ++dups_;
    }
  }

  // Writes every pending line that arrived before `until`, in arrival order.
  void Flush(int64_t until) {
    std::sort(pending_.begin(), pending_.end(), [](const Out& a, const Out& b) {
      return a.arrival != b.arrival ? a.arrival < b.arrival : a.seq < b.seq;
    });
    size_t i = 0;
    for (; i < pending_.size() && pending_[i].arrival < until; ++i)
      fwrite(pending_[i].line.data(), 1, pending_[i].line.size(), out_);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(i));
  }

  void WriteMeta() {
    if (o_.meta.empty()) return;
    FILE* m = fopen(o_.meta.c_str(), "w");
    if (!m) return;
    fprintf(m,
            "{\"events\": %" PRIu64 ", \"users\": %" PRIu64 ", \"days\": %d, \"seed\": %" PRIu64
            ", \"start\": \"%s\", \"duplicates\": %" PRIu64 ", \"late\": %" PRIu64
            ", \"event_names\": 40, \"dup_rate\": %g, \"late_rate\": %g}\n",
            lines_, o_.users, o_.days, o_.seed, o_.start.c_str(), dups_, late_, o_.dup_rate, o_.late_rate);
    fclose(m);
  }

  Options o_;
  Rng rng_;
  FILE* out_ = nullptr;
  int64_t start_ms_ = 0;
  std::vector<User> users_;
  std::vector<Out> pending_;
  Discrete filler_, countries_, items_, platforms_, plans_, versions_;
  uint64_t lines_ = 0, seq_ = 0, dups_ = 0, late_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "generate: %s needs a value\n", a.c_str());
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--events") o.events = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--users") o.users = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--days") o.days = std::atoi(val().c_str());
    else if (a == "--seed") o.seed = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--start") o.start = val();
    else if (a == "--out") o.out = val();
    else if (a == "--meta") o.meta = val();
    else if (a == "--dup-rate") o.dup_rate = std::atof(val().c_str());
    else if (a == "--late-rate") o.late_rate = std::atof(val().c_str());
    else {
      fprintf(stderr,
              "usage: generate [--events N] [--users N] [--days N] [--seed N] [--start YYYY-MM-DD]\n"
              "                [--out FILE[.zst]] [--meta FILE.json] [--dup-rate F] [--late-rate F]\n");
      return 2;
    }
  }
  if (o.events == 0 || o.users == 0 || o.days <= 0 || o.users > 9999999) {
    fprintf(stderr, "generate: need --events > 0, 0 < --users <= 9999999, --days > 0\n");
    return 2;
  }
  return Generator(o).Run();
}
