#include "wal/record_lookup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace swell::wal {
namespace {

using testing::ScratchDir;
using testing::TaggedPayload;

// A log of n records over several small segments.
void WriteLog(const std::string& dir, int n) {
  LogOptions options;
  options.dir = dir;
  options.segment_bytes = 2048;
  std::unique_ptr<LogWriter> w;
  ASSERT_TRUE(LogWriter::Open(options, 1, &w).ok());
  for (int i = 1; i <= n; ++i) ASSERT_TRUE(w->Append(TaggedPayload("p" + std::to_string(i), 100)).ok());
}

TEST(ReadRecordsTest, DeliversExactlyTheWantedRecordsInOrder) {
  ScratchDir dir;
  WriteLog(dir.wal(), 200);
  ASSERT_GT(testing::SegmentNames(dir.wal()).size(), 5u);
  std::vector<uint64_t> want = {1, 2, 17, 18, 99, 150, 200};
  std::vector<uint64_t> got;
  ASSERT_TRUE(ReadRecords(dir.wal(), want, [&](uint64_t lsn, std::string_view payload) {
    EXPECT_EQ(payload, TaggedPayload("p" + std::to_string(lsn), 100));
    got.push_back(lsn);
    return Status::OK();
  }).ok());
  EXPECT_EQ(got, want);
}

TEST(ReadRecordsTest, MissingRecordsAreNotFound) {
  ScratchDir dir;
  WriteLog(dir.wal(), 50);
  auto none = [](uint64_t, std::string_view) { return Status::OK(); };
  Status st = ReadRecords(dir.wal(), {10, 51}, none);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.ToString().find("51"), std::string::npos);
  // Records of a deleted segment are missing too.
  auto names = testing::SegmentNames(dir.wal());
  ASSERT_EQ(::unlink((dir.wal() + "/" + names[0]).c_str()), 0);
  st = ReadRecords(dir.wal(), {1}, none);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_TRUE(ReadRecords(dir.wal(), {}, none).ok());
}

}  // namespace
}  // namespace swell::wal
