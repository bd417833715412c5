#include "parquet/decoder/plain_decoder.h"

#include <cstring>

#include "util/coding.h"

namespace swell::parquet {
namespace {

Status Short(std::string_view what, size_t n, size_t have) {
  return Status::Corruption("PLAIN " + std::string(what) + " page holds " + std::to_string(have) +
                            " bytes, too few for " + std::to_string(n) + " values");
}

constexpr int64_t kJulianDayOfUnixEpoch = 2440588;
constexpr int64_t kMicrosPerDay = 86400LL * 1000 * 1000;

}  // namespace

int64_t Int96ToMicros(const char* p) {
  int64_t nanos_of_day = static_cast<int64_t>(DecodeFixed64(p));
  int32_t julian_day = static_cast<int32_t>(DecodeFixed32(p + 8));
  // Wrapping arithmetic: Spark writes the day of far-future timestamps
  // truncated to 32 bits, and wrapping modulo 2^64 restores its microseconds
  // (as Spark and arrow-rs compute them).
  uint64_t days = static_cast<uint64_t>(static_cast<int64_t>(julian_day) - kJulianDayOfUnixEpoch);
  return static_cast<int64_t>(days * static_cast<uint64_t>(kMicrosPerDay) +
                              static_cast<uint64_t>(nanos_of_day / 1000));
}

template <typename T>
Status PlainDecoder::DecodeFixed(size_t n, std::vector<T>* out) {
  if (n > data_.size() / sizeof(T)) return Short(ToString(column_.type), n, data_.size());
  if (n == 0) return Status::OK();  // data_ may be empty, with a null pointer
  size_t old = out->size();
  out->resize(old + n);
  std::memcpy(out->data() + old, data_.data(), n * sizeof(T));
  data_.remove_prefix(n * sizeof(T));
  return Status::OK();
}

Status PlainDecoder::DecodeBooleans(size_t n, std::vector<bool>* out) {
  if (n > data_.size() * 8 - bool_bit_pos_) return Short("BOOLEAN", n, data_.size());
  const auto* p = reinterpret_cast<const uint8_t*>(data_.data());
  for (size_t i = 0; i < n; ++i, ++bool_bit_pos_) {
    out->push_back((p[bool_bit_pos_ >> 3] >> (bool_bit_pos_ & 7)) & 1);
  }
  return Status::OK();
}

Status PlainDecoder::DecodeInt96(size_t n, std::vector<int64_t>* out) {
  if (n > data_.size() / 12) return Short("INT96", n, data_.size());
  for (size_t i = 0; i < n; ++i) out->push_back(Int96ToMicros(data_.data() + 12 * i));
  data_.remove_prefix(12 * n);
  return Status::OK();
}

Status PlainDecoder::DecodeByteArrays(size_t n, std::vector<std::string>* out) {
  // Every value takes at least its 4-byte length.
  if (n > data_.size() / 4) return Short("BYTE_ARRAY", n, data_.size());
  for (size_t i = 0; i < n; ++i) {
    if (data_.size() < 4) return Short("BYTE_ARRAY", n, data_.size());
    uint32_t length = DecodeFixed32(data_.data());
    data_.remove_prefix(4);
    if (length > data_.size()) {
      return Status::Corruption("PLAIN BYTE_ARRAY value of " + std::to_string(length) +
                                " bytes overruns its page (" + std::to_string(data_.size()) +
                                " left)");
    }
    out->emplace_back(data_.substr(0, length));
    data_.remove_prefix(length);
  }
  return Status::OK();
}

Status PlainDecoder::DecodeFixedLenByteArrays(size_t n, std::vector<std::string>* out) {
  size_t width = static_cast<size_t>(column_.type_length);
  if (column_.type_length <= 0) {
    return Status::Corruption("FIXED_LEN_BYTE_ARRAY column has type_length " +
                              std::to_string(column_.type_length));
  }
  if (n > data_.size() / width) return Short("FIXED_LEN_BYTE_ARRAY", n, data_.size());
  for (size_t i = 0; i < n; ++i) out->emplace_back(data_.substr(i * width, width));
  data_.remove_prefix(n * width);
  return Status::OK();
}

Status PlainDecoder::Decode(size_t n, ValueVector* out) {
  switch (column_.type) {
    case Type::BOOLEAN:
      return DecodeBooleans(n, &std::get<std::vector<bool>>(*out));
    case Type::INT32:
      return DecodeFixed(n, &std::get<std::vector<int32_t>>(*out));
    case Type::INT64:
      return DecodeFixed(n, &std::get<std::vector<int64_t>>(*out));
    case Type::INT96:
      return DecodeInt96(n, &std::get<std::vector<int64_t>>(*out));
    case Type::FLOAT:
      return DecodeFixed(n, &std::get<std::vector<float>>(*out));
    case Type::DOUBLE:
      return DecodeFixed(n, &std::get<std::vector<double>>(*out));
    case Type::BYTE_ARRAY:
      return DecodeByteArrays(n, &std::get<std::vector<std::string>>(*out));
    case Type::FIXED_LEN_BYTE_ARRAY:
      return DecodeFixedLenByteArrays(n, &std::get<std::vector<std::string>>(*out));
  }
  return Status::NotSupported("physical type " + ToString(column_.type) + " is not supported");
}

}  // namespace swell::parquet
