// Knobs of the Parquet writer. The defaults suit the lake: snappy, row groups
// of a million rows, 1 MiB pages of at most 20,000 rows (so the page index
// can skip at a useful grain), dictionaries up to 1 MiB per column chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/metadata.h"

namespace swell::parquet {

struct WriterOptions {
  // UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4_RAW (whatever Compress()
  // supports).
  CompressionCodec codec = CompressionCodec::SNAPPY;
  // 0: the codec's default (ZSTD 3). Only ZSTD honours a level; any other
  // level with another codec makes FileWriter::Open fail, as does a ZSTD
  // level outside [ZSTD_minCLevel(), ZSTD_maxCLevel()]. Higher levels pay
  // off only when a page holds redundancy zstd's larger windows can reach,
  // i.e. with large pages.
  int compression_level = 0;
  // Rows per row group; the writer buffers one row group in memory.
  int64_t row_group_rows = 1'000'000;
  // A data page is closed once its encoded values and levels reach this many
  // bytes, or page_rows rows, whichever comes first.
  size_t page_bytes = 1 << 20;
  size_t page_rows = 20'000;
  // Dictionary encoding of INT32, INT64, DOUBLE and BYTE_ARRAY columns. When
  // a column chunk's dictionary grows past dictionary_bytes_limit (PLAIN
  // size) the chunk falls back to PLAIN for the rest of the row group.
  bool dictionary = true;
  size_t dictionary_bytes_limit = 1 << 20;
  // 1: DataPageHeader (what every reader handles); 2: DataPageHeaderV2.
  int data_page_version = 1;
  // Column index and offset index for every column chunk.
  bool write_page_index = true;
  // CRC32 of each page in its header.
  bool page_checksums = true;
  // Declared sort order of the rows of every row group (column positions).
  std::vector<SortingColumn> sorting_columns;
  // File-level key-value metadata.
  std::vector<KeyValue> key_value_metadata;
};

}  // namespace swell::parquet
