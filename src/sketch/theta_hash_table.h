// The open-addressing hash table inside a theta update sketch and a theta
// union. Its growth and rebuild rules are DataSketches' QuickSelect sketch,
// because they decide which hashes survive and what theta becomes: a table
// that rebuilt at a different moment would hold a different (equally valid)
// sample, and Swell promises the same sample as Java and C++ DataSketches.
//
//   - The table starts at 2^lg_cur_size slots and grows by 2^lg_resize_factor
//     (capped at 2^(lg_nom_size + 1)) whenever it passes half full.
//   - At full size it rebuilds when it passes 15/16 full: quick-select finds
//     the (k+1)-th smallest hash (k = 2^lg_nom_size), that becomes theta, and
//     only the k hashes below it stay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swell {

class ThetaHashTable {
 public:
  // REQUIRES: lg_cur_size <= lg_nom_size + 1, lg_nom_size <= 26,
  //           0 < theta <= kThetaMax.
  ThetaHashTable(uint8_t lg_cur_size, uint8_t lg_nom_size, uint8_t lg_resize_factor,
                 uint64_t theta);

  // Adds a hash unless present. Returns true if it was added.
  // REQUIRES: 0 < hash < theta().
  bool Insert(uint64_t hash);

  // Drops down to the nominal k entries if above (a rebuild).
  void Trim();

  uint64_t theta() const { return theta_; }
  uint32_t num_entries() const { return num_entries_; }
  uint8_t lg_nom_size() const { return lg_nom_size_; }
  uint8_t lg_cur_size() const { return lg_cur_size_; }
  // The slots, 0 meaning empty, in table order.
  const std::vector<uint64_t>& slots() const { return slots_; }
  // The non-zero slots, in table order.
  std::vector<uint64_t> Entries() const;

 private:
  // The slot holding hash, or the empty slot where it belongs.
  static size_t Find(const std::vector<uint64_t>& slots, uint8_t lg_size, uint64_t hash);
  uint32_t Capacity() const;
  void Resize();
  void Rebuild();

  uint8_t lg_cur_size_;
  uint8_t lg_nom_size_;
  uint8_t lg_resize_factor_;
  uint32_t num_entries_ = 0;
  uint64_t theta_;
  std::vector<uint64_t> slots_;
};

}  // namespace swell
