#include "parquet/encoder/dictionary_encoder.h"

#include <cstring>
#include <functional>

#include "parquet/encoder/rle_bp_hybrid_encoder.h"

namespace swell::parquet {

namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint64_t HashBytes(std::string_view s) { return Mix(std::hash<std::string_view>{}(s)); }

}  // namespace

DictionaryEncoder::DictionaryEncoder(Type physical) : physical_(physical), slots_(1024, kEmpty) {}

void DictionaryEncoder::PutDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  PutFixed(bits);
}

uint64_t DictionaryEncoder::HashOfEntry(uint32_t index) const {
  return physical_ == Type::BYTE_ARRAY ? HashBytes(StringEntry(index)) : Mix(fixed_[index]);
}

void DictionaryEncoder::Grow() {
  std::vector<uint32_t> bigger(slots_.size() * 2, kEmpty);
  size_t mask = bigger.size() - 1;
  for (uint32_t index : slots_) {
    if (index == kEmpty) continue;
    size_t s = HashOfEntry(index) & mask;
    while (bigger[s] != kEmpty) s = (s + 1) & mask;
    bigger[s] = index;
  }
  slots_.swap(bigger);
}

void DictionaryEncoder::PutFixed(uint64_t bits) {
  size_t mask = slots_.size() - 1;
  size_t s = Mix(bits) & mask;
  while (slots_[s] != kEmpty) {
    if (fixed_[slots_[s]] == bits) {
      indices_.push_back(slots_[s]);
      return;
    }
    s = (s + 1) & mask;
  }
  uint32_t index = num_entries_++;
  slots_[s] = index;
  fixed_.push_back(bits);
  switch (physical_) {
    case Type::INT32: dictionary_.PutInt32(static_cast<int32_t>(bits)); break;
    case Type::INT64: dictionary_.PutInt64(static_cast<int64_t>(bits)); break;
    default: {
      double d;
      std::memcpy(&d, &bits, 8);
      dictionary_.PutDouble(d);
    }
  }
  indices_.push_back(index);
  if (num_entries_ * 2 > slots_.size()) Grow();
}

uint32_t DictionaryEncoder::PutByteArray(std::string_view v) {
  size_t mask = slots_.size() - 1;
  size_t s = HashBytes(v) & mask;
  while (slots_[s] != kEmpty) {
    if (StringEntry(slots_[s]) == v) {
      indices_.push_back(slots_[s]);
      return slots_[s];
    }
    s = (s + 1) & mask;
  }
  uint32_t index = num_entries_++;
  slots_[s] = index;
  strings_.append(v.data(), v.size());
  string_offsets_.push_back(static_cast<uint32_t>(strings_.size()));
  dictionary_.PutByteArray(v);
  indices_.push_back(index);
  if (num_entries_ * 2 > slots_.size()) Grow();
  return index;
}

size_t DictionaryEncoder::EstimatedIndexBytes() const {
  int width = BitWidthFor(num_entries_ > 1 ? num_entries_ - 1 : 1);
  // Worst case: all bit-packed, plus a header byte per 504 values.
  return 1 + (indices_.size() * width + 7) / 8 + indices_.size() / 504 + 1;
}

void DictionaryEncoder::FlushIndicesTo(std::string* out) {
  // Width 1 at least: some readers mishandle a zero bit width.
  int width = BitWidthFor(num_entries_ > 1 ? num_entries_ - 1 : 1);
  out->push_back(static_cast<char>(width));
  EncodeRleBitPackedHybrid(indices_.data(), indices_.size(), width, out);
  indices_.clear();
}

void DictionaryEncoder::WriteDictionaryTo(std::string* out) const {
  PlainEncoder copy = dictionary_;
  copy.FlushTo(out);
}

}  // namespace swell::parquet
