// The manifest: numbered, immutable snapshots of the lake's live files
// (docs/formats.md "Lake"). Version N is the object _manifest/vN (20 digits)
// .json; _manifest/CURRENT names the newest version.
//
// A commit is the atomic creation of the next version object (create-only:
// Storage::PutIfAbsent), so of two writers that start from the same version
// exactly one wins and the other gets Status::Aborted. CURRENT is rewritten
// afterwards; it is where readers and external tools start, and Load rolls
// forward past it to any newer complete version, so a crash between the two
// writes loses nothing. A version names only files that existed with the
// recorded size when it was committed (Commit checks), and files are never
// modified after they are written, so the snapshot a reader loaded stays
// readable until a sweep removes what no retained version references.
//
// Crash at any point of "write files, Commit" leaves the old version or the
// new one, never a mix; what the failed attempt wrote is an orphan that
// SweepOrphans removes once it is older than min_age.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lake/layout.h"
#include "lake/storage.h"
#include "util/status.h"

namespace swell::lake {

// One live file. app_id and date are the values the key's partitions encode
// (date is empty for kUsers); Commit refuses entries where they disagree.
struct LakeFile {
  FileKind kind = FileKind::kEvents;
  std::string app_id;
  std::string date;
  std::string key;
  uint64_t size = 0;  // bytes of the object
  uint64_t rows = 0;
  // Event-time range of the rows, ms since the epoch (0 and 0 for files
  // without event times).
  int64_t min_time_ms = 0;
  int64_t max_time_ms = 0;
  // For events files: every log record of the app with lsn <= sealed_lsn
  // whose events belong to this day is in the partition (so a replay of the
  // log after a restart skips them). 0 for other kinds and for files not
  // built from the log.
  uint64_t sealed_lsn = 0;

  bool operator==(const LakeFile&) const = default;
};

struct Snapshot {
  uint64_t version = 0;  // 0: the empty lake, before the first commit
  uint64_t parent = 0;   // the version this one was committed on
  // Every log record with lsn <= covered_lsn is in the lake.
  uint64_t covered_lsn = 0;
  int64_t committed_ms = 0;
  std::vector<LakeFile> files;  // sorted by key, keys unique

  // The live file named key, or nullptr.
  const LakeFile* Find(std::string_view key) const;
  // The live files of one kind and app whose date is in [from_date,
  // to_date] ("YYYY-MM-DD", inclusive; ignored for kUsers), in key order:
  // what a query over that range reads from the lake.
  std::vector<const LakeFile*> Select(FileKind kind, std::string_view app_id, std::string_view from_date,
                                      std::string_view to_date) const;
};

struct ManifestEdit {
  // REQUIRES: each file exists in storage with exactly this size.
  std::vector<LakeFile> add;
  // Keys of files live in the base version.
  std::vector<std::string> remove;
  // The new covered position; never lower than the base's (0 keeps it).
  uint64_t covered_lsn = 0;
};

// How Load found its version: for logs and alarms.
struct LoadReport {
  bool from_current = false;  // CURRENT was intact and pointed at a complete version
  std::vector<uint64_t> damaged_versions;  // refused (checksum or format), newest first
};

struct SweepOptions {
  // Objects younger than this are left alone: they may belong to a commit in
  // progress (files are written before the version naming them) or to a
  // snapshot a reader still uses. Must exceed the longest write-then-commit.
  int64_t min_age_ms = 60 * 60 * 1000;
  // Versions kept below the snapshot's (the snapshot's own counts as one).
  uint64_t retain_versions = 10;
  int64_t now_ms = 0;  // 0: the system clock
};

struct SweepStats {
  int deleted_files = 0;
  int deleted_versions = 0;
  int kept_young = 0;  // unreferenced, but younger than min_age
};

class Manifest {
 public:
  // The newest intact version: CURRENT's, rolled forward to newer complete
  // versions; when CURRENT is missing or damaged, or names a missing or
  // damaged version, the highest intact version found by listing. A version
  // whose checksum or format fails is never returned. An empty _manifest/ is
  // the empty lake (version 0); a _manifest/ with objects but no intact
  // version is Corruption (never mistaken for an empty lake, which a sweep
  // would act on).
  static Status Load(Storage* storage, Snapshot* out, LoadReport* report = nullptr);
  // Exactly version v: NotFound or Corruption otherwise.
  static Status LoadVersion(Storage* storage, uint64_t version, Snapshot* out);

  // Commits base_version + edit as version base_version + 1. Aborted when
  // base_version is no longer the newest version (reload and retry);
  // InvalidArgument for an edit that does not apply (removing a file that is
  // not live, adding a live key or a missing file, moving covered_lsn back).
  // An error other than those does not prove the commit did not happen (the
  // acknowledgement of a write can be lost): reload to find out.
  static Status Commit(Storage* storage, uint64_t base_version, const ManifestEdit& edit,
                       uint64_t* new_version, int64_t now_ms = 0);

  // Deletes the manifest versions older than the retained window (the
  // retain_versions newest up to snapshot.version, plus any newer ones and
  // any younger than min_age), then every object under events/, sets/ and
  // users/ that no retained version names, if older than min_age. Deletes
  // nothing unless every retained version loads intact.
  static Status SweepOrphans(Storage* storage, const Snapshot& snapshot, const SweepOptions& options,
                             SweepStats* stats = nullptr);

  // The JSON text of a version, and its inverse (which checks the checksum
  // and the format). Exposed for tests and tools.
  static std::string Encode(const Snapshot& snapshot);
  static Status Decode(std::string_view text, Snapshot* out);
};

}  // namespace swell::lake
