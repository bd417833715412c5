// The RLE / bit-packed hybrid encoding of Parquet (Encodings.md), used for
// definition levels and dictionary indices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace swell::parquet {

// Bits needed to store values up to max_value (0 for 0).
int BitWidthFor(uint64_t max_value);

// Appends the hybrid encoding of values[0, n) to *out, without any length
// prefix. Runs of 8 or more equal values become RLE runs; the rest is
// bit-packed in groups of 8, the last group padded with zeros (readers stop at
// the value count the page header gives).
// REQUIRES: 0 <= bit_width <= 32 and every value fits in bit_width bits.
void EncodeRleBitPackedHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);

// Same for 0/1 levels stored one per byte.
void EncodeRleBitPackedHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out);

}  // namespace swell::parquet
