// An immutable theta sketch: theta plus the retained hashes below it. This is
// what Swell stores, sends and merges; its bytes are DataSketches' compact
// theta sketch (family 3), so Druid, Spark, Hive, BigQuery and the Java / C++
// libraries read what Swell writes and Swell reads what they write.
// docs/formats.md "Theta sketches" has the byte layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sketch/theta_hash.h"
#include "util/status.h"

namespace swell {

class CompactThetaSketch {
 public:
  // An empty sketch for the default seed.
  CompactThetaSketch();
  // REQUIRES: every entry is in (0, theta), entries sorted ascending if
  // ordered, no duplicates, entries empty if empty (theta is then ignored).
  CompactThetaSketch(bool empty, bool ordered, uint16_t seed_hash, uint64_t theta,
                     std::vector<uint64_t> entries);

  // Empty means no item was ever offered; a sketch can be non-empty with no
  // entries when sampling (p < 1) or set operations lowered theta.
  bool IsEmpty() const { return empty_; }
  bool IsOrdered() const { return ordered_; }
  bool IsEstimationMode() const { return theta_ < kThetaMax && !empty_; }
  uint16_t seed_hash() const { return seed_hash_; }
  uint64_t theta64() const { return theta_; }
  double Theta() const;
  uint32_t NumRetained() const { return static_cast<uint32_t>(entries_.size()); }
  const std::vector<uint64_t>& entries() const { return entries_; }

  // NumRetained() / Theta().
  double Estimate() const;
  // Binomial bounds (binomial_bounds.h); exact count outside estimation mode.
  // REQUIRES: 1 <= num_std_devs <= 3.
  double LowerBound(int num_std_devs) const;
  double UpperBound(int num_std_devs) const;

  // Serial version 3, little-endian, as DataSketches Java writes it: 8 bytes
  // when empty, 16 for a single item (theta 1), else 16 or 24 bytes of
  // preamble and 8 bytes per entry.
  std::string Serialize() const;
  void AppendTo(std::string* dst) const;

  // Reads serial versions 1, 2 (as DataSketches Java wrote them) and 3.
  // A non-empty sketch of version 2 or 3 must carry the seed hash of `seed`
  // (version 1 has none: the seed is assumed). Every length, count and hash
  // is checked against the bytes, so corrupt or truncated input gives
  // Corruption (or NotSupported for layouts Swell does not read: update
  // sketches, big-endian, serial version 4), never an over-read.
  static Status Deserialize(std::string_view bytes, uint64_t seed, CompactThetaSketch* out);
  static Status Deserialize(std::string_view bytes, CompactThetaSketch* out) {
    return Deserialize(bytes, kThetaDefaultSeed, out);
  }

 private:
  bool empty_;
  bool ordered_;
  uint16_t seed_hash_;
  uint64_t theta_;
  std::vector<uint64_t> entries_;
};

}  // namespace swell
