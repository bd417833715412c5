#include "lake/local_storage.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "lake/lake_test_util.h"
#include "util/file_util.h"

namespace swell::lake {
namespace {

using testing::ReadOrMissing;
using testing::ScratchDir;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    ASSERT_TRUE(LocalStorage::Open(root_, &store_).ok());
  }
  ScratchDir dir_;
  std::string root_;
  std::unique_ptr<LocalStorage> store_;
};

TEST_F(LocalStorageTest, PutGetSizeRangeAndOverwrite) {
  const std::string key = "events/date=2024-05-01/app_id=web/part-1.parquet";
  ASSERT_TRUE(store_->Put(key, "hello world").ok());
  // The object is a plain file at the key's path: what DuckDB or Spark read.
  EXPECT_EQ(ReadOrMissing(root_ + "/" + key), "hello world");
  std::string got;
  ASSERT_TRUE(store_->Get(key, &got).ok());
  EXPECT_EQ(got, "hello world");
  uint64_t size = 0;
  ASSERT_TRUE(store_->Size(key, &size).ok());
  EXPECT_EQ(size, 11u);
  ASSERT_TRUE(store_->GetRange(key, 6, 5, &got).ok());
  EXPECT_EQ(got, "world");
  ASSERT_TRUE(store_->GetRange(key, 6, 100, &got).ok());
  EXPECT_EQ(got, "world");  // clipped at the end, as an S3 range is
  ASSERT_TRUE(store_->GetRange(key, 11, 4, &got).ok());
  EXPECT_EQ(got, "");
  EXPECT_TRUE(store_->GetRange(key, 12, 1, &got).IsInvalidArgument());

  ASSERT_TRUE(store_->Put(key, "v2").ok());
  ASSERT_TRUE(store_->Get(key, &got).ok());
  EXPECT_EQ(got, "v2");
  ASSERT_TRUE(store_->Put("empty", "").ok());
  ASSERT_TRUE(store_->Get("empty", &got).ok());
  EXPECT_EQ(got, "");
}

TEST_F(LocalStorageTest, MissingObjectsAreNotFound) {
  std::string got;
  uint64_t size;
  EXPECT_TRUE(store_->Get("nope", &got).IsNotFound());
  EXPECT_TRUE(store_->Size("a/nope", &size).IsNotFound());
  EXPECT_TRUE(store_->GetRange("nope", 0, 1, &got).IsNotFound());
  // A "directory" is not an object.
  ASSERT_TRUE(store_->Put("dir/file", "x").ok());
  EXPECT_TRUE(store_->Get("dir", &got).IsNotFound());
  EXPECT_TRUE(store_->Size("dir", &size).IsNotFound());
  // Below a file is nothing.
  EXPECT_TRUE(store_->Get("dir/file/below", &got).IsNotFound());
}

TEST_F(LocalStorageTest, RefusesKeysThatCouldEscapeTheRoot) {
  const std::string bad[] = {
      "",           "/etc/passwd", "../outside",  "a/../../outside", "a/./b",   ".",
      "..",         "a//b",        "a/",          "a\\..\\..\\x",     "a\\b",    std::string("a\0b", 3),
      ".hidden",    "a/.tmp-1-1",  "events/..",   std::string(1025, 'k')};
  for (const std::string& key : bad) {
    SCOPED_TRACE(key);
    std::string got;
    uint64_t size;
    bool created;
    EXPECT_TRUE(store_->Put(key, "x").IsInvalidArgument());
    EXPECT_TRUE(store_->PutIfAbsent(key, "x", &created).IsInvalidArgument());
    EXPECT_TRUE(store_->PutFile(key, "/etc/hostname").IsInvalidArgument());
    EXPECT_TRUE(store_->Get(key, &got).IsInvalidArgument());
    EXPECT_TRUE(store_->GetRange(key, 0, 1, &got).IsInvalidArgument());
    EXPECT_TRUE(store_->Size(key, &size).IsInvalidArgument());
    EXPECT_TRUE(store_->Delete(key).IsInvalidArgument());
  }
  std::vector<std::string> keys;
  EXPECT_TRUE(store_->List("../", &keys).IsInvalidArgument());
  EXPECT_TRUE(store_->List("/", &keys).IsInvalidArgument());
  EXPECT_TRUE(store_->List("a/../", &keys).IsInvalidArgument());
  // Nothing was created beside the root, and nothing inside it.
  std::vector<std::string> names;
  ASSERT_TRUE(ListDirectory(dir_.path(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"root"});
  ASSERT_TRUE(ListDirectory(root_, &names).ok());
  EXPECT_TRUE(names.empty());
  // Odd but harmless names are fine: they stay one segment.
  ASSERT_TRUE(store_->Put("a/b..c/d=%2F/x y", "ok").ok());
  EXPECT_TRUE(FileExists(root_ + "/a/b..c/d=%2F/x y"));
}

TEST_F(LocalStorageTest, ListIsSortedByKeyAndMatchesStringPrefixes) {
  for (const char* k : {"a/b", "a-c/d", "a/a/z", "ab", "b", "a/b2", "events/date=2024-05-01/x",
                        "events/date=2024-05-02/y", "events/date=2024-06-01/z"}) {
    ASSERT_TRUE(store_->Put(k, k).ok()) << k;
  }
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->List("", &keys).ok());
  // Key order, not directory-walk order: "a-c/d" < "a/a/z" because '-' < '/'.
  EXPECT_EQ(keys, (std::vector<std::string>{"a-c/d", "a/a/z", "a/b", "a/b2", "ab", "b", "events/date=2024-05-01/x",
                                            "events/date=2024-05-02/y", "events/date=2024-06-01/z"}));
  ASSERT_TRUE(store_->List("a/", &keys).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/a/z", "a/b", "a/b2"}));
  ASSERT_TRUE(store_->List("a/b", &keys).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/b", "a/b2"}));
  ASSERT_TRUE(store_->List("events/date=2024-05", &keys).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"events/date=2024-05-01/x", "events/date=2024-05-02/y"}));
  ASSERT_TRUE(store_->List("missing/", &keys).ok());
  EXPECT_TRUE(keys.empty());

  std::vector<ObjectInfo> objects;
  ASSERT_TRUE(store_->ListObjects("b", &objects).ok());
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].size, 1u);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(objects[0].modified_ms), static_cast<double>(now_ms), 60'000.0);
}

TEST_F(LocalStorageTest, TemporariesAreInvisibleAndCleanedWhenStale) {
  ASSERT_TRUE(store_->Put("p/obj", "x").ok());
  // What a crash in the middle of a Put leaves behind.
  ASSERT_TRUE(WriteFileAtomic(root_ + "/p/.tmp-99999-7", "partial").ok());
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->List("", &keys).ok());
  EXPECT_EQ(keys, std::vector<std::string>{"p/obj"});
  int removed = -1;
  ASSERT_TRUE(store_->RemoveStaleTemporaries(60'000, &removed).ok());
  EXPECT_EQ(removed, 0);  // young: might be a write in progress
  ASSERT_TRUE(store_->RemoveStaleTemporaries(0, &removed).ok());
  EXPECT_EQ(removed, 1);
  EXPECT_FALSE(FileExists(root_ + "/p/.tmp-99999-7"));
  EXPECT_EQ(ReadOrMissing(root_ + "/p/obj"), "x");
}

TEST_F(LocalStorageTest, PutIfAbsentCreatesOnce) {
  bool created = false;
  ASSERT_TRUE(store_->PutIfAbsent("m/v1", "first", &created).ok());
  EXPECT_TRUE(created);
  ASSERT_TRUE(store_->PutIfAbsent("m/v1", "second", &created).ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(ReadOrMissing(root_ + "/m/v1"), "first");
  std::vector<std::string> names;
  ASSERT_TRUE(ListDirectory(root_ + "/m", &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"v1"});  // no temporary left
}

TEST_F(LocalStorageTest, PutIfAbsentHasOneWinnerUnderRaces) {
  for (int round = 0; round < 20; ++round) {
    std::string key = "race/v" + std::to_string(round);
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        bool created = false;
        if (store_->PutIfAbsent(key, "writer" + std::to_string(t), &created).ok() && created) ++winners;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(winners.load(), 1);
  }
}

TEST_F(LocalStorageTest, PutFileCopiesAndLeavesTheSource) {
  std::string src = dir_.path() + "/staged.parquet";
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  ASSERT_TRUE(WriteFileAtomic(src, big).ok());
  ASSERT_TRUE(store_->PutFile("sets/date=2024-01-01/app_id=a/part-x.parquet", src).ok());
  std::string got;
  ASSERT_TRUE(store_->Get("sets/date=2024-01-01/app_id=a/part-x.parquet", &got).ok());
  EXPECT_TRUE(got == big);
  EXPECT_TRUE(FileExists(src));
  EXPECT_TRUE(store_->PutFile("k", dir_.path() + "/missing").IsNotFound());
}

TEST_F(LocalStorageTest, DeleteIsIdempotentAndPrunesEmptyDirectories) {
  ASSERT_TRUE(store_->Put("events/date=2024-05-01/app_id=web/p1", "1").ok());
  ASSERT_TRUE(store_->Put("events/date=2024-05-01/app_id=ios/p2", "2").ok());
  ASSERT_TRUE(store_->Delete("events/date=2024-05-01/app_id=web/p1").ok());
  EXPECT_FALSE(FileExists(root_ + "/events/date=2024-05-01/app_id=web"));
  EXPECT_TRUE(FileExists(root_ + "/events/date=2024-05-01/app_id=ios/p2"));
  ASSERT_TRUE(store_->Delete("events/date=2024-05-01/app_id=web/p1").ok());
  ASSERT_TRUE(store_->Delete("events/date=2024-05-01/app_id=ios/p2").ok());
  EXPECT_FALSE(FileExists(root_ + "/events"));
  EXPECT_TRUE(FileExists(root_));
}

TEST_F(LocalStorageTest, ConcurrentPutsAndDeletesInOneDirectory) {
  // Delete prunes directories a concurrent Put is about to write into.
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "d/e/f/obj" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        if (!store_->Put(key, "x").ok() || !store_->Delete(key).ok()) failed = true;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
}

// A real crash: a child process rewrites one object in a loop and is killed
// with SIGKILL at an arbitrary moment. The object must then hold one whole
// version, never a mix or a prefix.
TEST_F(LocalStorageTest, PutIsAtomicUnderSigkill) {
  const std::string key = "crash/object";
  auto version_bytes = [](uint32_t v) {
    std::string s(std::to_string(v) + ":");
    s.resize(s.size() + (1 << 20) + v % 4096, static_cast<char>('a' + v % 26));
    return s;
  };
  ASSERT_TRUE(store_->Put(key, version_bytes(0)).ok());
  for (int cycle = 0; cycle < 6; ++cycle) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (uint32_t v = 1;; ++v) {
        if (!store_->Put(key, version_bytes(v)).ok()) ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(15 + cycle * 11));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own: " << status;
    std::string got;
    ASSERT_TRUE(store_->Get(key, &got).ok());
    uint32_t v = static_cast<uint32_t>(std::stoul(got.substr(0, got.find(':'))));
    EXPECT_TRUE(got == version_bytes(v)) << "cycle " << cycle << ": torn object";
    std::vector<std::string> keys;
    ASSERT_TRUE(store_->List("", &keys).ok());
    EXPECT_EQ(keys, std::vector<std::string>{key});
  }
}

}  // namespace
}  // namespace swell::lake
