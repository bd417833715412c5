#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace swell {

// Check values from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, StandardVectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(crc32c::Value(inc), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "hello write-ahead log";
  uint32_t part = crc32c::Extend(0, s.data(), 5);
  EXPECT_EQ(crc32c::Extend(part, s.data() + 5, s.size() - 5), crc32c::Value(s));
}

TEST(Crc32c, MaskRoundTrips) {
  uint32_t c = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

}  // namespace swell
