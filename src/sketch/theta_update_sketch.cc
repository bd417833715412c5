#include "sketch/theta_update_sketch.h"

#include <algorithm>

#include "sketch/binomial_bounds.h"

namespace swell {

namespace {

constexpr int kMinLgK = 4;
constexpr int kMaxLgK = 26;
// Tables never start below 2^5 slots (DataSketches' MIN_LG_ARR_LONGS).
constexpr int kMinLgTableSize = 5;

uint64_t StartingTheta(float p) {
  if (p < 1.0f) return static_cast<uint64_t>(static_cast<double>(kThetaMax) * p);
  return kThetaMax;
}

// The start size is chosen so that growing by the resize factor lands
// exactly on the full size 2^(lg_k + 1).
uint8_t StartingLgSize(uint8_t lg_k, uint8_t lg_rf) {
  const int lg_target = lg_k + 1;
  if (lg_target <= kMinLgTableSize) return kMinLgTableSize;
  if (lg_rf == 0) return static_cast<uint8_t>(lg_target);
  return static_cast<uint8_t>((lg_target - kMinLgTableSize) % lg_rf + kMinLgTableSize);
}

}  // namespace

Status ThetaSketchOptions::Validate() const {
  if (lg_k < kMinLgK || lg_k > kMaxLgK) {
    return Status::InvalidArgument("theta sketch: lg_k must be in [4, 26], got " +
                                   std::to_string(lg_k));
  }
  if (!(p > 0.0f && p <= 1.0f)) {
    return Status::InvalidArgument("theta sketch: sampling probability p must be in (0, 1]");
  }
  if (static_cast<uint8_t>(resize_factor) > 3) {
    return Status::InvalidArgument("theta sketch: resize factor must be x1, x2, x4 or x8");
  }
  uint16_t seed_hash = 0;
  return ComputeThetaSeedHash(seed, &seed_hash);
}

ThetaUpdateSketch::ThetaUpdateSketch() : ThetaUpdateSketch(ThetaSketchOptions(), 0) {
  Status s = ComputeThetaSeedHash(seed_, &seed_hash_);
  (void)s;  // the default seed's hash is 0x93cc
}

ThetaUpdateSketch::ThetaUpdateSketch(const ThetaSketchOptions& options, uint16_t seed_hash)
    : seed_(options.seed),
      seed_hash_(seed_hash),
      table_(StartingLgSize(options.lg_k, static_cast<uint8_t>(options.resize_factor)),
             options.lg_k, static_cast<uint8_t>(options.resize_factor),
             StartingTheta(options.p)) {}

Status ThetaUpdateSketch::Make(const ThetaSketchOptions& options, ThetaUpdateSketch* out) {
  SWELL_RETURN_IF_ERROR(options.Validate());
  uint16_t seed_hash = 0;
  SWELL_RETURN_IF_ERROR(ComputeThetaSeedHash(options.seed, &seed_hash));
  *out = ThetaUpdateSketch(options, seed_hash);
  return Status::OK();
}

void ThetaUpdateSketch::InsertHash(uint64_t hash) {
  // Any offered item makes the sketch non-empty, even one screened out by
  // theta: the sketch then says "some items, none sampled", not "no items".
  empty_ = false;
  // 0 marks empty slots, so a zero hash is dropped (as DataSketches does).
  if (hash == 0 || hash >= table_.theta()) return;
  table_.Insert(hash);
}

void ThetaUpdateSketch::Update(uint64_t value) { InsertHash(ThetaHashUint64(value, seed_)); }

void ThetaUpdateSketch::Update(std::string_view value) { UpdateBytes(value.data(), value.size()); }

void ThetaUpdateSketch::UpdateBytes(const void* data, size_t length) {
  if (length == 0) return;
  InsertHash(ThetaHashBytes(data, length, seed_));
}

double ThetaUpdateSketch::Theta() const {
  return static_cast<double>(table_.theta()) / static_cast<double>(kThetaMax);
}

double ThetaUpdateSketch::Estimate() const {
  return static_cast<double>(table_.num_entries()) / Theta();
}

double ThetaUpdateSketch::LowerBound(int num_std_devs) const {
  if (!IsEstimationMode()) return static_cast<double>(table_.num_entries());
  return BinomialLowerBound(table_.num_entries(), Theta(), num_std_devs);
}

double ThetaUpdateSketch::UpperBound(int num_std_devs) const {
  if (!IsEstimationMode()) return static_cast<double>(table_.num_entries());
  return BinomialUpperBound(table_.num_entries(), Theta(), num_std_devs);
}

CompactThetaSketch ThetaUpdateSketch::Compact(bool ordered) const {
  std::vector<uint64_t> entries = table_.Entries();
  if (ordered) std::sort(entries.begin(), entries.end());
  return CompactThetaSketch(empty_, ordered, seed_hash_, table_.theta(), std::move(entries));
}

}  // namespace swell
