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

  // Dedups and adds the events. Never fails once the app is open: a failed
  // dictionary write is retried later (see UserDictionary).
  // REQUIRES: mu held exclusively; batches in log order.
  Status Apply(const std::vector<Event>& events, ApplyResult* result);

  const std::string& app_id() const { return app_id_; }
  const UserDictionary& users() const { return *users_; }
  UserDictionary* mutable_users() { return users_.get(); }
  const Interner& names() const { return names_; }
  const Interner& keys() const { return keys_; }
  const Interner& values() const { return values_; }
  // By hour (floor(time_ms / 3600000)).
  const std::map<int64_t, std::unique_ptr<HourBuffer>>& hours() const { return hours_; }

  // Drops the hour buffers of hours [first_hour, end_hour) (after a seal put
  // them in the lake) and returns the events dropped. The dictionaries and
  // the dedup index stay: they outlive any one hour.
  // REQUIRES: mu held exclusively.
  uint64_t EvictHours(int64_t first_hour, int64_t end_hour);

  // The key ref a property name resolves to in a scope, or
  // Interner::kMissing when no event of the app ever had that key.
  uint32_t FindKeyRef(std::string_view name, bool user_scope) const;

  uint64_t events() const { return events_; }
  uint64_t MemoryBytes() const;

  mutable std::shared_mutex mu;

 private:
  AppState(std::string app_id, int64_t dedup_window_ms) : app_id_(std::move(app_id)), dedup_(dedup_window_ms) {}
  void AddRow(const Event& e);

  std::string app_id_;
  std::unique_ptr<UserDictionary> users_;
  Interner names_, keys_, values_;
  DedupIndex dedup_;
  std::map<int64_t, std::unique_ptr<HourBuffer>> hours_;
  uint64_t events_ = 0;
  uint64_t hour_bytes_ = 0;
  std::vector<PropRef> scratch_;
};

}  // namespace swell::speed
