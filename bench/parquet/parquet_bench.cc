// Swell's side of the Parquet throughput benchmark (bench/parquet/run.mjs is
// the driver and runs DuckDB's side on the same data).
//
//   swell_parquet_bench generate --rows N --out FILE
//       Writes the events table uncompressed (the file DuckDB loads its
//       in-memory copy of the table from) and prints its checksums.
//   swell_parquet_bench write --rows N --codec zstd|snappy --out FILE [--reps R] [--no-sync]
//       Generates the same table in memory (not timed), then times R writes
//       of it with Swell's writer: row groups of 1,000,000 rows, fed in
//       batches of 65,536 rows. --no-sync writes through a plain file that is
//       not fsynced (the production output fsyncs at Close).
//   swell_parquet_bench read --file FILE [--columns a,b] [--reps R]
//       Times R reads of every row group of FILE (all columns, or the named
//       ones) into memory with Swell's reader, each followed by a pass over
//       the values computing the checksums DuckDB's side computes.
//
// Every command prints one JSON object on stdout.
//
// The table: event_type (string, 40 values, Zipf-skewed), user_id (string,
// rows/5 users drawn uniformly: ~1M distinct at 5M rows), time (timestamp
// millis, sorted within each event type: rows are ordered by event_type
// then time), revenue (optional double, 5% non-null, multiples of 0.25 so
// sums are exact in any order), platform (string, 3 values, per user),
// duration_ms (int32). Deterministic for a given --rows and --seed.
//
// Checksums (the same on both sides): row count, byte lengths of the
// strings, sum of the time in epoch milliseconds, sum and count of revenue,
// sum of duration_ms. "Logical bytes", the MB of MB/s: the string bytes plus
// 8 per time value, 8 per non-null revenue and 4 per duration_ms.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "parquet/file_reader.h"
#include "util/file_util.h"
#include "parquet/file_writer.h"
#include "parquet/output_file.h"

namespace swell::parquet {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "swell_parquet_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) Die(std::string(what) + ": " + st.ToString());
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_;
};

constexpr const char* kEventNames[40] = {
    "page_view",        "screen_view",       "button_click",      "session_start",
    "session_end",      "search",            "product_view",      "add_to_cart",
    "remove_from_cart", "checkout_start",    "checkout_complete", "purchase",
    "signup",           "login",             "logout",            "share",
    "like",             "comment",           "follow",            "unfollow",
    "notification_open", "notification_dismiss", "video_play",   "video_pause",
    "video_complete",   "download",          "upload",            "settings_change",
    "profile_update",   "invite_sent",       "invite_accepted",   "subscription_start",
    "subscription_cancel", "trial_start",    "error_shown",       "app_open",
    "app_background",   "deep_link_open",    "push_permission_granted", "rating_prompt_shown"};
constexpr const char* kPlatforms[3] = {"ios", "android", "web"};
constexpr int64_t kTimeBase = 1761955200000;  // 2025-11-01T00:00:00Z
constexpr int64_t kTimeSpan = 30LL * 86400 * 1000;

// A bijection of uint32, so distinct user numbers give distinct ids.
uint32_t Mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

struct Table {
  size_t rows = 0;
  std::vector<std::string> user_pool;  // backs user_id
  std::vector<std::string_view> event_type, user_id, platform;
  std::vector<int64_t> time;
  std::vector<double> revenue;
  std::vector<uint8_t> revenue_valid;
  std::vector<int32_t> duration_ms;
};

Table Generate(size_t rows, uint64_t seed) {
  Rng rng(seed);
  // Zipf(1.1) over the 40 event types.
  double cum[40];
  double total = 0;
  for (int k = 0; k < 40; ++k) cum[k] = (total += 1.0 / std::pow(k + 1, 1.1));
  const size_t pool = std::max<size_t>(1, rows / 5);
  struct Row {
    uint8_t event;
    int64_t time;
    uint32_t user;
    int32_t duration;
    int32_t revenue_quarters;  // 0: null
  };
  std::vector<Row> v(rows);
  for (auto& r : v) {
    double u = rng.Unit() * total;
    r.event = static_cast<uint8_t>(std::min<ptrdiff_t>(39, std::upper_bound(cum, cum + 40, u) - cum));
    r.user = static_cast<uint32_t>(rng.Below(pool));
    r.time = kTimeBase + static_cast<int64_t>(rng.Below(kTimeSpan));
    r.duration = static_cast<int32_t>(rng.Below(600000));
    r.revenue_quarters = rng.Below(100) < 5 ? static_cast<int32_t>(1 + rng.Below(40000)) : 0;
  }
  std::sort(v.begin(), v.end(), [](const Row& a, const Row& b) {
    return a.event != b.event ? a.event < b.event : a.time < b.time;
  });
  Table t;
  t.rows = rows;
  t.user_pool.reserve(pool);
  for (size_t i = 0; i < pool; ++i) {
    t.user_pool.push_back("user_" + std::to_string(Mix32(static_cast<uint32_t>(i))));
  }
  t.event_type.resize(rows);
  t.user_id.resize(rows);
  t.platform.resize(rows);
  t.time.resize(rows);
  t.revenue.resize(rows);
  t.revenue_valid.resize(rows);
  t.duration_ms.resize(rows);
  static constexpr int kPlatformOfDigit[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 2};  // 50/40/10
  for (size_t i = 0; i < rows; ++i) {
    const Row& r = v[i];
    t.event_type[i] = kEventNames[r.event];
    t.user_id[i] = t.user_pool[r.user];
    t.platform[i] = kPlatforms[kPlatformOfDigit[Mix32(r.user ^ 0x5bd1e995U) % 10]];
    t.time[i] = r.time;
    t.revenue[i] = r.revenue_quarters * 0.25;
    t.revenue_valid[i] = r.revenue_quarters != 0;
    t.duration_ms[i] = r.duration;
  }
  return t;
}

Schema EventsSchema() {
  Schema s;
  s.Add("event_type", ColumnType::kString, Repetition::kRequired)
      .Add("user_id", ColumnType::kString, Repetition::kRequired)
      .Add("time", ColumnType::kTimestampMillis, Repetition::kRequired)
      .Add("revenue", ColumnType::kDouble, Repetition::kOptional)
      .Add("platform", ColumnType::kString, Repetition::kRequired)
      .Add("duration_ms", ColumnType::kInt32, Repetition::kRequired);
  return s;
}

// The checksums both sides compute; a column not read leaves its fields 0.
struct Sums {
  int64_t rows = 0;
  int64_t event_type_bytes = 0;
  int64_t user_id_bytes = 0;
  __int128 time_ms = 0;
  double revenue = 0;
  int64_t revenue_count = 0;
  int64_t platform_bytes = 0;
  int64_t duration_ms = 0;
  int64_t LogicalBytes(bool time_read, bool duration_read) const {
    return event_type_bytes + user_id_bytes + platform_bytes + (time_read ? 8 * rows : 0) +
           8 * revenue_count + (duration_read ? 4 * rows : 0);
  }
};

std::string Int128(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u != 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  return std::string(s.rbegin(), s.rend());
}

std::string SumsJson(const Sums& s) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "{\"rows\":%" PRId64 ",\"event_type_bytes\":%" PRId64 ",\"user_id_bytes\":%" PRId64
                ",\"time_ms\":\"%s\",\"revenue\":%.17g,\"revenue_count\":%" PRId64
                ",\"platform_bytes\":%" PRId64 ",\"duration_ms\":%" PRId64 "}",
                s.rows, s.event_type_bytes, s.user_id_bytes, Int128(s.time_ms).c_str(), s.revenue,
                s.revenue_count, s.platform_bytes, s.duration_ms);
  return buf;
}

Sums TableSums(const Table& t) {
  Sums s;
  s.rows = static_cast<int64_t>(t.rows);
  for (size_t i = 0; i < t.rows; ++i) {
    s.event_type_bytes += static_cast<int64_t>(t.event_type[i].size());
    s.user_id_bytes += static_cast<int64_t>(t.user_id[i].size());
    s.platform_bytes += static_cast<int64_t>(t.platform[i].size());
    s.time_ms += t.time[i];
    s.duration_ms += t.duration_ms[i];
    if (t.revenue_valid[i]) {
      s.revenue += t.revenue[i];
      ++s.revenue_count;
    }
  }
  return s;
}

// A plain local file, written without fsync (what DuckDB's COPY does).
class NoSyncOutputFile : public OutputFile {
 public:
  static Status Open(const std::string& path, std::unique_ptr<OutputFile>* out) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    out->reset(new NoSyncOutputFile(fd));
    return Status::OK();
  }
  ~NoSyncOutputFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view data) override {
    position_ += static_cast<int64_t>(data.size());
    if (buffer_.size() + data.size() > kBuffer) SWELL_RETURN_IF_ERROR(Flush());
    if (data.size() >= kBuffer) return ::swell::WriteAll(fd_, data, std::string("output"));
    buffer_.append(data);
    return Status::OK();
  }
  int64_t position() const override { return position_; }
  Status Close() override {
    SWELL_RETURN_IF_ERROR(Flush());
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? Status::OK() : Status::FromErrno("close", errno);
  }

 private:
  static constexpr size_t kBuffer = 1 << 20;
  explicit NoSyncOutputFile(int fd) : fd_(fd) {}
  Status Flush() {
    Status st = ::swell::WriteAll(fd_, buffer_, std::string("output"));
    buffer_.clear();
    return st;
  }
  int fd_;
  int64_t position_ = 0;
  std::string buffer_;
};

void WriteTable(const Table& t, const std::string& path, CompressionCodec codec, bool sync) {
  WriterOptions o;
  o.codec = codec;
  o.row_group_rows = 1'000'000;
  std::unique_ptr<FileWriter> w;
  if (sync) {
    Check(FileWriter::Open(path, EventsSchema(), o, &w), "open writer");
  } else {
    std::unique_ptr<OutputFile> f;
    Check(NoSyncOutputFile::Open(path, &f), "open output");
    Check(FileWriter::Open(std::move(f), EventsSchema(), o, &w), "open writer");
  }
  constexpr size_t kBatch = 65536;
  for (size_t off = 0; off < t.rows; off += kBatch) {
    size_t n = std::min(kBatch, t.rows - off);
    const ColumnValues cols[] = {
        ColumnValues::Strings(std::span(t.event_type).subspan(off, n)),
        ColumnValues::Strings(std::span(t.user_id).subspan(off, n)),
        ColumnValues::Int64s(std::span(t.time).subspan(off, n)),
        ColumnValues::Doubles(std::span(t.revenue).subspan(off, n), t.revenue_valid.data() + off),
        ColumnValues::Strings(std::span(t.platform).subspan(off, n)),
        ColumnValues::Int32s(std::span(t.duration_ms).subspan(off, n)),
    };
    Check(w->WriteBatch(cols), "write batch");
  }
  Check(w->Close(), "close writer");
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) Die("cannot stat " + path);
  return st.st_size;
}

std::string TimesJson(const std::vector<double>& times) {
  std::string s = "[";
  for (size_t i = 0; i < times.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%.6f", i ? "," : "", times[i]);
    s += buf;
  }
  return s + "]";
}

CompressionCodec ParseCodec(const std::string& name) {
  if (name == "zstd") return CompressionCodec::ZSTD;
  if (name == "snappy") return CompressionCodec::SNAPPY;
  if (name == "uncompressed") return CompressionCodec::UNCOMPRESSED;
  Die("unknown codec " + name);
}

// Reads every row group of the file (the projection, or all columns) and
// computes the checksums over what was read.
Sums ReadFile(const std::string& path, const std::vector<std::string>& projection,
              int* row_groups, std::vector<std::string>* column_names) {
  std::unique_ptr<FileReader> r;
  Check(FileReader::Open(path, &r), "open reader");
  std::vector<int> leaves;
  if (projection.empty()) {
    for (size_t i = 0; i < r->schema().size(); ++i) leaves.push_back(static_cast<int>(i));
  } else {
    for (const auto& name : projection) {
      int i = r->FindColumn(name);
      if (i < 0) Die("no column " + name + " in " + path);
      leaves.push_back(i);
    }
  }
  column_names->clear();
  for (int i : leaves) column_names->push_back(r->schema()[i].name);
  Sums s;
  RowGroupData data;
  for (int g = 0; g < r->num_row_groups(); ++g) {
    Check(r->ReadRowGroup(g, projection, &data), "read row group");
    s.rows += data.num_rows();
    for (size_t c = 0; c < leaves.size(); ++c) {
      const LeafColumn& leaf = r->schema()[leaves[c]];
      const ColumnVector& v = data.columns[c];
      const std::string& name = leaf.name;
      if (name == "event_type" || name == "user_id" || name == "platform") {
        int64_t bytes = 0;
        for (const std::string& x : std::get<std::vector<std::string>>(v.values)) {
          bytes += static_cast<int64_t>(x.size());
        }
        (name == "event_type" ? s.event_type_bytes
                              : name == "user_id" ? s.user_id_bytes : s.platform_bytes) += bytes;
      } else if (name == "time") {
        int64_t div = 1;
        if (leaf.logical_type && leaf.logical_type->kind == LogicalType::Kind::TIMESTAMP) {
          div = leaf.logical_type->unit == TimeUnit::MICROS  ? 1000
                : leaf.logical_type->unit == TimeUnit::NANOS ? 1000000
                                                              : 1;
        }
        __int128 sum = 0;
        for (int64_t x : std::get<std::vector<int64_t>>(v.values)) sum += x / div;
        s.time_ms += sum;
      } else if (name == "revenue") {
        const auto& d = std::get<std::vector<double>>(v.values);
        for (size_t i = 0; i < d.size(); ++i) {
          if (v.valid[i]) {
            s.revenue += d[i];
            ++s.revenue_count;
          }
        }
      } else if (name == "duration_ms") {
        int64_t sum = 0;
        for (int32_t x : std::get<std::vector<int32_t>>(v.values)) sum += x;
        s.duration_ms += sum;
      } else {
        Die("unexpected column " + name);
      }
    }
  }
  *row_groups = r->num_row_groups();
  return s;
}

struct Args {
  std::string command;
  std::map<std::string, std::string> flags;
  std::string Get(const std::string& k, const std::string& def = "") const {
    auto it = flags.find(k);
    return it == flags.end() ? def : it->second;
  }
  bool Has(const std::string& k) const { return flags.count(k) != 0; }
};

Args ParseArgs(int argc, char** argv) {
  if (argc < 2) {
    Die("usage: swell_parquet_bench generate|write|read [--rows N] [--seed S] [--codec C] "
        "[--out F] [--file F] [--columns a,b] [--reps R] [--no-sync]");
  }
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) Die("unexpected argument " + k);
    k = k.substr(2);
    if (k == "no-sync") {
      a.flags[k] = "1";
    } else {
      if (i + 1 >= argc) Die("--" + k + " needs a value");
      a.flags[k] = argv[++i];
    }
  }
  return a;
}

int Main(int argc, char** argv) {
  Args a = ParseArgs(argc, argv);
  const size_t rows = std::stoull(a.Get("rows", "5000000"));
  const uint64_t seed = std::stoull(a.Get("seed", "42"));
  const int reps = std::stoi(a.Get("reps", "5"));
  if (a.command == "generate" || a.command == "write") {
    const std::string out = a.Get("out");
    if (out.empty()) Die("--out is required");
    double t0 = Now();
    Table t = Generate(rows, seed);
    Sums s = TableSums(t);
    double gen_s = Now() - t0;
    if (a.command == "generate") {
      WriteTable(t, out, CompressionCodec::UNCOMPRESSED, /*sync=*/false);
      std::printf("{\"file\":\"%s\",\"generate_seconds\":%.3f,\"logical_bytes\":%" PRId64
                  ",\"distinct_users_max\":%zu,\"sums\":%s}\n",
                  out.c_str(), gen_s, s.LogicalBytes(true, true), t.user_pool.size(),
                  SumsJson(s).c_str());
      return 0;
    }
    const std::string codec = a.Get("codec", "zstd");
    const bool sync = !a.Has("no-sync");
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
      double w0 = Now();
      WriteTable(t, out, ParseCodec(codec), sync);
      times.push_back(Now() - w0);
    }
    std::printf("{\"file\":\"%s\",\"codec\":\"%s\",\"sync\":%s,\"file_bytes\":%" PRId64
                ",\"logical_bytes\":%" PRId64 ",\"seconds\":%s,\"sums\":%s}\n",
                out.c_str(), codec.c_str(), sync ? "true" : "false", FileSize(out),
                s.LogicalBytes(true, true), TimesJson(times).c_str(), SumsJson(s).c_str());
    return 0;
  }
  if (a.command == "read") {
    const std::string file = a.Get("file");
    if (file.empty()) Die("--file is required");
    std::vector<std::string> projection;
    std::string cols = a.Get("columns");
    for (size_t p = 0; !cols.empty();) {
      size_t comma = cols.find(',', p);
      projection.push_back(cols.substr(p, comma - p));
      if (comma == std::string::npos) break;
      p = comma + 1;
    }
    std::vector<double> times;
    Sums s;
    int row_groups = 0;
    std::vector<std::string> names;
    for (int i = 0; i < reps; ++i) {
      double r0 = Now();
      Sums got = ReadFile(file, projection, &row_groups, &names);
      times.push_back(Now() - r0);
      if (i > 0 && SumsJson(got) != SumsJson(s)) Die("reads of " + file + " differ");
      s = got;
    }
    bool time_read = std::find(names.begin(), names.end(), "time") != names.end();
    bool duration_read = std::find(names.begin(), names.end(), "duration_ms") != names.end();
    std::printf("{\"file\":\"%s\",\"file_bytes\":%" PRId64 ",\"row_groups\":%d,\"columns\":%zu"
                ",\"logical_bytes\":%" PRId64 ",\"seconds\":%s,\"sums\":%s}\n",
                file.c_str(), FileSize(file), row_groups, names.size(),
                s.LogicalBytes(time_read, duration_read), TimesJson(times).c_str(),
                SumsJson(s).c_str());
    return 0;
  }
  Die("unknown command " + a.command);
}

}  // namespace
}  // namespace swell::parquet

int main(int argc, char** argv) { return swell::parquet::Main(argc, argv); }
