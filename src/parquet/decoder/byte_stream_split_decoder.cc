#include "parquet/decoder/byte_stream_split_decoder.h"

#include <cstring>

namespace swell::parquet {

Status ByteStreamSplitDecoder::Make(const PhysicalType& column, std::string_view data,
                                    size_t num_values, std::unique_ptr<Decoder>* out) {
  size_t width = 0;
  switch (column.type) {
    case Type::INT32:
    case Type::FLOAT:
      width = 4;
      break;
    case Type::INT64:
    case Type::DOUBLE:
      width = 8;
      break;
    case Type::FIXED_LEN_BYTE_ARRAY:
      if (column.type_length <= 0) {
        return Status::Corruption("FIXED_LEN_BYTE_ARRAY column has type_length " +
                                  std::to_string(column.type_length));
      }
      width = static_cast<size_t>(column.type_length);
      break;
    default:
      return Status::NotSupported("BYTE_STREAM_SPLIT encoding of a " + ToString(column.type) +
                                  " column");
  }
  if (data.size() % width != 0 || data.size() / width < num_values) {
    return Status::Corruption("BYTE_STREAM_SPLIT page of " + std::to_string(data.size()) +
                              " bytes cannot hold " + std::to_string(num_values) + " values of " +
                              std::to_string(width) + " bytes");
  }
  out->reset(new ByteStreamSplitDecoder(column, data, width));
  return Status::OK();
}

Status ByteStreamSplitDecoder::Decode(size_t n, ValueVector* out) {
  if (n > stride_ - next_) {
    return Status::Corruption("BYTE_STREAM_SPLIT page holds " + std::to_string(stride_ - next_) +
                              " values, " + std::to_string(n) + " wanted");
  }
  char value[256];
  std::string wide;
  char* buffer = value;
  if (width_ > sizeof(value)) {
    wide.resize(width_);
    buffer = wide.data();
  }
  for (size_t i = 0; i < n; ++i, ++next_) {
    for (size_t k = 0; k < width_; ++k) buffer[k] = data_[k * stride_ + next_];
    std::visit(
        [&](auto& values) {
          using T = typename std::decay_t<decltype(values)>::value_type;
          if constexpr (std::is_same_v<T, std::string>) {
            values.emplace_back(buffer, width_);
          } else if constexpr (!std::is_same_v<T, bool>) {
            T v;
            std::memcpy(&v, buffer, sizeof(T));
            values.push_back(v);
          }
        },
        *out);
  }
  return Status::OK();
}

}  // namespace swell::parquet
