// SpeedLayer: the in-memory, queryable copy of events not yet sealed into the
// lake. Per app and per UTC hour it keeps columnar event buffers and, for each
// (event name, property key, property value), the set of users (roaring
// bitmaps over dense user numbers from the app's persistent user dictionary)
// with event counts. Rebuilt from the write-ahead log after a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event/event_codec.h"
#include "util/status.h"

namespace swell::speed {

struct SpeedOptions {
  std::string data_dir;                              // DATA/apps/<app>/... holds user dictionaries
  int64_t dedup_window_ms = 7LL * 24 * 3600 * 1000;  // insert_id repeats within this window are dropped
  uint64_t memory_limit_bytes = 4ull << 30;          // Apply refuses new batches above this
};

struct ApplyResult {
  uint64_t applied = 0;     // new events now queryable
  uint64_t duplicates = 0;  // dropped: insert_id seen within the dedup window
  uint64_t sealed = 0;      // skipped on replay: already in the lake
};

struct SpeedStats {
  uint64_t events = 0;        // events held
  uint64_t users = 0;         // distinct users across apps
  uint64_t memory_bytes = 0;  // estimated bytes held
  uint64_t duplicates_dropped = 0;
};

class AppState;

class SpeedLayer {
 public:
  static Status Open(const SpeedOptions& options, std::unique_ptr<SpeedLayer>* out);
  virtual ~SpeedLayer() = default;

  // Adds a durable batch. REQUIRES: calls come in log order, one at a time
  // (the log's on_durable callback guarantees it); replay after a restart
  // makes the same calls in the same order and so reaches the same state.
  // InvalidArgument when the app id fails IsSafeAppId; otherwise errors come
  // only from opening a new app's user dictionary.
  virtual Status Apply(const EventBatch& batch, uint64_t lsn, ApplyResult* result) = 0;
  // For events that do not come from the log (tests, tools): lsn 0.
  Status Apply(const EventBatch& batch, ApplyResult* result) { return Apply(batch, 0, result); }

  // True when held memory is over the limit: ingest answers 429 until a seal
  // frees memory.
  virtual bool OverMemoryLimit() const = 0;
  virtual SpeedStats stats() const = 0;

  // Runs fn on the app's state while holding it shared: Apply waits until fn
  // returns, so fn sees whole batches. NotFound for an app never applied to
  // and without a user dictionary on disk.
  virtual Status ReadApp(const std::string& app_id, const std::function<Status(const AppState&)>& fn) const = 0;
  // Ids of the known apps (applied to, or with a dictionary on disk), sorted.
  virtual std::vector<std::string> AppIds() const = 0;
  // Once a seal committed the app's events of the UTC days `days` with
  // lsn <= max_lsn to the lake: with the app held exclusively, runs publish
  // (which makes the new lake snapshot visible to queries), then drops those
  // rows and records the days' sealed watermarks. Queries hold the app
  // shared while they take the snapshot and read the speed layer, so they
  // see each event exactly once: before, in memory; after, in the lake.
  // Sets *evicted to the events dropped.
  virtual Status EvictSealed(const std::string& app_id, const std::vector<int32_t>& days, uint64_t max_lsn,
                             const std::function<void()>& publish, uint64_t* evicted) = 0;
  // Records that the app's events of UTC day `day` with lsn <= lsn are in
  // the lake, so that replaying the log skips them (AppState::Apply).
  // REQUIRES: called before the replay applies records of that app.
  virtual Status SetSealedWatermark(const std::string& app_id, int32_t day, uint64_t lsn) = 0;
  // The smallest log position any held row came from (0 when none): log
  // segments before it are no longer needed to seal.
  virtual uint64_t MinRowLsn() const = 0;
  // Makes every app's user dictionary durable (before the log is trimmed).
  virtual Status SyncDictionaries() = 0;
};

// True when app_id can name a directory under DATA/apps/ without escaping it:
// 1 to 128 characters of [A-Za-z0-9._-], and not "." or "..".
bool IsSafeAppId(std::string_view app_id);

}  // namespace swell::speed
