// CRC-32C (Castagnoli), the checksum of write-ahead log records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace swell::crc32c {

// Returns the CRC-32C of data, continuing from init_crc (0 to start).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// A stored CRC is masked so that a CRC of data that itself contains CRCs
// does not degenerate (the LevelDB rule).
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace swell::crc32c
