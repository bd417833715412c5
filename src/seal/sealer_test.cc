// A seal whose writes to the lake fail part way (a full disk): nothing it
// stored stays in the lake unless a version lists it, the events stay held,
// and the next seal succeeds.
#include "seal/sealer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "event/event_codec.h"
#include "lake/local_storage.h"
#include "lake/manifest.h"
#include "speed/app_state.h"
#include "util/file_util.h"
#include "wal/log_writer.h"

namespace swell::seal {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int32_t kDay0 = 20'400;  // 2025-11-08

// Passes every call to the local store, but fails one chosen mutation as a
// full disk would: PutFile number fail_put_file, or the first PutIfAbsent
// (the manifest commit), which in lose_ack mode lands before failing.
class FullDiskStorage : public lake::Storage {
 public:
  explicit FullDiskStorage(lake::Storage* base) : base_(base) {}
  int fail_put_file = -1;
  bool fail_commit = false;
  bool lose_ack = false;

  Status Put(std::string_view key, std::string_view bytes) override { return base_->Put(key, bytes); }
  Status PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) override {
    if (!fail_commit) return base_->PutIfAbsent(key, bytes, created);
    fail_commit = false;
    if (lose_ack) SWELL_RETURN_IF_ERROR(base_->PutIfAbsent(key, bytes, created));
    return Status::FromErrno("write " + std::string(key), ENOSPC);
  }
  Status PutFile(std::string_view key, const std::string& local_path) override {
    if (put_files_++ == fail_put_file) return Status::FromErrno("write " + std::string(key), ENOSPC);
    return base_->PutFile(key, local_path);
  }
  Status Get(std::string_view key, std::string* bytes) override { return base_->Get(key, bytes); }
  Status GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) override {
    return base_->GetRange(key, offset, length, bytes);
  }
  Status Size(std::string_view key, uint64_t* size) override { return base_->Size(key, size); }
  Status ListObjects(std::string_view prefix, std::vector<lake::ObjectInfo>* objects) override {
    return base_->ListObjects(prefix, objects);
  }
  Status Delete(std::string_view key) override { return base_->Delete(key); }
  void ResetCount() { put_files_ = 0; }

 private:
  lake::Storage* base_;
  int put_files_ = 0;
};

class SealerFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("swell-sealer-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(lake::LocalStorage::Open((dir_ / "lake").string(), &local_).ok());
    storage_ = std::make_unique<FullDiskStorage>(local_.get());
    speed::SpeedOptions so;
    so.data_dir = dir_.string();
    ASSERT_TRUE(speed::SpeedLayer::Open(so, &speed_).ok());
    wal::LogOptions lo;
    lo.dir = (dir_ / "wal").string();
    ASSERT_TRUE(wal::LogWriter::Open(lo, 1, &log_).ok());
    SealOptions options;
    options.wal_dir = lo.dir;
    options.staging_dir = (dir_ / "staging").string();
    options.raw_tier = true;  // more files per day, so more places to fail
    sealer_ = std::make_unique<Sealer>(storage_.get(), &holder_, speed_.get(), options);
    // Two days of events, through the log as ingest writes them.
    for (int i = 0; i < 40; ++i) {
      Event e;
      e.event_type = i % 2 ? "open" : "buy";
      e.user_id = "u" + std::to_string(i % 7);
      e.time_ms = int64_t{kDay0 + i % 2} * kDay + i * 60'000;
      e.arrival_ms = e.time_ms;
      EventBatch batch{"app", {e}};
      std::string payload;
      EncodeEventBatch(batch, &payload);
      Status apply;
      ASSERT_TRUE(log_->Append(payload, [&](uint64_t lsn) {
                        speed::ApplyResult r;
                        apply = speed_->Apply(batch, lsn, &r);
                      }).ok());
      ASSERT_TRUE(apply.ok()) << apply.ToString();
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Keys of data files in the lake (events/, sets/, users/, raw/).
  std::vector<std::string> DataFiles() {
    std::vector<std::string> all, keys;
    for (const char* prefix : {"events/", "sets/", "users/", "raw/"}) {
      EXPECT_TRUE(local_->List(prefix, &keys).ok());
      all.insert(all.end(), keys.begin(), keys.end());
    }
    std::sort(all.begin(), all.end());
    return all;
  }
  uint64_t HeldRows() {
    uint64_t rows = 0;
    EXPECT_TRUE(speed_->ReadApp("app", [&](const speed::AppState& app) {
                        for (const auto& [hour, buf] : app.hours()) rows += buf->rows();
                        return Status::OK();
                      }).ok());
    return rows;
  }
  std::vector<std::string> StagingFiles() {
    std::vector<std::string> names;
    Status st = ListDirectory((dir_ / "staging").string(), &names);
    return st.ok() ? names : std::vector<std::string>{};
  }
  // After a failure: a clean retry seals everything, and the lake holds only
  // files the manifest lists.
  void ExpectRetrySeals() {
    storage_->fail_put_file = -1;
    SealStats stats;
    Status st = sealer_->SealDays("app", kDay0, kDay0 + 1, &stats);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(stats.events_sealed, 40u);
    EXPECT_EQ(HeldRows(), 0u);
    lake::Snapshot snap;
    ASSERT_TRUE(lake::Manifest::Load(local_.get(), &snap).ok());
    std::vector<std::string> listed;
    for (const lake::LakeFile& f : snap.files) listed.push_back(f.key);
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(DataFiles(), listed);
    uint64_t rows = 0;
    for (const lake::LakeFile& f : snap.files)
      if (f.kind == lake::FileKind::kEvents) rows += f.rows;
    EXPECT_EQ(rows, 40u);
  }

  std::filesystem::path dir_;
  std::unique_ptr<lake::LocalStorage> local_;
  std::unique_ptr<FullDiskStorage> storage_;
  lake::SnapshotHolder holder_;
  std::unique_ptr<speed::SpeedLayer> speed_;
  std::unique_ptr<wal::LogWriter> log_;
  std::unique_ptr<Sealer> sealer_;
};

// Every PutFile of the first day's seal in turn (events, sets, raw hours,
// users part) meets a full disk.
TEST_F(SealerFullDiskTest, FailedStoreLeavesNoFileInTheLake) {
  for (int fail_at = 0; fail_at < 4; ++fail_at) {
    SCOPED_TRACE("PutFile number " + std::to_string(fail_at) + " fails");
    storage_->ResetCount();
    storage_->fail_put_file = fail_at;
    SealStats stats;
    Status st = sealer_->SealDays("app", kDay0, kDay0, &stats);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("No space left on device"), std::string::npos) << st.ToString();
    EXPECT_EQ(stats.commits, 0u);
    EXPECT_EQ(DataFiles(), std::vector<std::string>{}) << "a file of the failed seal stayed in the lake";
    EXPECT_EQ(StagingFiles(), std::vector<std::string>{});
    EXPECT_EQ(HeldRows(), 40u) << "the events must stay held";
    EXPECT_EQ(holder_.Get()->version, 0u);
  }
  ExpectRetrySeals();
}

TEST_F(SealerFullDiskTest, FailedCommitLeavesNoFileInTheLake) {
  storage_->fail_commit = true;
  SealStats stats;
  Status st = sealer_->SealDays("app", kDay0, kDay0, &stats);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(DataFiles(), std::vector<std::string>{});
  EXPECT_EQ(HeldRows(), 40u);
  ExpectRetrySeals();
}

// The version was written but its acknowledgement lost: its files are live
// and must stay.
TEST_F(SealerFullDiskTest, CommitThatLandedKeepsItsFiles) {
  storage_->fail_commit = true;
  storage_->lose_ack = true;
  SealStats stats;
  Status st = sealer_->SealDays("app", kDay0, kDay0, &stats);
  ASSERT_FALSE(st.ok());
  lake::Snapshot snap;
  ASSERT_TRUE(lake::Manifest::Load(local_.get(), &snap).ok());
  ASSERT_EQ(snap.version, 1u);
  std::vector<std::string> listed;
  for (const lake::LakeFile& f : snap.files) listed.push_back(f.key);
  std::sort(listed.begin(), listed.end());
  EXPECT_FALSE(listed.empty());
  EXPECT_EQ(DataFiles(), listed);
}

}  // namespace
}  // namespace swell::seal
