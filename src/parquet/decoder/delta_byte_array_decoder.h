// DELTA_BYTE_ARRAY (incremental encoding): the length of the prefix each
// value shares with the previous one (DELTA_BINARY_PACKED), then the
// suffixes (DELTA_LENGTH_BYTE_ARRAY). BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
#pragma once

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

class DeltaByteArrayDecoder : public Decoder {
 public:
  static Status Make(const PhysicalType& column, std::string_view data, size_t num_values,
                     std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  std::vector<std::string> values_;
  size_t next_ = 0;
};

}  // namespace swell::parquet
