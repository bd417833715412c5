// The decoded values of one column and the interface every encoding's
// decoder implements. One decoder reads the values section of one page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parquet/metadata.h"
#include "util/status.h"

namespace swell::parquet {

// Values of one physical type: BOOLEAN -> bool, INT32 -> int32_t, INT64 and
// INT96 (converted to microseconds since the epoch) -> int64_t, FLOAT ->
// float, DOUBLE -> double, BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY -> bytes.
using ValueVector = std::variant<std::vector<bool>, std::vector<int32_t>, std::vector<int64_t>,
                                 std::vector<float>, std::vector<double>, std::vector<std::string>>;

// An empty ValueVector holding the alternative of the physical type.
ValueVector MakeValueVector(Type type);
size_t ValueCount(const ValueVector& v);

// What a decoder needs to know of its column.
struct PhysicalType {
  Type type = Type::INT32;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Appends exactly n values to *out, or fails if the page holds fewer.
  // REQUIRES: *out holds the alternative of the column's physical type.
  virtual Status Decode(size_t n, ValueVector* out) = 0;
};

// Creates the decoder of `encoding` over a page's values section holding
// num_values values. Dictionary encodings need the decoded dictionary page.
// REQUIRES: data and *dictionary outlive the decoder.
Status MakeDecoder(Encoding encoding, const PhysicalType& column, std::string_view data,
                   size_t num_values, const ValueVector* dictionary,
                   std::unique_ptr<Decoder>* out);

}  // namespace swell::parquet
