// MurmurHash3_x64_128 (Austin Appleby's public-domain hash), the hash every
// Apache DataSketches sketch is built on. Theta sketches keep h1 >> 1.
#pragma once

#include <cstddef>
#include <cstdint>

namespace swell {

struct Hash128 {
  uint64_t h1;
  uint64_t h2;
};

// The seed is 64 bits wide, as in DataSketches (the reference C code takes a
// 32-bit seed; both halves of the state start at the full seed here, which
// is what Java's MurmurHash3.hash(..., long seed) does).
Hash128 MurmurHash3_x64_128(const void* data, size_t length, uint64_t seed);

}  // namespace swell
