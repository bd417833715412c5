#include "sketch/theta_hash.h"

#include <string>

#include "sketch/murmur_hash3.h"

namespace swell {

Status ComputeThetaSeedHash(uint64_t seed, uint16_t* seed_hash) {
  const uint64_t h1 = MurmurHash3_x64_128(&seed, sizeof(seed), 0).h1;
  const uint16_t value = static_cast<uint16_t>(h1 & 0xffff);
  if (value == 0) {
    return Status::InvalidArgument("theta seed " + std::to_string(seed) +
                                   " has a seed hash of 0; choose another seed");
  }
  *seed_hash = value;
  return Status::OK();
}

uint64_t ThetaHashBytes(const void* data, size_t length, uint64_t seed) {
  return MurmurHash3_x64_128(data, length, seed).h1 >> 1;
}

uint64_t ThetaHashUint64(uint64_t value, uint64_t seed) {
  // The project targets little-endian machines only, so the in-memory bytes
  // are already Java's ByteBuffer.order(LITTLE_ENDIAN).putLong(value).
  return ThetaHashBytes(&value, sizeof(value), seed);
}

}  // namespace swell
