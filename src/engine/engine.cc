#include "engine/engine.h"

#include <atomic>

#include "event/event_codec.h"
#include "util/file_util.h"
#include "wal/log_reader.h"

namespace swell {

struct Engine::Counters {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> events_ingested{0};
  std::atomic<uint64_t> events_duplicate{0};
  uint64_t replayed_records = 0;
  uint64_t replay_truncated_bytes = 0;
};

Engine::~Engine() = default;

Status Engine::Open(const EngineOptions& options, std::unique_ptr<Engine>* out) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->counters_ = std::make_unique<Counters>();
  SWELL_RETURN_IF_ERROR(CreateDirectories(options.data_dir));

  speed::SpeedOptions speed_options;
  speed_options.data_dir = options.data_dir;
  speed_options.memory_limit_bytes = options.memory_limit_bytes;
  SWELL_RETURN_IF_ERROR(speed::SpeedLayer::Open(speed_options, &engine->speed_));

  // Rebuild the speed layer: every durable batch, in log order.
  std::string wal_dir = options.data_dir + "/wal";
  wal::ReplayResult replay;
  speed::SpeedLayer* speed = engine->speed_.get();
  SWELL_RETURN_IF_ERROR(wal::ReplayLog(
      wal_dir,
      [speed](uint64_t lsn, std::string_view payload) -> Status {
        EventBatch batch;
        SWELL_RETURN_IF_ERROR(DecodeEventBatch(payload, &batch).WithContext("log record " + std::to_string(lsn)));
        speed::ApplyResult applied;
        return speed->Apply(batch, &applied);
      },
      &replay));
  engine->counters_->replayed_records = replay.records;
  engine->counters_->replay_truncated_bytes = replay.truncated_bytes;

  wal::LogOptions log_options;
  log_options.dir = wal_dir;
  log_options.sync = options.sync;
  log_options.segment_bytes = options.wal_segment_bytes;
  SWELL_RETURN_IF_ERROR(wal::LogWriter::Open(log_options, replay.last_lsn + 1, &engine->log_));

  engine->queries_ = query::QueryService::Create(engine->speed_.get());
  *out = std::move(engine);
  return Status::OK();
}

Status Engine::Ingest(const std::string& app_id, std::vector<Event> events, IngestResult* result) {
  if (speed_->OverMemoryLimit())
    return Status::ResourceExhausted("speed layer memory limit reached; retry after the next seal");
  EventBatch batch{app_id, std::move(events)};
  std::string payload;
  EncodeEventBatch(batch, &payload);
  IngestResult local;
  Status apply_status;
  Status st = log_->Append(
      payload,
      [&](uint64_t lsn) {
        speed::ApplyResult applied;
        apply_status = speed_->Apply(batch, &applied);
        local.lsn = lsn;
        local.applied = applied.applied;
        local.duplicates = applied.duplicates;
      },
      &local.lsn);
  SWELL_RETURN_IF_ERROR(st);
  SWELL_RETURN_IF_ERROR(apply_status);
  counters_->batches.fetch_add(1, std::memory_order_relaxed);
  counters_->events_ingested.fetch_add(local.applied, std::memory_order_relaxed);
  counters_->events_duplicate.fetch_add(local.duplicates, std::memory_order_relaxed);
  if (result) *result = local;
  return Status::OK();
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.batches = counters_->batches.load(std::memory_order_relaxed);
  s.events_ingested = counters_->events_ingested.load(std::memory_order_relaxed);
  s.events_duplicate = counters_->events_duplicate.load(std::memory_order_relaxed);
  s.replayed_records = counters_->replayed_records;
  s.replay_truncated_bytes = counters_->replay_truncated_bytes;
  s.wal = log_->stats();
  s.speed = speed_->stats();
  return s;
}

}  // namespace swell
