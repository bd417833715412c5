#include "parquet/decoder/delta_byte_array_decoder.h"

#include "parquet/decoder/delta_binary_packed_decoder.h"
#include "parquet/decoder/delta_length_byte_array_decoder.h"

namespace swell::parquet {
namespace {

// Shared prefixes let a small page describe quadratically many bytes; a page
// decoding to more than this is refused rather than allocated.
constexpr size_t kMaxDecodedPageBytes = size_t{128} << 20;

}  // namespace

Status DeltaByteArrayDecoder::Make(const PhysicalType& column, std::string_view data,
                                   size_t num_values, std::unique_ptr<Decoder>* out) {
  if (column.type != Type::BYTE_ARRAY && column.type != Type::FIXED_LEN_BYTE_ARRAY) {
    return Status::NotSupported("DELTA_BYTE_ARRAY encoding of a " + ToString(column.type) +
                                " column");
  }
  std::vector<int64_t> prefixes;
  SWELL_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(&data, num_values, &prefixes));
  std::vector<std::string> suffixes;
  SWELL_RETURN_IF_ERROR(DecodeDeltaLengthByteArrays(&data, prefixes.size(), &suffixes));
  std::unique_ptr<DeltaByteArrayDecoder> decoder(new DeltaByteArrayDecoder());
  decoder->values_.reserve(prefixes.size());
  std::string_view previous;
  size_t decoded_bytes = 0;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > previous.size()) {
      return Status::Corruption("DELTA_BYTE_ARRAY prefix length " + std::to_string(prefixes[i]) +
                                " exceeds the previous value's " +
                                std::to_string(previous.size()) + " bytes");
    }
    decoded_bytes += prefixes[i] + suffixes[i].size();
    if (decoded_bytes > kMaxDecodedPageBytes) {
      return Status::ResourceExhausted("DELTA_BYTE_ARRAY page decodes to more than " +
                                       std::to_string(kMaxDecodedPageBytes) + " bytes");
    }
    std::string value(previous.substr(0, prefixes[i]));
    value += suffixes[i];
    if (column.type == Type::FIXED_LEN_BYTE_ARRAY &&
        value.size() != static_cast<size_t>(column.type_length)) {
      return Status::Corruption("DELTA_BYTE_ARRAY value of " + std::to_string(value.size()) +
                                " bytes in a FIXED_LEN_BYTE_ARRAY(" +
                                std::to_string(column.type_length) + ") column");
    }
    decoder->values_.push_back(std::move(value));
    previous = decoder->values_.back();
  }
  *out = std::move(decoder);
  return Status::OK();
}

Status DeltaByteArrayDecoder::Decode(size_t n, ValueVector* out) {
  return TakeByteArrays(&values_, &next_, n, "DELTA_BYTE_ARRAY", out);
}

}  // namespace swell::parquet
