// The Parquet metadata structures of parquet.thrift (the subset Swell reads
// and writes) and their Thrift Compact Protocol codec.
//
// This header is the contract the reader and the writer both build on: the
// reader parses footers, page headers and page indexes with Parse*, the
// writer produces them with Serialize*. Names follow parquet.thrift so the
// specification can be read alongside. Optional thrift fields are
// std::optional; enums keep any value a file holds (a value this code does not
// know survives parsing and is for the caller to refuse).
//
// Parse*(in, out) consumes one struct from the front of *in (so a page header
// parser learns the header's length) and leaves *in unspecified on error.
// Unknown fields are skipped; a missing required field is Corruption.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::parquet {

enum class Type : int32_t {
  BOOLEAN = 0,
  INT32 = 1,
  INT64 = 2,
  INT96 = 3,
  FLOAT = 4,
  DOUBLE = 5,
  BYTE_ARRAY = 6,
  FIXED_LEN_BYTE_ARRAY = 7,
};

enum class ConvertedType : int32_t {
  UTF8 = 0,
  MAP = 1,
  MAP_KEY_VALUE = 2,
  LIST = 3,
  ENUM = 4,
  DECIMAL = 5,
  DATE = 6,
  TIME_MILLIS = 7,
  TIME_MICROS = 8,
  TIMESTAMP_MILLIS = 9,
  TIMESTAMP_MICROS = 10,
  UINT_8 = 11,
  UINT_16 = 12,
  UINT_32 = 13,
  UINT_64 = 14,
  INT_8 = 15,
  INT_16 = 16,
  INT_32 = 17,
  INT_64 = 18,
  JSON = 19,
  BSON = 20,
  INTERVAL = 21,
};

enum class FieldRepetitionType : int32_t {
  REQUIRED = 0,
  OPTIONAL = 1,
  REPEATED = 2,
};

enum class Encoding : int32_t {
  PLAIN = 0,
  PLAIN_DICTIONARY = 2,
  RLE = 3,
  BIT_PACKED = 4,
  DELTA_BINARY_PACKED = 5,
  DELTA_LENGTH_BYTE_ARRAY = 6,
  DELTA_BYTE_ARRAY = 7,
  RLE_DICTIONARY = 8,
  BYTE_STREAM_SPLIT = 9,
};

enum class CompressionCodec : int32_t {
  UNCOMPRESSED = 0,
  SNAPPY = 1,
  GZIP = 2,
  LZO = 3,
  BROTLI = 4,
  LZ4 = 5,  // the Hadoop framing of LZ4 (or raw LZ4 in some old writers)
  ZSTD = 6,
  LZ4_RAW = 7,
};

enum class PageType : int32_t {
  DATA_PAGE = 0,
  INDEX_PAGE = 1,
  DICTIONARY_PAGE = 2,
  DATA_PAGE_V2 = 3,
};

enum class BoundaryOrder : int32_t {
  UNORDERED = 0,
  ASCENDING = 1,
  DESCENDING = 2,
};

// Human-readable names for error messages and docs ("SNAPPY", "INT64").
// Values outside the enum print as their number.
std::string ToString(Type t);
std::string ToString(ConvertedType t);
std::string ToString(Encoding e);
std::string ToString(CompressionCodec c);
std::string ToString(PageType p);

struct Statistics {
  // Legacy: signed-comparison min/max, only trustworthy where that order is
  // the column's order.
  std::optional<std::string> max;
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  // Bounds in the column's ColumnOrder (PLAIN encoded, no length prefix).
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;

  bool operator==(const Statistics&) const = default;
};

enum class TimeUnit : int16_t { MILLIS = 1, MICROS = 2, NANOS = 3 };

// The LogicalType union. `kind` is the union member's field id; parameters
// of the members that have them sit beside it.
struct LogicalType {
  enum class Kind : int16_t {
    // A union member this code does not know; its id is in other_field_id.
    OTHER = 0,
    STRING = 1,
    MAP = 2,
    LIST = 3,
    ENUM = 4,
    DECIMAL = 5,
    DATE = 6,
    TIME = 7,
    TIMESTAMP = 8,
    INTEGER = 10,
    UNKNOWN = 11,  // parquet.thrift's name for "always null"
    JSON = 12,
    BSON = 13,
    UUID = 14,
    FLOAT16 = 15,
  };
  Kind kind = Kind::STRING;
  int16_t other_field_id = 0;
  // DECIMAL
  int32_t scale = 0;
  int32_t precision = 0;
  // TIME, TIMESTAMP
  bool is_adjusted_to_utc = false;
  TimeUnit unit = TimeUnit::MILLIS;
  // INTEGER
  int8_t bit_width = 0;
  bool is_signed = true;

  bool operator==(const LogicalType&) const = default;
};

struct SchemaElement {
  std::optional<Type> type;
  std::optional<int32_t> type_length;
  std::optional<FieldRepetitionType> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<ConvertedType> converted_type;
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  std::optional<int32_t> field_id;
  std::optional<LogicalType> logical_type;

  bool operator==(const SchemaElement&) const = default;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;

  bool operator==(const KeyValue&) const = default;
};

struct SortingColumn {
  int32_t column_idx = 0;
  bool descending = false;
  bool nulls_first = false;

  bool operator==(const SortingColumn&) const = default;
};

struct PageEncodingStats {
  PageType page_type = PageType::DATA_PAGE;
  Encoding encoding = Encoding::PLAIN;
  int32_t count = 0;

  bool operator==(const PageEncodingStats&) const = default;
};

struct ColumnMetaData {
  Type type = Type::BOOLEAN;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::UNCOMPRESSED;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::vector<PageEncodingStats> encoding_stats;
  std::optional<int64_t> bloom_filter_offset;
  std::optional<int32_t> bloom_filter_length;

  bool operator==(const ColumnMetaData&) const = default;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
  // Set when the chunk carries crypto metadata or encrypted column metadata
  // (neither is kept): such a column cannot be read.
  bool encrypted = false;

  bool operator==(const ColumnChunk&) const = default;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::vector<SortingColumn> sorting_columns;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;

  bool operator==(const RowGroup&) const = default;
};

// The ColumnOrder union: which member is set.
enum class ColumnOrder : int16_t {
  TYPE_ORDER = 1,
  IEEE_754_TOTAL_ORDER = 2,
  INT96_TIMESTAMP_ORDER = 3,
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  std::vector<ColumnOrder> column_orders;
  // Set when the footer names an encryption algorithm (plaintext-footer
  // encrypted files): column data cannot be read.
  bool encrypted = false;

  bool operator==(const FileMetaData&) const = default;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::PLAIN;
  Encoding definition_level_encoding = Encoding::RLE;
  Encoding repetition_level_encoding = Encoding::RLE;
  std::optional<Statistics> statistics;

  bool operator==(const DataPageHeader&) const = default;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::PLAIN;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;  // thrift default when absent
  std::optional<Statistics> statistics;

  bool operator==(const DataPageHeaderV2&) const = default;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::PLAIN;
  std::optional<bool> is_sorted;

  bool operator==(const DictionaryPageHeader&) const = default;
};

struct IndexPageHeader {
  bool operator==(const IndexPageHeader&) const = default;
};

struct PageHeader {
  PageType type = PageType::DATA_PAGE;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<IndexPageHeader> index_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;

  bool operator==(const PageHeader&) const = default;
};

struct PageLocation {
  int64_t offset = 0;
  int32_t compressed_page_size = 0;  // including the page header
  int64_t first_row_index = 0;

  bool operator==(const PageLocation&) const = default;
};

struct OffsetIndex {
  std::vector<PageLocation> page_locations;
  std::optional<std::vector<int64_t>> unencoded_byte_array_data_bytes;

  bool operator==(const OffsetIndex&) const = default;
};

struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values;
  std::vector<std::string> max_values;
  BoundaryOrder boundary_order = BoundaryOrder::UNORDERED;
  std::optional<std::vector<int64_t>> null_counts;
  std::optional<std::vector<int64_t>> repetition_level_histograms;
  std::optional<std::vector<int64_t>> definition_level_histograms;
  std::optional<std::vector<int64_t>> nan_counts;

  bool operator==(const ColumnIndex&) const = default;
};

Status ParseFileMetaData(std::string_view* in, FileMetaData* out);
Status ParsePageHeader(std::string_view* in, PageHeader* out);
Status ParseColumnIndex(std::string_view* in, ColumnIndex* out);
Status ParseOffsetIndex(std::string_view* in, OffsetIndex* out);
Status ParseStatistics(std::string_view* in, Statistics* out);
Status ParseSchemaElement(std::string_view* in, SchemaElement* out);
Status ParseRowGroup(std::string_view* in, RowGroup* out);
Status ParseColumnChunk(std::string_view* in, ColumnChunk* out);
Status ParseColumnMetaData(std::string_view* in, ColumnMetaData* out);
Status ParseKeyValue(std::string_view* in, KeyValue* out);
Status ParseDataPageHeader(std::string_view* in, DataPageHeader* out);
Status ParseDataPageHeaderV2(std::string_view* in, DataPageHeaderV2* out);
Status ParseDictionaryPageHeader(std::string_view* in, DictionaryPageHeader* out);
Status ParsePageLocation(std::string_view* in, PageLocation* out);
Status ParseLogicalType(std::string_view* in, LogicalType* out);

// Serialize* appends the compact encoding of one struct to *out.
void SerializeFileMetaData(const FileMetaData& v, std::string* out);
void SerializePageHeader(const PageHeader& v, std::string* out);
void SerializeColumnIndex(const ColumnIndex& v, std::string* out);
void SerializeOffsetIndex(const OffsetIndex& v, std::string* out);
void SerializeStatistics(const Statistics& v, std::string* out);
void SerializeSchemaElement(const SchemaElement& v, std::string* out);
void SerializeRowGroup(const RowGroup& v, std::string* out);
void SerializeColumnChunk(const ColumnChunk& v, std::string* out);
void SerializeColumnMetaData(const ColumnMetaData& v, std::string* out);
void SerializeKeyValue(const KeyValue& v, std::string* out);
void SerializeDataPageHeader(const DataPageHeader& v, std::string* out);
void SerializeDataPageHeaderV2(const DataPageHeaderV2& v, std::string* out);
void SerializeDictionaryPageHeader(const DictionaryPageHeader& v, std::string* out);
void SerializePageLocation(const PageLocation& v, std::string* out);
void SerializeLogicalType(const LogicalType& v, std::string* out);

}  // namespace swell::parquet
