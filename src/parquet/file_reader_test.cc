// The file reader over the parquet-testing reference files: each reads, or
// is refused for the reason tests/parquet_reader/expected_refusals.txt
// gives; the files with *_expect.csv read exactly those values; the page
// index and row-group statistics skip without losing matching rows; and
// truncated or byte-flipped files give errors, never crashes.
#include "parquet/file_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "util/coding.h"
#include "util/file_util.h"

namespace swell::parquet {
namespace {

namespace fs = std::filesystem;

const std::string kDataDir = std::string(SWELL_SHARED_DATA_DIR) + "/parquet-testing/data";
const std::string kBadDataDir = std::string(SWELL_SHARED_DATA_DIR) + "/parquet-testing/bad_data";

#define SKIP_WITHOUT_SHARED_DATA()                                                          \
  if (!fs::exists(kDataDir)) GTEST_SKIP() << kDataDir << " is absent (parquet-testing data)"

Status ReadEverything(FileReader* reader, std::vector<RowGroupData>* groups = nullptr) {
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    RowGroupData data;
    SWELL_RETURN_IF_ERROR(reader->ReadRowGroup(g, {}, &data));
    if (groups != nullptr) groups->push_back(std::move(data));
  }
  return Status::OK();
}

Status OpenAndRead(const std::string& path, std::unique_ptr<FileReader>* reader,
                   std::vector<RowGroupData>* groups = nullptr) {
  SWELL_RETURN_IF_ERROR(FileReader::Open(path, reader));
  return ReadEverything(reader->get(), groups);
}

std::map<std::string, std::string> ExpectedRefusals() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(SWELL_SOURCE_DIR) + "/tests/parquet_reader/expected_refusals.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

TEST(FileReaderTest, EveryReferenceFileReadsOrIsRefusedForItsListedReason) {
  SKIP_WITHOUT_SHARED_DATA();
  auto refusals = ExpectedRefusals();
  ASSERT_FALSE(refusals.empty());
  int read = 0, refused = 0;
  for (const auto& entry : fs::directory_iterator(kDataDir)) {
    std::string name = entry.path().filename();
    if (entry.path().extension() != ".parquet") continue;
    std::unique_ptr<FileReader> reader;
    std::vector<RowGroupData> groups;
    Status st = OpenAndRead(entry.path(), &reader, &groups);
    auto it = refusals.find(name);
    if (it != refusals.end()) {
      EXPECT_FALSE(st.ok()) << name << " was expected to be refused: " << it->second;
      EXPECT_NE(st.message().find(it->second), std::string::npos) << name << ": " << st.ToString();
      ++refused;
      continue;
    }
    ASSERT_TRUE(st.ok()) << name << ": " << st.ToString();
    int64_t rows = 0;
    for (const RowGroupData& g : groups) {
      rows += g.num_rows();
      ASSERT_EQ(g.columns.size(), reader->schema().size()) << name;
      for (const ColumnVector& c : g.columns) ASSERT_EQ(static_cast<int64_t>(c.size()), g.num_rows()) << name;
    }
    EXPECT_EQ(rows, reader->metadata().num_rows) << name;
    ++read;
  }
  EXPECT_EQ(refused, static_cast<int>(refusals.size()));
  EXPECT_GE(read, 50);
}

// A CSV row: quoted fields, or empty (null) ones.
std::vector<std::optional<std::string>> ParseCsvLine(const std::string& line) {
  std::vector<std::optional<std::string>> fields;
  std::optional<std::string> field;
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        *field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        *field += c;
      }
    } else if (c == '"') {
      in_quotes = true;
      field = field.value_or("");
    } else if (c == ',') {
      fields.push_back(field);
      field.reset();
    } else {
      field = field.value_or("") + c;
    }
  }
  fields.push_back(field);
  return fields;
}

std::optional<std::string> CellText(const ColumnVector& c, size_t row) {
  if (c.IsNull(row)) return std::nullopt;
  return std::visit(
      [&](const auto& values) -> std::string {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) return values[row];
        else if constexpr (std::is_same_v<T, bool>) return values[row] ? "true" : "false";
        else return std::to_string(values[row]);
      },
      c.values);
}

class ExpectCsvTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExpectCsvTest, ValuesEqualTheExpectationFile) {
  SKIP_WITHOUT_SHARED_DATA();
  const std::string base = kDataDir + "/" + GetParam();
  std::unique_ptr<FileReader> reader;
  std::vector<RowGroupData> groups;
  Status st = OpenAndRead(base + ".parquet", &reader, &groups);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::ifstream csv(base + "_expect.csv");
  std::string line;
  ASSERT_TRUE(std::getline(csv, line));
  ASSERT_EQ(ParseCsvLine(line).size(), reader->schema().size());
  size_t checked = 0;
  for (const RowGroupData& g : groups) {
    for (size_t r = 0; r < static_cast<size_t>(g.num_rows()); ++r) {
      ASSERT_TRUE(std::getline(csv, line)) << "more rows than the CSV";
      auto expected = ParseCsvLine(line);
      ASSERT_EQ(expected.size(), g.columns.size()) << line;
      for (size_t c = 0; c < g.columns.size(); ++c) {
        ASSERT_EQ(CellText(g.columns[c], r), expected[c])
            << GetParam() << " row " << checked << " column " << reader->schema()[c].name;
      }
      ++checked;
    }
  }
  EXPECT_FALSE(std::getline(csv, line) && !line.empty()) << "fewer rows than the CSV";
  EXPECT_GT(checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(Reference, ExpectCsvTest,
                         ::testing::Values("delta_binary_packed", "delta_byte_array",
                                           "delta_encoding_optional_column",
                                           "delta_encoding_required_column"));

TEST(FileReaderTest, BadDataFilesGiveErrorsNotCrashes) {
  if (!fs::exists(kBadDataDir)) GTEST_SKIP() << kBadDataDir << " is absent (parquet-testing data)";
  int errors = 0, files = 0;
  for (const auto& entry : fs::directory_iterator(kBadDataDir)) {
    if (entry.path().extension() != ".parquet") continue;
    std::unique_ptr<FileReader> reader;
    Status st = OpenAndRead(entry.path(), &reader);
    errors += !st.ok();
    ++files;
  }
  EXPECT_EQ(files, 8);
  // ARROW-GH-43605 (dictionary indices at bit width 0) decodes to valid
  // rows, as DuckDB reads it too; every other file is an error.
  EXPECT_EQ(errors, files - 1);
}

TEST(FileReaderTest, ProjectionReadsOnlyTheNamedColumns) {
  SKIP_WITHOUT_SHARED_DATA();
  std::unique_ptr<FileReader> reader;
  ASSERT_TRUE(FileReader::Open(kDataDir + "/alltypes_plain.parquet", &reader).ok());
  RowGroupData data;
  ASSERT_TRUE(reader->ReadRowGroup(0, {"string_col", "id"}, &data).ok());
  ASSERT_EQ(data.columns.size(), 2u);
  // alltypes_plain holds ids 4,5,6,7,2,3,0,1 and string_col "0","1" alternating.
  EXPECT_EQ(std::get<std::vector<int32_t>>(data.columns[1].values),
            (std::vector<int32_t>{4, 5, 6, 7, 2, 3, 0, 1}));
  EXPECT_EQ(std::get<std::vector<std::string>>(data.columns[0].values)[1], "1");
  EXPECT_TRUE(reader->ReadRowGroup(0, {"nope"}, &data).IsInvalidArgument());
}

TEST(FileReaderTest, NestedColumnsAreRefusedByNameButSiblingsRead) {
  SKIP_WITHOUT_SHARED_DATA();
  std::unique_ptr<FileReader> reader;
  ASSERT_TRUE(FileReader::Open(kDataDir + "/datapage_v2.snappy.parquet", &reader).ok());
  RowGroupData data;
  Status st = reader->ReadRowGroup(0, {}, &data);
  EXPECT_TRUE(st.IsNotSupported());
  EXPECT_NE(st.message().find("nested column 'e.list.element' (list)"), std::string::npos) << st.ToString();
  ASSERT_TRUE(reader->ReadRowGroup(0, {"a", "b"}, &data).ok());
  EXPECT_EQ(data.num_rows(), 5);
}

// Every row of the full read whose `id` satisfies pred is among the rows the
// filtered read returned.
void ExpectNoMatchingRowLost(FileReader* reader, const RowGroupFilter& filter,
                             const std::function<bool(int32_t)>& pred, int64_t* rows_read) {
  *rows_read = 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    RowGroupData all, some;
    ASSERT_TRUE(reader->ReadRowGroup(g, {"id", "string_col"}, &all).ok());
    bool skipped;
    ASSERT_TRUE(reader->ReadRowGroup(g, {"id", "string_col"}, filter, &some, &skipped).ok());
    const auto& ids = std::get<std::vector<int32_t>>(all.columns[0].values);
    std::vector<int32_t> got;
    if (!some.columns.empty()) got = std::get<std::vector<int32_t>>(some.columns[0].values);
    std::set<int32_t> present(got.begin(), got.end());
    for (int32_t id : ids) {
      if (pred(id)) {
        EXPECT_TRUE(present.count(id)) << "row with id " << id << " lost";
      }
    }
    if (!some.columns.empty()) {
      // The other column is cut to the same rows.
      ASSERT_EQ(some.columns[1].size(), got.size());
      const auto& all_strings = std::get<std::vector<std::string>>(all.columns[1].values);
      const auto& some_strings = std::get<std::vector<std::string>>(some.columns[1].values);
      size_t k = 0;
      for (const RowRange& r : some.rows) {
        for (int64_t row = r.first; row < r.first + r.count; ++row, ++k) {
          ASSERT_EQ(got[k], ids[row]);
          ASSERT_EQ(some_strings[k], all_strings[row]);
        }
      }
    }
    *rows_read += some.num_rows();
  }
}

TEST(FileReaderTest, PageIndexSkipsPagesWithoutLosingMatches) {
  SKIP_WITHOUT_SHARED_DATA();
  std::unique_ptr<FileReader> reader;
  ASSERT_TRUE(FileReader::Open(kDataDir + "/alltypes_tiny_pages.parquet", &reader).ok());
  const int64_t total = reader->metadata().num_rows;
  struct Case {
    CompareOp op;
    int64_t value;
    std::function<bool(int32_t)> pred;
  };
  const Case cases[] = {{CompareOp::kEq, 7000, [](int32_t id) { return id == 7000; }},
                        {CompareOp::kLt, 100, [](int32_t id) { return id < 100; }},
                        {CompareOp::kLe, 100, [](int32_t id) { return id <= 100; }},
                        {CompareOp::kGt, 7200, [](int32_t id) { return id > 7200; }},
                        {CompareOp::kGe, 3650, [](int32_t id) { return id >= 3650; }}};
  for (const Case& c : cases) {
    RowGroupFilter filter{{ColumnPredicate{"id", c.op, c.value}}};
    int64_t before = reader->counters().data_pages_skipped;
    int64_t rows_read;
    ExpectNoMatchingRowLost(reader.get(), filter, c.pred, &rows_read);
    EXPECT_GT(reader->counters().data_pages_skipped, before) << "no page skipped";
    EXPECT_LT(rows_read, total);
  }
}

TEST(FileReaderTest, RowGroupStatisticsSkipWholeRowGroups) {
  SKIP_WITHOUT_SHARED_DATA();
  // sort_columns.parquet: two row groups, each holding a = 2 among others.
  std::unique_ptr<FileReader> reader;
  ASSERT_TRUE(FileReader::Open(kDataDir + "/sort_columns.parquet", &reader).ok());
  ASSERT_EQ(reader->num_row_groups(), 2);
  RowGroupFilter none{{ColumnPredicate{"a", CompareOp::kGt, int64_t{100}}}};
  RowGroupFilter some{{ColumnPredicate{"a", CompareOp::kEq, int64_t{2}}}};
  for (int g = 0; g < 2; ++g) {
    RowGroupData data;
    bool skipped = false;
    ASSERT_TRUE(reader->ReadRowGroup(g, {}, none, &data, &skipped).ok());
    EXPECT_TRUE(skipped);
    EXPECT_EQ(data.num_rows(), 0);
    ASSERT_TRUE(reader->ReadRowGroup(g, {}, some, &data, &skipped).ok());
    EXPECT_FALSE(skipped);
    EXPECT_EQ(data.num_rows(), reader->metadata().row_groups[g].num_rows);
  }
  EXPECT_EQ(reader->counters().row_groups_skipped, 2);
  RowGroupFilter wrong{{ColumnPredicate{"a", CompareOp::kEq, std::string("x")}}};
  RowGroupData data;
  bool skipped;
  EXPECT_TRUE(reader->ReadRowGroup(0, {}, wrong, &data, &skipped).IsInvalidArgument());
}

// A file of one optional INT32 column whose footer claims `rows` rows in
// one row group backed by a single tiny page.
std::string HostileFile(int64_t rows, int32_t page_values) {
  std::string file = "PAR1";
  PageHeader page;
  page.type = PageType::DATA_PAGE;
  page.uncompressed_page_size = 8;
  page.compressed_page_size = 8;
  page.data_page_header = DataPageHeader();
  page.data_page_header->num_values = page_values;
  std::string page_bytes;
  SerializePageHeader(page, &page_bytes);
  // Definition levels: 3 bytes, one RLE run of 255 zeros (nulls); then no values.
  page_bytes += std::string("\x03\x00\x00\x00\xfe\x03\x00\x00", 8);
  int64_t offset = file.size();
  file += page_bytes;
  FileMetaData meta;
  meta.num_rows = rows;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement leaf;
  leaf.name = "x";
  leaf.type = Type::INT32;
  leaf.repetition_type = FieldRepetitionType::OPTIONAL;
  meta.schema = {root, leaf};
  ColumnChunk chunk;
  chunk.meta_data = ColumnMetaData();
  chunk.meta_data->type = Type::INT32;
  chunk.meta_data->path_in_schema = {"x"};
  chunk.meta_data->num_values = rows;
  chunk.meta_data->data_page_offset = offset;
  chunk.meta_data->total_compressed_size = page_bytes.size();
  chunk.meta_data->total_uncompressed_size = page_bytes.size();
  RowGroup rg;
  rg.columns = {chunk};
  rg.num_rows = rows;
  meta.row_groups = {rg};
  std::string footer;
  SerializeFileMetaData(meta, &footer);
  file += footer;
  PutFixed32(&file, static_cast<uint32_t>(footer.size()));
  return file + "PAR1";
}

TEST(FileReaderTest, HostileRowCountsAreRefusedBeforeAllocating) {
  std::unique_ptr<FileReader> reader;
  RowGroupData data;
  // Over the row-group limit: refused outright.
  ASSERT_TRUE(FileReader::OpenBuffer(HostileFile(int64_t{1} << 40, 1 << 30), &reader).ok());
  EXPECT_TRUE(reader->ReadRowGroup(0, {}, &data).IsResourceExhausted());
  // A page claiming more values than the row group has rows.
  ASSERT_TRUE(FileReader::OpenBuffer(HostileFile(10, 1 << 30), &reader).ok());
  Status st = reader->ReadRowGroup(0, {}, &data);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  // 255 nulls (one RLE run) in a row group of 255 rows: valid, and read.
  ASSERT_TRUE(FileReader::OpenBuffer(HostileFile(255, 255), &reader).ok());
  st = reader->ReadRowGroup(0, {}, &data);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(data.columns[0].size(), 255u);
  EXPECT_TRUE(data.columns[0].IsNull(254));
}

std::string ReadBytes(const std::string& path) {
  std::string s;
  EXPECT_TRUE(ReadFileToString(path, &s).ok());
  return s;
}

// Small files covering most encodings, codecs and page kinds.
const char* kFuzzSeeds[] = {
    "alltypes_plain.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet",
    "delta_length_byte_array.parquet", "rle-dict-snappy-checksum.parquet",
    "byte_stream_split.zstd.parquet", "int32_with_null_pages.parquet", "fixed_length_decimal.parquet",
    "concatenated_gzip_members.parquet", "lz4_raw_compressed.parquet", "rle_boolean_encoding.parquet",
    "int96_from_spark.parquet"};

TEST(FileReaderTest, EveryTruncationIsAnError) {
  SKIP_WITHOUT_SHARED_DATA();
  for (const char* name : kFuzzSeeds) {
    std::string bytes = ReadBytes(kDataDir + "/" + name);
    for (size_t n = 0; n < bytes.size(); ++n) {
      std::unique_ptr<FileReader> reader;
      Status st = FileReader::OpenBuffer(bytes.substr(0, n), &reader);
      if (st.ok()) st = ReadEverything(reader.get());
      ASSERT_FALSE(st.ok()) << name << " truncated to " << n << " bytes read without error";
    }
  }
}

TEST(FileReaderTest, DataCutBeforeAnIntactFooterIsNoticed) {
  SKIP_WITHOUT_SHARED_DATA();
  for (const char* name : kFuzzSeeds) {
    std::string bytes = ReadBytes(kDataDir + "/" + name);
    uint32_t footer = DecodeFixed32(bytes.data() + bytes.size() - 8);
    size_t data_end = bytes.size() - 8 - footer;
    std::string tail = bytes.substr(data_end);
    // Bytes past the last column chunk (padding) are nobody's; cutting into
    // any chunk must be noticed.
    std::unique_ptr<FileReader> original;
    ASSERT_TRUE(FileReader::OpenBuffer(bytes, &original).ok());
    int64_t chunks_end = 0;
    for (const RowGroup& rg : original->metadata().row_groups) {
      for (const ColumnChunk& c : rg.columns) {
        int64_t start = c.meta_data->data_page_offset;
        if (c.meta_data->dictionary_page_offset && *c.meta_data->dictionary_page_offset > 0) {
          start = std::min(start, *c.meta_data->dictionary_page_offset);
        }
        chunks_end = std::max(chunks_end, start + c.meta_data->total_compressed_size);
      }
    }
    size_t undetected = 0;
    for (size_t n = 0; n < static_cast<size_t>(chunks_end); ++n) {
      std::unique_ptr<FileReader> reader;
      Status st = FileReader::OpenBuffer(bytes.substr(0, n) + tail, &reader);
      if (st.ok()) st = ReadEverything(reader.get());
      if (st.ok()) ++undetected;
    }
    // A cut inside the values of an uncompressed page without a CRC only
    // shifts later bytes into its values, which no reader can tell from
    // data; in compressed pages all but a few (LZ4 has no checksum) must be noticed.
    bool compressed = original->metadata().row_groups[0].columns[0].meta_data->codec !=
                      CompressionCodec::UNCOMPRESSED;
    if (compressed) {
      EXPECT_LE(undetected * 20, static_cast<size_t>(chunks_end)) << name;
    }
    std::printf("%s: %zu of %lld cuts undetected\n", name, undetected,
                static_cast<long long>(chunks_end));
  }
}

TEST(FileReaderTest, ByteFlippedFilesNeverCrash) {
  SKIP_WITHOUT_SHARED_DATA();
  std::mt19937 rng(20261124);
  ReaderOptions options;
  options.max_row_group_rows = 1 << 20;
  int errors = 0, trials = 0;
  for (const char* name : kFuzzSeeds) {
    std::string bytes = ReadBytes(kDataDir + "/" + name);
    for (int trial = 0; trial < 300; ++trial, ++trials) {
      std::string mutated = bytes;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] ^= static_cast<char>(1 << (rng() % 8));
      std::unique_ptr<FileReader> reader;
      Status st = FileReader::OpenBuffer(mutated, &reader, options);
      if (st.ok()) st = ReadEverything(reader.get());
      errors += !st.ok();
    }
  }
  // Most flips hit values (still valid); many hit structure. Both are fine;
  // what matters is getting here without a crash, under the sanitizers too.
  EXPECT_GT(errors, 0);
  EXPECT_LT(errors, trials);
}

}  // namespace
}  // namespace swell::parquet
