// A mutable theta sketch: feed it items, read a distinct-count estimate, or
// compact it into a CompactThetaSketch to store or merge. Fed the same items
// with the same options it keeps exactly the hashes and theta DataSketches'
// QuickSelect update sketch keeps (Java and C++), so estimates and bounds are
// equal to theirs, not merely close.
#pragma once

#include <cstdint>
#include <string_view>

#include "sketch/theta_compact_sketch.h"
#include "sketch/theta_hash.h"
#include "sketch/theta_hash_table.h"
#include "util/status.h"

namespace swell {

// How much the hash table grows at a time before it reaches full size; a
// memory/speed trade that never changes the final sample.
enum class ThetaResizeFactor : uint8_t { kX1 = 0, kX2 = 1, kX4 = 2, kX8 = 3 };

struct ThetaSketchOptions {
  // k = 2^lg_k hashes are kept once the sketch estimates; relative standard
  // error is about 1 / sqrt(k).
  uint8_t lg_k = 12;
  ThetaResizeFactor resize_factor = ThetaResizeFactor::kX8;
  // Sampling probability: the sketch starts with theta = p.
  float p = 1.0f;
  uint64_t seed = kThetaDefaultSeed;

  // lg_k in [4, 26], p in (0, 1], a seed whose seed hash is not 0.
  Status Validate() const;
};

class ThetaUpdateSketch {
 public:
  // Default options (lg_k 12, resize x8, p 1, seed 9001).
  ThetaUpdateSketch();
  static Status Make(const ThetaSketchOptions& options, ThetaUpdateSketch* out);

  // An integer is hashed as its 8 little-endian bytes, as DataSketches'
  // update(long) / update(uint64_t) do.
  void Update(uint64_t value);
  // A string is hashed as its bytes (UTF-8 as stored); the empty string is
  // ignored, as DataSketches ignores it.
  void Update(std::string_view value);
  // Raw bytes; length 0 is ignored.
  void UpdateBytes(const void* data, size_t length);

  bool IsEmpty() const { return empty_; }
  bool IsEstimationMode() const { return table_.theta() < kThetaMax && !empty_; }
  uint64_t theta64() const { return table_.theta(); }
  double Theta() const;
  // Between k and 15/16 of 2k once estimating (the table is rebuilt lazily).
  uint32_t NumRetained() const { return table_.num_entries(); }
  double Estimate() const;
  // REQUIRES: 1 <= num_std_devs <= 3.
  double LowerBound(int num_std_devs) const;
  double UpperBound(int num_std_devs) const;

  uint8_t lg_k() const { return table_.lg_nom_size(); }
  uint64_t seed() const { return seed_; }
  uint16_t seed_hash() const { return seed_hash_; }

  // Cuts the retained hashes down to k (raising theta) if above it.
  void Trim() { table_.Trim(); }

  // Every retained hash, sorted if ordered. Not trimmed, as DataSketches'
  // compact() does not trim either.
  CompactThetaSketch Compact(bool ordered = true) const;

 private:
  ThetaUpdateSketch(const ThetaSketchOptions& options, uint16_t seed_hash);
  void InsertHash(uint64_t hash);

  uint64_t seed_;
  uint16_t seed_hash_;
  bool empty_ = true;
  ThetaHashTable table_;
};

}  // namespace swell
