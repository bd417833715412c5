// PLAIN: values back to back in their natural little-endian width; booleans
// bit-packed from the least significant bit; BYTE_ARRAY as a 4-byte length
// and the bytes; FIXED_LEN_BYTE_ARRAY as type_length bytes; INT96 as 8 bytes
// of nanoseconds in the day then a 4-byte Julian day number.
#pragma once

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

class PlainDecoder : public Decoder {
 public:
  // REQUIRES: data outlives the decoder.
  PlainDecoder(const PhysicalType& column, std::string_view data)
      : column_(column), data_(data) {}

  Status Decode(size_t n, ValueVector* out) override;

 private:
  template <typename T>
  Status DecodeFixed(size_t n, std::vector<T>* out);
  Status DecodeBooleans(size_t n, std::vector<bool>* out);
  Status DecodeInt96(size_t n, std::vector<int64_t>* out);
  Status DecodeByteArrays(size_t n, std::vector<std::string>* out);
  Status DecodeFixedLenByteArrays(size_t n, std::vector<std::string>* out);

  PhysicalType column_;
  std::string_view data_;
  size_t bool_bit_pos_ = 0;
};

// Microseconds since the Unix epoch of an INT96 timestamp (Julian day and
// nanoseconds of the day), the conversion Spark, Impala and DuckDB apply.
int64_t Int96ToMicros(const char* twelve_bytes);

}  // namespace swell::parquet
