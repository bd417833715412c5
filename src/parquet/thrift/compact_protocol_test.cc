#include "parquet/thrift/compact_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace swell::parquet::thrift {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// Byte values from the Thrift compact protocol specification
// (thrift/doc/specs/thrift-compact-protocol.md).
TEST(CompactWriter, MatchesSpecificationBytes) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 1);        // delta 1, type 5; zigzag(1) = 2
  w.FieldI64(2, -1);       // delta 1, type 6; zigzag(-1) = 1
  w.FieldBool(3, true);    // delta 1, type 1
  w.FieldBool(4, false);   // delta 1, type 2
  w.FieldBinary(20, "ab");  // delta 16 is too far: long form, zigzag(20) = 40
  w.FieldI32(5, 0);        // going backwards: long form
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x15, 0x02, 0x16, 0x01, 0x11, 0x12, 0x08, 40, 0x02, 'a', 'b', 0x05, 10,
                        0x00, 0x00}));
}

TEST(CompactWriter, ListHeaderShortAndLongForm) {
  std::string out;
  CompactWriter w(&out);
  w.ListHeader(CType::kI32, 14);
  w.ListHeader(CType::kBinary, 15);
  w.ListHeader(CType::kStruct, 300);
  EXPECT_EQ(out, Bytes({0xE5, 0xF8, 15, 0xFC, 0xAC, 0x02}));
}

TEST(CompactRoundTrip, EveryTypeAndFieldIdForm) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldByte(1, -7);
  w.FieldI16(2, -30000);
  w.FieldI32(17, INT32_MIN);
  w.FieldI64(3, INT64_MAX);
  w.FieldDouble(4, 2.5);
  w.FieldBool(300, true);
  w.FieldStructHeader(301);
  w.BeginStruct();
  w.FieldBinary(1, std::string(200, 'x'));
  w.EndStruct();
  w.FieldListHeader(302, CType::kI64, 20);
  for (int i = 0; i < 20; ++i) w.I64(i * -1000000007LL);
  w.FieldListHeader(303, CType::kBoolTrue, 3);
  w.Bool(true);
  w.Bool(false);
  w.Bool(true);
  w.EndStruct();

  CompactReader r(out);
  ASSERT_TRUE(r.ReadStructBegin().ok());
  FieldHeader h;
  int8_t b;
  int16_t s;
  int32_t i;
  int64_t l;
  double d;
  std::string_view bin;
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 1);
  ASSERT_TRUE(r.ReadByte(&b).ok());
  EXPECT_EQ(b, -7);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 2);
  ASSERT_TRUE(r.ReadI16(&s).ok());
  EXPECT_EQ(s, -30000);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 17);
  EXPECT_EQ(h.type, CType::kI32);
  ASSERT_TRUE(r.ReadI32(&i).ok());
  EXPECT_EQ(i, INT32_MIN);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 3);
  ASSERT_TRUE(r.ReadI64(&l).ok());
  EXPECT_EQ(l, INT64_MAX);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, 2.5);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 300);
  EXPECT_TRUE(CompactReader::FieldBoolValue(h));
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 301);
  EXPECT_EQ(h.type, CType::kStruct);
  ASSERT_TRUE(r.ReadStructBegin().ok());
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 1);
  ASSERT_TRUE(r.ReadBinary(&bin).ok());
  EXPECT_EQ(bin, std::string(200, 'x'));
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.type, CType::kStop);
  ASSERT_TRUE(r.ReadStructEnd().ok());
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 302);
  CType et;
  uint32_t n;
  ASSERT_TRUE(r.ReadListBegin(&et, &n).ok());
  EXPECT_EQ(et, CType::kI64);
  ASSERT_EQ(n, 20u);
  for (int k = 0; k < 20; ++k) {
    ASSERT_TRUE(r.ReadI64(&l).ok());
    EXPECT_EQ(l, k * -1000000007LL);
  }
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.id, 303);
  ASSERT_TRUE(r.ReadListBegin(&et, &n).ok());
  ASSERT_EQ(n, 3u);
  bool v1, v2, v3;
  ASSERT_TRUE(r.ReadBoolElement(&v1).ok());
  ASSERT_TRUE(r.ReadBoolElement(&v2).ok());
  ASSERT_TRUE(r.ReadBoolElement(&v3).ok());
  EXPECT_TRUE(v1);
  EXPECT_FALSE(v2);
  EXPECT_TRUE(v3);
  ASSERT_TRUE(r.ReadFieldBegin(&h).ok());
  EXPECT_EQ(h.type, CType::kStop);
  ASSERT_TRUE(r.ReadStructEnd().ok());
  EXPECT_TRUE(r.remaining().empty());
}

// Skipping must consume exactly the skipped value, whatever it holds.
TEST(CompactReader, SkipsEveryType) {
  // struct { 1: map<i32, binary>{1:"a", 2:"bc"}, 2: set<i32>{5}, 3: list<list<bool>>,
  //          4: struct{ 1: double, 2: empty map }, 5: bool } then a marker byte.
  std::string in = Bytes({
      0x1B, 0x02, 0x58, 0x02, 0x01, 'a', 0x04, 0x02, 'b', 'c',  // field 1 map
      0x1A, 0x15, 0x0A,                                         // field 2 set
      0x19, 0x29, 0x21, 0x01, 0x02, 0x11, 0x01,                 // field 3 list<list<bool>>
      0x1C, 0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x1B, 0x00, 0x00,  // field 4 struct
      0x11,                                                     // field 5 bool true
      0x00,                                                     // stop
      0x7E});
  CompactReader r(in);
  ASSERT_TRUE(r.Skip(CType::kStruct).ok());
  EXPECT_EQ(r.remaining(), Bytes({0x7E}));
}

TEST(CompactReader, RefusesListLargerThanInput) {
  // A list header claiming 2^31 elements followed by nothing: refused before
  // any element is read or allocated.
  std::string in = Bytes({0xF5, 0x80, 0x80, 0x80, 0x80, 0x08});
  CompactReader r(in);
  CType et;
  uint32_t n;
  Status st = r.ReadListBegin(&et, &n);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  CompactReader skipper(in);
  EXPECT_TRUE(skipper.Skip(CType::kList).IsCorruption());
}

TEST(CompactReader, RefusesBinaryLargerThanInput) {
  std::string in = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'a'});
  CompactReader r(in);
  std::string_view v;
  EXPECT_TRUE(r.ReadBinary(&v).IsCorruption());
}

TEST(CompactReader, RefusesHugeMap) {
  std::string in = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x55, 1, 2});
  CompactReader r(in);
  EXPECT_TRUE(r.Skip(CType::kMap).IsCorruption());
}

TEST(CompactReader, RefusesDeepNesting) {
  // 10,000 nested structs (each "field 1 is a struct"), as a hostile footer
  // might hold: refused without exhausting the stack.
  std::string in;
  for (int i = 0; i < 10000; ++i) in.push_back(0x1C);
  in.append(10001, '\0');
  CompactReader r(in);
  Status st = r.Skip(CType::kStruct);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  // Same through nested lists.
  std::string lists(20000, static_cast<char>(0x19));
  CompactReader r2(lists);
  EXPECT_TRUE(r2.Skip(CType::kList).IsCorruption());
}

TEST(CompactReader, RefusesOverlongAndOutOfRangeIntegers) {
  std::string eleven = std::string(10, static_cast<char>(0xFF)) + Bytes({0x01});
  CompactReader r1(eleven);
  int64_t l;
  EXPECT_TRUE(r1.ReadI64(&l).IsCorruption());
  std::string big;  // zigzag(2^40) does not fit an i32
  CompactWriter w(&big);
  w.I64(int64_t{1} << 40);
  CompactReader r2(big);
  int32_t i;
  EXPECT_TRUE(r2.ReadI32(&i).IsCorruption());
  CompactReader r3(big);
  int16_t s;
  EXPECT_TRUE(r3.ReadI16(&s).IsCorruption());
}

TEST(CompactReader, RefusesUnknownTypeCodes) {
  std::string in = Bytes({0x1D});  // field type 13 does not exist in this protocol version
  CompactReader r(in);
  ASSERT_TRUE(r.ReadStructBegin().ok());
  FieldHeader h;
  EXPECT_TRUE(r.ReadFieldBegin(&h).IsCorruption());
}

TEST(CompactReader, TruncationAtEveryByteIsAnError) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI64(1, 123456789012345LL);
  w.FieldBinary(2, "hello");
  w.FieldDouble(3, 1.0);
  w.FieldListHeader(4, CType::kI32, 16);
  for (int i = 0; i < 16; ++i) w.I32(i * 1000);
  w.EndStruct();
  for (size_t cut = 0; cut < out.size(); ++cut) {
    CompactReader r(std::string_view(out).substr(0, cut));
    EXPECT_FALSE(r.Skip(CType::kStruct).ok()) << "cut at " << cut;
  }
  CompactReader whole(out);
  EXPECT_TRUE(whole.Skip(CType::kStruct).ok());
}

}  // namespace
}  // namespace swell::parquet::thrift
