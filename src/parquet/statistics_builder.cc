#include "parquet/statistics_builder.h"

#include <cmath>
#include <cstring>

namespace swell::parquet {

void StatisticsBuilder::AddDouble(double v) {
  if (std::isnan(v)) {
    ++nan_count_;
    return;
  }
  if (!has_min_max_) {
    double_min_ = double_max_ = v;
    has_min_max_ = true;
  } else if (v < double_min_) {
    double_min_ = v;
  } else if (v > double_max_) {
    double_max_ = v;
  }
}

void StatisticsBuilder::AddBytes(std::string_view v) {
  // std::string_view compares as unsigned bytes (char_traits<char>::compare
  // is memcmp), which is the BYTE_ARRAY order.
  if (!has_min_max_) {
    bytes_min_.assign(v);
    bytes_max_.assign(v);
    has_min_max_ = true;
  } else if (v < std::string_view(bytes_min_)) {
    bytes_min_.assign(v);
  } else if (v > std::string_view(bytes_max_)) {
    bytes_max_.assign(v);
  }
}

void StatisticsBuilder::Merge(const StatisticsBuilder& other) {
  null_count_ += other.null_count_;
  nan_count_ += other.nan_count_;
  if (!other.has_min_max_) return;
  switch (physical_) {
    case Type::DOUBLE:
      AddDouble(other.double_min_);
      AddDouble(other.double_max_);
      break;
    case Type::BYTE_ARRAY:
      AddBytes(other.bytes_min_);
      AddBytes(other.bytes_max_);
      break;
    default:
      AddInteger(other.int_min_);
      AddInteger(other.int_max_);
      break;
  }
}

std::string StatisticsBuilder::Encode(bool min) const {
  std::string out;
  switch (physical_) {
    case Type::BOOLEAN:
      out.push_back(static_cast<char>(min ? int_min_ : int_max_));
      break;
    case Type::INT32: {
      int32_t v = static_cast<int32_t>(min ? int_min_ : int_max_);
      out.assign(reinterpret_cast<const char*>(&v), 4);
      break;
    }
    case Type::INT64: {
      int64_t v = min ? int_min_ : int_max_;
      out.assign(reinterpret_cast<const char*>(&v), 8);
      break;
    }
    case Type::DOUBLE: {
      double v = min ? double_min_ : double_max_;
      if (v == 0) v = min ? -0.0 : 0.0;
      out.assign(reinterpret_cast<const char*>(&v), 8);
      break;
    }
    default: {
      const std::string& v = min ? bytes_min_ : bytes_max_;
      if (v.size() <= kMaxBoundBytes) {
        out = v;
      } else if (min) {
        out = v.substr(0, kMaxBoundBytes);
      } else {
        // The shortest prefix raised by one in its last byte that is not
        // 0xFF bounds every value with v's first bytes; all 0xFF: keep v.
        out = v.substr(0, kMaxBoundBytes);
        while (!out.empty() && static_cast<unsigned char>(out.back()) == 0xFF) out.pop_back();
        if (out.empty()) out = v;
        else out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) + 1);
      }
      break;
    }
  }
  return out;
}

bool StatisticsBuilder::Exact(bool min) const {
  if (physical_ != Type::BYTE_ARRAY) return true;
  const std::string& v = min ? bytes_min_ : bytes_max_;
  return v.size() <= kMaxBoundBytes || Encode(min) == v;
}

std::string StatisticsBuilder::EncodedMin() const { return Encode(true); }
std::string StatisticsBuilder::EncodedMax() const { return Encode(false); }

int StatisticsBuilder::Compare(bool min, const StatisticsBuilder& other) const {
  switch (physical_) {
    case Type::DOUBLE: {
      double a = min ? double_min_ : double_max_;
      double b = min ? other.double_min_ : other.double_max_;
      return a < b ? -1 : (a > b ? 1 : 0);
    }
    case Type::BYTE_ARRAY: {
      // The bounds as written: cut bounds can order differently.
      std::string a = Encode(min), b = other.Encode(min);
      int c = std::string_view(a).compare(b);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default: {
      int64_t a = min ? int_min_ : int_max_;
      int64_t b = min ? other.int_min_ : other.int_max_;
      return a < b ? -1 : (a > b ? 1 : 0);
    }
  }
}

int StatisticsBuilder::CompareMin(const StatisticsBuilder& other) const {
  return Compare(true, other);
}
int StatisticsBuilder::CompareMax(const StatisticsBuilder& other) const {
  return Compare(false, other);
}

Statistics StatisticsBuilder::ToThrift() const {
  Statistics s;
  s.null_count = null_count_;
  if (physical_ == Type::DOUBLE) s.nan_count = nan_count_;
  if (has_min_max_) {
    s.min_value = EncodedMin();
    s.max_value = EncodedMax();
    s.is_min_value_exact = Exact(true);
    s.is_max_value_exact = Exact(false);
    if (physical_ != Type::BYTE_ARRAY) {
      s.min = s.min_value;
      s.max = s.max_value;
    }
  }
  return s;
}

}  // namespace swell::parquet
