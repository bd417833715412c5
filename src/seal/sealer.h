// Sealer: moves events from the speed layer into the lake, the batch half of
// the lambda architecture (docs/formats.md "Lake", docs/operations.md
// "Sealing").
//
// A seal works per app and UTC day (one partition). For each day it
//  1. notes the app's last applied log position (the cut) and the log
//     position of every held row of the day up to it;
//  2. reads those events back from the write-ahead log (the speed layer
//     keeps them only indexed), and the partition's live events file, if any
//     (late events fold into a day already sealed);
//  3. writes a new events/ file (all the day's events, sorted), a new sets/
//     file, and, with the raw tier on, raw/ files of the newly sealed events;
//  4. commits a manifest version that adds them and removes the partition's
//     previous files, together with a users/ part for any user numbers the
//     lake did not hold yet;
//  5. with the app held exclusively, publishes that version to queries and
//     drops the rows up to the cut from the speed layer.
// A crash anywhere leaves the previous version (and orphans for the sweep)
// or the new one; the speed layer is rebuilt from the log on restart, which
// skips what the committed version holds. Re-running a seal is therefore
// always safe, and sealing a day with nothing held does nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lake/snapshot_holder.h"
#include "lake/storage.h"
#include "speed/speed_layer.h"
#include "util/status.h"

namespace swell::seal {

struct SealOptions {
  std::string wal_dir;      // the write-ahead log the events are read back from
  std::string staging_dir;  // local scratch for files before they are stored
  bool raw_tier = false;    // also keep raw/ NDJSON of what is sealed
  int parallel = 1;         // days built at once
  size_t max_promoted_columns = 16;
  // Held events read back from the log at once (bounds a seal's memory):
  // days are sealed in groups of at most this many events.
  size_t max_events_per_pass = 2'000'000;
};

struct SealStats {
  uint64_t partitions = 0;     // days committed
  uint64_t events_sealed = 0;  // taken from the speed layer
  uint64_t events_written = 0; // rows of the events files written (late folds rewrite older rows too)
  uint64_t files_written = 0;
  uint64_t bytes_written = 0;
  uint64_t evicted = 0;        // rows dropped from the speed layer
  uint64_t commits = 0;
  void Add(const SealStats& o);
};

class Sealer {
 public:
  // REQUIRES: every pointer outlives the sealer; holder holds the newest
  // committed version of storage.
  Sealer(lake::Storage* storage, lake::SnapshotHolder* holder, speed::SpeedLayer* speed, SealOptions options);

  // Seals the app's held events of the UTC days [first_day, last_day]
  // (days since 1970-01-01), days in parallel up to options.parallel.
  Status SealDays(const std::string& app_id, int32_t first_day, int32_t last_day, SealStats* stats);

  // Seals, for every app, each day that holds a row of an hour that ended
  // at or before closed_before_ms: what `swell serve` runs on a timer
  // (closed_before_ms = now - the seal delay) and what memory pressure runs
  // with closed_before_ms = now.
  Status SealClosed(int64_t closed_before_ms, SealStats* stats);

  // Rebuilds the app's partitions of days [first_day, last_day] from the
  // raw tier: the events and sets files are written anew from the raw files
  // the manifest lists, which hold exactly what the lake holds. Idempotent.
  Status RebuildFromRaw(const std::string& app_id, int32_t first_day, int32_t last_day, SealStats* stats);

  // The held UTC days of an app with a row in an hour ending at or before
  // closed_before_ms (all held days for INT64_MAX).
  Status HeldDays(const std::string& app_id, int64_t closed_before_ms, std::vector<int32_t>* days) const;

 private:
  struct DayBuild;
  struct HeldEvents;
  // The held events of several days up to one cut, read from the log in one
  // pass (a day's events are spread over the records of its arrival).
  Status CollectHeld(const std::string& app_id, const std::vector<int32_t>& days, std::vector<HeldEvents>* out);
  // held is null when rebuilding from the raw tier.
  Status BuildDay(const std::string& app_id, int32_t day, HeldEvents* held, const lake::Snapshot& base,
                  DayBuild* out);
  Status CommitDay(const std::string& app_id, DayBuild* build, SealStats* stats);
  // After a failed build or commit: deletes the files the build stored unless
  // a committed version lists them.
  void DiscardUncommitted(const DayBuild& build);
  Status RunDays(const std::string& app_id, const std::vector<int32_t>& days, bool from_raw, SealStats* stats);
  Status UsersPart(const std::string& app_id, const lake::Snapshot& base, std::vector<lake::LakeFile>* add);

  lake::Storage* storage_;
  lake::SnapshotHolder* holder_;
  speed::SpeedLayer* speed_;
  SealOptions options_;
  std::mutex seal_mu_;    // one seal operation at a time
  std::mutex commit_mu_;  // commits of the days of one operation, one at a time
};

}  // namespace swell::seal
