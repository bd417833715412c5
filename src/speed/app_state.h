// AppState: everything the speed layer holds for one app: its user
// dictionary, the interners that number event names, property keys and
// property values, the dedup index, and the hour buffers by UTC hour of
// event time.
//
// Concurrency: Apply takes mu exclusively for one batch; readers hold it
// shared (SpeedLayer::ReadApp) for the length of a query, so a query sees
// whole batches only, and every batch whose Apply returned before it started.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "event/event.h"
#include "speed/dedup_index.h"
#include "speed/hour_buffer.h"
#include "speed/interner.h"
#include "speed/user_dictionary.h"
#include "util/status.h"

namespace swell::speed {

struct ApplyResult;

class AppState {
 public:
  // dict_path: the user dictionary file, or empty to keep it in memory only.
  static Status Open(const std::string& app_id, const std::string& dict_path, int64_t dedup_window_ms,
                     std::unique_ptr<AppState>* out);

  // Dedups and adds the events of log record lsn. Never fails once the app
  // is open: a failed dictionary write is retried later (see
  // UserDictionary). An event of a UTC day whose sealed watermark is >= lsn
  // is already in the lake: it passes through the dedup index (so later
  // decisions match the ones made before the restart) but adds no row.
  // REQUIRES: mu held exclusively; batches in log order.
  Status Apply(const std::vector<Event>& events, uint64_t lsn, ApplyResult* result);

  // Adds an event read back from the lake, numbered by the lake
  // (user_number), bypassing dedup and the dictionary. For the in-memory
  // copies of lake partitions queries load (their AppState has no file).
  // REQUIRES: mu held exclusively, or the state not yet shared.
  void AddSealedRow(const Event& e, uint32_t user_number);

  // Every event of UTC day `day` with lsn <= lsn is in the lake (a seal
  // committed it): replay skips them. Never lowers a watermark.
  // REQUIRES: mu held exclusively.
  void SetSealedWatermark(int32_t day, uint64_t lsn);

  // Where a row came from in the log, and its user number: what a seal
  // needs to read the event back.
  struct RowLocator {
    uint64_t lsn;
    uint32_t batch_index;
    uint32_t user;
  };
  // The rows of hours [first_hour, end_hour) with lsn <= max_lsn, appended
  // to *rows. REQUIRES: mu held (shared is enough).
  void CollectRows(int64_t first_hour, int64_t end_hour, uint64_t max_lsn, std::vector<RowLocator>* rows) const;
  // Drops the rows of hours [first_hour, end_hour) with lsn <= max_lsn, once
  // a seal made them queryable from the lake, and returns how many. Rows
  // with a later lsn (late events that arrived during the seal) stay.
  // REQUIRES: mu held exclusively.
  uint64_t EvictSealed(int64_t first_hour, int64_t end_hour, uint64_t max_lsn);

  // The lsn of the last record applied (0 before any).
  uint64_t last_lsn() const { return last_lsn_; }
  // The smallest lsn any held row came from, or 0 when no row is held.
  uint64_t MinRowLsn() const;

  const std::string& app_id() const { return app_id_; }
  const UserDictionary& users() const { return *users_; }
  UserDictionary* mutable_users() { return users_.get(); }
  const Interner& names() const { return names_; }
  const Interner& keys() const { return keys_; }
  const Interner& values() const { return values_; }
  // By hour (floor(time_ms / 3600000)).
  const std::map<int64_t, std::unique_ptr<HourBuffer>>& hours() const { return hours_; }

  // The key ref a property name resolves to in a scope, or
  // Interner::kMissing when no event of the app ever had that key.
  uint32_t FindKeyRef(std::string_view name, bool user_scope) const;

  uint64_t events() const { return events_; }
  uint64_t MemoryBytes() const;

  mutable std::shared_mutex mu;

 private:
  AppState(std::string app_id, int64_t dedup_window_ms) : app_id_(std::move(app_id)), dedup_(dedup_window_ms) {}
  void AddRow(const Event& e, uint32_t user, uint64_t lsn, uint32_t batch_index);

  std::string app_id_;
  std::unique_ptr<UserDictionary> users_;
  Interner names_, keys_, values_;
  DedupIndex dedup_;
  std::map<int64_t, std::unique_ptr<HourBuffer>> hours_;
  uint64_t events_ = 0;
  uint64_t hour_bytes_ = 0;
  std::vector<PropRef> scratch_;
  uint64_t last_lsn_ = 0;
  std::map<int32_t, uint64_t> sealed_watermark_;  // by UTC day
  uint64_t max_watermark_ = 0;                     // the largest of them
};

}  // namespace swell::speed
