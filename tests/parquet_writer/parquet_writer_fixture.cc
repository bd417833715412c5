// Writes the Parquet files the DuckDB round-trip test reads, and
// expected.json: every table's values and every file's options, so the test
// script can compare what DuckDB reads (values, statistics, schema, row
// groups, codecs) with what was written, computing the expectations itself.
//
// Usage: parquet_writer_fixture OUTPUT_DIR
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "parquet/file_writer.h"
#include "util/file_util.h"
#include "util/json_writer.h"

namespace swell::parquet {
namespace {

struct Column {
  ColumnDescriptor desc;
  std::vector<Value> values;
  std::vector<std::string> storage;  // backs the string_views in values
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  size_t rows = 0;
};

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

 private:
  uint64_t s_;
};

const char* const kWords[] = {
    "",         "a",          "click",     "page_view",  "purchase", "Zürich", "日本語",
    "emoji😀",  "naïve café", "z",         "\x7f",       "é",        "A",      "tab\tand\nnewline",
    "quote\"",  "back\\slash", "ÿ",        "Ω",          "zz top",   "signup"};

std::string LongString(Rng* rng, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + rng->Below(26)));
  return s;
}

// Every supported column type, optional and required, with nulls, extremes,
// empty / unicode / long strings, NaN and signed zeros.
Table AllTypes(std::string name, size_t rows, uint64_t seed, int null_percent) {
  Rng rng(seed);
  Table t;
  t.name = std::move(name);
  t.rows = rows;
  auto add = [&](std::string n, ColumnType type, Repetition rep) {
    Column c;
    c.desc = ColumnDescriptor{std::move(n), type, rep};
    c.storage.reserve(rows);
    t.columns.push_back(std::move(c));
  };
  add("b", ColumnType::kBoolean, Repetition::kOptional);
  add("i32", ColumnType::kInt32, Repetition::kOptional);
  add("i64", ColumnType::kInt64, Repetition::kOptional);
  add("d", ColumnType::kDouble, Repetition::kOptional);
  add("s", ColumnType::kString, Repetition::kOptional);
  add("bin", ColumnType::kBinary, Repetition::kOptional);
  add("ts_ms", ColumnType::kTimestampMillis, Repetition::kOptional);
  add("ts_us", ColumnType::kTimestampMicros, Repetition::kOptional);
  add("r_i64", ColumnType::kInt64, Repetition::kRequired);
  add("r_s", ColumnType::kString, Repetition::kRequired);
  add("r_d", ColumnType::kDouble, Repetition::kRequired);
  add("r_b", ColumnType::kBoolean, Repetition::kRequired);

  const int64_t kDay = 86'400'000;
  for (size_t r = 0; r < rows; ++r) {
    for (Column& c : t.columns) {
      if (c.desc.nullable() && static_cast<int>(rng.Below(100)) < null_percent) {
        c.values.emplace_back(std::monostate{});
        continue;
      }
      uint64_t x = rng.Next();
      switch (c.desc.type) {
        case ColumnType::kBoolean:
          c.values.emplace_back((x & 1) != 0);
          break;
        case ColumnType::kInt32: {
          int32_t v = static_cast<int32_t>(x % 2001) - 1000;
          if (r == 7) v = std::numeric_limits<int32_t>::min();
          if (r == 11) v = std::numeric_limits<int32_t>::max();
          c.values.emplace_back(v);
          break;
        }
        case ColumnType::kInt64: {
          int64_t v = static_cast<int64_t>(x % 100) * 1'000'000'007LL - 50'000'000'000LL;
          if (r == 5) v = std::numeric_limits<int64_t>::min();
          if (r == 13) v = std::numeric_limits<int64_t>::max();
          c.values.emplace_back(v);
          break;
        }
        case ColumnType::kDouble: {
          double v = static_cast<double>(static_cast<int64_t>(x % 20001) - 10000) / 8.0;
          if (x % 97 == 0) v = std::nan("");
          if (x % 89 == 0) v = -0.0;
          if (r == 3 && c.desc.nullable()) v = std::numeric_limits<double>::infinity();
          if (r == 9 && c.desc.nullable()) v = -1e300;
          c.values.emplace_back(v);
          break;
        }
        case ColumnType::kString: {
          std::string s;
          if (r % 500 == 17) s = LongString(&rng, 5000 + rng.Below(5000));
          else if (x % 3 == 0) s = kWords[rng.Below(std::size(kWords))];
          else s = "user_" + std::to_string(x % 300);
          c.storage.push_back(std::move(s));
          c.values.emplace_back(std::string_view(c.storage.back()));
          break;
        }
        case ColumnType::kBinary: {
          std::string s;
          size_t n = rng.Below(12);
          for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rng.Below(256)));
          c.storage.push_back(std::move(s));
          c.values.emplace_back(std::string_view(c.storage.back()));
          break;
        }
        case ColumnType::kTimestampMillis:
          // 2020-01-01 plus up to ten years, and a pre-epoch value.
          c.values.emplace_back(r == 2 ? int64_t{-kDay * 365 - 1}
                                       : int64_t{1'577'836'800'000} +
                                             static_cast<int64_t>(x % (3650ULL * kDay)));
          break;
        case ColumnType::kTimestampMicros:
          c.values.emplace_back(int64_t{1'577'836'800'000'000} +
                                static_cast<int64_t>(x % (3650ULL * kDay * 1000)));
          break;
        default:
          break;
      }
    }
  }
  return t;
}

// Many distinct long strings: the dictionary outgrows its limit and the
// chunk falls back to PLAIN; a low-cardinality column stays dictionary
// encoded; an all-null and an all-NaN column have no bounds.
Table Fallback(size_t rows) {
  Rng rng(99);
  Table t;
  t.name = "fallback";
  t.rows = rows;
  Column distinct{ColumnDescriptor{"distinct_s", ColumnType::kString, Repetition::kRequired}, {}, {}};
  Column low{ColumnDescriptor{"low_card", ColumnType::kString, Repetition::kOptional}, {}, {}};
  Column ints{ColumnDescriptor{"distinct_i", ColumnType::kInt64, Repetition::kRequired}, {}, {}};
  Column nulls{ColumnDescriptor{"all_null", ColumnType::kInt32, Repetition::kOptional}, {}, {}};
  Column nans{ColumnDescriptor{"all_nan", ColumnType::kDouble, Repetition::kOptional}, {}, {}};
  distinct.storage.reserve(rows);
  low.storage.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    distinct.storage.push_back("distinct-" + std::to_string(r) + "-" + LongString(&rng, 40));
    distinct.values.emplace_back(std::string_view(distinct.storage.back()));
    low.storage.push_back(kWords[r % 5]);
    if (r % 7 == 0) low.values.emplace_back(std::monostate{});
    else low.values.emplace_back(std::string_view(low.storage.back()));
    ints.values.emplace_back(static_cast<int64_t>(rng.Next()));
    nulls.values.emplace_back(std::monostate{});
    if (r % 3 == 0) nans.values.emplace_back(std::monostate{});
    else nans.values.emplace_back(std::nan(""));
  }
  t.columns.push_back(std::move(distinct));
  t.columns.push_back(std::move(low));
  t.columns.push_back(std::move(ints));
  t.columns.push_back(std::move(nulls));
  t.columns.push_back(std::move(nans));
  return t;
}

struct FileSpec {
  std::string name;
  const Table* table;
  WriterOptions options;
  bool by_batch = false;  // WriteBatch instead of AppendRow
};

Status WriteByRows(FileWriter* w, const Table& t) {
  std::vector<Value> row(t.columns.size());
  for (size_t r = 0; r < t.rows; ++r) {
    for (size_t c = 0; c < t.columns.size(); ++c) row[c] = t.columns[c].values[r];
    SWELL_RETURN_IF_ERROR(w->AppendRow(row));
  }
  return Status::OK();
}

// The same rows as columnar batches of 777 rows (not a divisor of anything).
Status WriteByBatches(FileWriter* w, const Table& t) {
  const size_t kBatch = 777;
  for (size_t start = 0; start < t.rows; start += kBatch) {
    size_t n = std::min(kBatch, t.rows - start);
    std::vector<std::vector<uint8_t>> valid(t.columns.size());
    std::vector<std::vector<uint8_t>> bools(t.columns.size());
    std::vector<std::vector<int32_t>> i32(t.columns.size());
    std::vector<std::vector<int64_t>> i64(t.columns.size());
    std::vector<std::vector<double>> dbl(t.columns.size());
    std::vector<std::vector<std::string_view>> str(t.columns.size());
    std::vector<ColumnValues> batch;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      for (size_t r = start; r < start + n; ++r) {
        const Value& v = t.columns[c].values[r];
        valid[c].push_back(v.index() != 0);
        bools[c].push_back(v.index() == 1 ? std::get<bool>(v) : 0);
        i32[c].push_back(v.index() == 2 ? std::get<int32_t>(v) : 0);
        i64[c].push_back(v.index() == 3 ? std::get<int64_t>(v) : 0);
        dbl[c].push_back(v.index() == 4 ? std::get<double>(v) : 0);
        str[c].push_back(v.index() == 5 ? std::get<std::string_view>(v) : std::string_view());
      }
      const uint8_t* vp = t.columns[c].desc.nullable() ? valid[c].data() : nullptr;
      switch (t.columns[c].desc.type) {
        case ColumnType::kBoolean: batch.push_back(ColumnValues::Bools(bools[c], vp)); break;
        case ColumnType::kInt32: batch.push_back(ColumnValues::Int32s(i32[c], vp)); break;
        case ColumnType::kDouble: batch.push_back(ColumnValues::Doubles(dbl[c], vp)); break;
        case ColumnType::kString:
        case ColumnType::kBinary: batch.push_back(ColumnValues::Strings(str[c], vp)); break;
        default: batch.push_back(ColumnValues::Int64s(i64[c], vp)); break;
      }
    }
    SWELL_RETURN_IF_ERROR(w->WriteBatch(batch));
  }
  return Status::OK();
}

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    out.push_back(kDigits[ch >> 4]);
    out.push_back(kDigits[ch & 15]);
  }
  return out;
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

const char* TypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean: return "BOOLEAN";
    case ColumnType::kInt32: return "INT32";
    case ColumnType::kInt64: return "INT64";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kString: return "STRING";
    case ColumnType::kBinary: return "BINARY";
    case ColumnType::kTimestampMillis: return "TIMESTAMP_MILLIS";
    case ColumnType::kTimestampMicros: return "TIMESTAMP_MICROS";
  }
  return "?";
}

// Values as JSON: bool, int32 numbers; int64 and timestamps as decimal
// strings (exact); doubles as text ("NaN", "-0", "%.17g"); strings as is;
// binary as upper-case hex (what DuckDB's hex() prints).
void WriteTableJson(const Table& t, JsonWriter* j) {
  j->BeginObject().Key("columns").BeginArray();
  for (const Column& c : t.columns) {
    j->BeginObject()
        .Key("name").String(c.desc.name)
        .Key("type").String(TypeName(c.desc.type))
        .Key("nullable").Bool(c.desc.nullable())
        .EndObject();
  }
  j->EndArray().Key("values").BeginArray();
  for (const Column& c : t.columns) {
    j->BeginArray();
    for (const Value& v : c.values) {
      switch (v.index()) {
        case 0: j->Null(); break;
        case 1: j->Bool(std::get<bool>(v)); break;
        case 2: j->Int(std::get<int32_t>(v)); break;
        case 3: j->String(std::to_string(std::get<int64_t>(v))); break;
        case 4: j->String(DoubleText(std::get<double>(v))); break;
        case 5:
          if (c.desc.type == ColumnType::kBinary) j->String(Hex(std::get<std::string_view>(v)));
          else j->String(std::get<std::string_view>(v));
          break;
      }
    }
    j->EndArray();
  }
  j->EndArray().EndObject();
}

int Run(const std::string& dir) {
  Status st = CreateDirectories(dir);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  const Table all = AllTypes("all_types", 5000, 1, 10);
  const Table one = AllTypes("one_row", 1, 2, 0);
  const Table empty = AllTypes("empty", 0, 3, 0);
  const Table sparse = AllTypes("mostly_null", 3000, 4, 95);
  const Table fallback = Fallback(6000);

  std::vector<FileSpec> specs;
  auto spec = [&](std::string name, const Table& t, auto&& tweak, bool by_batch = false) {
    FileSpec s{std::move(name), &t, WriterOptions{}, by_batch};
    s.options.row_group_rows = 2000;
    s.options.page_rows = 300;
    tweak(s.options);
    specs.push_back(std::move(s));
  };
  auto none = [](WriterOptions&) {};
  for (auto [codec, label] : {std::pair{CompressionCodec::UNCOMPRESSED, "uncompressed"},
                              std::pair{CompressionCodec::SNAPPY, "snappy"},
                              std::pair{CompressionCodec::ZSTD, "zstd"},
                              std::pair{CompressionCodec::GZIP, "gzip"},
                              std::pair{CompressionCodec::BROTLI, "brotli"},
                              std::pair{CompressionCodec::LZ4_RAW, "lz4_raw"}}) {
    spec(std::string("all_types_") + label + ".parquet", all,
         [codec = codec](WriterOptions& o) { o.codec = codec; });
  }
  spec("all_types_v2_zstd.parquet", all, [](WriterOptions& o) {
    o.codec = CompressionCodec::ZSTD;
    o.data_page_version = 2;
  });
  spec("all_types_v2_uncompressed.parquet", all, [](WriterOptions& o) {
    o.codec = CompressionCodec::UNCOMPRESSED;
    o.data_page_version = 2;
  });
  spec("all_types_plain_only.parquet", all, [](WriterOptions& o) { o.dictionary = false; });
  spec("all_types_batches.parquet", all, none, /*by_batch=*/true);
  spec("all_types_one_row_group.parquet", all, [](WriterOptions& o) {
    o.row_group_rows = 1'000'000;
    o.page_rows = 20'000;
  });
  spec("all_types_small_pages.parquet", all, [](WriterOptions& o) {
    o.row_group_rows = 1000;
    o.page_bytes = 512;
  });
  spec("one_row.parquet", one, none);
  spec("zero_rows.parquet", empty, none);
  spec("mostly_null.parquet", sparse, [](WriterOptions& o) { o.codec = CompressionCodec::ZSTD; });
  spec("fallback.parquet", fallback, [](WriterOptions& o) {
    o.row_group_rows = 2500;
    o.dictionary_bytes_limit = 16 * 1024;
  });
  spec("fallback_v2.parquet", fallback, [](WriterOptions& o) {
    o.row_group_rows = 2500;
    o.dictionary_bytes_limit = 16 * 1024;
    o.data_page_version = 2;
    o.codec = CompressionCodec::ZSTD;
  });

  JsonWriter j;
  j.BeginObject().Key("created_by").String(SwellCreatedBy());
  j.Key("tables").BeginObject();
  for (const Table* t : {&all, &one, &empty, &sparse, &fallback}) {
    j.Key(t->name);
    WriteTableJson(*t, &j);
  }
  j.EndObject().Key("files").BeginArray();
  for (FileSpec& s : specs) {
    Schema schema;
    for (const Column& c : s.table->columns) schema.Add(c.desc.name, c.desc.type, c.desc.repetition);
    s.options.key_value_metadata.push_back(KeyValue{"swell.fixture", s.name});
    std::unique_ptr<FileWriter> w;
    st = FileWriter::Open(dir + "/" + s.name, schema, s.options, &w);
    if (st.ok()) st = s.by_batch ? WriteByBatches(w.get(), *s.table) : WriteByRows(w.get(), *s.table);
    if (st.ok()) st = w->Close();
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", s.name.c_str(), st.ToString().c_str());
      return 1;
    }
    j.BeginObject()
        .Key("name").String(s.name)
        .Key("table").String(s.table->name)
        .Key("codec").String(ToString(s.options.codec))
        .Key("row_group_rows").Int(s.options.row_group_rows)
        .Key("data_page_version").Int(s.options.data_page_version)
        .Key("dictionary").Bool(s.options.dictionary)
        .Key("key_value").String(s.name)
        .EndObject();
  }
  j.EndArray().EndObject();
  st = WriteFileAtomic(dir + "/expected.json", j.str());
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace swell::parquet

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  return swell::parquet::Run(argv[1]);
}
