// The log on a file system that runs out of space: a small tmpfs mounted for
// the test (root only; skipped where mounting is not permitted). Space is
// taken by a ballast file and given back by deleting it, as an operator
// would free space.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "wal/log_format.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace swell::wal {
namespace {

using testing::FileSize;
using testing::ReadLog;
using testing::Record;
using testing::ScratchDir;
using testing::SegmentNames;
using testing::TaggedPayload;

// A tmpfs of size_kib mounted at dir for the object's lifetime.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, int size_kib) : dir_(dir) {
    ::mkdir(dir.c_str(), 0755);
    std::string opts = "size=" + std::to_string(size_kib) + "k";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes 4 KiB blocks to path until the file system refuses one.
void FillWithBallast(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::string block(4096, 'b');
  for (;;) {
    ssize_t n = ::write(fd, block.data(), block.size());
    if (n < 0) {
      ASSERT_EQ(errno, ENOSPC) << std::strerror(errno);
      break;
    }
    if (static_cast<size_t>(n) < block.size()) continue;  // the next write reports ENOSPC
  }
  ::close(fd);
}

uint64_t RecordBytes(const std::string& payload) { return payload.size() + kRecordHeaderSize; }

// Appends from one thread until the disk is full; then, with space freed by
// deleting the ballast, appends continue at the next lsn. Record sizes do not
// divide the tmpfs page, so the refused write is partial and must be cut off.
TEST(LogDiskFull, RefusedAppendLeavesNoTraceAndLaterAppendsSucceed) {
  ScratchDir tmp;
  SmallTmpfs fs(tmp.path() + "/mnt", 256);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs to fill (" << fs.error() << "); needs root";
  const std::string root = tmp.path() + "/mnt";
  const std::string ballast = root + "/ballast";

  LogOptions options{root + "/wal", 16 << 20, /*sync=*/true};
  std::unique_ptr<LogWriter> w;
  ASSERT_TRUE(LogWriter::Open(options, 1, &w).ok());
  ASSERT_TRUE(w->Append("first").ok());  // creates the segment
  FillWithBallast(ballast);

  std::vector<std::string> acked;
  acked.push_back("first");
  Status refused;
  for (int i = 0; i < 100000; ++i) {
    std::string payload = TaggedPayload("a" + std::to_string(i), 1500);
    bool called = false;
    Status st = w->Append(payload, [&](uint64_t) { called = true; });
    if (!st.ok()) {
      EXPECT_FALSE(called) << "a refused record was reported durable";
      refused = st;
      break;
    }
    EXPECT_TRUE(called);
    acked.push_back(payload);
  }
  ASSERT_FALSE(refused.ok()) << "the disk never filled";
  EXPECT_TRUE(IsDiskFull(refused)) << refused.ToString();
  EXPECT_NE(refused.message().find("No space left on device"), std::string::npos) << refused.ToString();
  EXPECT_TRUE(w->health().ok()) << w->health().ToString();

  // The segment ends exactly after the last acknowledged record: nothing of
  // the refused one is left for replay to find.
  auto names = SegmentNames(options.dir);
  ASSERT_EQ(names.size(), 1u);
  uint64_t expect_size = 0;
  for (const std::string& p : acked) expect_size += RecordBytes(p);
  EXPECT_EQ(FileSize(options.dir + "/" + names[0]), expect_size);

  // Still full: refused again, not poisoned; each refusal is counted.
  Status again = w->Append(TaggedPayload("again", 1500));
  EXPECT_TRUE(IsDiskFull(again)) << again.ToString();
  EXPECT_EQ(w->stats().disk_full, 2u);
  EXPECT_EQ(w->stats().records, acked.size());

  ASSERT_EQ(::unlink(ballast.c_str()), 0);
  for (int i = 0; i < 5; ++i) {
    std::string payload = TaggedPayload("after" + std::to_string(i), 1500);
    uint64_t lsn = 0;
    Status st = w->Append(payload, nullptr, &lsn);
    ASSERT_TRUE(st.ok()) << st.ToString();
    acked.push_back(payload);
    EXPECT_EQ(lsn, acked.size()) << "the refused records' lsns are reused: no gap";
  }
  w.reset();

  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.truncated_bytes, 0u);
  ASSERT_EQ(records.size(), acked.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].lsn, i + 1);
    EXPECT_EQ(records[i].payload, acked[i]) << "record " << i + 1;
  }
  ASSERT_TRUE(LogWriter::Open(options, acked.size() + 1, &w).ok());
  EXPECT_TRUE(w->Append("reopened").ok());
}

// Many threads append into small segments (so groups also meet a full disk
// right after a roll) until refusals pile up; then space returns. The log
// holds exactly the acknowledged records, each once, in a gapless lsn order.
TEST(LogDiskFull, ConcurrentAppendsAcrossRollsKeepExactlyTheAcknowledged) {
  ScratchDir tmp;
  SmallTmpfs fs(tmp.path() + "/mnt", 512);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs to fill (" << fs.error() << "); needs root";
  const std::string root = tmp.path() + "/mnt";
  const std::string ballast = root + "/ballast";

  LogOptions options{root + "/wal", 10000, /*sync=*/true};
  std::unique_ptr<LogWriter> w;
  ASSERT_TRUE(LogWriter::Open(options, 1, &w).ok());

  std::mutex mu;
  std::set<std::string> acked, refused;
  std::vector<std::string> other_errors;
  // Appends until refusals_wanted refusals or max_appends appends.
  auto worker = [&](int t, int refusals_wanted, int max_appends) {
    int refusals = 0;
    for (int i = 0; (refusals_wanted == 0 || refusals < refusals_wanted) && i < max_appends; ++i) {
      std::string payload = TaggedPayload("t" + std::to_string(t) + "-" + std::to_string(i), 700 + 37 * (i % 11));
      Status st = w->Append(payload);
      std::lock_guard l(mu);
      if (st.ok()) {
        acked.insert(payload);
      } else if (IsDiskFull(st)) {
        refused.insert(payload);
        ++refusals;
      } else {
        other_errors.push_back(st.ToString());
        return;
      }
    }
  };
  // Ballast leaves roughly 100 KiB for the log: several segments.
  {
    std::string filler(512 * 1024 - 100 * 1024, 'b');
    int fd = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, filler.data(), filler.size()), static_cast<ssize_t>(filler.size()));
    ::close(fd);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) threads.emplace_back(worker, t, 20, 100000);
  for (auto& th : threads) th.join();
  ASSERT_TRUE(other_errors.empty()) << other_errors.front();
  ASSERT_GE(refused.size(), 6u * 20u);
  ASSERT_GT(acked.size(), 50u);
  EXPECT_GT(SegmentNames(options.dir).size(), 3u);
  EXPECT_TRUE(w->health().ok());
  EXPECT_EQ(w->stats().disk_full, refused.size());

  ASSERT_EQ(::unlink(ballast.c_str()), 0);
  const size_t refused_before = refused.size();
  threads.clear();
  for (int t = 6; t < 10; ++t) threads.emplace_back(worker, t, 0, 30);
  for (auto& th : threads) th.join();
  ASSERT_TRUE(other_errors.empty()) << other_errors.front();
  EXPECT_EQ(refused.size(), refused_before) << "refused with space free again";
  w.reset();

  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.truncated_bytes, 0u);
  EXPECT_EQ(records.size(), acked.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].lsn, i + 1);
    EXPECT_TRUE(seen.insert(records[i].payload).second) << "record " << i + 1 << " twice";
    EXPECT_EQ(acked.count(records[i].payload), 1u) << "record " << i + 1 << " was never acknowledged";
  }
  EXPECT_EQ(seen, acked);
}

}  // namespace
}  // namespace swell::wal
