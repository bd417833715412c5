#include "parquet/column_writer.h"

#include <zlib.h>

#include <set>

#include "parquet/compression.h"
#include "parquet/encoder/rle_bp_hybrid_encoder.h"
#include "util/coding.h"

namespace swell::parquet {

namespace {

bool SupportsDictionary(Type t) {
  return t == Type::INT32 || t == Type::INT64 || t == Type::DOUBLE || t == Type::BYTE_ARRAY;
}

}  // namespace

ColumnWriter::ColumnWriter(const ColumnDescriptor& column, const WriterOptions& options)
    : column_(column),
      options_(options),
      physical_(column.physical_type()),
      page_stats_(physical_),
      chunk_stats_(physical_) {
  StartChunk();
}

void ColumnWriter::StartChunk() {
  dictionary_active_ = options_.dictionary && SupportsDictionary(physical_);
  dictionary_ = dictionary_active_ ? std::make_unique<DictionaryEncoder>(physical_) : nullptr;
  entry_last_page_.clear();
  data_pages_.clear();
  page_index_.Reset();
  chunk_stats_.Reset();
  chunk_rows_ = 0;
  total_uncompressed_ = 0;
  total_compressed_ = 0;
  page_encodings_.clear();
}

void ColumnWriter::AddNull() {
  def_levels_.push_back(0);
  page_stats_.AddNull();
  EndRow();
}

void ColumnWriter::AddBool(bool v) {
  if (column_.nullable()) def_levels_.push_back(1);
  page_stats_.AddBool(v);
  plain_.PutBool(v);
  EndNonNullRow();
}

void ColumnWriter::AddInt32(int32_t v) {
  if (column_.nullable()) def_levels_.push_back(1);
  page_stats_.AddInt32(v);
  if (dictionary_active_) {
    dictionary_->PutInt32(v);
  } else {
    plain_.PutInt32(v);
  }
  EndNonNullRow();
}

void ColumnWriter::AddInt64(int64_t v) {
  if (column_.nullable()) def_levels_.push_back(1);
  page_stats_.AddInt64(v);
  if (dictionary_active_) {
    dictionary_->PutInt64(v);
  } else {
    plain_.PutInt64(v);
  }
  EndNonNullRow();
}

void ColumnWriter::AddDouble(double v) {
  if (column_.nullable()) def_levels_.push_back(1);
  page_stats_.AddDouble(v);
  if (dictionary_active_) {
    dictionary_->PutDouble(v);
  } else {
    plain_.PutDouble(v);
  }
  EndNonNullRow();
}

void ColumnWriter::AddBytes(std::string_view v) {
  if (column_.nullable()) def_levels_.push_back(1);
  if (dictionary_active_) {
    // A page's bounds are those of the distinct values it holds: each
    // dictionary entry updates them once per page, sparing the string
    // comparisons for repeats.
    uint32_t index = dictionary_->PutByteArray(v);
    if (index >= entry_last_page_.size()) entry_last_page_.resize(index + 1, 0);
    if (entry_last_page_[index] != page_serial_) {
      entry_last_page_[index] = page_serial_;
      page_stats_.AddBytes(v);
    }
  } else {
    page_stats_.AddBytes(v);
    plain_.PutByteArray(v);
  }
  EndNonNullRow();
}

void ColumnWriter::EndNonNullRow() {
  ++page_non_null_;
  if (dictionary_active_ && dictionary_->dictionary_bytes() > options_.dictionary_bytes_limit) {
    // The value just added is in the dictionary, so the current page is
    // wholly dictionary encoded; the chunk's later pages are PLAIN.
    ++page_rows_;
    ++chunk_rows_;
    FlushPage();
    dictionary_active_ = false;
    return;
  }
  EndRow();
}

size_t ColumnWriter::EstimatedPageBytes() const {
  size_t levels = def_levels_.size() / 8;
  return levels + (dictionary_active_ ? dictionary_->EstimatedIndexBytes() : plain_.size());
}

size_t ColumnWriter::buffered_bytes() const {
  return data_pages_.size() + def_levels_.size() + plain_.size() +
         (dictionary_ ? dictionary_->dictionary_bytes() + dictionary_->num_buffered_indices() * 4
                      : 0);
}

Status ColumnWriter::CompressInto(std::string_view raw, std::string* out) {
  if (options_.codec == CompressionCodec::UNCOMPRESSED) {
    out->assign(raw);
    return Status::OK();
  }
  return Compress(options_.codec, raw, out, options_.compression_level).WithContext("parquet column " + column_.name);
}

void ColumnWriter::AppendPage(PageHeader* header, std::string_view body, std::string* dest) {
  header->compressed_page_size = static_cast<int32_t>(body.size());
  if (options_.page_checksums) {
    uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
    header->crc = static_cast<int32_t>(crc);
  }
  size_t before = dest->size();
  SerializePageHeader(*header, dest);
  size_t header_bytes = dest->size() - before;
  dest->append(body.data(), body.size());
  total_uncompressed_ += static_cast<int64_t>(header_bytes) + header->uncompressed_page_size;
  total_compressed_ += static_cast<int64_t>(header_bytes + body.size());
}

void ColumnWriter::FlushPage() {
  Status st = FlushPageOrError();
  if (!st.ok() && status_.ok()) status_ = st;
}

Status ColumnWriter::FlushPageOrError() {
  if (page_rows_ == 0) return Status::OK();
  const size_t rows = page_rows_;
  const int64_t first_row = chunk_rows_ - static_cast<int64_t>(rows);

  std::string values;
  Encoding encoding = Encoding::PLAIN;
  if (dictionary_active_ && page_non_null_ > 0) {
    dictionary_->FlushIndicesTo(&values);
    encoding = Encoding::RLE_DICTIONARY;
  } else {
    // An all-null page of a dictionary column has no indices: it is written
    // as an empty PLAIN page rather than with a dictionary that may be empty.
    plain_.FlushTo(&values);
  }
  std::string levels;
  if (column_.nullable()) EncodeRleBitPackedHybrid(def_levels_.data(), rows, 1, &levels);

  PageHeader header;
  std::string& body = scratch_;
  if (options_.data_page_version == 2) {
    header.type = PageType::DATA_PAGE_V2;
    DataPageHeaderV2 v2;
    v2.num_values = static_cast<int32_t>(rows);
    v2.num_nulls = static_cast<int32_t>(rows - page_non_null_);
    v2.num_rows = static_cast<int32_t>(rows);
    v2.encoding = encoding;
    v2.definition_levels_byte_length = static_cast<int32_t>(levels.size());
    v2.repetition_levels_byte_length = 0;
    v2.is_compressed = options_.codec != CompressionCodec::UNCOMPRESSED;
    header.data_page_header_v2 = v2;
    header.uncompressed_page_size = static_cast<int32_t>(levels.size() + values.size());
    std::string compressed;
    SWELL_RETURN_IF_ERROR(CompressInto(values, &compressed));
    body = levels;
    body += compressed;
  } else {
    header.type = PageType::DATA_PAGE;
    DataPageHeader v1;
    v1.num_values = static_cast<int32_t>(rows);
    v1.encoding = encoding;
    v1.definition_level_encoding = Encoding::RLE;
    v1.repetition_level_encoding = Encoding::RLE;
    header.data_page_header = v1;
    std::string raw;
    if (column_.nullable()) {
      PutFixed32(&raw, static_cast<uint32_t>(levels.size()));
      raw += levels;
    }
    raw += values;
    header.uncompressed_page_size = static_cast<int32_t>(raw.size());
    SWELL_RETURN_IF_ERROR(CompressInto(raw, &body));
  }

  int64_t offset = static_cast<int64_t>(data_pages_.size());
  AppendPage(&header, body, &data_pages_);
  page_index_.AddPage(offset, static_cast<int32_t>(data_pages_.size() - offset), first_row,
                      page_stats_);
  ++page_encodings_[{header.type, encoding}];
  chunk_stats_.Merge(page_stats_);

  page_stats_.Reset();
  if (++page_serial_ == 0) {  // wrapped: forget every entry's page
    entry_last_page_.assign(entry_last_page_.size(), 0);
    page_serial_ = 1;
  }
  def_levels_.clear();
  page_rows_ = 0;
  page_non_null_ = 0;
  return Status::OK();
}

Status ColumnWriter::FinishChunk(int64_t chunk_file_offset, ColumnChunkOutput* out) {
  FlushPage();
  SWELL_RETURN_IF_ERROR(status_);
  out->bytes.clear();

  ColumnMetaData md;
  md.type = physical_;
  md.path_in_schema = {column_.name};
  md.codec = options_.codec;
  md.num_values = chunk_rows_;

  std::set<Encoding> encodings = {Encoding::RLE};
  if (dictionary_ && dictionary_->num_entries() > 0) {
    std::string dict;
    dictionary_->WriteDictionaryTo(&dict);
    std::string body;
    SWELL_RETURN_IF_ERROR(CompressInto(dict, &body));
    PageHeader header;
    header.type = PageType::DICTIONARY_PAGE;
    header.uncompressed_page_size = static_cast<int32_t>(dict.size());
    header.dictionary_page_header =
        DictionaryPageHeader{static_cast<int32_t>(dictionary_->num_entries()), Encoding::PLAIN,
                             std::nullopt};
    AppendPage(&header, body, &out->bytes);
    md.dictionary_page_offset = chunk_file_offset;
    md.encoding_stats.push_back(PageEncodingStats{PageType::DICTIONARY_PAGE, Encoding::PLAIN, 1});
    encodings.insert(Encoding::PLAIN);
  }
  const int64_t data_pages_offset = chunk_file_offset + static_cast<int64_t>(out->bytes.size());
  md.data_page_offset = data_pages_offset;
  out->bytes += data_pages_;
  for (const auto& [key, count] : page_encodings_) {
    md.encoding_stats.push_back(PageEncodingStats{key.first, key.second, count});
    encodings.insert(key.second);
  }
  md.encodings.assign(encodings.begin(), encodings.end());
  md.total_uncompressed_size = total_uncompressed_;
  md.total_compressed_size = total_compressed_;
  md.statistics = chunk_stats_.ToThrift();

  out->chunk = ColumnChunk{};
  out->chunk.file_offset = 0;
  out->chunk.meta_data = std::move(md);
  out->column_index.reset();
  out->offset_index.reset();
  if (options_.write_page_index) {
    out->offset_index = page_index_.BuildOffsetIndex(data_pages_offset);
    out->column_index = page_index_.BuildColumnIndex();
  }
  StartChunk();
  return Status::OK();
}

}  // namespace swell::parquet
