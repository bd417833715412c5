#include "wal/log_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wal/log_format.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace swell::wal {
namespace {

using testing::FileSize;
using testing::ReadFileOrDie;
using testing::ReadLog;
using testing::Record;
using testing::ScratchDir;
using testing::SegmentNames;
using testing::TaggedPayload;
using testing::WriteFileOrDie;

// Writes n records (payload i is TaggedPayload("p<i>", 20 + i % 30)).
void WriteRecords(const LogOptions& options, uint64_t first_lsn, int n) {
  std::unique_ptr<LogWriter> w;
  ASSERT_TRUE(LogWriter::Open(options, first_lsn, &w).ok());
  for (int i = 0; i < n; ++i) {
    uint64_t lsn = first_lsn + i;
    ASSERT_TRUE(w->Append(TaggedPayload("p" + std::to_string(lsn), 20 + lsn % 30)).ok());
  }
}

void ExpectRecordsIntact(const std::vector<Record>& records, uint64_t first, uint64_t last) {
  ASSERT_EQ(records.size(), last - first + 1);
  for (const Record& r : records) {
    ASSERT_EQ(r.lsn, first++);
    ASSERT_EQ(r.payload, TaggedPayload("p" + std::to_string(r.lsn), 20 + r.lsn % 30));
  }
}

TEST(ReplayLog, MissingOrEmptyDirectoryIsAnEmptyLog) {
  ScratchDir tmp;
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(tmp.path() + "/absent", &records, &result).ok());
  EXPECT_EQ(result.records, 0u);
  EXPECT_EQ(result.last_lsn, 0u);
  ASSERT_TRUE(ReadLog(tmp.path(), &records, &result).ok());
  EXPECT_EQ(result.last_lsn, 0u);
}

// A crash can stop a write at any byte. Each cut inside the last record must
// be detected, cut off, reported, and leave a log that accepts appends.
TEST(ReplayLog, TornTailAtEveryOffsetOfTheLastRecordIsCut) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 400, false};
  WriteRecords(options, 1, 40);
  auto names = SegmentNames(options.dir);
  ASSERT_GT(names.size(), 2u);
  std::string last_path = options.dir + "/" + names.back();
  const std::string intact = ReadFileOrDie(last_path);
  const uint64_t last_record_size = kRecordHeaderSize + TaggedPayload("p40", 20 + 40 % 30).size();
  ASSERT_GE(intact.size(), last_record_size);
  const uint64_t start = intact.size() - last_record_size;

  for (uint64_t cut = start; cut < intact.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    WriteFileOrDie(last_path, intact.substr(0, cut));
    std::vector<Record> records;
    ReplayResult result;
    ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
    EXPECT_EQ(result.last_lsn, 39u);
    EXPECT_EQ(result.truncated_bytes, cut - start);
    EXPECT_EQ(FileSize(last_path), start);
    ExpectRecordsIntact(records, 1, 39);

    // The repaired log takes the next record at the right lsn.
    WriteRecords(options, 40, 1);
    ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
    EXPECT_EQ(result.truncated_bytes, 0u);
    ExpectRecordsIntact(records, 1, 40);
  }
}

TEST(ReplayLog, BitFlipInAnEarlierSegmentIsCorruptionNamingFileAndOffset) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 400, false};
  WriteRecords(options, 1, 40);
  auto names = SegmentNames(options.dir);
  ASSERT_GT(names.size(), 2u);
  const std::string victim = options.dir + "/" + names[1];
  const std::string intact = ReadFileOrDie(victim);
  const std::string last_path = options.dir + "/" + names.back();
  const uint64_t last_size = FileSize(last_path);
  uint64_t first_lsn_of_victim = std::stoull(names[1]);

  // Flip one bit at a spread of offsets: checksum, lsn, length and payload bytes.
  for (size_t off = 0; off < intact.size(); off += 7) {
    SCOPED_TRACE("flip at " + std::to_string(off));
    std::string damaged = intact;
    damaged[off] ^= 0x10;
    WriteFileOrDie(victim, damaged);
    // Where the damaged record starts: walk the intact records.
    uint64_t record_start = 0;
    uint64_t lsn = first_lsn_of_victim;
    while (true) {
      uint64_t len = kRecordHeaderSize + DecodeRecordHeader(intact.data() + record_start).length;
      if (off < record_start + len) break;
      record_start += len;
      ++lsn;
    }
    std::vector<Record> records;
    ReplayResult result;
    Status st = ReadLog(options.dir, &records, &result);
    ASSERT_TRUE(st.IsCorruption()) << st.ToString();
    EXPECT_NE(st.message().find(names[1]), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("offset " + std::to_string(record_start) + ":"), std::string::npos)
        << st.ToString();
    // Everything before the damage was delivered, nothing after it.
    ExpectRecordsIntact(records, 1, lsn - 1);
    // Replay repairs only the last segment; the damaged one and the rest stay as they were.
    EXPECT_EQ(ReadFileOrDie(victim), damaged);
    EXPECT_EQ(FileSize(last_path), last_size);
  }
  WriteFileOrDie(victim, intact);
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ExpectRecordsIntact(records, 1, 40);
}

TEST(ReplayLog, ZeroFilledTailIsTornAndAppendsResume) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  WriteRecords(options, 1, 3);
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  std::string raw = ReadFileOrDie(path);
  WriteFileOrDie(path, raw + std::string(4096, '\0'));
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.truncated_bytes, 4096u);
  EXPECT_EQ(ReadFileOrDie(path), raw);
  ExpectRecordsIntact(records, 1, 3);
  WriteRecords(options, 4, 2);
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ExpectRecordsIntact(records, 1, 5);
}

TEST(ReplayLog, DamageFollowedByIntactRecordsInTheLastSegmentIsCorruptionNotCut) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  WriteRecords(options, 1, 5);
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  const std::string intact = ReadFileOrDie(path);
  const uint64_t second = kRecordHeaderSize + DecodeRecordHeader(intact.data()).length;
  // Damage the payload of record 2; records 3..5 behind it were acknowledged.
  std::string damaged = intact;
  damaged[second + kRecordHeaderSize + 3] ^= 0x01;
  WriteFileOrDie(path, damaged);
  std::vector<Record> records;
  ReplayResult result;
  Status st = ReadLog(options.dir, &records, &result);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("intact record (lsn 3)"), std::string::npos) << st.ToString();
  EXPECT_EQ(ReadFileOrDie(path), damaged) << "nothing may be cut";
}

TEST(ReplayLog, StaleRecordWithAValidChecksumIsNotReplayed) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  WriteRecords(options, 1, 3);
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  std::string raw = ReadFileOrDie(path);
  // A well-formed record of an older log (lsn 2 again) after lsn 3.
  std::string stale;
  EncodeRecord(2, "from an older life", &stale);
  WriteFileOrDie(path, raw + stale);
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.truncated_bytes, stale.size());
  ExpectRecordsIntact(records, 1, 3);
}

TEST(ReplayLog, HugeLengthInATornHeaderIsBoundedByTheFile) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  WriteRecords(options, 1, 2);
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  std::string raw = ReadFileOrDie(path);
  std::string header(kRecordHeaderSize, '\xff');  // length 0xffffffff
  WriteFileOrDie(path, raw + header + "tail");
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.truncated_bytes, kRecordHeaderSize + 4);
  ExpectRecordsIntact(records, 1, 2);
}

TEST(ReplayLog, MissingMiddleSegmentIsCorruption) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 300, false};
  WriteRecords(options, 1, 30);
  auto names = SegmentNames(options.dir);
  ASSERT_GT(names.size(), 3u);
  ASSERT_EQ(::unlink((options.dir + "/" + names[1]).c_str()), 0);
  std::vector<Record> records;
  ReplayResult result;
  Status st = ReadLog(options.dir, &records, &result);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find(names[2]), std::string::npos) << st.ToString();
}

TEST(ReplayLog, ErrorFromTheCallbackStopsReplayWithoutTouchingFiles) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  WriteRecords(options, 1, 5);
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  uint64_t size = FileSize(path);
  int calls = 0;
  ReplayResult result;
  Status st = ReplayLog(
      options.dir,
      [&](uint64_t lsn, std::string_view) {
        ++calls;
        return lsn == 3 ? Status::Corruption("bad batch") : Status::OK();
      },
      &result);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(FileSize(path), size);
}

TEST(ReplayLog, EmptyLastSegmentAfterDeletionKeepsItsPlace) {
  // A crash right after a roll created the next segment leaves it empty; when
  // the older segments were deleted after a seal, its name alone says where
  // the log continues.
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  ASSERT_EQ(::mkdir(options.dir.c_str(), 0755), 0);
  WriteFileOrDie(options.dir + "/00000000000000000101.log", "");
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.records, 0u);
  EXPECT_EQ(result.last_lsn, 100u);
  WriteRecords(options, 101, 2);
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ExpectRecordsIntact(records, 101, 102);
}

}  // namespace
}  // namespace swell::wal
