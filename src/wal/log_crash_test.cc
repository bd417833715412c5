// Crash durability: a child process appends from many threads and reports
// each acknowledged lsn through a pipe; the parent kills it with SIGKILL at an
// arbitrary moment and checks that replay returns every acknowledged record
// intact. Several kill/replay/reopen cycles run on the same log.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "wal/log_reader.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace swell::wal {
namespace {

using testing::ReadLog;
using testing::Record;
using testing::ScratchDir;
using testing::TaggedPayload;

struct Ack {
  uint64_t lsn;
  uint32_t cycle;
  uint32_t thread;
  uint64_t seq;
};
static_assert(sizeof(Ack) <= PIPE_BUF, "one write per ack keeps acks whole in the pipe");

// Mostly small records, and every eighth one large: a write of many pages is
// where SIGKILL can stop the kernel part way, leaving a real torn tail.
std::string CrashPayload(uint32_t cycle, uint32_t thread, uint64_t seq) {
  size_t filler = (thread * 131 + seq * 17) % 700 + (seq % 8 == 7 ? 256 << 10 : 0);
  return TaggedPayload(std::to_string(cycle) + "/" + std::to_string(thread) + "/" + std::to_string(seq), filler);
}

// Runs in the child until it is killed.
[[noreturn]] void AppendForever(const LogOptions& options, uint64_t next_lsn, uint32_t cycle, int ack_fd) {
  std::unique_ptr<LogWriter> w;
  if (!LogWriter::Open(options, next_lsn, &w).ok()) ::_exit(20);
  constexpr uint32_t kThreads = 8;
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seq = 0;; ++seq) {
        uint64_t lsn = 0;
        if (!w->Append(CrashPayload(cycle, t, seq), nullptr, &lsn).ok()) ::_exit(21);
        Ack ack{lsn, cycle, t, seq};
        if (::write(ack_fd, &ack, sizeof ack) != sizeof ack) ::_exit(22);
      }
    });
  }
  for (auto& t : threads) t.join();
  ::_exit(23);
}

TEST(LogCrash, EveryAcknowledgedRecordSurvivesKill9) {
  ScratchDir tmp;
  // Small segments so that kills also land around segment rolls.
  LogOptions options{tmp.wal(), 1 << 20, true};
  std::vector<Ack> acked;
  uint64_t total_truncated = 0;
  int torn_restarts = 0;
  std::mt19937 rng(std::random_device{}());
  constexpr uint32_t kCycles = 8;

  for (uint32_t cycle = 0; cycle < kCycles; ++cycle) {
    std::vector<Record> before;
    ReplayResult replay;
    ASSERT_TRUE(ReadLog(options.dir, &before, &replay).ok());
    total_truncated += replay.truncated_bytes;
    torn_restarts += replay.truncated_bytes > 0;

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      // Without fsync the child spends its time in write(), so the kill
      // usually cuts a write short; the page cache survives a process kill,
      // so acknowledged records must survive it either way.
      LogOptions child_options = options;
      child_options.sync = cycle % 2 == 0;
      AppendForever(child_options, replay.last_lsn + 1, cycle, fds[1]);
    }
    ::close(fds[1]);

    // Kill after a number of acks that varies by cycle, or after a time limit.
    const size_t want = 150 + 40 * cycle;
    size_t got = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string partial;
    auto consume = [&](bool block) {
      char buf[4096];
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, block ? 50 : 0) <= 0) return false;
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) return false;
      partial.append(buf, static_cast<size_t>(n));
      while (partial.size() >= sizeof(Ack)) {
        Ack a;
        std::memcpy(&a, partial.data(), sizeof a);
        acked.push_back(a);
        partial.erase(0, sizeof a);
        ++got;
      }
      return true;
    };
    while (got < want && std::chrono::steady_clock::now() < deadline) consume(true);
    // An ack arrives just after a group's sync; a varying pause moves the kill
    // into the next group's write.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 4000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "the appending child stopped on its own, status " << wstatus;
    while (consume(false)) {
    }
    ::close(fds[0]);
    ASSERT_GE(got, want) << "child acknowledged too few appends before the deadline";
  }

  std::vector<Record> records;
  ReplayResult replay;
  ASSERT_TRUE(ReadLog(options.dir, &records, &replay).ok());
  total_truncated += replay.truncated_bytes;
  torn_restarts += replay.truncated_bytes > 0;
  std::map<uint64_t, const Record*> by_lsn;
  for (const Record& r : records) by_lsn[r.lsn] = &r;

  // Every acknowledged record is there, intact, at the lsn it was acknowledged with.
  for (const Ack& a : acked) {
    auto it = by_lsn.find(a.lsn);
    ASSERT_NE(it, by_lsn.end()) << "acknowledged lsn " << a.lsn << " lost";
    ASSERT_EQ(it->second->payload, CrashPayload(a.cycle, a.thread, a.seq)) << "lsn " << a.lsn;
  }
  // Nothing else in the log is garbage: every record is one some thread appended.
  for (const Record& r : records) {
    size_t bar = r.payload.find('|');
    ASSERT_NE(bar, std::string::npos);
    unsigned cycle, thread;
    unsigned long long seq;
    ASSERT_EQ(std::sscanf(r.payload.substr(0, bar).c_str(), "%u/%u/%llu", &cycle, &thread, &seq), 3);
    ASSERT_EQ(r.payload, CrashPayload(cycle, thread, seq));
  }
  std::printf("[ measure  ] %zu acknowledged, %zu in log; %d of %u kills left a torn tail (%llu bytes cut)\n",
              acked.size(), records.size(), torn_restarts, kCycles, static_cast<unsigned long long>(total_truncated));
}

}  // namespace
}  // namespace swell::wal
