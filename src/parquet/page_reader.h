// Pages of one column chunk: header, checksum, decompression. What a page
// holds (levels, values) is the column reader's business.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/metadata.h"
#include "util/status.h"

namespace swell::parquet {

struct PageReaderOptions {
  // Pages declaring more uncompressed bytes are refused before anything is
  // allocated for them.
  size_t max_page_size = size_t{1} << 30;
  // Pages carrying a CRC are checked against it.
  bool verify_checksums = true;
};

// One page, decompressed. The views point into the chunk bytes or into
// buffer, so a Page must not be copied or moved while they are in use.
struct Page {
  PageHeader header;
  // DATA_PAGE and DICTIONARY_PAGE: the whole decompressed page is in values
  // (a v1 data page starts with its levels). DATA_PAGE_V2: the levels,
  // never compressed, then the decompressed values.
  std::string_view repetition_levels;
  std::string_view definition_levels;
  std::string_view values;
  std::string buffer;
};

class PageReader {
 public:
  // REQUIRES: chunk (the column chunk's bytes from its first page) outlives
  // the reader. `column` names the column in error messages.
  PageReader(std::string_view chunk, CompressionCodec codec, std::string column,
             const PageReaderOptions& options)
      : chunk_(chunk), codec_(codec), column_(std::move(column)), options_(options) {}

  // Reads the next page into *page; *done is set instead at the end of the
  // chunk. Index pages and page types this code does not know are skipped.
  Status Next(Page* page, bool* done);

  // Bytes of the chunk not read yet.
  size_t remaining() const { return chunk_.size() - pos_; }

 private:
  Status Error(const std::string& what) const;

  std::string_view chunk_;
  size_t pos_ = 0;
  CompressionCodec codec_;
  std::string column_;
  PageReaderOptions options_;
};

}  // namespace swell::parquet
