// Little-endian bit unpacking shared by the RLE/bit-packed hybrid and the
// delta decoders: values packed from the least significant bit of each byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace swell::parquet {

// Returns `width` bits starting at bit `bit_pos` of p.
// REQUIRES: 0 <= width <= 64 and bytes up to bit_pos + width are readable.
inline uint64_t ReadPackedBits(const uint8_t* p, size_t bit_pos, int width) {
  uint64_t v = 0;
  int got = 0;
  size_t byte = bit_pos >> 3;
  int shift = static_cast<int>(bit_pos & 7);
  while (got < width) {
    int take = 8 - shift < width - got ? 8 - shift : width - got;
    uint64_t bits = (static_cast<uint64_t>(p[byte]) >> shift) & ((1u << take) - 1);
    v |= bits << got;
    got += take;
    shift = 0;
    ++byte;
  }
  return v;
}

// Reads a ULEB128 varint of at most 64 bits from the front of *in.
inline bool ReadUleb128(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool ReadZigZag(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!ReadUleb128(in, &u)) return false;
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

}  // namespace swell::parquet
