// DELTA_LENGTH_BYTE_ARRAY: every value's length, DELTA_BINARY_PACKED, then
// all the values' bytes concatenated.
#pragma once

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

// Decodes `count` byte arrays from the front of *in, leaving *in past them.
Status DecodeDeltaLengthByteArrays(std::string_view* in, size_t count,
                                   std::vector<std::string>* out);

class DeltaLengthByteArrayDecoder : public Decoder {
 public:
  static Status Make(const PhysicalType& column, std::string_view data, size_t num_values,
                     std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  std::vector<std::string> values_;
  size_t next_ = 0;
};

// Hands out eagerly decoded byte arrays; shared by the two string delta
// decoders.
Status TakeByteArrays(std::vector<std::string>* values, size_t* next, size_t n,
                      std::string_view encoding, ValueVector* out);

}  // namespace swell::parquet
