#include "parquet/encoder/plain_encoder.h"

#include <cstring>

namespace swell::parquet {

void PlainEncoder::PutBool(bool v) {
  bits_ |= static_cast<uint8_t>(v ? 1 : 0) << bit_count_;
  if (++bit_count_ == 8) {
    buffer_.push_back(static_cast<char>(bits_));
    bits_ = 0;
    bit_count_ = 0;
  }
  ++num_values_;
}

void PlainEncoder::PutByteArray(std::string_view v) {
  uint32_t n = static_cast<uint32_t>(v.size());
  char len[4];
  std::memcpy(len, &n, 4);
  buffer_.append(len, 4);
  buffer_.append(v.data(), v.size());
  ++num_values_;
}

void PlainEncoder::FlushTo(std::string* out) {
  if (bit_count_ > 0) buffer_.push_back(static_cast<char>(bits_));
  out->append(buffer_);
  buffer_.clear();
  bits_ = 0;
  bit_count_ = 0;
  num_values_ = 0;
}

}  // namespace swell::parquet
