#include "parquet/column_reader.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "parquet/decoder/plain_decoder.h"
#include "parquet/decoder/rle_bp_hybrid_decoder.h"
#include "util/coding.h"

namespace swell::parquet {
namespace {

bool IsFloat16(const LeafColumn& column) {
  return column.physical_type == Type::FIXED_LEN_BYTE_ARRAY && column.type_length == 2 &&
         column.logical_type && column.logical_type->kind == LogicalType::Kind::FLOAT16;
}

int BitWidth(int16_t max_level) { return 32 - std::countl_zero(static_cast<uint32_t>(max_level)); }

// Appends decoded values to the column's vector, one slot per level, a
// default value where the level says null.
struct Scatter {
  const std::vector<uint32_t>* levels;  // null: every row has a value
  uint32_t max_level;
  bool float16;
  ColumnVector* out;

  template <typename T>
  void operator()(std::vector<T>& decoded) {
    auto& dst = std::get<std::vector<T>>(out->values);
    if (levels == nullptr) {
      dst.insert(dst.end(), std::make_move_iterator(decoded.begin()),
                 std::make_move_iterator(decoded.end()));
      out->valid.insert(out->valid.end(), decoded.size(), 1);
      return;
    }
    size_t next = 0;
    for (uint32_t level : *levels) {
      if (level == max_level) {
        dst.push_back(std::move(decoded[next++]));
        out->valid.push_back(1);
      } else {
        dst.push_back(T());
        out->valid.push_back(0);
      }
    }
  }

  void operator()(std::vector<std::string>& decoded) {
    if (!float16) {
      operator()<std::string>(decoded);
      return;
    }
    std::vector<float> halves;
    halves.reserve(decoded.size());
    for (const std::string& v : decoded) {
      uint16_t bits = static_cast<uint8_t>(v[0]) | static_cast<uint16_t>(static_cast<uint8_t>(v[1]) << 8);
      halves.push_back(HalfToFloat(bits));
    }
    operator()<float>(halves);
  }
};

}  // namespace

float HalfToFloat(uint16_t bits) {
  int sign = bits >> 15;
  int exponent = (bits >> 10) & 0x1f;
  int mantissa = bits & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return sign ? -v : v;
}

ColumnVector MakeColumnVector(const LeafColumn& column) {
  ColumnVector v;
  v.values = IsFloat16(column) ? ValueVector(std::vector<float>())
                               : MakeValueVector(column.physical_type);
  return v;
}

Status ColumnChunkReader::Error(const std::string& what) const {
  return Status::Corruption("column '" + column_.name + "': " + what);
}

Status ColumnChunkReader::ReadDictionary(const Page& page) {
  if (dictionary_) return Error("a second dictionary page");
  const DictionaryPageHeader& h = *page.header.dictionary_page_header;
  if (h.num_values < 0) return Error("dictionary page of " + std::to_string(h.num_values) + " values");
  if (h.encoding != Encoding::PLAIN && h.encoding != Encoding::PLAIN_DICTIONARY) {
    return Status::NotSupported("column '" + column_.name + "': dictionary page encoding " +
                                ToString(h.encoding) + " is not supported");
  }
  ValueVector values = MakeValueVector(column_.physical_type);
  PlainDecoder decoder(column_.physical(), page.values);
  Status st = decoder.Decode(static_cast<size_t>(h.num_values), &values);
  if (!st.ok()) return Error("dictionary page: " + st.message());
  dictionary_ = std::move(values);
  return Status::OK();
}

Status ColumnChunkReader::DecodeLevels(const Page& page, int32_t num_values,
                                       std::string_view* values, std::vector<uint32_t>* levels) {
  int bit_width = BitWidth(column_.max_definition_level);
  levels->resize(num_values);
  if (page.header.type == PageType::DATA_PAGE_V2) {
    RleBpHybridDecoder decoder(page.definition_levels, bit_width);
    Status st = decoder.Get(levels->data(), levels->size());
    if (!st.ok()) return Error("definition levels: " + st.message());
  } else {
    Encoding encoding = page.header.data_page_header->definition_level_encoding;
    if (encoding == Encoding::RLE) {
      if (values->size() < 4) return Error("definition levels: length prefix truncated");
      uint32_t length = DecodeFixed32(values->data());
      if (length > values->size() - 4) return Error("definition levels overrun the page");
      RleBpHybridDecoder decoder(values->substr(4, length), bit_width);
      Status st = decoder.Get(levels->data(), levels->size());
      if (!st.ok()) return Error("definition levels: " + st.message());
      values->remove_prefix(4 + length);
    } else if (encoding == Encoding::BIT_PACKED) {
      size_t size = BitPackedLevelsSize(levels->size(), bit_width);
      if (size > values->size()) return Error("BIT_PACKED definition levels overrun the page");
      DecodeBitPackedLevels(*values, bit_width, levels->size(), levels->data());
      values->remove_prefix(size);
    } else {
      return Status::NotSupported("column '" + column_.name + "': definition level encoding " +
                                  ToString(encoding) + " is not supported");
    }
  }
  for (uint32_t level : *levels) {
    if (level > static_cast<uint32_t>(column_.max_definition_level)) {
      return Error("definition level " + std::to_string(level) + " above the maximum " +
                   std::to_string(column_.max_definition_level));
    }
  }
  return Status::OK();
}

Status ColumnChunkReader::ReadDataPage(const Page& page, int64_t max_rows, ColumnVector* out,
                                       int64_t* rows) {
  bool v2 = page.header.type == PageType::DATA_PAGE_V2;
  int32_t num_values = v2 ? page.header.data_page_header_v2->num_values
                          : page.header.data_page_header->num_values;
  Encoding encoding =
      v2 ? page.header.data_page_header_v2->encoding : page.header.data_page_header->encoding;
  if (num_values < 0 || num_values > max_rows) {
    return Error("data page of " + std::to_string(num_values) + " values where " +
                 std::to_string(max_rows) + " rows remain");
  }
  // A flat column's repetition levels are all zero: some writers still
  // store them in v2 pages, and they are ignored.
  std::string_view values = page.values;
  std::vector<uint32_t> levels;
  size_t non_null = num_values;
  if (column_.max_definition_level > 0) {
    SWELL_RETURN_IF_ERROR(DecodeLevels(page, num_values, &values, &levels));
    non_null = 0;
    for (uint32_t level : levels) non_null += level == static_cast<uint32_t>(column_.max_definition_level);
  }
  std::unique_ptr<Decoder> decoder;
  Status st = MakeDecoder(encoding, column_.physical(), values, non_null,
                          dictionary_ ? &*dictionary_ : nullptr, &decoder);
  if (!st.ok()) {
    if (st.IsNotSupported()) return Status::NotSupported("column '" + column_.name + "': " + st.message());
    return Error(st.message());
  }
  ValueVector decoded = MakeValueVector(column_.physical_type);
  size_t plausible = std::min(non_null, values.size() * 8 + 1024);
  std::visit([&](auto& v) { v.reserve(plausible); }, decoded);
  st = decoder->Decode(non_null, &decoded);
  if (!st.ok()) return Error(st.message());
  Scatter scatter{column_.max_definition_level > 0 ? &levels : nullptr,
                  static_cast<uint32_t>(column_.max_definition_level), IsFloat16(column_), out};
  std::visit(scatter, decoded);
  *rows = num_values;
  ++data_pages_read_;
  return Status::OK();
}

Status ColumnChunkReader::ReadAll(int64_t num_rows, ColumnVector* out) {
  PageReader pages(chunk_, codec_, column_.name, options_);
  Page page;
  int64_t rows = 0;
  // Reserved up front only as far as the chunk's bytes make plausible (a
  // bit a row), so a tiny hostile chunk cannot claim memory by its row count.
  size_t expected = static_cast<size_t>(std::min<int64_t>(num_rows, chunk_.size() * 8 + 1024));
  std::visit([&](auto& values) { values.reserve(values.size() + expected); }, out->values);
  out->valid.reserve(out->valid.size() + expected);
  while (rows < num_rows) {
    bool done;
    SWELL_RETURN_IF_ERROR(pages.Next(&page, &done));
    if (done) break;
    if (page.header.type == PageType::DICTIONARY_PAGE) {
      SWELL_RETURN_IF_ERROR(ReadDictionary(page));
      continue;
    }
    int64_t page_rows = 0;
    SWELL_RETURN_IF_ERROR(ReadDataPage(page, num_rows - rows, out, &page_rows));
    rows += page_rows;
  }
  if (rows != num_rows) {
    return Error("column chunk holds " + std::to_string(rows) + " values, its row group " +
                 std::to_string(num_rows) + " rows");
  }
  return Status::OK();
}

Status ColumnChunkReader::ReadPages(const std::vector<PageSlice>& slices, ColumnVector* out) {
  Page page;
  bool done;
  if (!slices.empty() && slices.front().offset > 0) {
    // Bytes before the first data page: the dictionary page.
    PageReader head(chunk_.substr(0, slices.front().offset), codec_, column_.name, options_);
    SWELL_RETURN_IF_ERROR(head.Next(&page, &done));
    if (!done && page.header.type == PageType::DICTIONARY_PAGE) {
      SWELL_RETURN_IF_ERROR(ReadDictionary(page));
    }
  }
  for (const PageSlice& slice : slices) {
    if (slice.offset > chunk_.size() || slice.size > chunk_.size() - slice.offset) {
      return Error("page index locates a page outside the column chunk");
    }
    PageReader one(chunk_.substr(slice.offset, slice.size), codec_, column_.name, options_);
    SWELL_RETURN_IF_ERROR(one.Next(&page, &done));
    if (done || (page.header.type != PageType::DATA_PAGE &&
                 page.header.type != PageType::DATA_PAGE_V2)) {
      return Error("page index locates something other than a data page");
    }
    int64_t rows = 0;
    SWELL_RETURN_IF_ERROR(ReadDataPage(page, slice.num_rows, out, &rows));
    if (rows != slice.num_rows) {
      return Error("page holds " + std::to_string(rows) + " rows, the page index says " +
                   std::to_string(slice.num_rows));
    }
  }
  return Status::OK();
}

}  // namespace swell::parquet
