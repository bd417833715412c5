#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "parquet/encoder/dictionary_encoder.h"
#include "parquet/encoder/plain_encoder.h"
#include "parquet/encoder/rle_bp_hybrid_encoder.h"

namespace swell::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// A decoder written from Encodings.md alone, to check the encoder's output
// decodes to its input whatever run choices the encoder made.
std::vector<uint32_t> DecodeHybrid(std::string_view in, int bit_width, size_t n) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  auto byte = [&]() { return static_cast<uint8_t>(in.at(pos++)); };
  while (out.size() < n) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = byte();
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {
      size_t count = (header >> 1) * 8;
      uint64_t acc = 0;
      int bits = 0;
      for (size_t i = 0; i < count; ++i) {
        while (bits < bit_width) {
          acc |= static_cast<uint64_t>(byte()) << bits;
          bits += 8;
        }
        uint32_t v = static_cast<uint32_t>(acc & ((uint64_t{1} << bit_width) - 1));
        acc >>= bit_width;
        bits -= bit_width;
        if (out.size() < n) out.push_back(v);
      }
    } else {
      size_t count = header >> 1;
      uint32_t v = 0;
      for (int b = 0; b < (bit_width + 7) / 8; ++b) v |= static_cast<uint32_t>(byte()) << (8 * b);
      for (size_t i = 0; i < count; ++i) out.push_back(v);
    }
  }
  EXPECT_EQ(pos, in.size()) << "trailing bytes after " << n << " values";
  return out;
}

TEST(RleBitPackedHybrid, SpecificationBitPackingExample) {
  // Encodings.md: 0..7 with bit width 3 bit-pack to 10001000 11000110 11111010.
  std::vector<uint32_t> v = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  EncodeRleBitPackedHybrid(v.data(), v.size(), 3, &out);
  EXPECT_EQ(out, Bytes({0x03, 0x88, 0xC6, 0xFA}));
}

TEST(RleBitPackedHybrid, RepeatsBecomeRleRuns) {
  std::vector<uint32_t> v(1000, 300);
  std::string out;
  EncodeRleBitPackedHybrid(v.data(), v.size(), 9, &out);
  // header varint(1000 << 1) = 0xD0 0x0F, then 300 in two bytes.
  EXPECT_EQ(out, Bytes({0xD0, 0x0F, 0x2C, 0x01}));
}

TEST(RleBitPackedHybrid, MixedSequencesDecodeToTheirInput) {
  for (int width : {1, 2, 3, 7, 8, 13, 20, 32}) {
    std::vector<uint32_t> v;
    uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
    uint64_t x = 12345;
    for (int i = 0; i < 5000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      uint32_t r = static_cast<uint32_t>(x >> 33);
      // Alternate random stretches with long and short repeats.
      if ((i / 100) % 3 == 0) v.push_back(r & mask);
      else if ((i / 100) % 3 == 1) v.push_back(mask);
      else v.push_back((i / 5) & mask);
    }
    for (size_t n : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{505}, v.size()}) {
      std::string out;
      EncodeRleBitPackedHybrid(v.data(), n, width, &out);
      std::vector<uint32_t> expect(v.begin(), v.begin() + n);
      EXPECT_EQ(DecodeHybrid(out, width, n), expect) << "width " << width << " n " << n;
    }
  }
}

TEST(RleBitPackedHybrid, ByteLevels) {
  std::vector<uint8_t> levels = {1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  std::string out;
  EncodeRleBitPackedHybrid(levels.data(), levels.size(), 1, &out);
  std::vector<uint32_t> back = DecodeHybrid(out, 1, levels.size());
  EXPECT_EQ(back, std::vector<uint32_t>(levels.begin(), levels.end()));
}

TEST(BitWidth, Values) {
  EXPECT_EQ(BitWidthFor(0), 0);
  EXPECT_EQ(BitWidthFor(1), 1);
  EXPECT_EQ(BitWidthFor(2), 2);
  EXPECT_EQ(BitWidthFor(255), 8);
  EXPECT_EQ(BitWidthFor(256), 9);
}

TEST(PlainEncoder, BooleansAreBitPackedLsbFirst) {
  PlainEncoder e;
  for (int b : {1, 0, 1, 1, 0, 0, 0, 0, 1}) e.PutBool(b != 0);
  std::string out;
  e.FlushTo(&out);
  EXPECT_EQ(out, Bytes({0x0D, 0x01}));
}

TEST(PlainEncoder, FixedWidthAndByteArrays) {
  PlainEncoder e;
  e.PutInt32(-2);
  e.PutInt64(0x0102030405060708LL);
  e.PutDouble(1.0);
  e.PutByteArray("ab");
  e.PutByteArray("");
  std::string out;
  e.FlushTo(&out);
  EXPECT_EQ(out, Bytes({0xFE, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0xF0,
                        0x3F, 2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}));
  EXPECT_EQ(e.num_values(), 0u);
}

TEST(DictionaryEncoder, StringsAndIndices) {
  DictionaryEncoder d(Type::BYTE_ARRAY);
  for (const char* s : {"b", "a", "b", "", "a", "b"}) d.PutByteArray(s);
  EXPECT_EQ(d.num_entries(), 3u);
  std::string dict;
  d.WriteDictionaryTo(&dict);
  EXPECT_EQ(dict, Bytes({1, 0, 0, 0, 'b', 1, 0, 0, 0, 'a', 0, 0, 0, 0}));
  EXPECT_EQ(d.dictionary_bytes(), dict.size());
  std::string page;
  d.FlushIndicesTo(&page);
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(page[0], 2);  // three entries need two bits
  EXPECT_EQ(DecodeHybrid(std::string_view(page).substr(1), 2, 6),
            (std::vector<uint32_t>{0, 1, 0, 2, 1, 0}));
  EXPECT_EQ(d.num_buffered_indices(), 0u);
}

TEST(DictionaryEncoder, ManyIntegersGrowTheTable) {
  DictionaryEncoder d(Type::INT64);
  for (int round = 0; round < 2; ++round) {
    for (int64_t i = 0; i < 100000; ++i) d.PutInt64(i * 7919 - 50000);
  }
  EXPECT_EQ(d.num_entries(), 100000u);
  EXPECT_EQ(d.dictionary_bytes(), 800000u);
  std::string page;
  d.FlushIndicesTo(&page);
  std::vector<uint32_t> idx = DecodeHybrid(std::string_view(page).substr(1), page[0], 200000);
  for (uint32_t i = 0; i < 200000; ++i) ASSERT_EQ(idx[i], i % 100000) << i;
}

TEST(DictionaryEncoder, DoublesKeyedByBits) {
  DictionaryEncoder d(Type::DOUBLE);
  double nan = std::nan("");
  for (double v : {0.0, -0.0, nan, nan, 1.5, 0.0}) d.PutDouble(v);
  EXPECT_EQ(d.num_entries(), 4u);
}

}  // namespace
}  // namespace swell::parquet
