// Compatibility with Apache DataSketches, proven on the reference sketches in
// ../shared/data/datasketches-theta (written by DataSketches Java) and on the
// numbers its README gives for the integers 0..8191.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sketch/theta_compact_sketch.h"
#include "sketch/theta_update_sketch.h"

namespace swell {
namespace {

// The README's reference values for lg_k 12, seed 9001, items 0..8191.
constexpr uint32_t kRefRetained = 4342;
constexpr double kRefTheta = 0.531700444213199;
constexpr double kRefEstimate = 8166.25234614053;
constexpr double kRefLower2 = 7996.956955317471;
constexpr double kRefUpper2 = 8339.090301078124;
constexpr double kTolerance = 1e-10;

std::string DataDir() { return std::string(SWELL_SHARED_DATA_DIR) + "/datasketches-theta"; }

#define SKIP_WITHOUT_REFERENCE_DATA()                                                   \
  do {                                                                                  \
    if (!std::filesystem::is_directory(DataDir())) {                                    \
      GTEST_SKIP() << "reference sketches not found: " << DataDir()                     \
                   << " is absent (DataSketches Java files live in ../shared/data)";   \
    }                                                                                   \
  } while (0)

std::string ReadFileOrDie(const std::string& name) {
  const std::string path = DataDir() + "/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CompactThetaSketch BuildReferenceSketch() {
  ThetaUpdateSketch sketch;
  for (uint64_t i = 0; i < 8192; ++i) sketch.Update(i);
  return sketch.Compact();
}

void ExpectReferenceNumbers(const CompactThetaSketch& s) {
  EXPECT_FALSE(s.IsEmpty());
  EXPECT_TRUE(s.IsEstimationMode());
  EXPECT_TRUE(s.IsOrdered());
  EXPECT_EQ(s.NumRetained(), kRefRetained);
  EXPECT_NEAR(s.Theta(), kRefTheta, kTolerance);
  EXPECT_NEAR(s.Estimate(), kRefEstimate, kTolerance);
  EXPECT_NEAR(s.LowerBound(2), kRefLower2, kTolerance);
  EXPECT_NEAR(s.UpperBound(2), kRefUpper2, kTolerance);
  EXPECT_LE(s.LowerBound(3), s.LowerBound(2));
  EXPECT_LE(s.LowerBound(2), s.LowerBound(1));
  EXPECT_LE(s.LowerBound(1), s.Estimate());
  EXPECT_LE(s.Estimate(), s.UpperBound(1));
  EXPECT_LE(s.UpperBound(1), s.UpperBound(2));
  EXPECT_LE(s.UpperBound(2), s.UpperBound(3));
}

TEST(ThetaCompatTest, EmptyFromJavaV1AndV2) {
  SKIP_WITHOUT_REFERENCE_DATA();
  for (const char* name : {"theta_compact_empty_from_java_v1.sk", "theta_compact_empty_from_java_v2.sk"}) {
    SCOPED_TRACE(name);
    CompactThetaSketch s;
    ASSERT_TRUE(CompactThetaSketch::Deserialize(ReadFileOrDie(name), &s).ok());
    EXPECT_TRUE(s.IsEmpty());
    EXPECT_FALSE(s.IsEstimationMode());
    EXPECT_EQ(s.NumRetained(), 0u);
    EXPECT_EQ(s.Theta(), 1.0);
    EXPECT_EQ(s.Estimate(), 0.0);
    EXPECT_EQ(s.LowerBound(2), 0.0);
    EXPECT_EQ(s.UpperBound(2), 0.0);
  }
}

TEST(ThetaCompatTest, EstimationFromJavaV1AndV2) {
  SKIP_WITHOUT_REFERENCE_DATA();
  for (const char* name : {"theta_compact_estimation_from_java_v1.sk",
                           "theta_compact_estimation_from_java_v2.sk"}) {
    SCOPED_TRACE(name);
    CompactThetaSketch s;
    Status st = CompactThetaSketch::Deserialize(ReadFileOrDie(name), &s);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ExpectReferenceNumbers(s);
  }
}

TEST(ThetaCompatTest, IntegersReachReadmeNumbers) {
  // No file needed: the README's numbers are the contract.
  ThetaUpdateSketch sketch;
  for (uint64_t i = 0; i < 8192; ++i) sketch.Update(i);
  EXPECT_EQ(sketch.NumRetained(), kRefRetained);
  EXPECT_NEAR(sketch.Theta(), kRefTheta, kTolerance);
  EXPECT_NEAR(sketch.Estimate(), kRefEstimate, kTolerance);
  EXPECT_NEAR(sketch.LowerBound(2), kRefLower2, kTolerance);
  EXPECT_NEAR(sketch.UpperBound(2), kRefUpper2, kTolerance);
  ExpectReferenceNumbers(sketch.Compact());
}

TEST(ThetaCompatTest, IntegersGiveTheReferenceHashes) {
  SKIP_WITHOUT_REFERENCE_DATA();
  const CompactThetaSketch built = BuildReferenceSketch();
  for (const char* name : {"theta_compact_estimation_from_java_v1.sk",
                           "theta_compact_estimation_from_java_v2.sk"}) {
    SCOPED_TRACE(name);
    CompactThetaSketch ref;
    ASSERT_TRUE(CompactThetaSketch::Deserialize(ReadFileOrDie(name), &ref).ok());
    EXPECT_EQ(built.theta64(), ref.theta64());
    EXPECT_EQ(built.entries(), ref.entries());
  }
}

TEST(ThetaCompatTest, SerializedBytesEqualJavaFilesButForTheVersion) {
  SKIP_WITHOUT_REFERENCE_DATA();
  // Java's v2 and v3 compact layouts are the same bytes apart from the
  // serial version byte; v1 also has no seed hash (bytes 6-7 are 0).
  const std::string ours = BuildReferenceSketch().Serialize();
  std::string v2 = ReadFileOrDie("theta_compact_estimation_from_java_v2.sk");
  ASSERT_EQ(ours.size(), v2.size());
  EXPECT_EQ(v2[1], 2);
  v2[1] = 3;
  EXPECT_TRUE(ours == v2) << "serial version 3 bytes differ from the Java v2 file beyond byte 1";

  std::string v1 = ReadFileOrDie("theta_compact_estimation_from_java_v1.sk");
  ASSERT_EQ(ours.size(), v1.size());
  v1[1] = 3;
  v1[6] = ours[6];
  v1[7] = ours[7];
  EXPECT_TRUE(ours == v1) << "serial version 3 bytes differ from the Java v1 file";
}

TEST(ThetaCompatTest, EmptyBytesAreJavas) {
  const std::string ours = ThetaUpdateSketch().Compact().Serialize();
  EXPECT_EQ(ours, std::string("\x01\x03\x03\x00\x00\x1e\x00\x00", 8));
  SKIP_WITHOUT_REFERENCE_DATA();
  std::string v2 = ReadFileOrDie("theta_compact_empty_from_java_v2.sk");
  ASSERT_EQ(v2.size(), 8u);
  // v2 carried the seed hash; Java's v3 empty form writes zero there.
  EXPECT_EQ(static_cast<uint8_t>(v2[6]) | static_cast<uint8_t>(v2[7]) << 8, 0x93cc);
  EXPECT_EQ(ours.substr(2, 4), v2.substr(2, 4));
}

TEST(ThetaCompatTest, SeedHashOfDefaultSeed) {
  uint16_t seed_hash = 0;
  ASSERT_TRUE(ComputeThetaSeedHash(kThetaDefaultSeed, &seed_hash).ok());
  EXPECT_EQ(seed_hash, 0x93cc);  // bytes 6-7 of every Java v2/v3 file
}

TEST(ThetaCompatTest, ReadsCppStyleV3) {
  // DataSketches C++ writes the same layout with three differences: the
  // empty form keeps the seed hash, a single item has no single-item flag,
  // and bytes 12..15 are 0 instead of the float 1.0.
  ThetaUpdateSketch one;
  one.Update(uint64_t{42});
  const uint64_t hash = one.Compact().entries().at(0);
  std::string single("\x01\x03\x03\x00\x00\x1a\xcc\x93", 8);
  single.append(reinterpret_cast<const char*>(&hash), 8);
  CompactThetaSketch s;
  ASSERT_TRUE(CompactThetaSketch::Deserialize(single, &s).ok());
  EXPECT_EQ(s.NumRetained(), 1u);
  EXPECT_EQ(s.entries()[0], hash);
  EXPECT_EQ(s.Estimate(), 1.0);

  ASSERT_TRUE(CompactThetaSketch::Deserialize(std::string("\x01\x03\x03\x00\x00\x1e\xcc\x93", 8), &s).ok());
  EXPECT_TRUE(s.IsEmpty());

  ThetaUpdateSketch two;
  two.Update(uint64_t{1});
  two.Update(uint64_t{2});
  std::string exact = two.Compact().Serialize();
  ASSERT_EQ(exact.size(), 32u);
  exact[12] = exact[13] = exact[14] = exact[15] = 0;
  ASSERT_TRUE(CompactThetaSketch::Deserialize(exact, &s).ok());
  EXPECT_EQ(s.NumRetained(), 2u);
  EXPECT_EQ(s.entries(), two.Compact().entries());
}

TEST(ThetaCompatTest, SingleItemBytesAreJavas) {
  ThetaUpdateSketch one;
  one.Update(std::string_view("user-42"));
  const CompactThetaSketch c = one.Compact();
  const std::string bytes = c.Serialize();
  ASSERT_EQ(bytes.size(), 16u);
  // pre0 = 01 03 03 00 00 3a cc 93: single-item, ordered, compact, read-only.
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x01\x03\x03\x00\x00\x3a\xcc\x93", 8));
}

}  // namespace
}  // namespace swell
