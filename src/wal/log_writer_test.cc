#include "wal/log_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "wal/log_reader.h"
#include "wal/segment_file.h"
#include "wal/wal_test_util.h"

namespace swell::wal {
namespace {

using testing::FileSize;
using testing::ReadLog;
using testing::Record;
using testing::ScratchDir;
using testing::SegmentNames;
using testing::TaggedPayload;

std::unique_ptr<LogWriter> OpenOrDie(const LogOptions& options, uint64_t next_lsn) {
  std::unique_ptr<LogWriter> w;
  Status st = LogWriter::Open(options, next_lsn, &w);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return w;
}

TEST(LogWriter, RoundTripAcrossSegmentRolls) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 2000, /*sync=*/true};
  std::vector<std::string> written;
  std::mt19937 rng(7);
  {
    auto w = OpenOrDie(options, 1);
    for (int i = 0; i < 300; ++i) {
      written.push_back(TaggedPayload("r" + std::to_string(i), rng() % 400));
      if (i % 50 == 0) written.back().clear();  // empty payloads are records too
      uint64_t lsn = 0;
      ASSERT_TRUE(w->Append(written.back(), nullptr, &lsn).ok());
      EXPECT_EQ(lsn, static_cast<uint64_t>(i + 1));
    }
    LogStats s = w->stats();
    EXPECT_EQ(s.records, 300u);
    auto names = SegmentNames(options.dir);
    EXPECT_EQ(s.segments, names.size());
    uint64_t total = 0;
    for (const auto& n : names) total += FileSize(options.dir + "/" + n);
    EXPECT_EQ(s.disk_bytes, total);
    EXPECT_EQ(s.bytes, total);
  }
  auto names = SegmentNames(options.dir);
  ASSERT_GT(names.size(), 10u);
  // Every segment but the last reached the roll size.
  for (size_t i = 0; i + 1 < names.size(); ++i) EXPECT_GE(FileSize(options.dir + "/" + names[i]), 2000u);

  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.records, 300u);
  EXPECT_EQ(result.last_lsn, 300u);
  EXPECT_EQ(result.truncated_bytes, 0u);
  ASSERT_EQ(records.size(), written.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].lsn, i + 1);
    EXPECT_EQ(records[i].payload, written[i]);
  }
  // Each file is named by the lsn of its first record.
  uint64_t first = 0;
  for (const auto& n : names) {
    ASSERT_TRUE(ParseSegmentFileName(n, &first));
    std::vector<Record> seg_records;
    std::string raw = testing::ReadFileOrDie(options.dir + "/" + n);
    ASSERT_GE(raw.size(), 12u);
    uint64_t lsn_in_header;
    std::memcpy(&lsn_in_header, raw.data() + 4, 8);
    EXPECT_EQ(lsn_in_header, first) << n;
  }
}

TEST(LogWriter, ReopenContinuesTheLog) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, true};
  for (int round = 0; round < 3; ++round) {
    std::vector<Record> records;
    ReplayResult result;
    ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
    EXPECT_EQ(result.last_lsn, static_cast<uint64_t>(round * 10));
    auto w = OpenOrDie(options, result.last_lsn + 1);
    for (int i = 0; i < 10; ++i) {
      uint64_t lsn;
      ASSERT_TRUE(w->Append("round" + std::to_string(round) + "-" + std::to_string(i), nullptr, &lsn).ok());
      EXPECT_EQ(lsn, result.last_lsn + 1 + i);
    }
  }
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ASSERT_EQ(records.size(), 30u);
  EXPECT_EQ(records[25].payload, "round2-5");
  EXPECT_EQ(SegmentNames(options.dir).size(), 1u);  // appends resume in the same segment
}

TEST(LogWriter, OpenRejectsAnLsnThatDoesNotContinueTheLog) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  {
    auto w = OpenOrDie(options, 1);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->Append("x").ok());
  }
  std::unique_ptr<LogWriter> w;
  EXPECT_TRUE(LogWriter::Open(options, 3, &w).IsInvalidArgument());
  EXPECT_TRUE(LogWriter::Open(options, 7, &w).IsInvalidArgument());
  EXPECT_TRUE(LogWriter::Open(options, 0, &w).IsInvalidArgument());
  EXPECT_TRUE(LogWriter::Open(options, 6, &w).ok());
}

TEST(LogWriter, OpenRefusesToAppendAfterAnUnrepairedTornTail) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, false};
  {
    auto w = OpenOrDie(options, 1);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->Append("record").ok());
  }
  std::string path = options.dir + "/" + SegmentNames(options.dir).back();
  std::string raw = testing::ReadFileOrDie(path);
  testing::WriteFileOrDie(path, raw.substr(0, raw.size() - 3));
  std::unique_ptr<LogWriter> w;
  Status st = LogWriter::Open(options, 5, &w);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST(LogWriter, ConcurrentAppendsAreEachLoggedOnceAndCallbacksFollowLogOrder) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 256 << 10, true};
  auto w = OpenOrDie(options, 1);
  constexpr int kThreads = 32;
  constexpr int kPerThread = 150;
  std::atomic<bool> in_callback{false};
  std::atomic<int> overlaps{0};
  std::vector<uint64_t> callback_order;  // written only inside callbacks, which never overlap
  std::map<uint64_t, std::string> by_lsn;
  std::mutex by_lsn_mu;
  std::atomic<int> failures{0};

  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string payload = TaggedPayload("t" + std::to_string(t) + "-" + std::to_string(i), (t * 37 + i) % 300);
        uint64_t seen = 0;
        uint64_t lsn = 0;
        Status st = w->Append(
            payload,
            [&](uint64_t l) {
              if (in_callback.exchange(true)) overlaps++;
              callback_order.push_back(l);
              seen = l;
              std::this_thread::yield();  // widen the window an overlapping callback would need
              in_callback.store(false);
            },
            &lsn);
        if (!st.ok() || seen == 0 || seen != lsn) failures++;
        std::lock_guard<std::mutex> l(by_lsn_mu);
        if (!by_lsn.emplace(lsn, payload).second) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  constexpr uint64_t kTotal = kThreads * kPerThread;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(overlaps.load(), 0);
  ASSERT_EQ(callback_order.size(), kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) ASSERT_EQ(callback_order[i], i + 1) << "callbacks out of log order";

  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ASSERT_EQ(records.size(), kTotal);
  for (const Record& r : records) ASSERT_EQ(r.payload, by_lsn[r.lsn]) << "lsn " << r.lsn;

  LogStats s = w->stats();
  EXPECT_EQ(s.records, kTotal);
  uint64_t bucketed = 0;
  for (uint64_t c : s.fsync_bucket_counts) bucketed += c;
  EXPECT_EQ(bucketed, s.fsyncs);
  std::printf("[ measure  ] %d threads: %llu appends in %.3f s = %.0f appends/s, %llu fsyncs (%.1f records each), "
              "mean fsync %.0f us\n",
              kThreads, static_cast<unsigned long long>(kTotal), seconds, kTotal / seconds,
              static_cast<unsigned long long>(s.fsyncs), double(kTotal) / double(s.fsyncs),
              double(s.fsync_micros_total) / double(s.fsyncs));
}

TEST(LogWriter, WaitingAppendsShareOneFsync) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, true};
  auto w = OpenOrDie(options, 1);
  std::atomic<bool> release{false};
  std::thread first([&] {
    // The first record's callback holds the leader, so every later caller queues.
    ASSERT_TRUE(w->Append("first", [&](uint64_t) {
                   while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                 }).ok());
  });
  while (w->stats().fsyncs < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  constexpr int kFollowers = 31;
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i)
    followers.emplace_back([&, i] { ASSERT_TRUE(w->Append("follower" + std::to_string(i)).ok()); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w->stats().queued < kFollowers && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(w->stats().queued, static_cast<uint64_t>(kFollowers));
  release.store(true);
  first.join();
  for (auto& t : followers) t.join();
  LogStats s = w->stats();
  EXPECT_EQ(s.records, 1u + kFollowers);
  EXPECT_EQ(s.fsyncs, 2u);  // one for the first record, one for all the followers together
  EXPECT_EQ(s.queued, 0u);
}

TEST(LogWriter, DeleteSegmentsBeforeKeepsEveryRecordAtOrAfterTheLsn) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 500, false};
  auto w = OpenOrDie(options, 1);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(w->Append(TaggedPayload(std::to_string(i), 50)).ok());
  auto before = SegmentNames(options.dir);
  ASSERT_GT(before.size(), 5u);
  ASSERT_TRUE(w->DeleteSegmentsBefore(100).ok());
  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  ASSERT_FALSE(records.empty());
  EXPECT_LE(records.front().lsn, 100u);          // nothing at or after 100 is gone
  EXPECT_GT(records.front().lsn, 100u - 10u);    // and the segments before it are (9 records fit in one)
  EXPECT_EQ(result.last_lsn, 200u);
  EXPECT_EQ(w->stats().segments, SegmentNames(options.dir).size());

  // Even "everything" keeps the active segment, so the log still knows where it is.
  ASSERT_TRUE(w->DeleteSegmentsBefore(UINT64_MAX).ok());
  ASSERT_EQ(SegmentNames(options.dir).size(), 1u);
  ASSERT_TRUE(w->Append("after").ok());
  w.reset();
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.last_lsn, 201u);
  EXPECT_EQ(records.back().payload, "after");
  w = OpenOrDie(options, 202);
  ASSERT_TRUE(w->Append("reopened").ok());
}

// A real write failure (the file size limit, EFBIG) in a child process: the
// failing append and every later one are refused, nothing refused is
// reported durable, and replay holds exactly the acknowledged records.
TEST(LogWriter, WriteFailurePoisonsTheWriter) {
  ScratchDir tmp;
  LogOptions options{tmp.wal(), 1 << 20, true};
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {5000, 5000};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    std::unique_ptr<LogWriter> w;
    if (!LogWriter::Open(options, 1, &w).ok()) ::_exit(10);
    if (!w->health().ok()) ::_exit(16);
    uint64_t acked = 0;
    bool bad_callback = false;
    Status st;
    for (int i = 0; i < 1000; ++i) {
      bool called = false;
      st = w->Append(std::string(100, 'a' + i % 26), [&](uint64_t) { called = true; });
      if (!st.ok()) {
        bad_callback |= called;
        break;
      }
      bad_callback |= !called;
      acked++;
    }
    if (st.ok()) ::_exit(11);
    if (!st.IsIOError()) ::_exit(12);
    Status later = w->Append("later");
    if (!later.IsIOError() || later.message().find("refuses appends") == std::string::npos) ::_exit(13);
    if (bad_callback) ::_exit(14);
    if (w->health().ok() || w->health().message().find("refuses appends") == std::string::npos) ::_exit(17);
    if (::write(pipefd[1], &acked, sizeof acked) != sizeof acked) ::_exit(15);
    ::_exit(0);
  }
  ::close(pipefd[1]);
  uint64_t acked = 0;
  ASSERT_EQ(::read(pipefd[0], &acked, sizeof acked), static_cast<ssize_t>(sizeof acked));
  ::close(pipefd[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(acked, 5000u / 116u);  // whole 116-byte records that fit under the limit

  std::vector<Record> records;
  ReplayResult result;
  ASSERT_TRUE(ReadLog(options.dir, &records, &result).ok());
  EXPECT_EQ(result.records, acked);
  EXPECT_EQ(result.truncated_bytes, 5000u - acked * 116u);  // the partly written record
}

}  // namespace
}  // namespace swell::wal
