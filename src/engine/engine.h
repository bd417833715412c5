// Engine: wires the layers for one data directory, in the order data flows:
// collect hands it validated events -> write-ahead log (durable) -> speed
// layer (queryable) -> seal -> lake (Parquet + manifest); queries go through
// the QueryService, which reads the speed layer and the lake. HTTP serving
// and the CLI both drive an Engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "event/event.h"
#include "lake/snapshot_holder.h"
#include "lake/storage.h"
#include "query/query_service.h"
#include "seal/sealer.h"
#include "speed/speed_layer.h"
#include "util/status.h"
#include "wal/log_writer.h"

namespace swell {

struct EngineOptions {
  std::string data_dir;                      // created if missing
  uint64_t memory_limit_bytes = 4ull << 30;  // speed layer bound
  bool sync = true;                          // fsync the log before acknowledging
  uint64_t wal_segment_bytes = 64ull << 20;
  std::string lake_dir;                      // empty: DATA/lake
  bool raw_tier = false;                     // keep raw/ NDJSON of sealed events
  int seal_parallel = 1;                     // days a seal builds at once
  uint64_t lake_cache_bytes = 2ull << 30;    // lake partitions kept loaded for queries
  query::QueryOptions query;                 // result cache, audience chunks
  int64_t dedup_window_ms = 7LL * 24 * 3600 * 1000;
};

struct IngestResult {
  uint64_t lsn = 0;
  uint64_t applied = 0;
  uint64_t duplicates = 0;
};

struct EngineStats {
  uint64_t batches = 0;
  uint64_t events_ingested = 0;    // durable and applied (new)
  uint64_t events_duplicate = 0;   // durable, dropped as insert_id repeats
  uint64_t replayed_records = 0;   // at open
  uint64_t replayed_sealed = 0;    // events of replayed records already in the lake
  uint64_t replay_truncated_bytes = 0;
  seal::SealStats sealed;          // since open
  uint64_t seal_runs = 0;
  uint64_t seal_failures = 0;
  int64_t last_seal_ms = 0;        // when the last seal finished (0: none yet)
  uint64_t lake_version = 0;       // manifest version queries read
  uint64_t lake_files = 0;
  uint64_t lake_bytes = 0;
  query::QueryStats queries;
  wal::LogStats wal;
  speed::SpeedStats speed;
};

class Engine {
 public:
  static Status Open(const EngineOptions& options, std::unique_ptr<Engine>* engine);
  ~Engine();

  // Makes events durable, then queryable. OK means both; on error nothing of
  // the batch is acknowledged. ResourceExhausted when the speed layer is full
  // or, with wal::IsDiskFull() true, when the disk is (nothing stored, retry).
  // REQUIRES: app_id names a configured app and every event is valid
  // (collect/ validates).
  Status Ingest(const std::string& app_id, std::vector<Event> events, IngestResult* result);

  query::QueryService* queries() { return queries_.get(); }
  // True while Ingest refuses for memory: a seal frees it.
  bool OverMemoryLimit() const { return speed_->OverMemoryLimit(); }

  // Seals the app's held events of UTC days [first_day, last_day] into the
  // lake (seal/sealer.h), then trims the log of what no longer needs it.
  Status SealDays(const std::string& app_id, int32_t first_day, int32_t last_day, seal::SealStats* stats);
  // Seals, for every app, the days holding events of hours that ended at or
  // before closed_before_ms.
  Status SealClosed(int64_t closed_before_ms, seal::SealStats* stats);
  // Rewrites the app's partitions of [first_day, last_day] from the raw tier.
  Status RebuildFromRaw(const std::string& app_id, int32_t first_day, int32_t last_day, seal::SealStats* stats);
  // Deletes manifest versions older than min_age_ms but the newest, and the
  // lake files none of the remaining versions lists once older than
  // min_age_ms: min_age_ms must exceed the longest query (a query keeps
  // reading the version it started on).
  Status SweepLake(int64_t min_age_ms);
  // The lake version queries read now.
  std::shared_ptr<const lake::Snapshot> lake_snapshot() const { return snapshots_.Get(); }
  lake::Storage* lake_storage() { return lake_.get(); }
  EngineStats stats() const;
  // OK while ingest can make events durable (GET /healthz answers 503 else).
  Status health() const { return log_->health(); }
  const EngineOptions& options() const { return options_; }

 private:
  Engine() = default;
  // After a seal: every log segment before the oldest row still held (and
  // older than the dedup window) goes.
  Status TrimLog();
  Status AfterSeal(const Status& st, const seal::SealStats& stats);

  EngineOptions options_;
  std::unique_ptr<lake::Storage> lake_;
  lake::SnapshotHolder snapshots_;
  std::unique_ptr<speed::SpeedLayer> speed_;
  std::unique_ptr<wal::LogWriter> log_;
  std::unique_ptr<seal::Sealer> sealer_;
  std::unique_ptr<query::QueryService> queries_;
  struct Counters;
  std::unique_ptr<Counters> counters_;
};

}  // namespace swell
