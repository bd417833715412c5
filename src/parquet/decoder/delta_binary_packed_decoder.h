// DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value
// count, first value), then blocks of a minimum delta and miniblocks of
// bit-packed deltas above it, each with its own bit width. INT32 and INT64.
#pragma once

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

// Decodes one DELTA_BINARY_PACKED stream from the front of *in, leaving *in
// just past it (past the padding of its last miniblock). Arithmetic wraps, as
// the encoding is defined modulo 2^64 (2^32 for INT32 after truncation).
// A stream declaring more than max_values values is Corruption.
Status DecodeDeltaBinaryPacked(std::string_view* in, size_t max_values,
                               std::vector<int64_t>* out);

class DeltaBinaryPackedDecoder : public Decoder {
 public:
  // Decodes the page eagerly: the stream's end is only known once read.
  static Status Make(const PhysicalType& column, std::string_view data, size_t num_values,
                     std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  std::vector<int64_t> values_;
  size_t next_ = 0;
};

}  // namespace swell::parquet
