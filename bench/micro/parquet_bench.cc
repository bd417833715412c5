// Parquet encode/decode of event rows as the lake holds them (sorted by event
// name, user, time), with Swell's own writer and reader, in memory, per codec.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bench_events.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/output_file.h"

namespace {

using swell::parquet::ColumnType;
using swell::parquet::ColumnValues;
using swell::parquet::CompressionCodec;

constexpr size_t kRows = 200000;

struct Rows {
  std::vector<std::string> names, users, platforms, countries, items;
  std::vector<int64_t> times;
  std::vector<std::string_view> v_names, v_users, v_platforms, v_countries, v_items;
};

const Rows& TestRows() {
  static Rows* rows = [] {
    auto* r = new Rows;
    struct Row {
      std::string name, user;
      int64_t time;
      std::string platform, country, item;
    };
    std::vector<Row> v;
    v.reserve(kRows);
    uint64_t s = 7;
    for (size_t i = 0; i < kRows; ++i) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      uint64_t u = (s >> 33) % 100000;
      v.push_back({swell_bench::kNames[(s >> 20) % 8], "user_" + std::to_string(u),
                   1790812800000LL + static_cast<int64_t>((s >> 7) % (30LL * 86400000)),
                   swell_bench::kPlatforms[u % 3], swell_bench::kCountries[u % 10],
                   "item_" + std::to_string((s >> 40) % 100000)});
    }
    std::sort(v.begin(), v.end(), [](const Row& a, const Row& b) {
      return std::tie(a.name, a.user, a.time) < std::tie(b.name, b.user, b.time);
    });
    for (auto& x : v) {
      r->names.push_back(x.name);
      r->users.push_back(x.user);
      r->times.push_back(x.time);
      r->platforms.push_back(x.platform);
      r->countries.push_back(x.country);
      r->items.push_back(x.item);
    }
    for (size_t i = 0; i < kRows; ++i) {
      r->v_names.push_back(r->names[i]);
      r->v_users.push_back(r->users[i]);
      r->v_platforms.push_back(r->platforms[i]);
      r->v_countries.push_back(r->countries[i]);
      r->v_items.push_back(r->items[i]);
    }
    return r;
  }();
  return *rows;
}

swell::parquet::Schema EventSchema() {
  swell::parquet::Schema schema;
  schema.Add("event_type", ColumnType::kString)
      .Add("user_key", ColumnType::kString)
      .Add("time", ColumnType::kTimestampMillis)
      .Add("platform", ColumnType::kString)
      .Add("country", ColumnType::kString)
      .Add("item_id", ColumnType::kString);
  return schema;
}

bool Write(CompressionCodec codec, std::string* out, std::string* error) {
  const Rows& r = TestRows();
  swell::parquet::WriterOptions options;
  options.codec = codec;
  std::unique_ptr<swell::parquet::FileWriter> w;
  swell::Status st = swell::parquet::FileWriter::Open(std::make_unique<swell::parquet::StringOutputFile>(out),
                                                      EventSchema(), options, &w);
  if (st.ok()) {
    ColumnValues cols[] = {ColumnValues::Strings(r.v_names), ColumnValues::Strings(r.v_users),
                           ColumnValues::Int64s(r.times), ColumnValues::Strings(r.v_platforms),
                           ColumnValues::Strings(r.v_countries), ColumnValues::Strings(r.v_items)};
    st = w->WriteBatch(cols);
  }
  if (st.ok()) st = w->Close();
  if (!st.ok()) *error = st.ToString();
  return st.ok();
}

void BM_ParquetWrite(benchmark::State& state) {
  auto codec = static_cast<CompressionCodec>(state.range(0));
  TestRows();
  size_t size = 0;
  for (auto _ : state) {
    std::string out, error;
    if (!Write(codec, &out, &error)) {
      state.SkipWithError(error.c_str());
      break;
    }
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.counters["bytes_per_row"] = static_cast<double>(size) / kRows;
}
BENCHMARK(BM_ParquetWrite)
    ->Arg(static_cast<int>(CompressionCodec::UNCOMPRESSED))
    ->Arg(static_cast<int>(CompressionCodec::SNAPPY))
    ->Arg(static_cast<int>(CompressionCodec::ZSTD))
    ->Unit(benchmark::kMillisecond);

void BM_ParquetRead(benchmark::State& state) {
  auto codec = static_cast<CompressionCodec>(state.range(0));
  std::string file, error;
  if (!Write(codec, &file, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<std::string> projection = {"event_type", "user_key", "time", "platform", "country", "item_id"};
  for (auto _ : state) {
    std::unique_ptr<swell::parquet::FileReader> reader;
    swell::Status st = swell::parquet::FileReader::OpenBuffer(file, &reader);
    for (int g = 0; st.ok() && g < reader->num_row_groups(); ++g) {
      swell::parquet::RowGroupData data;
      st = reader->ReadRowGroup(g, projection, &data);
      benchmark::DoNotOptimize(data.columns.data());
    }
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file.size()));
}
BENCHMARK(BM_ParquetRead)
    ->Arg(static_cast<int>(CompressionCodec::UNCOMPRESSED))
    ->Arg(static_cast<int>(CompressionCodec::SNAPPY))
    ->Arg(static_cast<int>(CompressionCodec::ZSTD))
    ->Unit(benchmark::kMillisecond);

}  // namespace
