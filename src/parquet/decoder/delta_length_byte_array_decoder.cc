#include "parquet/decoder/delta_length_byte_array_decoder.h"

#include "parquet/decoder/delta_binary_packed_decoder.h"

namespace swell::parquet {

Status DecodeDeltaLengthByteArrays(std::string_view* in, size_t count,
                                   std::vector<std::string>* out) {
  std::vector<int64_t> lengths;
  SWELL_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(in, count, &lengths));
  if (lengths.size() != count) {
    return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY holds " + std::to_string(lengths.size()) +
                              " lengths for " + std::to_string(count) + " values");
  }
  out->reserve(out->size() + count);
  for (int64_t length : lengths) {
    if (length < 0 || static_cast<uint64_t>(length) > in->size()) {
      return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY value length " + std::to_string(length) +
                                " overruns its page (" + std::to_string(in->size()) + " left)");
    }
    out->emplace_back(in->substr(0, length));
    in->remove_prefix(length);
  }
  return Status::OK();
}

Status TakeByteArrays(std::vector<std::string>* values, size_t* next, size_t n,
                      std::string_view encoding, ValueVector* out) {
  if (n > values->size() - *next) {
    return Status::Corruption(std::string(encoding) + " page holds " +
                              std::to_string(values->size() - *next) + " values, " +
                              std::to_string(n) + " wanted");
  }
  auto& strings = std::get<std::vector<std::string>>(*out);
  for (size_t i = 0; i < n; ++i) strings.push_back(std::move((*values)[*next + i]));
  *next += n;
  return Status::OK();
}

Status DeltaLengthByteArrayDecoder::Make(const PhysicalType& column, std::string_view data,
                                         size_t num_values, std::unique_ptr<Decoder>* out) {
  if (column.type != Type::BYTE_ARRAY) {
    return Status::NotSupported("DELTA_LENGTH_BYTE_ARRAY encoding of a " + ToString(column.type) +
                                " column");
  }
  std::unique_ptr<DeltaLengthByteArrayDecoder> decoder(new DeltaLengthByteArrayDecoder());
  SWELL_RETURN_IF_ERROR(DecodeDeltaLengthByteArrays(&data, num_values, &decoder->values_));
  *out = std::move(decoder);
  return Status::OK();
}

Status DeltaLengthByteArrayDecoder::Decode(size_t n, ValueVector* out) {
  return TakeByteArrays(&values_, &next_, n, "DELTA_LENGTH_BYTE_ARRAY", out);
}

}  // namespace swell::parquet
