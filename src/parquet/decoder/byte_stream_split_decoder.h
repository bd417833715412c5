// BYTE_STREAM_SPLIT: the k-th bytes of all values form the k-th stream, the
// streams back to back. FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY.
#pragma once

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

class ByteStreamSplitDecoder : public Decoder {
 public:
  // REQUIRES: data outlives the decoder.
  static Status Make(const PhysicalType& column, std::string_view data, size_t num_values,
                     std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  ByteStreamSplitDecoder(const PhysicalType& column, std::string_view data, size_t width)
      : column_(column), data_(data), width_(width), stride_(data.size() / width) {}

  PhysicalType column_;
  std::string_view data_;
  size_t width_;
  size_t stride_;  // values in the page: the length of each stream
  size_t next_ = 0;
};

}  // namespace swell::parquet
