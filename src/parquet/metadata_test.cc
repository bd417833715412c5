#include "parquet/metadata.h"

#include <gtest/gtest.h>

#include <string>

#include "parquet/thrift/compact_protocol.h"
#include "util/coding.h"
#include "util/file_util.h"

namespace swell::parquet {
namespace {

FileMetaData SampleFileMetaData() {
  FileMetaData m;
  m.version = 2;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 3;
  m.schema.push_back(root);
  SchemaElement ts;
  ts.name = "time";
  ts.type = Type::INT64;
  ts.repetition_type = FieldRepetitionType::REQUIRED;
  ts.converted_type = ConvertedType::TIMESTAMP_MICROS;
  LogicalType lt;
  lt.kind = LogicalType::Kind::TIMESTAMP;
  lt.is_adjusted_to_utc = true;
  lt.unit = TimeUnit::MICROS;
  ts.logical_type = lt;
  ts.field_id = 7;
  m.schema.push_back(ts);
  SchemaElement name;
  name.name = "n\xC3\xA4me";
  name.type = Type::BYTE_ARRAY;
  name.repetition_type = FieldRepetitionType::OPTIONAL;
  name.converted_type = ConvertedType::UTF8;
  name.logical_type = LogicalType{};  // STRING
  m.schema.push_back(name);
  SchemaElement dec;
  dec.name = "amount";
  dec.type = Type::FIXED_LEN_BYTE_ARRAY;
  dec.type_length = 16;
  dec.repetition_type = FieldRepetitionType::OPTIONAL;
  dec.scale = 2;
  dec.precision = 30;
  LogicalType d;
  d.kind = LogicalType::Kind::DECIMAL;
  d.scale = 2;
  d.precision = 30;
  dec.logical_type = d;
  m.schema.push_back(dec);
  m.num_rows = 1234567890123LL;
  for (int g = 0; g < 2; ++g) {
    RowGroup rg;
    rg.num_rows = 100 + g;
    rg.total_byte_size = 4096;
    rg.file_offset = 4;
    rg.total_compressed_size = 2048;
    rg.ordinal = static_cast<int16_t>(g);
    rg.sorting_columns.push_back(SortingColumn{0, true, false});
    ColumnChunk cc;
    cc.file_offset = 0;
    cc.offset_index_offset = 9000;
    cc.offset_index_length = 33;
    cc.column_index_offset = 8000;
    cc.column_index_length = 44;
    ColumnMetaData md;
    md.type = Type::INT64;
    md.encodings = {Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY};
    md.path_in_schema = {"time"};
    md.codec = CompressionCodec::ZSTD;
    md.num_values = 100;
    md.total_uncompressed_size = 5000;
    md.total_compressed_size = 2000;
    md.key_value_metadata.push_back(KeyValue{"k", std::nullopt});
    md.data_page_offset = 40;
    md.dictionary_page_offset = 4;
    Statistics st;
    st.min_value = std::string("\x01\0\0\0\0\0\0\0", 8);
    st.max_value = std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
    st.null_count = 0;
    st.distinct_count = 17;
    st.is_max_value_exact = true;
    md.statistics = st;
    md.encoding_stats.push_back(PageEncodingStats{PageType::DICTIONARY_PAGE, Encoding::PLAIN, 1});
    md.encoding_stats.push_back(PageEncodingStats{PageType::DATA_PAGE, Encoding::RLE_DICTIONARY, 3});
    cc.meta_data = md;
    rg.columns.push_back(cc);
    m.row_groups.push_back(rg);
  }
  m.key_value_metadata.push_back(KeyValue{"swell.schema", std::string("v1")});
  m.created_by = "swell version 0.1.0 (build none)";
  m.column_orders = {ColumnOrder::TYPE_ORDER, ColumnOrder::TYPE_ORDER, ColumnOrder::TYPE_ORDER};
  return m;
}

TEST(Metadata, FileMetaDataRoundTrip) {
  FileMetaData m = SampleFileMetaData();
  std::string bytes;
  SerializeFileMetaData(m, &bytes);
  bytes += "trailing";
  std::string_view in = bytes;
  FileMetaData back;
  Status st = ParseFileMetaData(&in, &back);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(back, m);
  EXPECT_EQ(in, "trailing");
}

TEST(Metadata, PageHeadersRoundTripAndConsumeOnlyTheHeader) {
  PageHeader v1;
  v1.type = PageType::DATA_PAGE;
  v1.uncompressed_page_size = 100;
  v1.compressed_page_size = 80;
  v1.crc = -12345;
  v1.data_page_header = DataPageHeader{10, Encoding::RLE_DICTIONARY, Encoding::RLE,
                                       Encoding::RLE, Statistics{}};
  PageHeader v2;
  v2.type = PageType::DATA_PAGE_V2;
  v2.uncompressed_page_size = 1;
  v2.compressed_page_size = 1;
  v2.data_page_header_v2 = DataPageHeaderV2{5, 2, 5, Encoding::PLAIN, 3, 0, false, std::nullopt};
  PageHeader dict;
  dict.type = PageType::DICTIONARY_PAGE;
  dict.dictionary_page_header = DictionaryPageHeader{3, Encoding::PLAIN, true};
  for (const PageHeader& h : {v1, v2, dict}) {
    std::string bytes;
    SerializePageHeader(h, &bytes);
    size_t header_size = bytes.size();
    bytes += "PAGE";
    std::string_view in = bytes;
    PageHeader back;
    ASSERT_TRUE(ParsePageHeader(&in, &back).ok());
    EXPECT_EQ(back, h);
    EXPECT_EQ(in, "PAGE");
    EXPECT_EQ(bytes.size() - in.size(), header_size);
  }
}

TEST(Metadata, DataPageHeaderV2IsCompressedDefaultsToTrue) {
  std::string bytes;
  thrift::CompactWriter w(&bytes);
  w.BeginStruct();
  for (int16_t id = 1; id <= 6; ++id) w.FieldI32(id, id == 4 ? 0 : 1);
  w.EndStruct();
  std::string_view in = bytes;
  DataPageHeaderV2 h;
  h.is_compressed = false;
  ASSERT_TRUE(ParseDataPageHeaderV2(&in, &h).ok());
  EXPECT_TRUE(h.is_compressed);
}

TEST(Metadata, PageIndexRoundTrip) {
  ColumnIndex ci;
  ci.null_pages = {false, true, false};
  ci.min_values = {"a", "", "m"};
  ci.max_values = {"k", "", "z"};
  ci.boundary_order = BoundaryOrder::ASCENDING;
  ci.null_counts = std::vector<int64_t>{0, 7, 1};
  std::string bytes;
  SerializeColumnIndex(ci, &bytes);
  std::string_view in = bytes;
  ColumnIndex ci_back;
  ASSERT_TRUE(ParseColumnIndex(&in, &ci_back).ok());
  EXPECT_EQ(ci_back, ci);

  OffsetIndex oi;
  for (int i = 0; i < 20; ++i) oi.page_locations.push_back(PageLocation{4 + i * 1000, 999, i * 50});
  bytes.clear();
  SerializeOffsetIndex(oi, &bytes);
  in = bytes;
  OffsetIndex oi_back;
  ASSERT_TRUE(ParseOffsetIndex(&in, &oi_back).ok());
  EXPECT_EQ(oi_back, oi);
}

TEST(Metadata, LogicalTypesRoundTrip) {
  using K = LogicalType::Kind;
  for (K k : {K::STRING, K::MAP, K::LIST, K::ENUM, K::DATE, K::UNKNOWN, K::JSON, K::BSON, K::UUID,
              K::FLOAT16}) {
    LogicalType t;
    t.kind = k;
    std::string bytes;
    SerializeLogicalType(t, &bytes);
    std::string_view in = bytes;
    LogicalType back;
    ASSERT_TRUE(ParseLogicalType(&in, &back).ok());
    EXPECT_EQ(back, t);
  }
  LogicalType time;
  time.kind = K::TIME;
  time.unit = TimeUnit::NANOS;
  LogicalType integer;
  integer.kind = K::INTEGER;
  integer.bit_width = 16;
  integer.is_signed = false;
  LogicalType future;  // a union member added after this code was written
  future.kind = K::OTHER;
  future.other_field_id = 19;
  for (const LogicalType& t : {time, integer, future}) {
    std::string bytes;
    SerializeLogicalType(t, &bytes);
    std::string_view in = bytes;
    LogicalType back;
    ASSERT_TRUE(ParseLogicalType(&in, &back).ok());
    EXPECT_EQ(back, t);
  }
}

TEST(Metadata, UnknownFieldsAreSkipped) {
  // A KeyValue with fields this code does not know (a nested struct with a
  // list, a double) before and after the known ones.
  std::string bytes;
  thrift::CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldBinary(1, "key");
  w.FieldStructHeader(50);
  w.BeginStruct();
  w.FieldListHeader(1, thrift::CType::kBinary, 2);
  w.Binary("x");
  w.Binary("y");
  w.EndStruct();
  w.FieldDouble(51, 3.0);
  w.FieldBinary(2, "value");  // going backwards: long-form field id
  w.EndStruct();
  std::string_view in = bytes;
  KeyValue kv;
  ASSERT_TRUE(ParseKeyValue(&in, &kv).ok());
  EXPECT_EQ(kv.key, "key");
  EXPECT_EQ(kv.value, "value");
  EXPECT_TRUE(in.empty());
}

TEST(Metadata, MissingRequiredFieldIsCorruption) {
  std::string bytes;
  thrift::CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldI32(1, 0);  // type only: sizes missing
  w.EndStruct();
  std::string_view in = bytes;
  PageHeader h;
  Status st = ParsePageHeader(&in, &h);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("PageHeader"), std::string::npos);
}

TEST(Metadata, TruncationAtEveryByteIsAnError) {
  std::string bytes;
  SerializeFileMetaData(SampleFileMetaData(), &bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string_view in = std::string_view(bytes).substr(0, cut);
    FileMetaData m;
    EXPECT_FALSE(ParseFileMetaData(&in, &m).ok()) << "cut at " << cut;
  }
}

TEST(Metadata, CorruptedBytesNeverCrash) {
  // Every single-byte change of a valid footer parses or fails cleanly (run
  // under ASan this also proves no out-of-bounds access).
  std::string bytes;
  SerializeFileMetaData(SampleFileMetaData(), &bytes);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int delta : {1, 0x40, 0x80, 0xF0}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] + delta);
      std::string_view in = bad;
      FileMetaData m;
      (void)ParseFileMetaData(&in, &m);
    }
  }
}

TEST(Metadata, HugeListSizeIsRefusedBeforeAllocating) {
  std::string bytes;
  thrift::CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldI32(1, 1);
  w.FieldListHeader(2, thrift::CType::kStruct, 0x7fffffff);  // schema: 2^31 elements, no bytes
  std::string_view in = bytes;
  FileMetaData m;
  Status st = ParseFileMetaData(&in, &m);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST(Metadata, WrongListElementTypeIsCorruption) {
  std::string bytes;
  thrift::CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldListHeader(1, thrift::CType::kI32, 1);  // OffsetIndex.page_locations of i32
  w.I32(5);
  w.EndStruct();
  std::string_view in = bytes;
  OffsetIndex oi;
  EXPECT_TRUE(ParseOffsetIndex(&in, &oi).IsCorruption());
}

// Footers written by other Parquet implementations, with facts their
// documentation states.
std::string FooterOf(const std::string& name) {
  std::string path = std::string(SWELL_SHARED_DATA_DIR) + "/parquet-testing/data/" + name;
  std::string file;
  if (!ReadFileToString(path, &file).ok() || file.size() < 12) return "";
  uint32_t len = DecodeFixed32(file.data() + file.size() - 8);
  if (len > file.size() - 8) return "";
  return file.substr(file.size() - 8 - len, len);
}

TEST(Metadata, ParsesReferenceFooters) {
  std::string footer = FooterOf("column_chunk_key_value_metadata.parquet");
  if (footer.empty()) GTEST_SKIP() << "../shared/data/parquet-testing is absent";
  std::string_view in = footer;
  FileMetaData m;
  ASSERT_TRUE(ParseFileMetaData(&in, &m).ok());
  ASSERT_FALSE(m.row_groups.empty());
  const auto& kv = m.row_groups[0].columns[0].meta_data->key_value_metadata;
  ASSERT_EQ(kv.size(), 2u);
  EXPECT_EQ(kv[0].key, "foo");
  EXPECT_EQ(kv[0].value, "bar");
  EXPECT_EQ(kv[1].key, "thisiskeywithoutvalue");
  EXPECT_FALSE(kv[1].value.has_value());

  footer = FooterOf("sort_columns.parquet");
  in = footer;
  ASSERT_TRUE(ParseFileMetaData(&in, &m).ok());
  ASSERT_EQ(m.row_groups.size(), 2u);
  for (const RowGroup& rg : m.row_groups) {
    ASSERT_EQ(rg.sorting_columns.size(), 2u);
    EXPECT_EQ(rg.sorting_columns[0], (SortingColumn{0, true, true}));
    EXPECT_EQ(rg.sorting_columns[1], (SortingColumn{1, false, false}));
  }

  footer = FooterOf("alltypes_plain.parquet");
  in = footer;
  ASSERT_TRUE(ParseFileMetaData(&in, &m).ok());
  EXPECT_EQ(m.num_rows, 8);
  EXPECT_EQ(m.schema[1].name, "id");
  EXPECT_EQ(m.schema[1].type, Type::INT32);
}

}  // namespace
}  // namespace swell::parquet
