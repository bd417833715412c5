// Crash safety of "write files, then commit": a crash is injected at every
// mutation of a seal-shaped update (and of a sweep), both before the write
// and after it with the acknowledgement lost. Afterwards the lake must load
// as exactly the old version or exactly the new one, every file it names must
// be whole, a sweep must remove what the failed attempt left and nothing
// live, and a retry must commit. A last test does the same with SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "lake/fault_injection_storage.h"
#include "lake/lake_test_util.h"
#include "lake/local_storage.h"
#include "lake/manifest.h"

namespace swell::lake {
namespace {

using testing::AllFilesPresent;
using testing::FaultInjectionStorage;
using testing::KeysOf;
using testing::ScratchDir;
using testing::WritePart;

// One seal: replaces the files of 2024-05-01, adds 2024-05-02, moves the
// covered lsn. Stops at the first failure, as a crashed process would.
Status Seal(Storage* s, const Snapshot& base, uint64_t lsn, std::vector<LakeFile>* added) {
  ManifestEdit edit;
  for (const char* date : {"2024-05-01", "2024-05-01", "2024-05-02"}) {
    LakeFile f;
    SWELL_RETURN_IF_ERROR(WritePart(s, FileKind::kEvents, "web", date, "lsn" + std::to_string(lsn), &f));
    edit.add.push_back(f);
    added->push_back(f);
  }
  LakeFile sets;
  SWELL_RETURN_IF_ERROR(WritePart(s, FileKind::kSets, "web", "2024-05-01", "sets", &sets));
  edit.add.push_back(sets);
  added->push_back(sets);
  for (const LakeFile& f : base.files)
    if (f.date == "2024-05-01" || f.date == "2024-05-02") edit.remove.push_back(f.key);
  edit.covered_lsn = lsn;
  uint64_t v;
  return Manifest::Commit(s, base.version, edit, &v);
}

std::vector<std::string> ListAll(Storage* s, const char* prefix) {
  std::vector<std::string> keys;
  EXPECT_TRUE(s->List(prefix, &keys).ok());
  return keys;
}

class ManifestCrashTest : public ::testing::TestWithParam<FaultInjectionStorage::Mode> {};

TEST_P(ManifestCrashTest, EveryCrashPointOfACommitLeavesOldOrNew) {
  const auto mode = GetParam();
  // 4 file writes, the version, CURRENT; the last point is "no crash".
  constexpr int kMutations = 6;
  for (int crash_at = 0; crash_at <= kMutations; ++crash_at) {
    SCOPED_TRACE("crash at mutation " + std::to_string(crash_at));
    ScratchDir dir;
    std::unique_ptr<LocalStorage> disk;
    ASSERT_TRUE(LocalStorage::Open(dir.path(), &disk).ok());
    // The old version: one sealed day.
    std::vector<LakeFile> first;
    ASSERT_TRUE(Seal(disk.get(), Snapshot(), 10, &first).ok());
    Snapshot old_snap;
    ASSERT_TRUE(Manifest::Load(disk.get(), &old_snap).ok());
    ASSERT_EQ(old_snap.version, 1u);

    FaultInjectionStorage faulty(disk.get());
    faulty.CrashAt(crash_at, mode);
    std::vector<LakeFile> attempt;
    Status s = Seal(&faulty, old_snap, 20, &attempt);
    // Only the loss of CURRENT goes unreported: the commit stands without it.
    EXPECT_EQ(s.ok(), crash_at >= 5) << s.ToString();

    // "Restart": a fresh look at the disk.
    Snapshot now;
    ASSERT_TRUE(Manifest::Load(disk.get(), &now).ok());
    // The version write is mutation 4: the new version exists from the
    // moment it lands, CURRENT or not.
    bool version_landed = crash_at > 4 || (crash_at == 4 && mode == FaultInjectionStorage::Mode::kLoseAck);
    if (version_landed) {
      EXPECT_EQ(now.version, 2u);
      EXPECT_EQ(now.covered_lsn, 20u);
      EXPECT_EQ(KeysOf(now.files), KeysOf(attempt));
    } else {
      EXPECT_EQ(now.version, 1u);
      EXPECT_EQ(now.covered_lsn, 10u);
      EXPECT_EQ(now.files, old_snap.files);
    }
    EXPECT_TRUE(AllFilesPresent(disk.get(), now));

    // Sweep keeping only the loaded version: the attempt's leftovers (or the
    // replaced files) go, every live file stays.
    SweepOptions opts;
    opts.min_age_ms = 0;
    opts.retain_versions = 1;
    ASSERT_TRUE(Manifest::SweepOrphans(disk.get(), now, opts).ok());
    std::vector<std::string> data = ListAll(disk.get(), "events/");
    for (const std::string& k : ListAll(disk.get(), "sets/")) data.push_back(k);
    std::sort(data.begin(), data.end());
    EXPECT_EQ(data, KeysOf(now.files));
    EXPECT_TRUE(AllFilesPresent(disk.get(), now));

    // The retry after the restart commits on whatever was found.
    std::vector<LakeFile> retry;
    ASSERT_TRUE(Seal(disk.get(), now, 30, &retry).ok());
    Snapshot after;
    ASSERT_TRUE(Manifest::Load(disk.get(), &after).ok());
    EXPECT_EQ(after.version, now.version + 1);
    EXPECT_EQ(after.covered_lsn, 30u);
    EXPECT_EQ(KeysOf(after.files), KeysOf(retry));
  }
}

TEST_P(ManifestCrashTest, EveryCrashPointOfASweepKeepsTheLakeWhole) {
  const auto mode = GetParam();
  // The lake before the sweep is built once (fsyncs are slow) and copied for
  // each crash point: four versions, and the orphans of a seal that died
  // after writing its files.
  ScratchDir templ;
  Snapshot snap;
  std::vector<LakeFile> orphans;
  {
    std::unique_ptr<LocalStorage> disk;
    ASSERT_TRUE(LocalStorage::Open(templ.path(), &disk).ok());
    for (uint64_t lsn = 1; lsn <= 4; ++lsn) {
      std::vector<LakeFile> added;
      ASSERT_TRUE(Seal(disk.get(), snap, lsn, &added).ok());
      ASSERT_TRUE(Manifest::Load(disk.get(), &snap).ok());
    }
    FaultInjectionStorage dead_seal(disk.get());
    dead_seal.CrashAt(4, FaultInjectionStorage::Mode::kFailBefore);  // files written, no version
    EXPECT_FALSE(Seal(&dead_seal, snap, 5, &orphans).ok());
  }
  for (int crash_at = 0;; ++crash_at) {
    SCOPED_TRACE("crash at mutation " + std::to_string(crash_at));
    ScratchDir dir;
    std::filesystem::copy(templ.path(), dir.path(), std::filesystem::copy_options::recursive |
                                                        std::filesystem::copy_options::overwrite_existing);
    std::unique_ptr<LocalStorage> disk;
    ASSERT_TRUE(LocalStorage::Open(dir.path(), &disk).ok());

    FaultInjectionStorage faulty(disk.get());
    faulty.CrashAt(crash_at, mode);
    SweepOptions opts;
    opts.min_age_ms = 0;
    opts.retain_versions = 2;
    Status s = Manifest::SweepOrphans(&faulty, snap, opts);
    bool finished = !faulty.crashed();

    Snapshot now;
    ASSERT_TRUE(Manifest::Load(disk.get(), &now).ok());
    EXPECT_EQ(now.version, snap.version);
    EXPECT_EQ(now.files, snap.files);
    // Every version still present is whole: no version names a swept file.
    std::vector<std::string> versions = ListAll(disk.get(), "_manifest/v");
    for (const std::string& k : versions) {
      uint64_t v;
      ASSERT_TRUE(ParseManifestVersionKey(k, &v));
      Snapshot old;
      ASSERT_TRUE(Manifest::LoadVersion(disk.get(), v, &old).ok());
      EXPECT_TRUE(AllFilesPresent(disk.get(), old));
    }
    // Running the sweep again completes it.
    ASSERT_TRUE(Manifest::SweepOrphans(disk.get(), now, opts).ok());
    versions = ListAll(disk.get(), "_manifest/v");
    EXPECT_EQ(versions, (std::vector<std::string>{ManifestVersionKey(3), ManifestVersionKey(4)}));
    for (const LakeFile& f : orphans) {
      uint64_t size;
      EXPECT_TRUE(disk->Size(f.key, &size).IsNotFound()) << f.key;
    }
    if (finished) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      break;
    }
    ASSERT_LT(crash_at, 100);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ManifestCrashTest,
                         ::testing::Values(FaultInjectionStorage::Mode::kFailBefore,
                                           FaultInjectionStorage::Mode::kLoseAck),
                         [](const auto& info) {
                           return info.param == FaultInjectionStorage::Mode::kFailBefore ? "FailBefore"
                                                                                          : "LoseAck";
                         });

// The real thing: a child process seals over and over and is killed with
// SIGKILL at an arbitrary moment; the parent checks the lake, sweeps, and
// lets the next child continue from what it found.
TEST(ManifestKillTest, SigkillDuringSealsNeverLeavesAMix) {
  ScratchDir dir;
  std::unique_ptr<LocalStorage> disk;
  ASSERT_TRUE(LocalStorage::Open(dir.path(), &disk).ok());
  std::mt19937 rng(42);
  uint64_t last_version = 0;
  for (int cycle = 0; cycle < 6; ++cycle) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (;;) {
        Snapshot snap;
        if (!Manifest::Load(disk.get(), &snap).ok()) ::_exit(3);
        std::vector<LakeFile> added;
        if (!Seal(disk.get(), snap, snap.covered_lsn + 1, &added).ok()) ::_exit(4);
      }
    }
    // A seal is a few fsyncs (tens of ms): let some complete, kill inside one.
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + rng() % 250));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    Snapshot now;
    ASSERT_TRUE(Manifest::Load(disk.get(), &now).ok());
    EXPECT_GE(now.version, last_version);
    last_version = now.version;
    // Each seal is all or nothing: one version holds exactly the four files
    // one seal wrote (all tagged with its lsn), never parts of two.
    if (now.version > 0) {
      ASSERT_EQ(now.files.size(), 4u);
      for (const LakeFile& f : now.files) {
        if (f.kind != FileKind::kEvents) continue;
        std::string content;
        ASSERT_TRUE(disk->Get(f.key, &content).ok());
        EXPECT_NE(content.find("lsn" + std::to_string(now.covered_lsn) + " "), std::string::npos) << content;
      }
    }
    EXPECT_TRUE(AllFilesPresent(disk.get(), now));
    SweepOptions opts;
    opts.min_age_ms = 0;
    opts.retain_versions = 1;
    ASSERT_TRUE(Manifest::SweepOrphans(disk.get(), now, opts).ok());
    std::vector<std::string> data = ListAll(disk.get(), "events/");
    for (const std::string& k : ListAll(disk.get(), "sets/")) data.push_back(k);
    std::sort(data.begin(), data.end());
    EXPECT_EQ(data, KeysOf(now.files));
    int removed = 0;
    ASSERT_TRUE(disk->RemoveStaleTemporaries(0, &removed).ok());
  }
  EXPECT_GT(last_version, 0u);
}

}  // namespace
}  // namespace swell::lake
