// Dictionary encoding (RLE_DICTIONARY): each distinct value is stored once in
// the column chunk's dictionary page (PLAIN encoded); data pages hold indices
// into it as one bit-width byte followed by the RLE / bit-packed hybrid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/encoder/plain_encoder.h"
#include "parquet/metadata.h"

namespace swell::parquet {

class DictionaryEncoder {
 public:
  // REQUIRES: physical is INT32, INT64, DOUBLE or BYTE_ARRAY.
  explicit DictionaryEncoder(Type physical);

  // Each Put adds one index to the current page, and a dictionary entry the
  // first time a value is seen. Doubles are keyed by their bits: -0.0 and 0.0
  // are distinct entries, NaN is an entry like any other.
  void PutInt32(int32_t v) { PutFixed(static_cast<uint32_t>(v)); }
  void PutInt64(int64_t v) { PutFixed(static_cast<uint64_t>(v)); }
  void PutDouble(double v);
  // Returns the value's dictionary index.
  uint32_t PutByteArray(std::string_view v);

  size_t num_entries() const { return num_entries_; }
  // Size of the PLAIN-encoded dictionary page body.
  size_t dictionary_bytes() const { return dictionary_.size(); }
  size_t num_buffered_indices() const { return indices_.size(); }
  // An upper bound of the encoded size of the buffered indices.
  size_t EstimatedIndexBytes() const;

  // Appends the buffered indices (bit width byte + hybrid runs) to *out and
  // starts a new page.
  void FlushIndicesTo(std::string* out);
  // Appends the PLAIN-encoded dictionary to *out.
  void WriteDictionaryTo(std::string* out) const;

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  void PutFixed(uint64_t bits);
  void Grow();
  uint64_t HashOfEntry(uint32_t index) const;
  std::string_view StringEntry(uint32_t index) const {
    return std::string_view(strings_).substr(string_offsets_[index],
                                             string_offsets_[index + 1] - string_offsets_[index]);
  }

  Type physical_;
  PlainEncoder dictionary_;
  uint32_t num_entries_ = 0;
  // Open addressing: slot -> entry index, kEmpty when free.
  std::vector<uint32_t> slots_;
  // Entry keys: bits of fixed-width values, or string bytes with offsets.
  std::vector<uint64_t> fixed_;
  std::string strings_;
  std::vector<uint32_t> string_offsets_{0};
  std::vector<uint32_t> indices_;
};

}  // namespace swell::parquet
