// Min / max / null count of the values written to a page or a column chunk,
// in the order Parquet defines for the column (ColumnOrder TYPE_ORDER):
// signed for BOOLEAN (false < true), INT32, INT64 and the timestamps;
// numeric for DOUBLE with NaN left out of the bounds (and counted apart);
// unsigned byte-wise for BYTE_ARRAY.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/metadata.h"

namespace swell::parquet {

class StatisticsBuilder {
 public:
  // BYTE_ARRAY bounds longer than this are cut (as parquet-mr cuts its
  // column index): the min to a prefix, the max to a prefix with its last
  // byte raised, so they stay bounds while a footer of huge values (bitmaps,
  // JSON) stays small. The statistics then say the bounds are not exact.
  static constexpr size_t kMaxBoundBytes = 64;

  // REQUIRES: physical is BOOLEAN, INT32, INT64, DOUBLE or BYTE_ARRAY.
  explicit StatisticsBuilder(Type physical) : physical_(physical) {}

  void AddNull() { ++null_count_; }
  void AddBool(bool v) { AddInteger(v ? 1 : 0); }
  void AddInt32(int32_t v) { AddInteger(v); }
  void AddInt64(int64_t v) { AddInteger(v); }
  void AddDouble(double v);
  void AddBytes(std::string_view v);

  void Merge(const StatisticsBuilder& other);
  void Reset() { *this = StatisticsBuilder(physical_); }

  int64_t null_count() const { return null_count_; }
  int64_t nan_count() const { return nan_count_; }
  // False when every value was null (or NaN): there are no bounds.
  bool has_min_max() const { return has_min_max_; }
  // Bounds PLAIN encoded without a length prefix, as Statistics and
  // ColumnIndex carry them (BYTE_ARRAY ones cut to kMaxBoundBytes). Zero bounds of doubles are written as -0.0 (min)
  // and +0.0 (max) so that either zero is covered.
  // REQUIRES: has_min_max().
  std::string EncodedMin() const;
  std::string EncodedMax() const;
  // Negative, zero or positive as this page's bounds compare with other's
  // (for the column index boundary order). REQUIRES: both have bounds.
  int CompareMin(const StatisticsBuilder& other) const;
  int CompareMax(const StatisticsBuilder& other) const;

  // min_value / max_value, null_count, nan_count for DOUBLE, and the legacy
  // min / max where their signed order is the column's order (every type but
  // BYTE_ARRAY).
  Statistics ToThrift() const;

 private:
  void AddInteger(int64_t v) {
    if (!has_min_max_) {
      int_min_ = int_max_ = v;
      has_min_max_ = true;
    } else if (v < int_min_) {
      int_min_ = v;
    } else if (v > int_max_) {
      int_max_ = v;
    }
  }
  std::string Encode(bool min) const;
  // Whether Encode(min) is the exact bound rather than a cut one.
  bool Exact(bool min) const;
  int Compare(bool min, const StatisticsBuilder& other) const;

  Type physical_;
  int64_t null_count_ = 0;
  int64_t nan_count_ = 0;
  bool has_min_max_ = false;
  int64_t int_min_ = 0;
  int64_t int_max_ = 0;
  double double_min_ = 0;
  double double_max_ = 0;
  std::string bytes_min_;
  std::string bytes_max_;
};

}  // namespace swell::parquet
