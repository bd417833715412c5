#include "parquet/decoder/rle_bp_hybrid_decoder.h"

#include <algorithm>

#include "parquet/decoder/bit_reader.h"

namespace swell::parquet {

Status RleBpHybridDecoder::NextRun() {
  if (bit_width_ < 0 || bit_width_ > 32) {
    return Status::Corruption("RLE/bit-packed bit width " + std::to_string(bit_width_) +
                              " is outside 0..32");
  }
  uint64_t header;
  if (!ReadUleb128(&data_, &header)) return Status::Corruption("RLE/bit-packed run header truncated");
  if ((header & 1) == 0) {
    in_rle_run_ = true;
    run_remaining_ = header >> 1;
    size_t value_bytes = (bit_width_ + 7) / 8;
    if (data_.size() < value_bytes) return Status::Corruption("RLE run value truncated");
    uint32_t v = 0;
    for (size_t i = 0; i < value_bytes; ++i) v |= uint32_t{static_cast<uint8_t>(data_[i])} << (8 * i);
    rle_value_ = v;
    data_.remove_prefix(value_bytes);
    return Status::OK();
  }
  in_rle_run_ = false;
  // Clamped so that the value count below cannot overflow; a run that long
  // is never needed since callers ask for at most a page of values.
  uint64_t groups = std::min<uint64_t>(header >> 1, uint64_t{1} << 32);
  // Writers may stop the data at the last value actually used, so a final
  // run shorter than its header says is read as far as its bytes go.
  size_t bytes = groups > data_.size() ? data_.size() : static_cast<size_t>(groups) * bit_width_;
  bytes = std::min(bytes, data_.size());
  size_t values = static_cast<size_t>(groups) * 8;
  if (bit_width_ > 0) values = std::min(values, bytes * 8 / bit_width_);
  packed_ = reinterpret_cast<const uint8_t*>(data_.data());
  packed_bit_pos_ = 0;
  run_remaining_ = values;
  data_.remove_prefix(bytes);
  return Status::OK();
}

Status RleBpHybridDecoder::Get(uint32_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (run_remaining_ == 0) {
      if (data_.empty()) {
        return Status::Corruption("RLE/bit-packed data ends after " + std::to_string(done) +
                                  " of " + std::to_string(n) + " values");
      }
      SWELL_RETURN_IF_ERROR(NextRun());
      continue;
    }
    size_t take = std::min(run_remaining_, n - done);
    if (in_rle_run_) {
      std::fill(out + done, out + done + take, rle_value_);
    } else if (bit_width_ == 0) {
      std::fill(out + done, out + done + take, 0u);
    } else {
      for (size_t i = 0; i < take; ++i) {
        out[done + i] = static_cast<uint32_t>(ReadPackedBits(packed_, packed_bit_pos_, bit_width_));
        packed_bit_pos_ += bit_width_;
      }
    }
    run_remaining_ -= take;
    done += take;
  }
  return Status::OK();
}

size_t BitPackedLevelsSize(size_t n, int bit_width) {
  return (n * static_cast<size_t>(bit_width) + 7) / 8;
}

void DecodeBitPackedLevels(std::string_view data, int bit_width, size_t n, uint32_t* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bit_width; ++b, ++bit) {
      v = (v << 1) | ((p[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    out[i] = v;
  }
}

}  // namespace swell::parquet

namespace swell::parquet {

Status RleBooleanDecoder::Make(std::string_view data, std::unique_ptr<Decoder>* out) {
  if (data.size() < 4) return Status::Corruption("RLE BOOLEAN page lacks its length prefix");
  uint32_t length = static_cast<uint8_t>(data[0]) | static_cast<uint8_t>(data[1]) << 8 |
                    static_cast<uint8_t>(data[2]) << 16 |
                    static_cast<uint32_t>(static_cast<uint8_t>(data[3])) << 24;
  if (length > data.size() - 4) return Status::Corruption("RLE BOOLEAN length overruns its page");
  out->reset(new RleBooleanDecoder(data.substr(4, length)));
  return Status::OK();
}

Status RleBooleanDecoder::Decode(size_t n, ValueVector* out) {
  auto& values = std::get<std::vector<bool>>(*out);
  uint32_t buffer[1024];
  while (n > 0) {
    size_t take = std::min<size_t>(n, 1024);
    SWELL_RETURN_IF_ERROR(runs_.Get(buffer, take));
    for (size_t i = 0; i < take; ++i) values.push_back(buffer[i] != 0);
    n -= take;
  }
  return Status::OK();
}

}  // namespace swell::parquet
