#include "lake/manifest.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lake/lake_test_util.h"
#include "lake/local_storage.h"
#include "util/crc32c.h"
#include "util/file_util.h"

namespace swell::lake {
namespace {

using testing::AllFilesPresent;
using testing::KeysOf;
using testing::ReadOrMissing;
using testing::ScratchDir;
using testing::WritePart;

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &store_).ok()); }

  LakeFile Part(const std::string& app, const std::string& date, FileKind kind = FileKind::kEvents) {
    LakeFile f;
    EXPECT_TRUE(WritePart(store_.get(), kind, app, date, "t", &f).ok());
    return f;
  }
  uint64_t CommitOk(uint64_t base, const ManifestEdit& edit) {
    uint64_t v = 0;
    Status s = Manifest::Commit(store_.get(), base, edit, &v);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return v;
  }
  Snapshot LoadOk(LoadReport* report = nullptr) {
    Snapshot snap;
    Status s = Manifest::Load(store_.get(), &snap, report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return snap;
  }
  std::string Path(const std::string& key) { return store_->PathOf(key); }
  void Corrupt(const std::string& key, size_t at) {
    std::string text = ReadOrMissing(Path(key));
    ASSERT_LT(at, text.size());
    text[at] ^= 0x04;
    ASSERT_TRUE(WriteFileAtomic(Path(key), text).ok());
  }

  ScratchDir dir_;
  std::unique_ptr<LocalStorage> store_;
};

TEST_F(ManifestTest, EmptyLakeIsVersionZero) {
  Snapshot snap = LoadOk();
  EXPECT_EQ(snap.version, 0u);
  EXPECT_TRUE(snap.files.empty());
  EXPECT_EQ(snap.covered_lsn, 0u);
}

TEST_F(ManifestTest, CommitWritesAVersionAndCurrent) {
  LakeFile a = Part("web", "2024-05-01"), b = Part("web/ios", "2024-05-02", FileKind::kSets),
           u = Part("web", "", FileKind::kUsers);
  EXPECT_EQ(CommitOk(0, {{a, b, u}, {}, 42}), 1u);
  EXPECT_EQ(ReadOrMissing(Path("_manifest/CURRENT")), "v00000000000000000001.json\n");
  std::string text = ReadOrMissing(Path("_manifest/v00000000000000000001.json"));
  // The documented checksum rule, checked from the outside: CRC-32C of every
  // byte before ,"checksum":" as 8 lowercase hex digits, last member.
  size_t pos = text.rfind(",\"checksum\":\"");
  ASSERT_NE(pos, std::string::npos);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc32c::Value(std::string_view(text).substr(0, pos)));
  EXPECT_EQ(text.substr(pos), ",\"checksum\":\"" + std::string(hex) + "\"}\n");
  EXPECT_NE(text.find("\"key\":\"sets/date=2024-05-02/app_id=web%2Fios/part-"), std::string::npos);
  EXPECT_NE(text.find("\"covered_lsn\":42"), std::string::npos);

  LoadReport report;
  Snapshot snap = LoadOk(&report);
  EXPECT_TRUE(report.from_current);
  EXPECT_EQ(snap.version, 1u);
  EXPECT_EQ(snap.parent, 0u);
  EXPECT_EQ(snap.covered_lsn, 42u);
  std::vector<LakeFile> want = {a, b, u};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.key < y.key; });
  EXPECT_EQ(snap.files, want);
  ASSERT_NE(snap.Find(b.key), nullptr);
  EXPECT_EQ(snap.Find(b.key)->app_id, "web/ios");
  EXPECT_EQ(snap.Find("events/nope"), nullptr);
}

TEST_F(ManifestTest, SealedLsnAndRawFilesRoundTrip) {
  LakeFile a = Part("web", "2024-05-01"), r = Part("web", "2024-05-01", FileKind::kRaw);
  a.sealed_lsn = 1234;
  EXPECT_EQ(CommitOk(0, {{a, r}, {}, 0}), 1u);
  Snapshot snap = LoadOk();
  ASSERT_NE(snap.Find(a.key), nullptr);
  EXPECT_EQ(snap.Find(a.key)->sealed_lsn, 1234u);
  ASSERT_NE(snap.Find(r.key), nullptr);
  EXPECT_EQ(snap.Find(r.key)->kind, FileKind::kRaw);
  EXPECT_EQ(snap.Find(r.key)->sealed_lsn, 0u);
  EXPECT_EQ(snap.Select(FileKind::kRaw, "web", "2024-05-01", "2024-05-01").size(), 1u);
}

TEST_F(ManifestTest, SelectPicksKindAppAndDateRange) {
  LakeFile a = Part("web", "2024-04-30"), b = Part("web", "2024-05-01"), c = Part("web", "2024-05-31"),
           d = Part("web", "2024-06-01"), other_app = Part("web2", "2024-05-02"),
           sets = Part("web", "2024-05-02", FileKind::kSets), users = Part("web", "", FileKind::kUsers);
  CommitOk(0, {{a, b, c, d, other_app, sets, users}, {}, 1});
  Snapshot snap = LoadOk();
  auto keys = [](const std::vector<const LakeFile*>& files) {
    std::vector<std::string> k;
    for (const LakeFile* f : files) k.push_back(f->key);
    std::sort(k.begin(), k.end());
    return k;
  };
  std::vector<std::string> want = {b.key, c.key};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys(snap.Select(FileKind::kEvents, "web", "2024-05-01", "2024-05-31")), want);
  EXPECT_EQ(keys(snap.Select(FileKind::kSets, "web", "2024-05-01", "2024-05-31")), std::vector<std::string>{sets.key});
  EXPECT_EQ(keys(snap.Select(FileKind::kUsers, "web", "", "")), std::vector<std::string>{users.key});
  EXPECT_TRUE(snap.Select(FileKind::kEvents, "we", "2000-01-01", "2100-01-01").empty());
  EXPECT_TRUE(snap.Select(FileKind::kEvents, "web", "2024-05-02", "2024-05-01").empty());
}

TEST_F(ManifestTest, EditsApplyAndOldVersionsStayReadable) {
  LakeFile a = Part("web", "2024-05-01"), b = Part("web", "2024-05-01");
  CommitOk(0, {{a, b}, {}, 10});
  Snapshot v1 = LoadOk();
  LakeFile c = Part("web", "2024-05-01");
  EXPECT_EQ(CommitOk(1, {{c}, {a.key, b.key}, 20}), 2u);
  Snapshot v2 = LoadOk();
  EXPECT_EQ(v2.version, 2u);
  EXPECT_EQ(v2.parent, 1u);
  EXPECT_EQ(KeysOf(v2.files), std::vector<std::string>{c.key});
  EXPECT_EQ(v2.covered_lsn, 20u);
  // covered_lsn 0 keeps the base's.
  EXPECT_EQ(CommitOk(2, {{}, {}, 0}), 3u);
  EXPECT_EQ(LoadOk().covered_lsn, 20u);
  // The reader of version 1 still finds all of its files.
  EXPECT_TRUE(AllFilesPresent(store_.get(), v1));
  Snapshot again;
  ASSERT_TRUE(Manifest::LoadVersion(store_.get(), 1, &again).ok());
  EXPECT_EQ(again.files, v1.files);
}

TEST_F(ManifestTest, RefusesEditsThatDoNotApply) {
  LakeFile a = Part("web", "2024-05-01");
  CommitOk(0, {{a}, {}, 10});
  uint64_t v = 0;
  LakeFile fresh = Part("web", "2024-05-02");
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{}, {"events/date=2024-05-01/app_id=web/part-x.parquet"}, 0}, &v)
                  .IsInvalidArgument());
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{a}, {}, 0}, &v).IsInvalidArgument());        // already live
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{fresh, fresh}, {}, 0}, &v).IsInvalidArgument());  // twice
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{}, {}, 9}, &v).IsInvalidArgument());         // lsn back
  LakeFile missing = fresh;
  missing.key = "events/date=2024-05-02/app_id=web/part-missing.parquet";
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{missing}, {}, 0}, &v).IsInvalidArgument());
  LakeFile short_size = fresh;
  short_size.size -= 1;  // a file not completely written
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{short_size}, {}, 0}, &v).IsInvalidArgument());
  LakeFile wrong_app = fresh;
  wrong_app.app_id = "ios";
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{wrong_app}, {}, 0}, &v).IsInvalidArgument());
  LakeFile wrong_date = fresh;
  wrong_date.date = "2024-05-01";
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{wrong_date}, {}, 0}, &v).IsInvalidArgument());
  LakeFile foreign = fresh;
  foreign.key = "elsewhere/x";
  EXPECT_TRUE(Manifest::Commit(store_.get(), 1, {{foreign}, {}, 0}, &v).IsInvalidArgument());
  // None of these left a version behind.
  Snapshot snap = LoadOk();
  EXPECT_EQ(snap.version, 1u);
  EXPECT_EQ(KeysOf(snap.files), std::vector<std::string>{a.key});
}

TEST_F(ManifestTest, StaleBaseLosesCleanly) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  LakeFile x = Part("web", "2024-05-02"), y = Part("web", "2024-05-03");
  CommitOk(1, {{x}, {}, 2});
  uint64_t v = 0;
  Status s = Manifest::Commit(store_.get(), 1, {{y}, {}, 3}, &v);
  EXPECT_EQ(s.code(), Status::Code::kAborted) << s.ToString();
  s = Manifest::Commit(store_.get(), 0, {{y}, {}, 3}, &v);
  EXPECT_EQ(s.code(), Status::Code::kAborted) << s.ToString();
  Snapshot snap = LoadOk();
  EXPECT_EQ(snap.version, 2u);
  EXPECT_EQ(snap.covered_lsn, 2u);
  EXPECT_EQ(snap.Find(y.key), nullptr);
  EXPECT_EQ(ReadOrMissing(Path("_manifest/CURRENT")), "v00000000000000000002.json\n");
}

TEST_F(ManifestTest, RacingCommittersLoseNoEdit) {
  constexpr int kThreads = 6, kPerThread = 8;
  std::vector<std::vector<LakeFile>> parts(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) parts[t].push_back(Part("app" + std::to_string(t), "2024-05-01"));
  std::atomic<int> conflicts{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const LakeFile& f : parts[t]) {
        for (;;) {
          Snapshot snap;
          if (!Manifest::Load(store_.get(), &snap).ok()) { ++errors; return; }
          uint64_t v;
          Status s = Manifest::Commit(store_.get(), snap.version, {{f}, {}, 0}, &v);
          if (s.ok()) break;
          if (s.code() != Status::Code::kAborted) { ++errors; return; }
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  Snapshot snap = LoadOk();
  EXPECT_EQ(snap.version, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(snap.files.size(), static_cast<size_t>(kThreads * kPerThread));
  // The history is one chain: every version's parent is the one before.
  for (uint64_t v = 1; v <= snap.version; ++v) {
    Snapshot s;
    ASSERT_TRUE(Manifest::LoadVersion(store_.get(), v, &s).ok());
    EXPECT_EQ(s.parent, v - 1);
    EXPECT_EQ(s.files.size(), v);
  }
}

TEST_F(ManifestTest, DamagedVersionIsRefusedAndLoadFallsBack) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  CommitOk(1, {{Part("web", "2024-05-02")}, {}, 2});
  const std::string v2 = ManifestVersionKey(2);
  Corrupt(v2, 40);
  Snapshot s;
  EXPECT_TRUE(Manifest::LoadVersion(store_.get(), 2, &s).IsCorruption());
  LoadReport report;
  Snapshot snap = LoadOk(&report);
  EXPECT_EQ(snap.version, 1u);
  EXPECT_FALSE(report.from_current);
  EXPECT_EQ(report.damaged_versions, std::vector<uint64_t>{2});
  // The damaged version still blocks its number: no silent fork of history.
  uint64_t v;
  EXPECT_FALSE(Manifest::Commit(store_.get(), 1, {{}, {}, 0}, &v).ok());
  // And a sweep refuses to act while a version it must honour is unreadable.
  std::vector<std::string> before, after;
  ASSERT_TRUE(store_->List("", &before).ok());
  SweepOptions opts;
  opts.min_age_ms = 0;
  EXPECT_TRUE(Manifest::SweepOrphans(store_.get(), snap, opts).IsCorruption());
  ASSERT_TRUE(store_->List("", &after).ok());
  EXPECT_EQ(before, after);
}

TEST_F(ManifestTest, TornOrEditedVersionsAreRefused) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  std::string text = ReadOrMissing(Path(ManifestVersionKey(1)));
  Snapshot s;
  for (size_t cut : {size_t{0}, size_t{1}, text.size() / 2, text.size() - 3}) {
    EXPECT_FALSE(Manifest::Decode(std::string_view(text).substr(0, cut), &s).ok()) << cut;
  }
  std::string edited = text;
  edited.replace(edited.find("\"covered_lsn\":1"), 15, "\"covered_lsn\":9");
  EXPECT_TRUE(Manifest::Decode(edited, &s).IsCorruption());
  EXPECT_TRUE(Manifest::Decode(text, &s).ok());
  // Without the trailing newline it is still whole.
  EXPECT_TRUE(Manifest::Decode(std::string_view(text).substr(0, text.size() - 1), &s).ok());
  // A version object copied under another number is refused.
  ASSERT_TRUE(store_->Put(ManifestVersionKey(7), text).ok());
  EXPECT_TRUE(Manifest::LoadVersion(store_.get(), 7, &s).IsCorruption());
}

TEST_F(ManifestTest, CurrentIsAHintLoadRollsForwardAndFallsBack) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  CommitOk(1, {{Part("web", "2024-05-02")}, {}, 2});
  CommitOk(2, {{Part("web", "2024-05-03")}, {}, 3});
  // CURRENT behind (a crash between the version and CURRENT): roll forward.
  ASSERT_TRUE(store_->Put("_manifest/CURRENT", "v00000000000000000001.json\n").ok());
  LoadReport report;
  EXPECT_EQ(LoadOk(&report).version, 3u);
  EXPECT_TRUE(report.from_current);
  // Damaged, torn, pointing nowhere, missing: the highest intact version.
  for (std::string bad : {"garbage", "v00000000000000000003.json", "v00000000000000000009.json\n", ""}) {
    ASSERT_TRUE(store_->Put("_manifest/CURRENT", bad).ok());
    EXPECT_EQ(LoadOk(&report).version, 3u) << bad;
    EXPECT_FALSE(report.from_current);
  }
  ASSERT_TRUE(store_->Delete("_manifest/CURRENT").ok());
  EXPECT_EQ(LoadOk().version, 3u);
  // A commit repairs CURRENT.
  EXPECT_EQ(CommitOk(3, {{}, {}, 4}), 4u);
  EXPECT_EQ(ReadOrMissing(Path("_manifest/CURRENT")), "v00000000000000000004.json\n");
}

TEST_F(ManifestTest, NoIntactVersionIsCorruptionNotAnEmptyLake) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  Corrupt(ManifestVersionKey(1), 10);
  Snapshot snap;
  EXPECT_TRUE(Manifest::Load(store_.get(), &snap).IsCorruption());
  ASSERT_TRUE(store_->Delete(ManifestVersionKey(1)).ok());
  // CURRENT alone still says a lake existed here.
  EXPECT_TRUE(Manifest::Load(store_.get(), &snap).IsCorruption());
}

TEST_F(ManifestTest, SweepRemovesOrphansKeepsLiveAndYoung) {
  LakeFile a = Part("web", "2024-05-01"), b = Part("web", "2024-05-02");
  CommitOk(0, {{a, b}, {}, 1});
  LakeFile orphan = Part("web", "2024-05-01"), orphan_set = Part("web", "2024-05-01", FileKind::kSets);
  ASSERT_TRUE(store_->Put("raw/app_id=web/date=2024-05-01/hour=00/x.ndjson.zst", "raw").ok());
  Snapshot snap = LoadOk();
  SweepOptions opts;
  opts.min_age_ms = 60'000;  // everything here is seconds old
  SweepStats stats;
  ASSERT_TRUE(Manifest::SweepOrphans(store_.get(), snap, opts, &stats).ok());
  EXPECT_EQ(stats.deleted_files, 0);
  EXPECT_EQ(stats.kept_young, 3);
  opts.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() + 120'000;
  ASSERT_TRUE(Manifest::SweepOrphans(store_.get(), snap, opts, &stats).ok());
  // The raw tier is listed by the manifest too: an unlisted raw file is an orphan.
  EXPECT_EQ(stats.deleted_files, 3);
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->List("", &keys).ok());
  std::vector<std::string> want = {"_manifest/CURRENT", ManifestVersionKey(1), a.key, b.key};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys, want);
  EXPECT_FALSE(FileExists(Path(orphan.key)));
  EXPECT_FALSE(FileExists(Path(orphan_set.key)));
}

TEST_F(ManifestTest, SweepRetainsRecentVersionsAndTheirFiles) {
  std::vector<LakeFile> gen;
  uint64_t v = 0;
  for (int i = 0; i < 5; ++i) {
    // Each version replaces the previous day's file, as a re-seal does.
    LakeFile f = Part("web", "2024-05-01");
    v = CommitOk(v, {{f}, gen.empty() ? std::vector<std::string>{} : std::vector<std::string>{gen.back().key},
                     static_cast<uint64_t>(i + 1)});
    gen.push_back(f);
  }
  Snapshot snap = LoadOk();
  ASSERT_EQ(snap.version, 5u);
  SweepOptions opts;
  opts.min_age_ms = 0;
  opts.retain_versions = 2;
  SweepStats stats;
  ASSERT_TRUE(Manifest::SweepOrphans(store_.get(), snap, opts, &stats).ok());
  EXPECT_EQ(stats.deleted_versions, 3);
  EXPECT_EQ(stats.deleted_files, 3);
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->List("_manifest/", &keys).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"_manifest/CURRENT", ManifestVersionKey(4), ManifestVersionKey(5)}));
  ASSERT_TRUE(store_->List("events/", &keys).ok());
  std::vector<std::string> want = {gen[3].key, gen[4].key};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys, want);
  // A reader still on version 4 is served.
  Snapshot v4;
  ASSERT_TRUE(Manifest::LoadVersion(store_.get(), 4, &v4).ok());
  EXPECT_TRUE(AllFilesPresent(store_.get(), v4));
}

TEST_F(ManifestTest, SweepMovesCurrentOffTheVersionsItDeletes) {
  uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v = CommitOk(v, {{Part("web", "2024-05-0" + std::to_string(i + 1))}, {}, uint64_t(i + 1)});
  // CURRENT left on version 2 (a crash between a commit and its CURRENT
  // write, then a load that rolled forward).
  ASSERT_TRUE(store_->Put("_manifest/CURRENT", "v00000000000000000002.json\n").ok());
  SweepOptions opts;
  opts.min_age_ms = 0;
  opts.retain_versions = 1;
  SweepStats stats;
  ASSERT_TRUE(Manifest::SweepOrphans(store_.get(), LoadOk(), opts, &stats).ok());
  EXPECT_EQ(stats.deleted_versions, 3);
  EXPECT_EQ(ReadOrMissing(Path("_manifest/CURRENT")), "v00000000000000000004.json\n");
  LoadReport report;
  EXPECT_EQ(LoadOk(&report).version, 4u);
  EXPECT_TRUE(report.from_current);
}

TEST_F(ManifestTest, SweepWithAStaleSnapshotSparesNewerCommits) {
  CommitOk(0, {{Part("web", "2024-05-01")}, {}, 1});
  Snapshot stale = LoadOk();
  LakeFile newer = Part("web", "2024-05-02");
  CommitOk(1, {{newer}, {}, 2});
  SweepOptions opts;
  opts.min_age_ms = 0;
  opts.retain_versions = 1;
  ASSERT_TRUE(Manifest::SweepOrphans(store_.get(), stale, opts).ok());
  EXPECT_TRUE(FileExists(Path(newer.key)));
  EXPECT_TRUE(AllFilesPresent(store_.get(), LoadOk()));
}

}  // namespace
}  // namespace swell::lake
