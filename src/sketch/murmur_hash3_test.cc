#include "sketch/murmur_hash3.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "sketch/theta_hash.h"

namespace swell {
namespace {

TEST(MurmurHash3Test, EmptyInputWithZeroSeedIsZero) {
  const Hash128 h = MurmurHash3_x64_128("", 0, 0);
  EXPECT_EQ(h.h1, 0u);
  EXPECT_EQ(h.h2, 0u);
}

TEST(MurmurHash3Test, KnownVector) {
  // The widely published x64_128 digest of this sentence with seed 0:
  // 6c1b07bc7bbc4be347939ac4a93c437a (h1 then h2, little-endian bytes).
  const std::string s = "The quick brown fox jumps over the lazy dog";
  const Hash128 h = MurmurHash3_x64_128(s.data(), s.size(), 0);
  EXPECT_EQ(h.h1, 0xe34bbc7bbc071b6cULL);
  EXPECT_EQ(h.h2, 0x7a433ca9c49a9347ULL);
}

TEST(MurmurHash3Test, EveryTailLengthIsDistinctAndStable) {
  // Each of the 16 tail lengths takes its own path; none may collide with
  // another prefix of the same buffer, and unaligned input must hash alike.
  char buf[64];
  for (int i = 0; i < 64; ++i) buf[i] = static_cast<char>(i * 7 + 1);
  char shifted[65];
  std::memcpy(shifted + 1, buf, 64);
  uint64_t previous = 0;
  for (size_t len = 1; len <= 40; ++len) {
    const Hash128 a = MurmurHash3_x64_128(buf, len, 9001);
    const Hash128 b = MurmurHash3_x64_128(shifted + 1, len, 9001);
    EXPECT_EQ(a.h1, b.h1);
    EXPECT_EQ(a.h2, b.h2);
    EXPECT_NE(a.h1, previous);
    previous = a.h1;
  }
}

TEST(MurmurHash3Test, IntegersHashAsLittleEndianBytes) {
  const uint64_t v = 0x0102030405060708ULL;
  const unsigned char le[8] = {8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(ThetaHashUint64(v, kThetaDefaultSeed), ThetaHashBytes(le, 8, kThetaDefaultSeed));
  EXPECT_EQ(ThetaHashUint64(v, kThetaDefaultSeed),
            MurmurHash3_x64_128(le, 8, kThetaDefaultSeed).h1 >> 1);
  EXPECT_LT(ThetaHashUint64(v, kThetaDefaultSeed), kThetaMax + 1);
}

}  // namespace
}  // namespace swell
