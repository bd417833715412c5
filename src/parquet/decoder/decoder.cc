#include "parquet/decoder/decoder.h"

#include "parquet/decoder/byte_stream_split_decoder.h"
#include "parquet/decoder/delta_binary_packed_decoder.h"
#include "parquet/decoder/delta_byte_array_decoder.h"
#include "parquet/decoder/delta_length_byte_array_decoder.h"
#include "parquet/decoder/dictionary_decoder.h"
#include "parquet/decoder/plain_decoder.h"
#include "parquet/decoder/rle_bp_hybrid_decoder.h"

namespace swell::parquet {

ValueVector MakeValueVector(Type type) {
  switch (type) {
    case Type::BOOLEAN:
      return std::vector<bool>();
    case Type::INT32:
      return std::vector<int32_t>();
    case Type::INT64:
    case Type::INT96:
      return std::vector<int64_t>();
    case Type::FLOAT:
      return std::vector<float>();
    case Type::DOUBLE:
      return std::vector<double>();
    default:
      return std::vector<std::string>();
  }
}

size_t ValueCount(const ValueVector& v) {
  return std::visit([](const auto& values) { return values.size(); }, v);
}

Status MakeDecoder(Encoding encoding, const PhysicalType& column, std::string_view data,
                   size_t num_values, const ValueVector* dictionary,
                   std::unique_ptr<Decoder>* out) {
  switch (encoding) {
    case Encoding::PLAIN:
      out->reset(new PlainDecoder(column, data));
      return Status::OK();
    case Encoding::PLAIN_DICTIONARY:
    case Encoding::RLE_DICTIONARY:
      return DictionaryDecoder::Make(data, dictionary, out);
    case Encoding::RLE:
      if (column.type != Type::BOOLEAN) break;
      return RleBooleanDecoder::Make(data, out);
    case Encoding::DELTA_BINARY_PACKED:
      return DeltaBinaryPackedDecoder::Make(column, data, num_values, out);
    case Encoding::DELTA_LENGTH_BYTE_ARRAY:
      return DeltaLengthByteArrayDecoder::Make(column, data, num_values, out);
    case Encoding::DELTA_BYTE_ARRAY:
      return DeltaByteArrayDecoder::Make(column, data, num_values, out);
    case Encoding::BYTE_STREAM_SPLIT:
      return ByteStreamSplitDecoder::Make(column, data, num_values, out);
    default:
      break;
  }
  return Status::NotSupported("encoding " + ToString(encoding) + " of a " + ToString(column.type) +
                              " column is not supported");
}

}  // namespace swell::parquet
