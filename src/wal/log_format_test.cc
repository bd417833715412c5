#include "wal/log_format.h"

#include <gtest/gtest.h>

#include "util/crc32c.h"
#include "wal/segment_file.h"

namespace swell::wal {
namespace {

uint64_t LoadLE(const std::string& s, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[off + i]);
  return v;
}

TEST(LogFormat, RecordLayoutMatchesTheDocumentedBytes) {
  std::string rec;
  EncodeRecord(0x0102030405060708ull, "hello", &rec);
  ASSERT_EQ(rec.size(), 16u + 5u);
  EXPECT_EQ(LoadLE(rec, 4, 8), 0x0102030405060708ull);
  EXPECT_EQ(LoadLE(rec, 12, 4), 5u);
  EXPECT_EQ(rec.substr(16), "hello");
  // Checksum: masked CRC-32C of every byte after the checksum field.
  uint32_t expected = crc32c::Mask(crc32c::Value(std::string_view(rec).substr(4)));
  EXPECT_EQ(LoadLE(rec, 0, 4), expected);
  // CRC-32C check value from RFC 3720 guards the polynomial used above.
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(LogFormat, EmptyPayloadIsAHeaderOnly) {
  std::string rec;
  EncodeRecord(7, "", &rec);
  ASSERT_EQ(rec.size(), 16u);
  RecordHeader h = DecodeRecordHeader(rec.data());
  EXPECT_EQ(h.lsn, 7u);
  EXPECT_EQ(h.length, 0u);
  EXPECT_EQ(h.masked_crc, RecordChecksum(rec.data(), ""));
}

TEST(LogFormat, ZeroBytesAreNeverAValidRecord) {
  // A preallocated or zero-filled tail must not parse as records.
  std::string zeros(16, '\0');
  RecordHeader h = DecodeRecordHeader(zeros.data());
  EXPECT_NE(h.masked_crc, RecordChecksum(zeros.data(), ""));
}

TEST(SegmentFile, NamesSortInLogOrderAndParseBack) {
  EXPECT_EQ(SegmentFileName(1), "00000000000000000001.log");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "18446744073709551615.log");
  EXPECT_LT(SegmentFileName(99), SegmentFileName(100));
  uint64_t lsn = 0;
  ASSERT_TRUE(ParseSegmentFileName("00000000000000001234.log", &lsn));
  EXPECT_EQ(lsn, 1234u);
  ASSERT_TRUE(ParseSegmentFileName(SegmentFileName(UINT64_MAX), &lsn));
  EXPECT_EQ(lsn, UINT64_MAX);
  EXPECT_FALSE(ParseSegmentFileName("1234.log", &lsn));
  EXPECT_FALSE(ParseSegmentFileName("00000000000000001234.log.tmp", &lsn));
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000123x.log", &lsn));
  EXPECT_FALSE(ParseSegmentFileName("99999999999999999999.log", &lsn));  // overflows uint64
}

}  // namespace
}  // namespace swell::wal
