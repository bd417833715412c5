// Union, intersection and difference of theta sketches. Each follows the
// DataSketches algorithm (theta_union / theta_intersection / theta_a_not_b),
// so the result has the same theta and the same hashes as DataSketches would
// compute from the same inputs. Inputs must share the seed (their seed hash
// is checked); empty inputs carry no seed hash worth checking.
#pragma once

#include <cstdint>
#include <vector>

#include "sketch/theta_compact_sketch.h"
#include "sketch/theta_hash_table.h"
#include "sketch/theta_update_sketch.h"
#include "util/status.h"

namespace swell {

// Accumulates any number of sketches; the result keeps at most 2^lg_k
// hashes, whatever the inputs' sizes.
class ThetaUnion {
 public:
  // Default options (lg_k 12, seed 9001).
  ThetaUnion();
  // Uses lg_k, resize_factor, p and seed of options.
  static Status Make(const ThetaSketchOptions& options, ThetaUnion* out);

  // InvalidArgument on a seed hash mismatch (the union is then unchanged).
  Status Update(const CompactThetaSketch& sketch);
  Status Update(const ThetaUpdateSketch& sketch) { return Update(sketch.Compact(false)); }

  CompactThetaSketch Result(bool ordered = true) const;

 private:
  ThetaUnion(const ThetaSketchOptions& options, uint16_t seed_hash);

  uint16_t seed_hash_;
  bool empty_ = true;
  ThetaHashTable table_;
  // The smallest theta seen among inputs, kept apart from the table's own
  // theta (which only its rebuilds lower).
  uint64_t union_theta_;
};

// The hashes common to every input, below the smallest input theta.
class ThetaIntersection {
 public:
  explicit ThetaIntersection(uint64_t seed = kThetaDefaultSeed);

  // InvalidArgument on a seed hash mismatch or an unusable seed.
  Status Update(const CompactThetaSketch& sketch);

  // False until the first Update: an intersection of nothing is the
  // universe, which no sketch can represent.
  bool HasResult() const { return has_result_; }
  // REQUIRES: HasResult().
  CompactThetaSketch Result(bool ordered = true) const;

 private:
  uint64_t seed_;
  bool has_result_ = false;
  bool empty_ = false;
  uint64_t theta_ = kThetaMax;
  std::vector<uint64_t> entries_;  // sorted
};

// The hashes of a that are not in b, below the smaller theta. Stateless.
class ThetaANotB {
 public:
  // InvalidArgument on a seed hash mismatch or an unusable seed.
  static Status Compute(const CompactThetaSketch& a, const CompactThetaSketch& b,
                        CompactThetaSketch* out, bool ordered = true,
                        uint64_t seed = kThetaDefaultSeed);
};

}  // namespace swell
