#include "parquet/encoder/rle_bp_hybrid_encoder.h"

namespace swell::parquet {

namespace {

constexpr size_t kMinRepeatRun = 8;
// Bit-packed runs are cut at 63 groups (504 values) so every run header is a
// single byte, as Arrow writes them: no reader needs a bigger literal buffer.
constexpr size_t kMaxBitPackedGroups = 63;

void PutUleb128(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

template <class T>
size_t RunLengthAt(const T* values, size_t n, size_t i) {
  size_t j = i + 1;
  while (j < n && values[j] == values[i]) ++j;
  return j - i;
}

template <class T>
bool RepeatRunStartsAt(const T* values, size_t n, size_t i) {
  if (n - i < kMinRepeatRun) return false;
  for (size_t k = 1; k < kMinRepeatRun; ++k) {
    if (values[i + k] != values[i]) return false;
  }
  return true;
}

template <class T>
void Encode(const T* values, size_t n, int bit_width, std::string* out) {
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  size_t i = 0;
  while (i < n) {
    if (RepeatRunStartsAt(values, n, i)) {
      size_t run = RunLengthAt(values, n, i);
      PutUleb128(static_cast<uint64_t>(run) << 1, out);
      uint32_t v = values[i];
      for (size_t b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(v >> (8 * b)));
      i += run;
      continue;
    }
    // Bit-pack groups of 8 until a repeat run begins on a group boundary.
    size_t start = i;
    size_t groups = 0;
    do {
      i += 8;
      ++groups;
    } while (i < n && groups < kMaxBitPackedGroups && !RepeatRunStartsAt(values, n, i));
    PutUleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
    size_t end = start + groups * 8;
    uint64_t acc = 0;
    int acc_bits = 0;
    for (size_t k = start; k < end; ++k) {
      uint64_t v = k < n ? values[k] : 0;
      acc |= v << acc_bits;
      acc_bits += bit_width;
      while (acc_bits >= 8) {
        out->push_back(static_cast<char>(acc & 0xff));
        acc >>= 8;
        acc_bits -= 8;
      }
    }
    // 8 values of any width fill whole bytes: nothing is left over.
    if (i > n) i = n;
  }
}

}  // namespace

int BitWidthFor(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

void EncodeRleBitPackedHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

void EncodeRleBitPackedHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

}  // namespace swell::parquet
