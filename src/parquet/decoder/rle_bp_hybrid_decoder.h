// The RLE / bit-packed hybrid of Parquet: repetition and definition levels,
// dictionary indices and RLE-encoded booleans. Runs are either a repeated
// value (header (count << 1)) or groups of 8 bit-packed values (header
// (groups << 1) | 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace swell::parquet {

class RleBpHybridDecoder {
 public:
  // REQUIRES: data outlives the decoder.
  RleBpHybridDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}

  // Writes exactly n values to out, or fails (Corruption) when the runs end
  // first or the bit width is outside 0..32.
  Status Get(uint32_t* out, size_t n);

 private:
  Status NextRun();

  std::string_view data_;
  int bit_width_;
  bool in_rle_run_ = false;
  uint32_t rle_value_ = 0;
  size_t run_remaining_ = 0;
  // Bit-packed run: its bytes, and the next value's bit position in them.
  const uint8_t* packed_ = nullptr;
  size_t packed_bit_pos_ = 0;
};

// The deprecated BIT_PACKED level encoding: values packed from the most
// significant bit, no run headers. Returns the number of bytes n values use.
size_t BitPackedLevelsSize(size_t n, int bit_width);
// REQUIRES: data holds BitPackedLevelsSize(n, bit_width) bytes.
void DecodeBitPackedLevels(std::string_view data, int bit_width, size_t n, uint32_t* out);

}  // namespace swell::parquet

#include "parquet/decoder/decoder.h"

namespace swell::parquet {

// The RLE encoding of BOOLEAN values: a 4-byte length, then the hybrid
// runs at bit width 1.
class RleBooleanDecoder : public Decoder {
 public:
  static Status Make(std::string_view data, std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  explicit RleBooleanDecoder(std::string_view runs) : runs_(runs, 1) {}
  RleBpHybridDecoder runs_;
};

}  // namespace swell::parquet
