// Round trips and hostile bytes: every truncation and thousands of random
// corruptions of serialized sketches must give a Status, never a crash or an
// over-read (run under -DSWELL_SANITIZE=ON to have ASan check the latter).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sketch/theta_compact_sketch.h"
#include "sketch/theta_set_ops.h"
#include "sketch/theta_update_sketch.h"

namespace swell {
namespace {

ThetaUpdateSketch Fed(uint64_t n, uint8_t lg_k = 12, float p = 1.0f) {
  ThetaSketchOptions o;
  o.lg_k = lg_k;
  o.p = p;
  ThetaUpdateSketch s;
  EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).ok());
  for (uint64_t i = 0; i < n; ++i) s.Update(i);
  return s;
}

// Sketches of every serialized shape: empty, single item, exact, estimating,
// unordered, non-empty with no entries (sampling), from a set operation.
std::vector<CompactThetaSketch> Shapes() {
  std::vector<CompactThetaSketch> out;
  out.push_back(Fed(0).Compact());
  out.push_back(Fed(1).Compact());
  out.push_back(Fed(2).Compact());
  out.push_back(Fed(100).Compact());
  out.push_back(Fed(100).Compact(false));
  out.push_back(Fed(20000, 6).Compact());
  out.push_back(Fed(20000, 6).Compact(false));
  ThetaUpdateSketch sampled = Fed(0, 12, 1e-6f);
  sampled.Update(uint64_t{3});
  out.push_back(sampled.Compact());
  ThetaIntersection in;
  EXPECT_TRUE(in.Update(Fed(20000, 5).Compact()).ok());
  ThetaUpdateSketch other;
  for (uint64_t i = 50000; i < 70000; ++i) other.Update(i);
  EXPECT_TRUE(in.Update(other.Compact()).ok());
  out.push_back(in.Result());
  return out;
}

void ExpectSame(const CompactThetaSketch& a, const CompactThetaSketch& b) {
  EXPECT_EQ(a.IsEmpty(), b.IsEmpty());
  EXPECT_EQ(a.theta64(), b.theta64());
  EXPECT_EQ(a.entries(), b.entries());
  EXPECT_EQ(a.Estimate(), b.Estimate());
  EXPECT_EQ(a.LowerBound(2), b.LowerBound(2));
  EXPECT_EQ(a.UpperBound(2), b.UpperBound(2));
}

TEST(ThetaSerializationTest, RoundTripsEveryShape) {
  int i = 0;
  for (const CompactThetaSketch& s : Shapes()) {
    SCOPED_TRACE("shape " + std::to_string(i++));
    const std::string bytes = s.Serialize();
    EXPECT_EQ(bytes.size() % 8, 0u);
    CompactThetaSketch back;
    Status st = CompactThetaSketch::Deserialize(bytes, &back);
    ASSERT_TRUE(st.ok()) << st.ToString();
    // Non-empty with no entries and theta 1 is written as empty (as Java).
    if (!(s.NumRetained() == 0 && s.theta64() == kThetaMax)) ExpectSame(s, back);
    EXPECT_EQ(back.Serialize(), bytes);
  }
}

TEST(ThetaSerializationTest, Layouts) {
  EXPECT_EQ(Fed(0).Compact().Serialize().size(), 8u);
  EXPECT_EQ(Fed(1).Compact().Serialize().size(), 16u);
  EXPECT_EQ(Fed(2).Compact().Serialize().size(), 16u + 16u);
  const std::string est = Fed(20000, 6).Compact().Serialize();
  EXPECT_EQ(est[0], 3);  // preamble longs
  EXPECT_EQ(est[1], 3);  // serial version
  EXPECT_EQ(est[2], 3);  // family: compact
  EXPECT_EQ(static_cast<uint8_t>(est[5]), 0x1a);  // read-only, compact, ordered
  const std::string unordered = Fed(100).Compact(false).Serialize();
  EXPECT_EQ(static_cast<uint8_t>(unordered[5]), 0x0a);
  CompactThetaSketch back;
  ASSERT_TRUE(CompactThetaSketch::Deserialize(unordered, &back).ok());
  EXPECT_FALSE(back.IsOrdered());
}

TEST(ThetaSerializationTest, RefusesWhatItCannotRead) {
  CompactThetaSketch s;
  std::string bytes = Fed(100).Compact().Serialize();
  std::string b = bytes;
  b[1] = 4;
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsNotSupported());
  b = bytes;
  b[1] = 9;
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsCorruption());
  b = bytes;
  b[2] = 2;  // QuickSelect update sketch image
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsNotSupported());
  b = bytes;
  b[2] = 7;  // not theta at all
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsCorruption());
  b = bytes;
  b[5] |= 1;  // big-endian
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsNotSupported());
  b = bytes;
  b[5] &= ~8;  // not compact
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsNotSupported());
  // A sketch of another seed.
  EXPECT_TRUE(CompactThetaSketch::Deserialize(bytes, 12345, &s).IsInvalidArgument());
  // The empty sketch carries no usable seed hash and reads under any seed.
  EXPECT_TRUE(CompactThetaSketch::Deserialize(Fed(0).Compact().Serialize(), 12345, &s).ok());
  // Entries out of order while flagged ordered; an entry at or above theta.
  b = bytes;
  std::swap_ranges(b.begin() + 16, b.begin() + 24, b.begin() + 24);
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsCorruption());
  b = bytes;
  b[16 + 7] = static_cast<char>(0x80);  // hash >= 2^63
  EXPECT_TRUE(CompactThetaSketch::Deserialize(b, &s).IsCorruption());
  // A count that promises more bytes than there are, up to 2^32 - 1.
  b = bytes;
  b[8] = b[9] = b[10] = b[11] = static_cast<char>(0xff);
  Status st = CompactThetaSketch::Deserialize(b, &s);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("entries need"), std::string::npos) << st.message();
}

std::vector<std::string> Corpus() {
  std::vector<std::string> corpus;
  for (const CompactThetaSketch& s : Shapes()) corpus.push_back(s.Serialize());
  const std::string dir = std::string(SWELL_SHARED_DATA_DIR) + "/datasketches-theta";
  if (std::filesystem::is_directory(dir)) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".sk") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      corpus.push_back(ss.str());
    }
  }
  return corpus;
}

// Checks what a successful parse promises, then exercises the sketch.
void CheckParsed(const CompactThetaSketch& s) {
  ASSERT_GT(s.theta64(), 0u);
  ASSERT_LE(s.theta64(), kThetaMax);
  for (uint64_t h : s.entries()) {
    ASSERT_NE(h, 0u);
    ASSERT_LT(h, s.theta64());
  }
  if (s.IsEmpty()) {
    ASSERT_EQ(s.NumRetained(), 0u);
  }
  (void)s.Estimate();
  if (s.theta64() < kThetaMax && s.NumRetained() < 100000) {
    (void)s.LowerBound(2);
    (void)s.UpperBound(2);
  }
  CompactThetaSketch again;
  ASSERT_TRUE(CompactThetaSketch::Deserialize(s.Serialize(), &again).ok());
  ThetaUnion u;
  ASSERT_TRUE(u.Update(s).ok());
  (void)u.Result();
}

TEST(ThetaSerializationTest, EveryTruncationIsAnError) {
  for (const std::string& bytes : Corpus()) {
    for (size_t len = 0; len < bytes.size(); ++len) {
      // Own buffer of exactly len bytes, so ASan sees any over-read.
      const std::vector<char> prefix(bytes.begin(), bytes.begin() + len);
      CompactThetaSketch s;
      Status st = CompactThetaSketch::Deserialize(std::string_view(prefix.data(), len), &s);
      EXPECT_FALSE(st.ok()) << "prefix " << len << " of " << bytes.size() << " parsed";
    }
  }
}

TEST(ThetaSerializationTest, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(4242);
  int parsed = 0;
  int refused = 0;
  const std::vector<std::string> corpus = Corpus();
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = corpus[rng() % corpus.size()];
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      // Mostly the preamble, where the interesting fields are.
      const size_t limit = (rng() % 2) ? std::min<size_t>(bytes.size(), 24) : bytes.size();
      bytes[rng() % limit] ^= static_cast<char>(1u << (rng() % 8));
    }
    if (rng() % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));
    const std::vector<char> buf(bytes.begin(), bytes.end());
    CompactThetaSketch s;
    Status st = CompactThetaSketch::Deserialize(std::string_view(buf.data(), buf.size()), &s);
    if (st.ok()) {
      ++parsed;
      CheckParsed(s);
    } else {
      ++refused;
      EXPECT_FALSE(st.message().empty());
    }
  }
  std::printf("  random corruption: %d parsed, %d refused\n", parsed, refused);
}

TEST(ThetaSerializationTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(777);
  for (int round = 0; round < 20000; ++round) {
    std::vector<char> buf(rng() % 64);
    for (char& c : buf) c = static_cast<char>(rng());
    if (buf.size() >= 3 && rng() % 2) {
      buf[1] = static_cast<char>(1 + rng() % 3);  // a plausible version
      buf[2] = 3;                                  // and family
    }
    CompactThetaSketch s;
    if (CompactThetaSketch::Deserialize(std::string_view(buf.data(), buf.size()), &s).ok()) {
      CheckParsed(s);
    }
  }
}

}  // namespace
}  // namespace swell
