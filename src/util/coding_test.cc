#include "util/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace swell {

TEST(Coding, VarintRoundTripsEdgeValues) {
  const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
  std::string buf;
  for (uint64_t v : values) PutVarint64(&buf, v);
  std::string_view in(buf);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, SignedVarintRoundTrips) {
  const int64_t values[] = {0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max()};
  std::string buf;
  for (int64_t v : values) PutVarsint64(&buf, v);
  std::string_view in(buf);
  for (int64_t v : values) {
    int64_t got;
    ASSERT_TRUE(GetVarsint64(&in, &got));
    EXPECT_EQ(got, v);
  }
}

TEST(Coding, TruncatedInputIsRefused) {
  std::string buf;
  PutVarint64(&buf, 1ull << 40);
  std::string_view in(buf.data(), buf.size() - 1);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
  std::string lp;
  PutLengthPrefixed(&lp, "hello");
  std::string_view in2(lp.data(), lp.size() - 1);
  std::string_view s;
  EXPECT_FALSE(GetLengthPrefixed(&in2, &s));
}

TEST(Coding, OverlongVarintIsRefused) {
  std::string buf(11, '\xff');
  std::string_view in(buf);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
}

}  // namespace swell
