#include "parquet/decoder/dictionary_decoder.h"

#include <algorithm>

namespace swell::parquet {

Status DictionaryDecoder::Make(std::string_view data, const ValueVector* dictionary,
                               std::unique_ptr<Decoder>* out) {
  if (dictionary == nullptr) {
    return Status::Corruption("dictionary-encoded page without a dictionary page");
  }
  if (data.empty()) return Status::Corruption("dictionary-encoded page lacks its bit width");
  int bit_width = static_cast<uint8_t>(data[0]);
  if (bit_width > 32) {
    return Status::Corruption("dictionary index bit width " + std::to_string(bit_width) +
                              " exceeds 32");
  }
  out->reset(new DictionaryDecoder(data.substr(1), bit_width, dictionary));
  return Status::OK();
}

Status DictionaryDecoder::Decode(size_t n, ValueVector* out) {
  size_t dictionary_size = ValueCount(*dictionary_);
  uint32_t indices[1024];
  while (n > 0) {
    size_t take = std::min<size_t>(n, 1024);
    SWELL_RETURN_IF_ERROR(indices_.Get(indices, take));
    for (size_t i = 0; i < take; ++i) {
      if (indices[i] >= dictionary_size) {
        return Status::Corruption("dictionary index " + std::to_string(indices[i]) +
                                  " out of range for a dictionary of " +
                                  std::to_string(dictionary_size) + " values");
      }
    }
    std::visit(
        [&](auto& values) {
          using V = std::decay_t<decltype(values)>;
          const V& dict = std::get<V>(*dictionary_);
          for (size_t i = 0; i < take; ++i) values.push_back(dict[indices[i]]);
        },
        *out);
    n -= take;
  }
  return Status::OK();
}

}  // namespace swell::parquet
