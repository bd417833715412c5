// PLAIN_DICTIONARY and RLE_DICTIONARY data pages: a 1-byte bit width, then
// dictionary indices in the RLE / bit-packed hybrid. Each index is looked up
// in the column chunk's dictionary page.
#pragma once

#include "parquet/decoder/decoder.h"
#include "parquet/decoder/rle_bp_hybrid_decoder.h"

namespace swell::parquet {

class DictionaryDecoder : public Decoder {
 public:
  // REQUIRES: data and dictionary outlive the decoder.
  static Status Make(std::string_view data, const ValueVector* dictionary,
                     std::unique_ptr<Decoder>* out);
  Status Decode(size_t n, ValueVector* out) override;

 private:
  DictionaryDecoder(std::string_view runs, int bit_width, const ValueVector* dictionary)
      : indices_(runs, bit_width), dictionary_(dictionary) {}

  RleBpHybridDecoder indices_;
  const ValueVector* dictionary_;
};

}  // namespace swell::parquet
