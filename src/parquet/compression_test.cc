#include "parquet/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <random>
#include <vector>

namespace swell::parquet {
namespace {

const CompressionCodec kCodecs[] = {CompressionCodec::UNCOMPRESSED, CompressionCodec::SNAPPY,
                                    CompressionCodec::GZIP,         CompressionCodec::BROTLI,
                                    CompressionCodec::LZ4,          CompressionCodec::ZSTD,
                                    CompressionCodec::LZ4_RAW};

std::string SampleText() {
  std::string s;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    s += "event_" + std::to_string(rng() % 50) + (i % 3 ? "\x01" : "\xff");
  }
  return s;
}

TEST(CompressionTest, EveryCodecRoundTrips) {
  const std::string input = SampleText();
  for (CompressionCodec codec : kCodecs) {
    std::string compressed, output;
    ASSERT_TRUE(Compress(codec, input, &compressed).ok()) << ToString(codec);
    ASSERT_TRUE(Decompress(codec, compressed, input.size(), &output).ok()) << ToString(codec);
    EXPECT_EQ(output, input) << ToString(codec);
    if (codec != CompressionCodec::UNCOMPRESSED) {
      EXPECT_LT(compressed.size(), input.size());
    }
  }
}

TEST(CompressionTest, EmptyInputRoundTrips) {
  for (CompressionCodec codec : kCodecs) {
    std::string compressed, output = "junk";
    ASSERT_TRUE(Compress(codec, "", &compressed).ok()) << ToString(codec);
    ASSERT_TRUE(Decompress(codec, compressed, 0, &output).ok()) << ToString(codec);
    EXPECT_EQ(output, "") << ToString(codec);
  }
}

TEST(CompressionTest, WrongDeclaredSizeIsCorruption) {
  const std::string input = SampleText();
  for (CompressionCodec codec : kCodecs) {
    std::string compressed, output;
    ASSERT_TRUE(Compress(codec, input, &compressed).ok());
    EXPECT_TRUE(Decompress(codec, compressed, input.size() - 1, &output).IsCorruption()) << ToString(codec);
    EXPECT_TRUE(Decompress(codec, compressed, input.size() + 1, &output).IsCorruption()) << ToString(codec);
    // A huge claim is refused without allocating it.
    EXPECT_FALSE(Decompress(codec, compressed, size_t{1} << 40, &output).ok()) << ToString(codec);
    EXPECT_LE(output.capacity(), size_t{1} << 28) << ToString(codec);
  }
}

TEST(CompressionTest, GarbageAndTruncationAreErrorsNotCrashes) {
  const std::string input = SampleText();
  std::mt19937 rng(11);
  for (CompressionCodec codec : kCodecs) {
    if (codec == CompressionCodec::UNCOMPRESSED) continue;
    std::string compressed, output;
    ASSERT_TRUE(Compress(codec, input, &compressed).ok());
    EXPECT_FALSE(Decompress(codec, compressed.substr(0, compressed.size() / 2), input.size(), &output).ok())
        << ToString(codec);
    for (int trial = 0; trial < 50; ++trial) {
      std::string mutated = compressed;
      mutated[rng() % mutated.size()] ^= static_cast<char>(1 + rng() % 255);
      Status st = Decompress(codec, mutated, input.size(), &output);
      // Some flips land in bytes that do not change the output; then it must equal.
      if (st.ok()) {
        EXPECT_EQ(output.size(), input.size());
      }
    }
  }
}

TEST(CompressionTest, Lz4CodecAcceptsARawBlockAsArrowDoes) {
  const std::string input = SampleText();
  std::string raw, output;
  ASSERT_TRUE(Compress(CompressionCodec::LZ4_RAW, input, &raw).ok());
  ASSERT_TRUE(Decompress(CompressionCodec::LZ4, raw, input.size(), &output).ok());
  EXPECT_EQ(output, input);
}

TEST(CompressionTest, GzipReadsConcatenatedMembersAndZlibFraming) {
  std::string first, second, output;
  ASSERT_TRUE(Compress(CompressionCodec::GZIP, "hello ", &first).ok());
  ASSERT_TRUE(Compress(CompressionCodec::GZIP, "world", &second).ok());
  ASSERT_TRUE(Decompress(CompressionCodec::GZIP, first + second, 11, &output).ok());
  EXPECT_EQ(output, "hello world");
  // zlib framing (what some writers produce under the GZIP id).
  uLongf n = compressBound(5);
  std::string zlib(n, '\0');
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(zlib.data()), &n, reinterpret_cast<const Bytef*>("abcde"), 5), Z_OK);
  zlib.resize(n);
  ASSERT_TRUE(Decompress(CompressionCodec::GZIP, zlib, 5, &output).ok());
  EXPECT_EQ(output, "abcde");
}

// Rows of sorted 64-bit hashes drawn from one pool, as in a theta sketch
// column: the same hash recurs across rows far apart.
std::string SketchLikeRows() {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> pool(1 << 15);
  for (uint64_t& h : pool) h = rng();
  std::string s;
  for (int row = 0; row < 64; ++row) {
    std::vector<uint64_t> hashes;
    for (int i = 0; i < 1024; ++i) hashes.push_back(pool[rng() % pool.size()]);
    std::sort(hashes.begin(), hashes.end());
    s.append(reinterpret_cast<const char*>(hashes.data()), hashes.size() * 8);
  }
  return s;
}

TEST(CompressionTest, ZstdLevelTradesTimeForSize) {
  const std::string input = SketchLikeRows();
  std::string by_default, level3, level19, output;
  ASSERT_TRUE(Compress(CompressionCodec::ZSTD, input, &by_default).ok());
  ASSERT_TRUE(Compress(CompressionCodec::ZSTD, input, &level3, 3).ok());
  ASSERT_TRUE(Compress(CompressionCodec::ZSTD, input, &level19, 19).ok());
  // 0 keeps the output every earlier file had.
  EXPECT_EQ(by_default, level3);
  EXPECT_LT(level19.size(), level3.size() * 95 / 100) << level3.size() << " " << level19.size();
  ASSERT_TRUE(Decompress(CompressionCodec::ZSTD, level19, input.size(), &output).ok());
  EXPECT_EQ(output, input);
  // zstd's fast levels are levels too.
  ASSERT_TRUE(Compress(CompressionCodec::ZSTD, input, &level3, -5).ok());
  ASSERT_TRUE(Decompress(CompressionCodec::ZSTD, level3, input.size(), &output).ok());
  EXPECT_EQ(output, input);
}

TEST(CompressionTest, BadLevelsAreRefused) {
  std::string out = "junk";
  EXPECT_TRUE(CheckCompressionLevel(CompressionCodec::ZSTD, 22).ok());
  EXPECT_TRUE(CheckCompressionLevel(CompressionCodec::SNAPPY, 0).ok());
  Status st = Compress(CompressionCodec::ZSTD, "abc", &out, 23);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("ZSTD compression level 23"), std::string::npos) << st.ToString();
  st = Compress(CompressionCodec::GZIP, "abc", &out, 6);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("GZIP"), std::string::npos) << st.ToString();
  EXPECT_TRUE(CheckCompressionLevel(CompressionCodec::ZSTD, -(1 << 30)).IsInvalidArgument());
}

TEST(CompressionTest, UnsupportedCodecIsNamed) {
  std::string out;
  Status st = Decompress(CompressionCodec::LZO, "x", 1, &out);
  EXPECT_TRUE(st.IsNotSupported());
  EXPECT_NE(st.message().find("LZO"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace swell::parquet
