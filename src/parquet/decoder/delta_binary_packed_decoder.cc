#include "parquet/decoder/delta_binary_packed_decoder.h"

#include <algorithm>

#include "parquet/decoder/bit_reader.h"

namespace swell::parquet {

Status DecodeDeltaBinaryPacked(std::string_view* in, size_t max_values,
                               std::vector<int64_t>* out) {
  uint64_t block_size, miniblocks, total;
  int64_t first;
  if (!ReadUleb128(in, &block_size) || !ReadUleb128(in, &miniblocks) ||
      !ReadUleb128(in, &total) || !ReadZigZag(in, &first)) {
    return Status::Corruption("DELTA_BINARY_PACKED header truncated");
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return Status::Corruption("DELTA_BINARY_PACKED block size " + std::to_string(block_size) +
                              " with " + std::to_string(miniblocks) + " miniblocks is invalid");
  }
  if (total > max_values) {
    return Status::Corruption("DELTA_BINARY_PACKED stream declares " + std::to_string(total) +
                              " values where at most " + std::to_string(max_values) + " fit");
  }
  if (total == 0) return Status::OK();
  const size_t values_per_miniblock = block_size / miniblocks;
  // Deltas of width 0 take no bytes, so only a plausible share is reserved.
  out->reserve(out->size() + std::min<size_t>(total, in->size() * 8 + 1024));
  out->push_back(first);
  uint64_t last = static_cast<uint64_t>(first);
  size_t remaining = total - 1;
  while (remaining > 0) {
    int64_t min_delta;
    if (!ReadZigZag(in, &min_delta)) return Status::Corruption("DELTA_BINARY_PACKED block truncated");
    if (in->size() < miniblocks) return Status::Corruption("DELTA_BINARY_PACKED bit widths truncated");
    std::string_view widths = in->substr(0, miniblocks);
    in->remove_prefix(miniblocks);
    for (size_t mb = 0; mb < miniblocks && remaining > 0; ++mb) {
      int width = static_cast<uint8_t>(widths[mb]);
      if (width > 64) {
        return Status::Corruption("DELTA_BINARY_PACKED bit width " + std::to_string(width) +
                                  " exceeds 64");
      }
      size_t take = std::min(values_per_miniblock, remaining);
      size_t used_bytes = (take * width + 7) / 8;
      size_t full_bytes = values_per_miniblock * width / 8;
      if (used_bytes > in->size()) return Status::Corruption("DELTA_BINARY_PACKED miniblock truncated");
      const auto* p = reinterpret_cast<const uint8_t*>(in->data());
      for (size_t i = 0; i < take; ++i) {
        uint64_t delta = width == 0 ? 0 : ReadPackedBits(p, i * width, width);
        last += static_cast<uint64_t>(min_delta) + delta;
        out->push_back(static_cast<int64_t>(last));
      }
      remaining -= take;
      // The last miniblock is padded to full size, when the writer wrote it.
      in->remove_prefix(std::min(full_bytes, in->size()));
    }
  }
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::Make(const PhysicalType& column, std::string_view data,
                                      size_t num_values, std::unique_ptr<Decoder>* out) {
  if (column.type != Type::INT32 && column.type != Type::INT64) {
    return Status::NotSupported("DELTA_BINARY_PACKED encoding of a " + ToString(column.type) +
                                " column");
  }
  std::unique_ptr<DeltaBinaryPackedDecoder> decoder(new DeltaBinaryPackedDecoder());
  SWELL_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(&data, num_values, &decoder->values_));
  *out = std::move(decoder);
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::Decode(size_t n, ValueVector* out) {
  if (n > values_.size() - next_) {
    return Status::Corruption("DELTA_BINARY_PACKED page holds " +
                              std::to_string(values_.size() - next_) + " values, " +
                              std::to_string(n) + " wanted");
  }
  if (auto* v32 = std::get_if<std::vector<int32_t>>(out)) {
    for (size_t i = 0; i < n; ++i) v32->push_back(static_cast<int32_t>(values_[next_ + i]));
  } else {
    auto& v64 = std::get<std::vector<int64_t>>(*out);
    v64.insert(v64.end(), values_.begin() + next_, values_.begin() + next_ + n);
  }
  next_ += n;
  return Status::OK();
}

}  // namespace swell::parquet
