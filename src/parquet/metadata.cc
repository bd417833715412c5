#include "parquet/metadata.h"

#include <bit>
#include <type_traits>
#include <utility>

#include "parquet/thrift/compact_protocol.h"

namespace swell::parquet {

using thrift::CompactReader;
using thrift::CompactWriter;
using thrift::CType;
using thrift::FieldHeader;

// ---------------------------------------------------------------- names

namespace {

template <class E, size_t N>
std::string EnumName(E v, const char* const (&names)[N]) {
  auto i = static_cast<int64_t>(v);
  if (i >= 0 && static_cast<size_t>(i) < N && names[i][0] != '\0') return names[i];
  return std::to_string(i);
}

}  // namespace

std::string ToString(Type t) {
  static const char* const kNames[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                       "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return EnumName(t, kNames);
}

std::string ToString(ConvertedType t) {
  static const char* const kNames[] = {
      "UTF8",        "MAP",         "MAP_KEY_VALUE",    "LIST",             "ENUM",   "DECIMAL",
      "DATE",        "TIME_MILLIS", "TIME_MICROS",      "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS",
      "UINT_8",      "UINT_16",     "UINT_32",          "UINT_64",          "INT_8",  "INT_16",
      "INT_32",      "INT_64",      "JSON",             "BSON",             "INTERVAL"};
  return EnumName(t, kNames);
}

std::string ToString(Encoding e) {
  static const char* const kNames[] = {"PLAIN",
                                       "",
                                       "PLAIN_DICTIONARY",
                                       "RLE",
                                       "BIT_PACKED",
                                       "DELTA_BINARY_PACKED",
                                       "DELTA_LENGTH_BYTE_ARRAY",
                                       "DELTA_BYTE_ARRAY",
                                       "RLE_DICTIONARY",
                                       "BYTE_STREAM_SPLIT"};
  return EnumName(e, kNames);
}

std::string ToString(CompressionCodec c) {
  static const char* const kNames[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                       "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
  return EnumName(c, kNames);
}

std::string ToString(PageType p) {
  static const char* const kNames[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE",
                                       "DATA_PAGE_V2"};
  return EnumName(p, kNames);
}

// ---------------------------------------------------------------- reading

namespace {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// The compact type code a C++ field type travels as.
template <class T>
constexpr CType WireType() {
  if constexpr (std::is_same_v<T, bool>) return CType::kBoolTrue;
  else if constexpr (std::is_same_v<T, ColumnOrder>) return CType::kStruct;  // a union
  else if constexpr (std::is_same_v<T, int8_t>) return CType::kByte;
  else if constexpr (std::is_same_v<T, int16_t>) return CType::kI16;
  else if constexpr (std::is_same_v<T, int32_t> || std::is_enum_v<T>) return CType::kI32;
  else if constexpr (std::is_same_v<T, int64_t>) return CType::kI64;
  else if constexpr (std::is_same_v<T, std::string>) return CType::kBinary;
  else if constexpr (IsVector<T>::value) return CType::kList;
  else return CType::kStruct;
}

bool IsBoolType(CType t) { return t == CType::kBoolTrue || t == CType::kBoolFalse; }

// Body readers: one value of each C++ type, no field header.
Status ReadValue(CompactReader* r, int8_t* v) { return r->ReadByte(v); }
Status ReadValue(CompactReader* r, int16_t* v) { return r->ReadI16(v); }
Status ReadValue(CompactReader* r, int32_t* v) { return r->ReadI32(v); }
Status ReadValue(CompactReader* r, int64_t* v) { return r->ReadI64(v); }
Status ReadValue(CompactReader* r, std::string* v) {
  std::string_view s;
  SWELL_RETURN_IF_ERROR(r->ReadBinary(&s));
  v->assign(s.data(), s.size());
  return Status::OK();
}
template <class E>
  requires std::is_enum_v<E>
Status ReadValue(CompactReader* r, E* v) {
  int32_t i;
  SWELL_RETURN_IF_ERROR(r->ReadI32(&i));
  *v = static_cast<E>(i);
  return Status::OK();
}

Status ReadValue(CompactReader* r, Statistics* out);
Status ReadValue(CompactReader* r, LogicalType* out);
Status ReadValue(CompactReader* r, SchemaElement* out);
Status ReadValue(CompactReader* r, KeyValue* out);
Status ReadValue(CompactReader* r, SortingColumn* out);
Status ReadValue(CompactReader* r, PageEncodingStats* out);
Status ReadValue(CompactReader* r, ColumnMetaData* out);
Status ReadValue(CompactReader* r, ColumnChunk* out);
Status ReadValue(CompactReader* r, RowGroup* out);
Status ReadValue(CompactReader* r, ColumnOrder* out);
Status ReadValue(CompactReader* r, FileMetaData* out);
Status ReadValue(CompactReader* r, DataPageHeader* out);
Status ReadValue(CompactReader* r, DataPageHeaderV2* out);
Status ReadValue(CompactReader* r, DictionaryPageHeader* out);
Status ReadValue(CompactReader* r, IndexPageHeader* out);
Status ReadValue(CompactReader* r, PageHeader* out);
Status ReadValue(CompactReader* r, PageLocation* out);
Status ReadValue(CompactReader* r, OffsetIndex* out);
Status ReadValue(CompactReader* r, ColumnIndex* out);

template <class T>
Status ReadValue(CompactReader* r, std::vector<T>* v) {
  CType element;
  uint32_t n;
  SWELL_RETURN_IF_ERROR(r->ReadListBegin(&element, &n));
  constexpr CType kWant = WireType<T>();
  bool matches = kWant == CType::kBoolTrue ? IsBoolType(element) : element == kWant;
  if (!matches) {
    return Status::Corruption("thrift: list element type " +
                              std::to_string(static_cast<int>(element)) + ", expected " +
                              std::to_string(static_cast<int>(kWant)));
  }
  // No reserve(n): n is bounded by the input size, but elements are grown
  // only as they are actually decoded.
  v->clear();
  for (uint32_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      bool b;
      SWELL_RETURN_IF_ERROR(r->ReadBoolElement(&b));
      v->push_back(b);
    } else {
      T item{};
      SWELL_RETURN_IF_ERROR(ReadValue(r, &item));
      v->push_back(std::move(item));
    }
  }
  return Status::OK();
}

// Reads a field's value if its wire type is the expected one and sets
// *consumed; a field of another type is left for the caller to skip, as
// Thrift's generated code does.
template <class T>
Status ReadField(CompactReader* r, const FieldHeader& h, T* v, bool* consumed) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!IsBoolType(h.type)) return Status::OK();
    *consumed = true;
    *v = CompactReader::FieldBoolValue(h);
    return Status::OK();
  } else {
    if (h.type != WireType<T>()) return Status::OK();
    *consumed = true;
    return ReadValue(r, v);
  }
}

template <class T>
Status ReadField(CompactReader* r, const FieldHeader& h, std::optional<T>* v, bool* consumed) {
  T tmp{};
  SWELL_RETURN_IF_ERROR(ReadField(r, h, &tmp, consumed));
  if (*consumed) *v = std::move(tmp);
  return Status::OK();
}

constexpr uint32_t Required(std::initializer_list<int> ids) {
  uint32_t mask = 0;
  for (int id : ids) mask |= 1u << id;
  return mask;
}

// Reads one struct, handing each field to on_field(header, &consumed);
// unconsumed fields are skipped. Fails if a field in required_mask (bit i
// for field id i) never appeared.
template <class Fn>
Status ReadStruct(CompactReader* r, const char* name, uint32_t required_mask, Fn&& on_field) {
  SWELL_RETURN_IF_ERROR(r->ReadStructBegin());
  uint32_t seen = 0;
  for (;;) {
    FieldHeader h;
    SWELL_RETURN_IF_ERROR(r->ReadFieldBegin(&h));
    if (h.type == CType::kStop) break;
    bool consumed = false;
    Status st = on_field(h, &consumed);
    if (!st.ok()) return st.WithContext(name);
    if (consumed) {
      if (h.id > 0 && h.id < 32) seen |= 1u << h.id;
    } else {
      SWELL_RETURN_IF_ERROR(r->Skip(h.type));
    }
  }
  SWELL_RETURN_IF_ERROR(r->ReadStructEnd());
  uint32_t missing = required_mask & ~seen;
  if (missing != 0) {
    return Status::Corruption(std::string(name) + ": required field " +
                              std::to_string(std::countr_zero(missing)) + " missing");
  }
  return Status::OK();
}

Status ReadValue(CompactReader* r, Statistics* out) {
  return ReadStruct(r, "Statistics", 0, [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->max, c);
      case 2: return ReadField(r, h, &out->min, c);
      case 3: return ReadField(r, h, &out->null_count, c);
      case 4: return ReadField(r, h, &out->distinct_count, c);
      case 5: return ReadField(r, h, &out->max_value, c);
      case 6: return ReadField(r, h, &out->min_value, c);
      case 7: return ReadField(r, h, &out->is_max_value_exact, c);
      case 8: return ReadField(r, h, &out->is_min_value_exact, c);
      case 9: return ReadField(r, h, &out->nan_count, c);
    }
    return Status::OK();
  });
}

// A union member that is an empty struct: only which member is set matters.
// Returns the member's field id (0 when the union is empty).
Status ReadUnionTag(CompactReader* r, const char* name, int16_t* tag) {
  *tag = 0;
  return ReadStruct(r, name, 0, [&](const FieldHeader& h, bool* c) -> Status {
    if (h.type == CType::kStruct && *tag == 0) *tag = h.id;
    return Status::OK();  // the member's (empty) body is skipped
  });
}

Status ReadValue(CompactReader* r, ColumnOrder* out) {
  int16_t tag;
  SWELL_RETURN_IF_ERROR(ReadUnionTag(r, "ColumnOrder", &tag));
  *out = static_cast<ColumnOrder>(tag);
  return Status::OK();
}

Status ReadTimeParameters(CompactReader* r, const char* name, LogicalType* out) {
  return ReadStruct(r, name, Required({1, 2}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->is_adjusted_to_utc, c);
      case 2:
        if (h.type != CType::kStruct) return Status::OK();
        *c = true;
        int16_t tag;
        SWELL_RETURN_IF_ERROR(ReadUnionTag(r, "TimeUnit", &tag));
        out->unit = static_cast<TimeUnit>(tag);
        return Status::OK();
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, LogicalType* out) {
  *out = LogicalType{};
  out->kind = LogicalType::Kind::OTHER;
  bool set = false;
  return ReadStruct(r, "LogicalType", 0, [&](const FieldHeader& h, bool* c) -> Status {
    if (h.type != CType::kStruct || set) return Status::OK();
    set = true;
    *c = true;
    switch (h.id) {
      case 5:
        out->kind = LogicalType::Kind::DECIMAL;
        return ReadStruct(r, "DecimalType", Required({1, 2}),
                          [&](const FieldHeader& f, bool* fc) -> Status {
                            switch (f.id) {
                              case 1: return ReadField(r, f, &out->scale, fc);
                              case 2: return ReadField(r, f, &out->precision, fc);
                            }
                            return Status::OK();
                          });
      case 7:
        out->kind = LogicalType::Kind::TIME;
        return ReadTimeParameters(r, "TimeType", out);
      case 8:
        out->kind = LogicalType::Kind::TIMESTAMP;
        return ReadTimeParameters(r, "TimestampType", out);
      case 10:
        out->kind = LogicalType::Kind::INTEGER;
        return ReadStruct(r, "IntType", Required({1, 2}),
                          [&](const FieldHeader& f, bool* fc) -> Status {
                            switch (f.id) {
                              case 1: return ReadField(r, f, &out->bit_width, fc);
                              case 2: return ReadField(r, f, &out->is_signed, fc);
                            }
                            return Status::OK();
                          });
      case 1: case 2: case 3: case 4: case 6: case 11: case 12: case 13: case 14: case 15:
        out->kind = static_cast<LogicalType::Kind>(h.id);
        return r->Skip(CType::kStruct);
      default:
        out->kind = LogicalType::Kind::OTHER;
        out->other_field_id = h.id;
        return r->Skip(CType::kStruct);
    }
  });
}

Status ReadValue(CompactReader* r, SchemaElement* out) {
  return ReadStruct(r, "SchemaElement", Required({4}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->type, c);
      case 2: return ReadField(r, h, &out->type_length, c);
      case 3: return ReadField(r, h, &out->repetition_type, c);
      case 4: return ReadField(r, h, &out->name, c);
      case 5: return ReadField(r, h, &out->num_children, c);
      case 6: return ReadField(r, h, &out->converted_type, c);
      case 7: return ReadField(r, h, &out->scale, c);
      case 8: return ReadField(r, h, &out->precision, c);
      case 9: return ReadField(r, h, &out->field_id, c);
      case 10: return ReadField(r, h, &out->logical_type, c);
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, KeyValue* out) {
  return ReadStruct(r, "KeyValue", Required({1}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->key, c);
      case 2: return ReadField(r, h, &out->value, c);
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, SortingColumn* out) {
  return ReadStruct(r, "SortingColumn", Required({1, 2, 3}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->column_idx, c);
                        case 2: return ReadField(r, h, &out->descending, c);
                        case 3: return ReadField(r, h, &out->nulls_first, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, PageEncodingStats* out) {
  return ReadStruct(r, "PageEncodingStats", Required({1, 2, 3}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->page_type, c);
                        case 2: return ReadField(r, h, &out->encoding, c);
                        case 3: return ReadField(r, h, &out->count, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, ColumnMetaData* out) {
  return ReadStruct(
      r, "ColumnMetaData", Required({1, 2, 3, 4, 5, 6, 7, 9}),
      [&](const FieldHeader& h, bool* c) -> Status {
        switch (h.id) {
          case 1: return ReadField(r, h, &out->type, c);
          case 2: return ReadField(r, h, &out->encodings, c);
          case 3: return ReadField(r, h, &out->path_in_schema, c);
          case 4: return ReadField(r, h, &out->codec, c);
          case 5: return ReadField(r, h, &out->num_values, c);
          case 6: return ReadField(r, h, &out->total_uncompressed_size, c);
          case 7: return ReadField(r, h, &out->total_compressed_size, c);
          case 8: return ReadField(r, h, &out->key_value_metadata, c);
          case 9: return ReadField(r, h, &out->data_page_offset, c);
          case 10: return ReadField(r, h, &out->index_page_offset, c);
          case 11: return ReadField(r, h, &out->dictionary_page_offset, c);
          case 12: return ReadField(r, h, &out->statistics, c);
          case 13: return ReadField(r, h, &out->encoding_stats, c);
          case 14: return ReadField(r, h, &out->bloom_filter_offset, c);
          case 15: return ReadField(r, h, &out->bloom_filter_length, c);
        }
        return Status::OK();
      });
}

Status ReadValue(CompactReader* r, ColumnChunk* out) {
  // file_offset is required by the IDL, but some writers omit it; its value
  // is deprecated and unused, so its absence is tolerated.
  return ReadStruct(r, "ColumnChunk", 0, [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->file_path, c);
      case 2: return ReadField(r, h, &out->file_offset, c);
      case 3: return ReadField(r, h, &out->meta_data, c);
      case 4: return ReadField(r, h, &out->offset_index_offset, c);
      case 5: return ReadField(r, h, &out->offset_index_length, c);
      case 6: return ReadField(r, h, &out->column_index_offset, c);
      case 7: return ReadField(r, h, &out->column_index_length, c);
      case 8:
      case 9: out->encrypted = true; return Status::OK();
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, RowGroup* out) {
  return ReadStruct(r, "RowGroup", Required({1, 2, 3}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->columns, c);
      case 2: return ReadField(r, h, &out->total_byte_size, c);
      case 3: return ReadField(r, h, &out->num_rows, c);
      case 4: return ReadField(r, h, &out->sorting_columns, c);
      case 5: return ReadField(r, h, &out->file_offset, c);
      case 6: return ReadField(r, h, &out->total_compressed_size, c);
      case 7: return ReadField(r, h, &out->ordinal, c);
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, FileMetaData* out) {
  return ReadStruct(r, "FileMetaData", Required({1, 2, 3, 4}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->version, c);
                        case 2: return ReadField(r, h, &out->schema, c);
                        case 3: return ReadField(r, h, &out->num_rows, c);
                        case 4: return ReadField(r, h, &out->row_groups, c);
                        case 5: return ReadField(r, h, &out->key_value_metadata, c);
                        case 6: return ReadField(r, h, &out->created_by, c);
                        case 7: return ReadField(r, h, &out->column_orders, c);
                        case 8: out->encrypted = true; return Status::OK();
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, DataPageHeader* out) {
  return ReadStruct(r, "DataPageHeader", Required({1, 2, 3, 4}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->num_values, c);
                        case 2: return ReadField(r, h, &out->encoding, c);
                        case 3: return ReadField(r, h, &out->definition_level_encoding, c);
                        case 4: return ReadField(r, h, &out->repetition_level_encoding, c);
                        case 5: return ReadField(r, h, &out->statistics, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, DataPageHeaderV2* out) {
  return ReadStruct(r, "DataPageHeaderV2", Required({1, 2, 3, 4, 5, 6}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->num_values, c);
                        case 2: return ReadField(r, h, &out->num_nulls, c);
                        case 3: return ReadField(r, h, &out->num_rows, c);
                        case 4: return ReadField(r, h, &out->encoding, c);
                        case 5: return ReadField(r, h, &out->definition_levels_byte_length, c);
                        case 6: return ReadField(r, h, &out->repetition_levels_byte_length, c);
                        case 7: return ReadField(r, h, &out->is_compressed, c);
                        case 8: return ReadField(r, h, &out->statistics, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, DictionaryPageHeader* out) {
  return ReadStruct(r, "DictionaryPageHeader", Required({1, 2}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->num_values, c);
                        case 2: return ReadField(r, h, &out->encoding, c);
                        case 3: return ReadField(r, h, &out->is_sorted, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, IndexPageHeader*) {
  return ReadStruct(r, "IndexPageHeader", 0,
                    [](const FieldHeader&, bool*) -> Status { return Status::OK(); });
}

Status ReadValue(CompactReader* r, PageHeader* out) {
  return ReadStruct(r, "PageHeader", Required({1, 2, 3}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->type, c);
      case 2: return ReadField(r, h, &out->uncompressed_page_size, c);
      case 3: return ReadField(r, h, &out->compressed_page_size, c);
      case 4: return ReadField(r, h, &out->crc, c);
      case 5: return ReadField(r, h, &out->data_page_header, c);
      case 6: return ReadField(r, h, &out->index_page_header, c);
      case 7: return ReadField(r, h, &out->dictionary_page_header, c);
      case 8: return ReadField(r, h, &out->data_page_header_v2, c);
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, PageLocation* out) {
  return ReadStruct(r, "PageLocation", Required({1, 2, 3}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->offset, c);
                        case 2: return ReadField(r, h, &out->compressed_page_size, c);
                        case 3: return ReadField(r, h, &out->first_row_index, c);
                      }
                      return Status::OK();
                    });
}

Status ReadValue(CompactReader* r, OffsetIndex* out) {
  return ReadStruct(r, "OffsetIndex", Required({1}), [&](const FieldHeader& h, bool* c) -> Status {
    switch (h.id) {
      case 1: return ReadField(r, h, &out->page_locations, c);
      case 2: return ReadField(r, h, &out->unencoded_byte_array_data_bytes, c);
    }
    return Status::OK();
  });
}

Status ReadValue(CompactReader* r, ColumnIndex* out) {
  return ReadStruct(r, "ColumnIndex", Required({1, 2, 3, 4}),
                    [&](const FieldHeader& h, bool* c) -> Status {
                      switch (h.id) {
                        case 1: return ReadField(r, h, &out->null_pages, c);
                        case 2: return ReadField(r, h, &out->min_values, c);
                        case 3: return ReadField(r, h, &out->max_values, c);
                        case 4: return ReadField(r, h, &out->boundary_order, c);
                        case 5: return ReadField(r, h, &out->null_counts, c);
                        case 6: return ReadField(r, h, &out->repetition_level_histograms, c);
                        case 7: return ReadField(r, h, &out->definition_level_histograms, c);
                        case 8: return ReadField(r, h, &out->nan_counts, c);
                      }
                      return Status::OK();
                    });
}

template <class T>
Status ParseFront(std::string_view* in, T* out) {
  CompactReader r(*in);
  *out = T{};
  SWELL_RETURN_IF_ERROR(ReadValue(&r, out));
  in->remove_prefix(r.position());
  return Status::OK();
}

// ---------------------------------------------------------------- writing

void WriteValue(CompactWriter* w, const Statistics& v);
void WriteValue(CompactWriter* w, const LogicalType& v);
void WriteValue(CompactWriter* w, const SchemaElement& v);
void WriteValue(CompactWriter* w, const KeyValue& v);
void WriteValue(CompactWriter* w, const SortingColumn& v);
void WriteValue(CompactWriter* w, const PageEncodingStats& v);
void WriteValue(CompactWriter* w, const ColumnMetaData& v);
void WriteValue(CompactWriter* w, const ColumnChunk& v);
void WriteValue(CompactWriter* w, const RowGroup& v);
void WriteValue(CompactWriter* w, const ColumnOrder& v);
void WriteValue(CompactWriter* w, const FileMetaData& v);
void WriteValue(CompactWriter* w, const DataPageHeader& v);
void WriteValue(CompactWriter* w, const DataPageHeaderV2& v);
void WriteValue(CompactWriter* w, const DictionaryPageHeader& v);
void WriteValue(CompactWriter* w, const IndexPageHeader& v);
void WriteValue(CompactWriter* w, const PageHeader& v);
void WriteValue(CompactWriter* w, const PageLocation& v);
void WriteValue(CompactWriter* w, const OffsetIndex& v);
void WriteValue(CompactWriter* w, const ColumnIndex& v);

void WriteElement(CompactWriter* w, bool v) { w->Bool(v); }
void WriteElement(CompactWriter* w, ColumnOrder v) { WriteValue(w, v); }
void WriteElement(CompactWriter* w, int64_t v) { w->I64(v); }
void WriteElement(CompactWriter* w, const std::string& v) { w->Binary(v); }
template <class E>
  requires std::is_enum_v<E>
void WriteElement(CompactWriter* w, E v) {
  w->I32(static_cast<int32_t>(v));
}
template <class T>
  requires std::is_class_v<T>
void WriteElement(CompactWriter* w, const T& v) {
  WriteValue(w, v);
}

template <class T>
void WriteList(CompactWriter* w, int16_t id, const std::vector<T>& v) {
  w->FieldListHeader(id, WireType<T>(), static_cast<uint32_t>(v.size()));
  for (const auto& item : v) WriteElement(w, static_cast<const T&>(item));
}

template <class T>
void WriteStructField(CompactWriter* w, int16_t id, const T& v) {
  w->FieldStructHeader(id);
  WriteValue(w, v);
}

template <class E>
void WriteEnumField(CompactWriter* w, int16_t id, E v) {
  w->FieldI32(id, static_cast<int32_t>(v));
}

void WriteEmptyStructField(CompactWriter* w, int16_t id) {
  w->FieldStructHeader(id);
  w->BeginStruct();
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const Statistics& v) {
  w->BeginStruct();
  if (v.max) w->FieldBinary(1, *v.max);
  if (v.min) w->FieldBinary(2, *v.min);
  if (v.null_count) w->FieldI64(3, *v.null_count);
  if (v.distinct_count) w->FieldI64(4, *v.distinct_count);
  if (v.max_value) w->FieldBinary(5, *v.max_value);
  if (v.min_value) w->FieldBinary(6, *v.min_value);
  if (v.is_max_value_exact) w->FieldBool(7, *v.is_max_value_exact);
  if (v.is_min_value_exact) w->FieldBool(8, *v.is_min_value_exact);
  if (v.nan_count) w->FieldI64(9, *v.nan_count);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const LogicalType& v) {
  using Kind = LogicalType::Kind;
  w->BeginStruct();
  switch (v.kind) {
    case Kind::DECIMAL:
      w->FieldStructHeader(5);
      w->BeginStruct();
      w->FieldI32(1, v.scale);
      w->FieldI32(2, v.precision);
      w->EndStruct();
      break;
    case Kind::TIME:
    case Kind::TIMESTAMP:
      w->FieldStructHeader(static_cast<int16_t>(v.kind));
      w->BeginStruct();
      w->FieldBool(1, v.is_adjusted_to_utc);
      w->FieldStructHeader(2);
      w->BeginStruct();  // the TimeUnit union
      WriteEmptyStructField(w, static_cast<int16_t>(v.unit));
      w->EndStruct();
      w->EndStruct();
      break;
    case Kind::INTEGER:
      w->FieldStructHeader(10);
      w->BeginStruct();
      w->FieldByte(1, v.bit_width);
      w->FieldBool(2, v.is_signed);
      w->EndStruct();
      break;
    case Kind::OTHER:
      if (v.other_field_id > 0) WriteEmptyStructField(w, v.other_field_id);
      break;
    default:
      WriteEmptyStructField(w, static_cast<int16_t>(v.kind));
      break;
  }
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const SchemaElement& v) {
  w->BeginStruct();
  if (v.type) WriteEnumField(w, 1, *v.type);
  if (v.type_length) w->FieldI32(2, *v.type_length);
  if (v.repetition_type) WriteEnumField(w, 3, *v.repetition_type);
  w->FieldBinary(4, v.name);
  if (v.num_children) w->FieldI32(5, *v.num_children);
  if (v.converted_type) WriteEnumField(w, 6, *v.converted_type);
  if (v.scale) w->FieldI32(7, *v.scale);
  if (v.precision) w->FieldI32(8, *v.precision);
  if (v.field_id) w->FieldI32(9, *v.field_id);
  if (v.logical_type) WriteStructField(w, 10, *v.logical_type);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const KeyValue& v) {
  w->BeginStruct();
  w->FieldBinary(1, v.key);
  if (v.value) w->FieldBinary(2, *v.value);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const SortingColumn& v) {
  w->BeginStruct();
  w->FieldI32(1, v.column_idx);
  w->FieldBool(2, v.descending);
  w->FieldBool(3, v.nulls_first);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const PageEncodingStats& v) {
  w->BeginStruct();
  WriteEnumField(w, 1, v.page_type);
  WriteEnumField(w, 2, v.encoding);
  w->FieldI32(3, v.count);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const ColumnMetaData& v) {
  w->BeginStruct();
  WriteEnumField(w, 1, v.type);
  WriteList(w, 2, v.encodings);
  WriteList(w, 3, v.path_in_schema);
  WriteEnumField(w, 4, v.codec);
  w->FieldI64(5, v.num_values);
  w->FieldI64(6, v.total_uncompressed_size);
  w->FieldI64(7, v.total_compressed_size);
  if (!v.key_value_metadata.empty()) WriteList(w, 8, v.key_value_metadata);
  w->FieldI64(9, v.data_page_offset);
  if (v.index_page_offset) w->FieldI64(10, *v.index_page_offset);
  if (v.dictionary_page_offset) w->FieldI64(11, *v.dictionary_page_offset);
  if (v.statistics) WriteStructField(w, 12, *v.statistics);
  if (!v.encoding_stats.empty()) WriteList(w, 13, v.encoding_stats);
  if (v.bloom_filter_offset) w->FieldI64(14, *v.bloom_filter_offset);
  if (v.bloom_filter_length) w->FieldI32(15, *v.bloom_filter_length);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const ColumnChunk& v) {
  w->BeginStruct();
  if (v.file_path) w->FieldBinary(1, *v.file_path);
  w->FieldI64(2, v.file_offset);
  if (v.meta_data) WriteStructField(w, 3, *v.meta_data);
  if (v.offset_index_offset) w->FieldI64(4, *v.offset_index_offset);
  if (v.offset_index_length) w->FieldI32(5, *v.offset_index_length);
  if (v.column_index_offset) w->FieldI64(6, *v.column_index_offset);
  if (v.column_index_length) w->FieldI32(7, *v.column_index_length);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const RowGroup& v) {
  w->BeginStruct();
  WriteList(w, 1, v.columns);
  w->FieldI64(2, v.total_byte_size);
  w->FieldI64(3, v.num_rows);
  if (!v.sorting_columns.empty()) WriteList(w, 4, v.sorting_columns);
  if (v.file_offset) w->FieldI64(5, *v.file_offset);
  if (v.total_compressed_size) w->FieldI64(6, *v.total_compressed_size);
  if (v.ordinal) w->FieldI16(7, *v.ordinal);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const ColumnOrder& v) {
  w->BeginStruct();
  WriteEmptyStructField(w, static_cast<int16_t>(v));
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const FileMetaData& v) {
  w->BeginStruct();
  w->FieldI32(1, v.version);
  WriteList(w, 2, v.schema);
  w->FieldI64(3, v.num_rows);
  WriteList(w, 4, v.row_groups);
  if (!v.key_value_metadata.empty()) WriteList(w, 5, v.key_value_metadata);
  if (v.created_by) w->FieldBinary(6, *v.created_by);
  if (!v.column_orders.empty()) WriteList(w, 7, v.column_orders);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const DataPageHeader& v) {
  w->BeginStruct();
  w->FieldI32(1, v.num_values);
  WriteEnumField(w, 2, v.encoding);
  WriteEnumField(w, 3, v.definition_level_encoding);
  WriteEnumField(w, 4, v.repetition_level_encoding);
  if (v.statistics) WriteStructField(w, 5, *v.statistics);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const DataPageHeaderV2& v) {
  w->BeginStruct();
  w->FieldI32(1, v.num_values);
  w->FieldI32(2, v.num_nulls);
  w->FieldI32(3, v.num_rows);
  WriteEnumField(w, 4, v.encoding);
  w->FieldI32(5, v.definition_levels_byte_length);
  w->FieldI32(6, v.repetition_levels_byte_length);
  w->FieldBool(7, v.is_compressed);
  if (v.statistics) WriteStructField(w, 8, *v.statistics);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const DictionaryPageHeader& v) {
  w->BeginStruct();
  w->FieldI32(1, v.num_values);
  WriteEnumField(w, 2, v.encoding);
  if (v.is_sorted) w->FieldBool(3, *v.is_sorted);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const IndexPageHeader&) {
  w->BeginStruct();
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const PageHeader& v) {
  w->BeginStruct();
  WriteEnumField(w, 1, v.type);
  w->FieldI32(2, v.uncompressed_page_size);
  w->FieldI32(3, v.compressed_page_size);
  if (v.crc) w->FieldI32(4, *v.crc);
  if (v.data_page_header) WriteStructField(w, 5, *v.data_page_header);
  if (v.index_page_header) WriteStructField(w, 6, *v.index_page_header);
  if (v.dictionary_page_header) WriteStructField(w, 7, *v.dictionary_page_header);
  if (v.data_page_header_v2) WriteStructField(w, 8, *v.data_page_header_v2);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const PageLocation& v) {
  w->BeginStruct();
  w->FieldI64(1, v.offset);
  w->FieldI32(2, v.compressed_page_size);
  w->FieldI64(3, v.first_row_index);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const OffsetIndex& v) {
  w->BeginStruct();
  WriteList(w, 1, v.page_locations);
  if (v.unencoded_byte_array_data_bytes) WriteList(w, 2, *v.unencoded_byte_array_data_bytes);
  w->EndStruct();
}

void WriteValue(CompactWriter* w, const ColumnIndex& v) {
  w->BeginStruct();
  WriteList(w, 1, v.null_pages);
  WriteList(w, 2, v.min_values);
  WriteList(w, 3, v.max_values);
  WriteEnumField(w, 4, v.boundary_order);
  if (v.null_counts) WriteList(w, 5, *v.null_counts);
  if (v.repetition_level_histograms) WriteList(w, 6, *v.repetition_level_histograms);
  if (v.definition_level_histograms) WriteList(w, 7, *v.definition_level_histograms);
  if (v.nan_counts) WriteList(w, 8, *v.nan_counts);
  w->EndStruct();
}

template <class T>
void SerializeTo(const T& v, std::string* out) {
  CompactWriter w(out);
  WriteValue(&w, v);
}

}  // namespace

#define SWELL_PARQUET_CODEC(X)                                                               \
  Status Parse##X(std::string_view* in, X* out) { return ParseFront(in, out); }              \
  void Serialize##X(const X& v, std::string* out) { SerializeTo(v, out); }

SWELL_PARQUET_CODEC(FileMetaData)
SWELL_PARQUET_CODEC(PageHeader)
SWELL_PARQUET_CODEC(ColumnIndex)
SWELL_PARQUET_CODEC(OffsetIndex)
SWELL_PARQUET_CODEC(Statistics)
SWELL_PARQUET_CODEC(SchemaElement)
SWELL_PARQUET_CODEC(RowGroup)
SWELL_PARQUET_CODEC(ColumnChunk)
SWELL_PARQUET_CODEC(ColumnMetaData)
SWELL_PARQUET_CODEC(KeyValue)
SWELL_PARQUET_CODEC(DataPageHeader)
SWELL_PARQUET_CODEC(DataPageHeaderV2)
SWELL_PARQUET_CODEC(DictionaryPageHeader)
SWELL_PARQUET_CODEC(PageLocation)
SWELL_PARQUET_CODEC(LogicalType)

#undef SWELL_PARQUET_CODEC

}  // namespace swell::parquet
