#include "sketch/theta_hash_table.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace swell {

namespace {

constexpr double kResizeThreshold = 0.5;
constexpr double kRebuildThreshold = 15.0 / 16.0;
constexpr uint32_t kStrideMask = (1u << 7) - 1;

// Odd, so it visits every slot of a power-of-two table, and taken from bits
// above the index bits so colliding hashes follow different probe paths.
inline uint32_t Stride(uint64_t hash, uint8_t lg_size) {
  return 2 * static_cast<uint32_t>((hash >> lg_size) & kStrideMask) + 1;
}

}  // namespace

ThetaHashTable::ThetaHashTable(uint8_t lg_cur_size, uint8_t lg_nom_size,
                               uint8_t lg_resize_factor, uint64_t theta)
    : lg_cur_size_(lg_cur_size),
      lg_nom_size_(lg_nom_size),
      lg_resize_factor_(lg_resize_factor),
      theta_(theta),
      slots_(size_t{1} << lg_cur_size, 0) {
  assert(lg_cur_size <= lg_nom_size + 1);
}

size_t ThetaHashTable::Find(const std::vector<uint64_t>& slots, uint8_t lg_size, uint64_t hash) {
  const uint32_t mask = (1u << lg_size) - 1;
  const uint32_t stride = Stride(hash, lg_size);
  uint32_t index = static_cast<uint32_t>(hash) & mask;
  // The table is never full (capacity < size), so an empty slot ends the
  // probe before it wraps around.
  for (;;) {
    const uint64_t probe = slots[index];
    if (probe == 0 || probe == hash) return index;
    index = (index + stride) & mask;
  }
}

uint32_t ThetaHashTable::Capacity() const {
  const double fraction = lg_cur_size_ <= lg_nom_size_ ? kResizeThreshold : kRebuildThreshold;
  return static_cast<uint32_t>(std::floor(fraction * static_cast<double>(1u << lg_cur_size_)));
}

bool ThetaHashTable::Insert(uint64_t hash) {
  assert(hash != 0 && hash < theta_);
  const size_t index = Find(slots_, lg_cur_size_, hash);
  if (slots_[index] == hash) return false;
  slots_[index] = hash;
  ++num_entries_;
  if (num_entries_ > Capacity()) {
    if (lg_cur_size_ <= lg_nom_size_) {
      Resize();
    } else {
      Rebuild();
    }
  }
  return true;
}

std::vector<uint64_t> ThetaHashTable::Entries() const {
  std::vector<uint64_t> out;
  out.reserve(num_entries_);
  for (uint64_t slot : slots_) {
    if (slot != 0) out.push_back(slot);
  }
  return out;
}

void ThetaHashTable::Resize() {
  const uint8_t lg_new_size = static_cast<uint8_t>(
      std::min<int>(lg_cur_size_ + std::max<int>(lg_resize_factor_, 1), lg_nom_size_ + 1));
  // (A resize factor of 1 only ever builds full-size tables; the max above
  // keeps a hand-built small table from stalling.)
  std::vector<uint64_t> grown(size_t{1} << lg_new_size, 0);
  for (uint64_t slot : slots_) {
    if (slot != 0) grown[Find(grown, lg_new_size, slot)] = slot;
  }
  slots_.swap(grown);
  lg_cur_size_ = lg_new_size;
}

void ThetaHashTable::Rebuild() {
  const uint32_t nominal = 1u << lg_nom_size_;
  std::vector<uint64_t> entries = Entries();
  // The (k+1)-th smallest becomes theta; which k hashes are kept does not
  // depend on the selection algorithm, only on the set.
  std::nth_element(entries.begin(), entries.begin() + nominal, entries.end());
  theta_ = entries[nominal];
  std::fill(slots_.begin(), slots_.end(), 0);
  for (uint32_t i = 0; i < nominal; ++i) slots_[Find(slots_, lg_cur_size_, entries[i])] = entries[i];
  num_entries_ = nominal;
}

void ThetaHashTable::Trim() {
  if (num_entries_ > (1u << lg_nom_size_)) Rebuild();
}

}  // namespace swell
