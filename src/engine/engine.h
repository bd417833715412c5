// Engine: wires the layers for one data directory, in the order data flows:
// collect hands it validated events -> write-ahead log (durable) -> speed
// layer (queryable) -> [seal -> lake]; queries go through the QueryService.
// HTTP serving and the CLI both drive an Engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "event/event.h"
#include "query/query_service.h"
#include "speed/speed_layer.h"
#include "util/status.h"
#include "wal/log_writer.h"

namespace swell {

struct EngineOptions {
  std::string data_dir;                      // created if missing
  uint64_t memory_limit_bytes = 4ull << 30;  // speed layer bound
  bool sync = true;                          // fsync the log before acknowledging
  uint64_t wal_segment_bytes = 64ull << 20;
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
  uint64_t replay_truncated_bytes = 0;
  wal::LogStats wal;
  speed::SpeedStats speed;
};

class Engine {
 public:
  static Status Open(const EngineOptions& options, std::unique_ptr<Engine>* engine);
  ~Engine();

  // Makes events durable, then queryable. OK means both; on error nothing of
  // the batch is acknowledged. ResourceExhausted when the speed layer is full.
  // REQUIRES: app_id names a configured app and every event is valid
  // (collect/ validates).
  Status Ingest(const std::string& app_id, std::vector<Event> events, IngestResult* result);

  query::QueryService* queries() { return queries_.get(); }
  EngineStats stats() const;
  // OK while ingest can make events durable (GET /healthz answers 503 else).
  Status health() const { return log_->health(); }
  const EngineOptions& options() const { return options_; }

 private:
  Engine() = default;
  EngineOptions options_;
  std::unique_ptr<speed::SpeedLayer> speed_;
  std::unique_ptr<wal::LogWriter> log_;
  std::unique_ptr<query::QueryService> queries_;
  struct Counters;
  std::unique_ptr<Counters> counters_;
};

}  // namespace swell
