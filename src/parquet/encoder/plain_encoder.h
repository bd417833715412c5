// PLAIN encoding (Encodings.md): fixed-width values little-endian, booleans
// one bit each (least significant bit first), byte arrays as a 4-byte
// little-endian length followed by the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace swell::parquet {

class PlainEncoder {
 public:
  void PutBool(bool v);
  void PutInt32(int32_t v) { PutFixed(&v, 4); }
  void PutInt64(int64_t v) { PutFixed(&v, 8); }
  void PutDouble(double v) { PutFixed(&v, 8); }
  void PutByteArray(std::string_view v);

  // Bytes the encoded values take so far.
  size_t size() const { return buffer_.size() + (bit_count_ > 0 ? 1 : 0); }
  size_t num_values() const { return num_values_; }

  // Appends the encoded values to *out and starts over.
  void FlushTo(std::string* out);

 private:
  void PutFixed(const void* v, size_t n) {
    buffer_.append(static_cast<const char*>(v), n);
    ++num_values_;
  }

  std::string buffer_;
  uint8_t bits_ = 0;  // booleans not yet forming a whole byte
  int bit_count_ = 0;
  size_t num_values_ = 0;
};

}  // namespace swell::parquet
