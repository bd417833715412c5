// Decoders against byte sequences built by hand from the Parquet encoding
// specification (its worked examples where it has them).
#include <gtest/gtest.h>

#include <cstring>

#include "parquet/decoder/decoder.h"
#include "parquet/decoder/plain_decoder.h"
#include "parquet/decoder/rle_bp_hybrid_decoder.h"

namespace swell::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

template <typename T>
std::vector<T> DecodeAll(Encoding encoding, PhysicalType column, const std::string& data, size_t n,
                         const ValueVector* dictionary = nullptr, Status* status = nullptr) {
  std::unique_ptr<Decoder> decoder;
  ValueVector out = MakeValueVector(column.type);
  Status st = MakeDecoder(encoding, column, data, n, dictionary, &decoder);
  if (st.ok()) st = decoder->Decode(n, &out);
  if (status != nullptr) *status = st;
  else EXPECT_TRUE(st.ok()) << st.ToString();
  return std::get<std::vector<T>>(out);
}

TEST(RleBpHybridDecoderTest, SpecificationBitPackedExample) {
  // The specification's example: 0..7 bit-packed at width 3.
  std::string data = Bytes({0x03, 0x88, 0xC6, 0xFA});
  RleBpHybridDecoder decoder(data, 3);
  uint32_t values[8];
  ASSERT_TRUE(decoder.Get(values, 8).ok());
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(values[i], i);
}

TEST(RleBpHybridDecoderTest, RleRunThenBitPackedRun) {
  // 5 x 7 (RLE, width 3 -> 1 value byte), then 8 values bit-packed at width 3.
  std::string data = Bytes({0x0A, 0x07, 0x03, 0x88, 0xC6, 0xFA});
  RleBpHybridDecoder decoder(data, 3);
  uint32_t values[13];
  ASSERT_TRUE(decoder.Get(values, 13).ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(values[i], 7u);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(values[5 + i], i);
  EXPECT_TRUE(decoder.Get(values, 1).IsCorruption());
}

TEST(RleBpHybridDecoderTest, BitWidthOver32IsCorruption) {
  RleBpHybridDecoder decoder(Bytes({0x02, 0, 0, 0, 0, 0}), 40);
  uint32_t v;
  EXPECT_TRUE(decoder.Get(&v, 1).IsCorruption());
}

TEST(PlainDecoderTest, ByteArrayLengthOverrunIsCorruption) {
  Status st;
  DecodeAll<std::string>(Encoding::PLAIN, {Type::BYTE_ARRAY, 0}, Bytes({5, 0, 0, 0, 'a', 'b'}), 1,
                         nullptr, &st);
  EXPECT_TRUE(st.IsCorruption());
  auto v = DecodeAll<std::string>(Encoding::PLAIN, {Type::BYTE_ARRAY, 0},
                                  Bytes({2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0}), 2);
  EXPECT_EQ(v, (std::vector<std::string>{"hi", ""}));
}

TEST(PlainDecoderTest, BooleansAreBitPackedLsbFirst) {
  auto v = DecodeAll<bool>(Encoding::PLAIN, {Type::BOOLEAN, 0}, Bytes({0x05, 0x01}), 9);
  EXPECT_EQ(v, (std::vector<bool>{true, false, true, false, false, false, false, false, true}));
}

TEST(PlainDecoderTest, Int96IsMicrosecondsSinceEpoch) {
  // Julian day 2440589 (1970-01-02) and 1500 ns: 86400000001 us.
  std::string data(12, '\0');
  int64_t nanos = 1500;
  int32_t day = 2440589;
  std::memcpy(data.data(), &nanos, 8);
  std::memcpy(data.data() + 8, &day, 4);
  auto v = DecodeAll<int64_t>(Encoding::PLAIN, {Type::INT96, 0}, data, 1);
  EXPECT_EQ(v, (std::vector<int64_t>{86400000001}));
}

TEST(DictionaryDecoderTest, LooksUpIndicesAndRefusesOutOfRange) {
  ValueVector dictionary = std::vector<std::string>{"a", "b", "c"};
  // Bit width 2, one bit-packed group: indices 2,1,0,2,...
  auto v = DecodeAll<std::string>(Encoding::RLE_DICTIONARY, {Type::BYTE_ARRAY, 0},
                                  Bytes({2, 0x03, 0x86, 0x00}), 4, &dictionary);
  EXPECT_EQ(v, (std::vector<std::string>{"c", "b", "a", "c"}));
  Status st;
  DecodeAll<std::string>(Encoding::RLE_DICTIONARY, {Type::BYTE_ARRAY, 0}, Bytes({2, 0x02, 0x03}), 1,
                         &dictionary, &st);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  DecodeAll<std::string>(Encoding::RLE_DICTIONARY, {Type::BYTE_ARRAY, 0}, Bytes({2, 0x02, 0x00}), 1,
                         nullptr, &st);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST(DeltaBinaryPackedTest, SpecificationExamples) {
  // 1,2,3,4,5: every delta 1, so min delta 1 and bit width 0.
  std::string one = Bytes({0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0});
  EXPECT_EQ(DecodeAll<int64_t>(Encoding::DELTA_BINARY_PACKED, {Type::INT64, 0}, one, 5),
            (std::vector<int64_t>{1, 2, 3, 4, 5}));
  // 7,5,3,1,2,3,4,5: min delta -2, relative deltas 0,0,0,3,3,3,3 at width 2.
  std::string two = Bytes({0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 2, 0, 0, 0, 0xC0, 0x3F, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(DecodeAll<int32_t>(Encoding::DELTA_BINARY_PACKED, {Type::INT32, 0}, two, 8),
            (std::vector<int32_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPackedTest, HostileHeadersAreCorruption) {
  Status st;
  // Declares 2^32 values for a page of 8.
  DecodeAll<int64_t>(Encoding::DELTA_BINARY_PACKED, {Type::INT64, 0},
                     Bytes({0x80, 0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x10, 0x02}), 8, nullptr, &st);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  // Block size not a multiple of 128.
  DecodeAll<int64_t>(Encoding::DELTA_BINARY_PACKED, {Type::INT64, 0}, Bytes({0x40, 0x04, 0x01, 0x02}), 1,
                     nullptr, &st);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  // Miniblock truncated.
  DecodeAll<int64_t>(Encoding::DELTA_BINARY_PACKED, {Type::INT64, 0},
                     Bytes({0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 8, 0, 0, 0, 0x01}), 8, nullptr, &st);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST(DeltaLengthByteArrayTest, SpecificationExample) {
  // "Hello", "World", "Foobar", "ABCDEF": lengths 5,5,6,6 then the bytes.
  std::string data = Bytes({0x80, 0x01, 0x04, 0x04, 0x0A, 0x00, 1, 0, 0, 0, 0x02, 0, 0, 0}) +
                     "HelloWorldFoobarABCDEF";
  EXPECT_EQ(DecodeAll<std::string>(Encoding::DELTA_LENGTH_BYTE_ARRAY, {Type::BYTE_ARRAY, 0}, data, 4),
            (std::vector<std::string>{"Hello", "World", "Foobar", "ABCDEF"}));
}

TEST(DeltaByteArrayTest, SpecificationExample) {
  // "axis", "axle", "babble", "babyhood": prefixes 0,2,0,3, suffixes
  // "axis", "le", "babble", "yhood".
  std::string prefixes = Bytes({0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 3, 0, 0, 0, 0x44, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  std::string suffix_lengths = Bytes({0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 3, 0, 0, 0, 0x70, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  std::string data = prefixes + suffix_lengths + "axislebabbleyhood";
  EXPECT_EQ(DecodeAll<std::string>(Encoding::DELTA_BYTE_ARRAY, {Type::BYTE_ARRAY, 0}, data, 4),
            (std::vector<std::string>{"axis", "axle", "babble", "babyhood"}));
}

TEST(ByteStreamSplitTest, FloatsFromTheirByteStreams) {
  // 1.0f = 00 00 80 3F, 2.0f = 00 00 00 40, stream by stream.
  std::string data = Bytes({0, 0, 0, 0, 0x80, 0, 0x3F, 0x40});
  EXPECT_EQ(DecodeAll<float>(Encoding::BYTE_STREAM_SPLIT, {Type::FLOAT, 0}, data, 2),
            (std::vector<float>{1.0f, 2.0f}));
  Status st;
  DecodeAll<float>(Encoding::BYTE_STREAM_SPLIT, {Type::FLOAT, 0}, data.substr(0, 7), 2, nullptr, &st);
  EXPECT_TRUE(st.IsCorruption());
}

TEST(RleBooleanTest, LengthPrefixedRuns) {
  // Length 2, then an RLE run of 3 x true.
  auto v = DecodeAll<bool>(Encoding::RLE, {Type::BOOLEAN, 0}, Bytes({2, 0, 0, 0, 0x06, 0x01}), 3);
  EXPECT_EQ(v, (std::vector<bool>{true, true, true}));
}

TEST(DecoderTest, UnsupportedEncodingIsNamed) {
  std::unique_ptr<Decoder> decoder;
  Status st = MakeDecoder(Encoding::DELTA_BINARY_PACKED, {Type::DOUBLE, 0}, "", 0, nullptr, &decoder);
  EXPECT_TRUE(st.IsNotSupported());
  EXPECT_NE(st.message().find("DELTA_BINARY_PACKED"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace swell::parquet
