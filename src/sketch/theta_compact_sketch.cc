#include "sketch/theta_compact_sketch.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "sketch/binomial_bounds.h"
#include "util/coding.h"

namespace swell {

namespace {

constexpr uint8_t kFamilyAlpha = 1;
constexpr uint8_t kFamilyQuickSelect = 2;
constexpr uint8_t kFamilyCompact = 3;

constexpr uint8_t kFlagBigEndian = 1 << 0;
constexpr uint8_t kFlagReadOnly = 1 << 1;
constexpr uint8_t kFlagEmpty = 1 << 2;
constexpr uint8_t kFlagCompact = 1 << 3;
constexpr uint8_t kFlagOrdered = 1 << 4;
constexpr uint8_t kFlagSingleItem = 1 << 5;

// Java's compact sketches store the (meaningless for them) sampling
// probability p as the float 1.0 in bytes 12..15.
constexpr uint32_t kFloatOneBits = 0x3f800000;

uint16_t DefaultSeedHash() {
  uint16_t seed_hash = 0;
  Status s = ComputeThetaSeedHash(kThetaDefaultSeed, &seed_hash);
  assert(s.ok());
  (void)s;
  return seed_hash;
}

inline uint16_t DecodeFixed16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

std::string Describe(std::string_view what, uint64_t value) {
  return std::string(what) + " " + std::to_string(value);
}

// The parsed preamble, before the entries are read.
struct Layout {
  bool empty = false;
  bool ordered_claimed = false;  // flag says ordered (v3); v1/v2 are checked
  bool has_ordered_flag = false;
  uint16_t seed_hash = 0;
  bool check_seed_hash = false;
  uint64_t theta = kThetaMax;
  uint64_t count = 0;
  uint64_t entries_offset = 0;
};

Status ParseV1(std::string_view b, Layout* l) {
  // v1: always 3 preamble longs, no seed hash, no flags worth reading.
  if (b.size() < 24) {
    return Status::Corruption(Describe("theta sketch v1: truncated preamble, bytes", b.size()));
  }
  if ((b[0] & 0x3f) != 3) {
    return Status::Corruption(Describe("theta sketch v1: preamble longs must be 3, got", b[0] & 0x3f));
  }
  l->count = DecodeFixed32(b.data() + 8);
  l->theta = DecodeFixed64(b.data() + 16);
  l->entries_offset = 24;
  l->empty = l->count == 0 && l->theta == kThetaMax;
  return Status::OK();
}

Status ParseV2(std::string_view b, Layout* l) {
  const uint8_t pre_longs = static_cast<uint8_t>(b[0]) & 0x3f;
  l->seed_hash = DecodeFixed16(b.data() + 6);
  switch (pre_longs) {
    case 1:
      l->empty = true;
      return Status::OK();
    case 2:
      if (b.size() < 16) {
        return Status::Corruption(Describe("theta sketch v2: truncated preamble, bytes", b.size()));
      }
      l->count = DecodeFixed32(b.data() + 8);
      l->entries_offset = 16;
      break;
    case 3:
      if (b.size() < 24) {
        return Status::Corruption(Describe("theta sketch v2: truncated preamble, bytes", b.size()));
      }
      l->count = DecodeFixed32(b.data() + 8);
      l->theta = DecodeFixed64(b.data() + 16);
      l->entries_offset = 24;
      break;
    default:
      return Status::Corruption(Describe("theta sketch v2: preamble longs must be 1..3, got", pre_longs));
  }
  l->empty = l->count == 0 && l->theta == kThetaMax;
  l->check_seed_hash = !l->empty;
  return Status::OK();
}

Status ParseV3(std::string_view b, Layout* l) {
  const uint8_t pre_longs = static_cast<uint8_t>(b[0]) & 0x3f;
  const uint8_t flags = static_cast<uint8_t>(b[5]);
  if (flags & kFlagBigEndian) {
    return Status::NotSupported("theta sketch v3: big-endian images are not supported");
  }
  if (!(flags & kFlagCompact)) {
    return Status::NotSupported("theta sketch v3: not compact (a serialized update sketch)");
  }
  l->seed_hash = DecodeFixed16(b.data() + 6);
  if (flags & kFlagEmpty) {
    // Java writes the empty form with a zero seed hash, so it is not checked.
    l->empty = true;
    return Status::OK();
  }
  l->check_seed_hash = true;
  l->has_ordered_flag = true;
  l->ordered_claimed = (flags & kFlagOrdered) != 0;
  switch (pre_longs) {
    case 1:  // a single item with theta 1, with or without the single-item flag
      l->count = 1;
      l->entries_offset = 8;
      l->ordered_claimed = true;
      break;
    case 2:
      if (b.size() < 16) {
        return Status::Corruption(Describe("theta sketch v3: truncated preamble, bytes", b.size()));
      }
      l->count = DecodeFixed32(b.data() + 8);
      l->entries_offset = 16;
      break;
    case 3:
      if (b.size() < 24) {
        return Status::Corruption(Describe("theta sketch v3: truncated preamble, bytes", b.size()));
      }
      l->count = DecodeFixed32(b.data() + 8);
      l->theta = DecodeFixed64(b.data() + 16);
      l->entries_offset = 24;
      break;
    default:
      return Status::Corruption(Describe("theta sketch v3: preamble longs must be 1..3, got", pre_longs));
  }
  if ((flags & kFlagSingleItem) && (pre_longs != 1 || l->count != 1)) {
    return Status::Corruption("theta sketch v3: single-item flag on a sketch of more than one item");
  }
  return Status::OK();
}

}  // namespace

CompactThetaSketch::CompactThetaSketch()
    : empty_(true), ordered_(true), seed_hash_(DefaultSeedHash()), theta_(kThetaMax) {}

CompactThetaSketch::CompactThetaSketch(bool empty, bool ordered, uint16_t seed_hash,
                                       uint64_t theta, std::vector<uint64_t> entries)
    : empty_(empty),
      ordered_(ordered || entries.size() <= 1),
      seed_hash_(seed_hash),
      // An empty sketch has theta 1 whatever it was sampled at (p < 1 with
      // no update), as DataSketches corrects it on compaction.
      theta_(empty ? kThetaMax : theta),
      entries_(std::move(entries)) {
  assert(!empty_ || entries_.empty());
  assert(theta_ > 0 && theta_ <= kThetaMax);
}

double CompactThetaSketch::Theta() const {
  return static_cast<double>(theta_) / static_cast<double>(kThetaMax);
}

double CompactThetaSketch::Estimate() const {
  return static_cast<double>(entries_.size()) / Theta();
}

double CompactThetaSketch::LowerBound(int num_std_devs) const {
  if (!IsEstimationMode()) return static_cast<double>(entries_.size());
  return BinomialLowerBound(entries_.size(), Theta(), num_std_devs);
}

double CompactThetaSketch::UpperBound(int num_std_devs) const {
  if (!IsEstimationMode()) return static_cast<double>(entries_.size());
  return BinomialUpperBound(entries_.size(), Theta(), num_std_devs);
}

std::string CompactThetaSketch::Serialize() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void CompactThetaSketch::AppendTo(std::string* dst) const {
  // No entries and theta 1 is the empty sketch whatever the flag says
  // (e.g. the intersection of disjoint exact sets); Java writes it so.
  const bool empty = empty_ || (entries_.empty() && theta_ == kThetaMax);
  if (empty) {
    // Java's EmptyCompactSketch bytes, seed hash 0 included.
    const char kEmpty[8] = {1, 3, 3, 0, 0, static_cast<char>(0x1e), 0, 0};
    dst->append(kEmpty, sizeof(kEmpty));
    return;
  }
  const bool single = entries_.size() == 1 && theta_ == kThetaMax;
  const uint8_t pre_longs = theta_ < kThetaMax ? 3 : (single ? 1 : 2);
  uint8_t flags = kFlagReadOnly | kFlagCompact;
  if (ordered_ || single) flags |= kFlagOrdered;
  if (single) flags |= kFlagSingleItem;

  dst->reserve(dst->size() + 8 * (pre_longs + entries_.size()));
  dst->push_back(static_cast<char>(pre_longs));
  dst->push_back(3);  // serial version
  dst->push_back(static_cast<char>(kFamilyCompact));
  dst->push_back(0);  // lg_nom_longs: unused by compact sketches
  dst->push_back(0);  // lg_arr_longs: unused by compact sketches
  dst->push_back(static_cast<char>(flags));
  const uint16_t seed_hash = seed_hash_;
  dst->append(reinterpret_cast<const char*>(&seed_hash), 2);
  if (pre_longs >= 2) {
    PutFixed32(dst, static_cast<uint32_t>(entries_.size()));
    PutFixed32(dst, kFloatOneBits);
  }
  if (pre_longs == 3) PutFixed64(dst, theta_);
  for (uint64_t hash : entries_) PutFixed64(dst, hash);
}

Status CompactThetaSketch::Deserialize(std::string_view bytes, uint64_t seed,
                                       CompactThetaSketch* out) {
  if (bytes.size() < 8) {
    return Status::Corruption(Describe("theta sketch: need at least 8 bytes, got", bytes.size()));
  }
  const uint8_t serial_version = static_cast<uint8_t>(bytes[1]);
  const uint8_t family = static_cast<uint8_t>(bytes[2]);
  if (family != kFamilyCompact) {
    if (family == kFamilyAlpha || family == kFamilyQuickSelect) {
      return Status::NotSupported(
          Describe("theta sketch: only compact sketches are read, got family", family));
    }
    return Status::Corruption(Describe("theta sketch: not a theta sketch, family", family));
  }
  uint16_t expected_seed_hash = 0;
  SWELL_RETURN_IF_ERROR(ComputeThetaSeedHash(seed, &expected_seed_hash));

  Layout l;
  switch (serial_version) {
    case 1:
      SWELL_RETURN_IF_ERROR(ParseV1(bytes, &l));
      l.seed_hash = expected_seed_hash;
      break;
    case 2:
      SWELL_RETURN_IF_ERROR(ParseV2(bytes, &l));
      break;
    case 3:
      SWELL_RETURN_IF_ERROR(ParseV3(bytes, &l));
      break;
    case 4:
      return Status::NotSupported("theta sketch: compressed serial version 4 is not supported");
    default:
      return Status::Corruption(Describe("theta sketch: unknown serial version", serial_version));
  }
  if (l.empty) {
    *out = CompactThetaSketch(true, true, expected_seed_hash, kThetaMax, {});
    return Status::OK();
  }
  if (l.check_seed_hash && l.seed_hash != expected_seed_hash) {
    return Status::InvalidArgument("theta sketch: seed hash " + std::to_string(l.seed_hash) +
                                   " does not match " + std::to_string(expected_seed_hash) +
                                   " of seed " + std::to_string(seed));
  }
  if (l.theta == 0 || l.theta > kThetaMax) {
    return Status::Corruption(Describe("theta sketch: theta out of range:", l.theta));
  }
  if (l.entries_offset > bytes.size() ||
      l.count > (bytes.size() - l.entries_offset) / 8) {
    return Status::Corruption("theta sketch: " + std::to_string(l.count) + " entries need " +
                              std::to_string(l.entries_offset + 8 * l.count) + " bytes, got " +
                              std::to_string(bytes.size()));
  }
  std::vector<uint64_t> entries(l.count);
  for (uint64_t i = 0; i < l.count; ++i) {
    const uint64_t hash = DecodeFixed64(bytes.data() + l.entries_offset + 8 * i);
    if (hash == 0 || hash >= l.theta) {
      return Status::Corruption("theta sketch: entry " + std::to_string(i) + " (" +
                                std::to_string(hash) + ") is not in (0, theta)");
    }
    entries[i] = hash;
  }
  const bool sorted = std::adjacent_find(entries.begin(), entries.end(),
                                         [](uint64_t a, uint64_t b) { return a >= b; }) ==
                      entries.end();
  bool ordered = sorted;
  if (l.has_ordered_flag) {
    if (l.ordered_claimed && !sorted) {
      return Status::Corruption("theta sketch: flagged ordered but entries are not ascending");
    }
    ordered = l.ordered_claimed;
  }
  if (!sorted) {
    // Set operations assume distinct hashes.
    std::vector<uint64_t> copy = entries;
    std::sort(copy.begin(), copy.end());
    if (std::adjacent_find(copy.begin(), copy.end()) != copy.end()) {
      return Status::Corruption("theta sketch: duplicate entries");
    }
  }
  *out = CompactThetaSketch(false, ordered, l.seed_hash, l.theta, std::move(entries));
  return Status::OK();
}

}  // namespace swell
