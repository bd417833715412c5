// Builds a column chunk's page index as its data pages are written: the
// OffsetIndex (where each page starts, and its first row) and the
// ColumnIndex (each page's bounds, null count, and whether the bounds are
// ordered), which readers use to skip pages.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "parquet/metadata.h"
#include "parquet/statistics_builder.h"

namespace swell::parquet {

class PageIndexBuilder {
 public:
  // offset: of the page header, relative to where data pages start (shifted
  // by Build*); size: header plus page bytes.
  void AddPage(int64_t offset, int32_t size, int64_t first_row_index,
               const StatisticsBuilder& page_stats);

  size_t num_pages() const { return locations_.size(); }

  // REQUIRES: at least one page.
  OffsetIndex BuildOffsetIndex(int64_t data_pages_file_offset) const;
  // Absent when a page's non-null values are all NaN: such a page has no
  // bounds, and TYPE_ORDER forbids writing a column index for the chunk.
  std::optional<ColumnIndex> BuildColumnIndex() const;

  void Reset() { *this = PageIndexBuilder(); }

 private:
  std::vector<PageLocation> locations_;
  ColumnIndex index_;
  bool index_valid_ = true;
  bool ascending_ = true;
  bool descending_ = true;
  std::optional<StatisticsBuilder> last_bounded_page_;
};

}  // namespace swell::parquet
