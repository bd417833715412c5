// Writes one column's values into column chunks: data pages (v1 or v2) with
// definition levels for optional columns, dictionary encoding with fallback
// to PLAIN, compression, chunk statistics and the page index.
//
// The chunk is buffered in memory until FinishChunk, because the dictionary
// page must precede the data pages and is complete only at the end.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parquet/encoder/dictionary_encoder.h"
#include "parquet/encoder/plain_encoder.h"
#include "parquet/metadata.h"
#include "parquet/page_index_builder.h"
#include "parquet/statistics_builder.h"
#include "parquet/writer_options.h"
#include "parquet/writer_schema.h"
#include "util/status.h"

namespace swell::parquet {

// A finished column chunk: its bytes, to be written at the file offset given
// to FinishChunk, and the metadata pointing into them.
struct ColumnChunkOutput {
  std::string bytes;
  ColumnChunk chunk;  // meta_data set; page index offsets are the file writer's
  std::optional<ColumnIndex> column_index;
  std::optional<OffsetIndex> offset_index;
};

class ColumnWriter {
 public:
  ColumnWriter(const ColumnDescriptor& column, const WriterOptions& options);

  // One value of the next row. The caller checks types and nullability:
  // REQUIRES: Add* matching the column's physical type, AddNull only for an
  // optional column.
  void AddNull();
  void AddBool(bool v);
  void AddInt32(int32_t v);
  void AddInt64(int64_t v);
  void AddDouble(double v);
  void AddBytes(std::string_view v);

  // The first error of a page flush (compression), if any.
  const Status& status() const { return status_; }

  // Rows added to the current chunk.
  int64_t num_rows() const { return chunk_rows_; }
  // Memory held by the current chunk.
  size_t buffered_bytes() const;

  // Ends the current chunk (REQUIRES: num_rows() > 0) and starts the next.
  // chunk_file_offset is where out->bytes will be written.
  Status FinishChunk(int64_t chunk_file_offset, ColumnChunkOutput* out);

 private:
  void EndRow() {
    ++page_rows_;
    ++chunk_rows_;
    if (page_rows_ >= options_.page_rows || EstimatedPageBytes() >= options_.page_bytes) {
      FlushPage();
    }
  }
  void EndNonNullRow();
  size_t EstimatedPageBytes() const;
  void FlushPage();
  Status FlushPageOrError();
  Status CompressInto(std::string_view raw, std::string* out);
  // Appends header + body to *dest and adds to the chunk's size totals.
  void AppendPage(PageHeader* header, std::string_view body, std::string* dest);
  void StartChunk();

  const ColumnDescriptor column_;
  const WriterOptions& options_;
  const Type physical_;
  Status status_;

  // Current page.
  std::vector<uint8_t> def_levels_;  // optional columns: 1 value, 0 null
  PlainEncoder plain_;
  StatisticsBuilder page_stats_;
  size_t page_rows_ = 0;
  size_t page_non_null_ = 0;

  // Current chunk.
  std::unique_ptr<DictionaryEncoder> dictionary_;
  bool dictionary_active_ = false;  // false once fallen back to PLAIN
  // Per dictionary entry, the serial of the last page whose statistics it
  // updated (page serials start at 1).
  std::vector<uint32_t> entry_last_page_;
  uint32_t page_serial_ = 1;
  std::string data_pages_;
  PageIndexBuilder page_index_;
  StatisticsBuilder chunk_stats_;
  int64_t chunk_rows_ = 0;
  int64_t total_uncompressed_ = 0;
  int64_t total_compressed_ = 0;
  std::map<std::pair<PageType, Encoding>, int32_t> page_encodings_;
  std::string scratch_;
};

}  // namespace swell::parquet
