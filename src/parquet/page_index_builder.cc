#include "parquet/page_index_builder.h"

namespace swell::parquet {

void PageIndexBuilder::AddPage(int64_t offset, int32_t size, int64_t first_row_index,
                               const StatisticsBuilder& page_stats) {
  locations_.push_back(PageLocation{offset, size, first_row_index});
  if (!index_.null_counts) index_.null_counts.emplace();
  index_.null_counts->push_back(page_stats.null_count());
  if (!page_stats.has_min_max()) {
    if (page_stats.nan_count() > 0) index_valid_ = false;
    index_.null_pages.push_back(true);
    index_.min_values.emplace_back();
    index_.max_values.emplace_back();
    return;
  }
  index_.null_pages.push_back(false);
  index_.min_values.push_back(page_stats.EncodedMin());
  index_.max_values.push_back(page_stats.EncodedMax());
  if (last_bounded_page_) {
    int min_order = page_stats.CompareMin(*last_bounded_page_);
    int max_order = page_stats.CompareMax(*last_bounded_page_);
    if (min_order < 0 || max_order < 0) ascending_ = false;
    if (min_order > 0 || max_order > 0) descending_ = false;
  }
  last_bounded_page_ = page_stats;
}

OffsetIndex PageIndexBuilder::BuildOffsetIndex(int64_t data_pages_file_offset) const {
  OffsetIndex oi;
  oi.page_locations = locations_;
  for (PageLocation& loc : oi.page_locations) loc.offset += data_pages_file_offset;
  return oi;
}

std::optional<ColumnIndex> PageIndexBuilder::BuildColumnIndex() const {
  if (!index_valid_) return std::nullopt;
  ColumnIndex ci = index_;
  // Pages with equal bounds throughout are both; ascending is the more
  // useful claim.
  ci.boundary_order = ascending_    ? BoundaryOrder::ASCENDING
                      : descending_ ? BoundaryOrder::DESCENDING
                                    : BoundaryOrder::UNORDERED;
  return ci;
}

}  // namespace swell::parquet
