#include "sketch/theta_set_ops.h"

#include <algorithm>
#include <iterator>

namespace swell {

namespace {

Status CheckSeedHash(const CompactThetaSketch& sketch, uint16_t expected, const char* which) {
  if (sketch.IsEmpty() || sketch.seed_hash() == expected) return Status::OK();
  return Status::InvalidArgument(std::string("theta ") + which + ": seed hash " +
                                 std::to_string(sketch.seed_hash()) + " does not match " +
                                 std::to_string(expected));
}

uint8_t UnionStartingLgSize(const ThetaSketchOptions& o) {
  // Same start as an update sketch with these options.
  const int lg_target = o.lg_k + 1;
  const int lg_rf = static_cast<int>(o.resize_factor);
  if (lg_target <= 5) return 5;
  if (lg_rf == 0) return static_cast<uint8_t>(lg_target);
  return static_cast<uint8_t>((lg_target - 5) % lg_rf + 5);
}

uint64_t UnionStartingTheta(float p) {
  if (p < 1.0f) return static_cast<uint64_t>(static_cast<double>(kThetaMax) * p);
  return kThetaMax;
}

}  // namespace

// ---- union ----

ThetaUnion::ThetaUnion() : ThetaUnion(ThetaSketchOptions(), 0) {
  Status s = ComputeThetaSeedHash(kThetaDefaultSeed, &seed_hash_);
  (void)s;
}

ThetaUnion::ThetaUnion(const ThetaSketchOptions& options, uint16_t seed_hash)
    : seed_hash_(seed_hash),
      table_(UnionStartingLgSize(options), options.lg_k,
             static_cast<uint8_t>(options.resize_factor), UnionStartingTheta(options.p)),
      union_theta_(table_.theta()) {}

Status ThetaUnion::Make(const ThetaSketchOptions& options, ThetaUnion* out) {
  SWELL_RETURN_IF_ERROR(options.Validate());
  uint16_t seed_hash = 0;
  SWELL_RETURN_IF_ERROR(ComputeThetaSeedHash(options.seed, &seed_hash));
  *out = ThetaUnion(options, seed_hash);
  return Status::OK();
}

Status ThetaUnion::Update(const CompactThetaSketch& sketch) {
  if (sketch.IsEmpty()) return Status::OK();
  SWELL_RETURN_IF_ERROR(CheckSeedHash(sketch, seed_hash_, "union"));
  empty_ = false;
  union_theta_ = std::min(union_theta_, sketch.theta64());
  for (uint64_t hash : sketch.entries()) {
    // The table's theta can drop mid-loop (a rebuild), so test both.
    if (hash < union_theta_ && hash < table_.theta()) {
      table_.Insert(hash);
    } else if (sketch.IsOrdered()) {
      break;  // the rest are larger still
    }
  }
  union_theta_ = std::min(union_theta_, table_.theta());
  return Status::OK();
}

CompactThetaSketch ThetaUnion::Result(bool ordered) const {
  if (empty_) return CompactThetaSketch(true, true, seed_hash_, kThetaMax, {});
  uint64_t theta = std::min(union_theta_, table_.theta());
  std::vector<uint64_t> entries;
  entries.reserve(table_.num_entries());
  for (uint64_t slot : table_.slots()) {
    if (slot != 0 && slot < theta) entries.push_back(slot);
  }
  const uint32_t nominal = 1u << table_.lg_nom_size();
  if (entries.size() > nominal) {
    // Never hand out more than k hashes: the k smallest, theta the next.
    std::nth_element(entries.begin(), entries.begin() + nominal, entries.end());
    theta = entries[nominal];
    entries.resize(nominal);
  }
  if (ordered) std::sort(entries.begin(), entries.end());
  return CompactThetaSketch(false, ordered, seed_hash_, theta, std::move(entries));
}

// ---- intersection ----

ThetaIntersection::ThetaIntersection(uint64_t seed) : seed_(seed) {}

Status ThetaIntersection::Update(const CompactThetaSketch& sketch) {
  uint16_t seed_hash = 0;
  SWELL_RETURN_IF_ERROR(ComputeThetaSeedHash(seed_, &seed_hash));
  if (has_result_ && empty_) return Status::OK();  // nothing can come back
  SWELL_RETURN_IF_ERROR(CheckSeedHash(sketch, seed_hash, "intersection"));
  empty_ = empty_ || sketch.IsEmpty();
  theta_ = std::min(theta_, sketch.theta64());
  if (has_result_ && entries_.empty()) return Status::OK();
  if (sketch.NumRetained() == 0) {
    has_result_ = true;
    entries_.clear();
    return Status::OK();
  }
  std::vector<uint64_t> incoming = sketch.entries();
  if (!sketch.IsOrdered()) std::sort(incoming.begin(), incoming.end());
  if (!has_result_) {
    // The first sketch is taken whole; later ones filter by the lower theta.
    has_result_ = true;
    entries_ = std::move(incoming);
    return Status::OK();
  }
  std::vector<uint64_t> matched;
  matched.reserve(std::min(entries_.size(), incoming.size()));
  std::set_intersection(entries_.begin(), entries_.end(), incoming.begin(), incoming.end(),
                        std::back_inserter(matched));
  // Only hashes below the common theta are comparable across sketches.
  matched.erase(std::lower_bound(matched.begin(), matched.end(), theta_), matched.end());
  entries_ = std::move(matched);
  if (entries_.empty() && theta_ == kThetaMax) empty_ = true;
  return Status::OK();
}

CompactThetaSketch ThetaIntersection::Result(bool ordered) const {
  uint16_t seed_hash = 0;
  Status s = ComputeThetaSeedHash(seed_, &seed_hash);
  (void)s;  // Update already refused a bad seed; HasResult() implies one ran
  // Update keeps entries below theta_ on every path; cutting again costs a
  // binary search and keeps the result valid even if that ever changes.
  std::vector<uint64_t> entries(entries_.begin(),
                                std::lower_bound(entries_.begin(), entries_.end(), theta_));
  if (empty_) entries.clear();
  // Kept sorted internally, so the result is ordered either way.
  (void)ordered;
  return CompactThetaSketch(empty_, true, seed_hash, theta_, std::move(entries));
}

// ---- A not B ----

Status ThetaANotB::Compute(const CompactThetaSketch& a, const CompactThetaSketch& b,
                           CompactThetaSketch* out, bool ordered, uint64_t seed) {
  uint16_t seed_hash = 0;
  SWELL_RETURN_IF_ERROR(ComputeThetaSeedHash(seed, &seed_hash));
  SWELL_RETURN_IF_ERROR(CheckSeedHash(a, seed_hash, "a-not-b (a)"));
  SWELL_RETURN_IF_ERROR(CheckSeedHash(b, seed_hash, "a-not-b (b)"));
  if (a.IsEmpty() || (a.NumRetained() > 0 && b.IsEmpty())) {
    std::vector<uint64_t> entries = a.entries();
    if (ordered && !a.IsOrdered()) std::sort(entries.begin(), entries.end());
    *out = CompactThetaSketch(a.IsEmpty(), ordered || a.IsOrdered(), seed_hash, a.theta64(),
                              std::move(entries));
    return Status::OK();
  }
  const uint64_t theta = std::min(a.theta64(), b.theta64());
  std::vector<uint64_t> a_sorted = a.entries();
  if (!a.IsOrdered()) std::sort(a_sorted.begin(), a_sorted.end());
  a_sorted.erase(std::lower_bound(a_sorted.begin(), a_sorted.end(), theta), a_sorted.end());
  std::vector<uint64_t> b_sorted = b.entries();
  if (!b.IsOrdered()) std::sort(b_sorted.begin(), b_sorted.end());
  std::vector<uint64_t> entries;
  entries.reserve(a_sorted.size());
  std::set_difference(a_sorted.begin(), a_sorted.end(), b_sorted.begin(), b_sorted.end(),
                      std::back_inserter(entries));
  const bool empty = entries.empty() && theta == kThetaMax;
  // Sorted either way; DataSketches keeps a's order when not asked to sort,
  // which carries the same set.
  *out = CompactThetaSketch(empty, true, seed_hash, theta, std::move(entries));
  return Status::OK();
}

}  // namespace swell
