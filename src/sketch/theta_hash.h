// What every theta sketch piece agrees on: the 63-bit hash space, the
// default seed, and the 16-bit seed hash that guards against mixing sketches
// built with different seeds. Values match Apache DataSketches (Java, C++).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace swell {

// DataSketches' default update seed; sketches are only comparable when they
// were built with the same seed.
inline constexpr uint64_t kThetaDefaultSeed = 9001;
// Theta as a 64-bit integer: hashes live in [1, kThetaMax), theta = 1.0 is
// INT64_MAX because Java has no unsigned longs.
inline constexpr uint64_t kThetaMax = 0x7fffffffffffffffULL;

// The low 16 bits of MurmurHash3 (seed 0) of the seed's 8 little-endian
// bytes. A seed whose hash is 0 is refused (DataSketches reserves 0), so the
// result is a Status.
Status ComputeThetaSeedHash(uint64_t seed, uint16_t* seed_hash);

// The theta hash of raw bytes: MurmurHash3_x64_128(data, seed).h1 >> 1.
// May be 0, which callers must treat as "no item" (0 marks empty slots).
uint64_t ThetaHashBytes(const void* data, size_t length, uint64_t seed);
// An integer is hashed as its 8 little-endian bytes, as Java's update(long).
uint64_t ThetaHashUint64(uint64_t value, uint64_t seed);

}  // namespace swell
