#include "engine/engine.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "event/event_codec.h"
#include "lake/layout.h"
#include "lake/local_storage.h"
#include "lake/manifest.h"
#include "util/file_util.h"
#include "wal/log_reader.h"

namespace swell {

struct Engine::Counters {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> events_ingested{0};
  std::atomic<uint64_t> events_duplicate{0};
  uint64_t replayed_records = 0;
  uint64_t replayed_sealed = 0;
  uint64_t replay_truncated_bytes = 0;
  std::mutex seal_mu;
  seal::SealStats sealed;
  uint64_t seal_runs = 0;
  uint64_t seal_failures = 0;
  int64_t last_seal_ms = 0;
};

namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Deletes the files of a seal's scratch folder.
Status RemoveStaging(const std::string& dir) {
  if (!FileExists(dir)) return Status::OK();
  std::vector<std::string> names;
  SWELL_RETURN_IF_ERROR(ListDirectory(dir, &names));
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno("delete " + path, errno);
  }
  return Status::OK();
}
}  // namespace

Engine::~Engine() = default;

Status Engine::Open(const EngineOptions& options, std::unique_ptr<Engine>* out) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->counters_ = std::make_unique<Counters>();
  SWELL_RETURN_IF_ERROR(CreateDirectories(options.data_dir));

  // The lake first: its manifest says which logged events are sealed.
  std::string lake_dir = options.lake_dir.empty() ? options.data_dir + "/lake" : options.lake_dir;
  std::unique_ptr<lake::LocalStorage> local;
  SWELL_RETURN_IF_ERROR(lake::LocalStorage::Open(lake_dir, &local).WithContext("lake " + lake_dir));
  // The caller holds the data directory, so no seal is running: whatever a
  // killed one left (staged files, half-written lake temporaries, files it
  // stored but never committed) is garbage now.
  int removed = 0;
  SWELL_RETURN_IF_ERROR(local->RemoveStaleTemporaries(0, &removed).WithContext("lake " + lake_dir));
  SWELL_RETURN_IF_ERROR(RemoveStaging(options.data_dir + "/staging"));
  engine->lake_ = std::move(local);
  auto snapshot = std::make_shared<lake::Snapshot>();
  SWELL_RETURN_IF_ERROR(lake::Manifest::Load(engine->lake_.get(), snapshot.get()).WithContext("lake " + lake_dir));
  if (snapshot->version > 0) {
    lake::SweepOptions sweep;
    sweep.min_age_ms = 0;
    sweep.retain_versions = 1;
    SWELL_RETURN_IF_ERROR(
        lake::Manifest::SweepOrphans(engine->lake_.get(), *snapshot, sweep).WithContext("lake " + lake_dir));
  }

  speed::SpeedOptions speed_options;
  speed_options.data_dir = options.data_dir;
  speed_options.memory_limit_bytes = options.memory_limit_bytes;
  speed_options.dedup_window_ms = options.dedup_window_ms;
  SWELL_RETURN_IF_ERROR(speed::SpeedLayer::Open(speed_options, &engine->speed_));
  for (const lake::LakeFile& f : snapshot->files) {
    int32_t day;
    if (f.kind != lake::FileKind::kEvents || f.sealed_lsn == 0 || !lake::ParseDate(f.date, &day)) continue;
    if (!speed::IsSafeAppId(f.app_id)) return Status::Corruption("lake lists a file of app id " + f.app_id);
    SWELL_RETURN_IF_ERROR(engine->speed_->SetSealedWatermark(f.app_id, day, f.sealed_lsn));
  }
  engine->snapshots_.Set(std::move(snapshot));

  // Rebuild the speed layer: every durable batch, in log order.
  std::string wal_dir = options.data_dir + "/wal";
  wal::ReplayResult replay;
  speed::SpeedLayer* speed = engine->speed_.get();
  uint64_t sealed = 0;
  SWELL_RETURN_IF_ERROR(wal::ReplayLog(
      wal_dir,
      [speed, &sealed](uint64_t lsn, std::string_view payload) -> Status {
        EventBatch batch;
        SWELL_RETURN_IF_ERROR(DecodeEventBatch(payload, &batch).WithContext("log record " + std::to_string(lsn)));
        speed::ApplyResult applied;
        SWELL_RETURN_IF_ERROR(speed->Apply(batch, lsn, &applied));
        sealed += applied.sealed;
        return Status::OK();
      },
      &replay));
  engine->counters_->replayed_sealed = sealed;
  engine->counters_->replayed_records = replay.records;
  engine->counters_->replay_truncated_bytes = replay.truncated_bytes;

  wal::LogOptions log_options;
  log_options.dir = wal_dir;
  log_options.sync = options.sync;
  log_options.segment_bytes = options.wal_segment_bytes;
  SWELL_RETURN_IF_ERROR(wal::LogWriter::Open(log_options, replay.last_lsn + 1, &engine->log_));

  seal::SealOptions seal_options;
  seal_options.wal_dir = wal_dir;
  seal_options.staging_dir = options.data_dir + "/staging";
  seal_options.raw_tier = options.raw_tier;
  seal_options.parallel = options.seal_parallel;
  engine->sealer_ = std::make_unique<seal::Sealer>(engine->lake_.get(), &engine->snapshots_, engine->speed_.get(),
                                                   seal_options);

  query::LakeAccess lake_access;
  lake_access.storage = engine->lake_.get();
  lake_access.snapshots = &engine->snapshots_;
  lake_access.cache_bytes = options.lake_cache_bytes;
  engine->queries_ = query::QueryService::Create(engine->speed_.get(), lake_access, options.query);
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
        apply_status = speed_->Apply(batch, lsn, &applied);
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
  s.replayed_sealed = counters_->replayed_sealed;
  s.replay_truncated_bytes = counters_->replay_truncated_bytes;
  s.wal = log_->stats();
  s.speed = speed_->stats();
  {
    std::lock_guard lock(counters_->seal_mu);
    s.sealed = counters_->sealed;
    s.seal_runs = counters_->seal_runs;
    s.seal_failures = counters_->seal_failures;
    s.last_seal_ms = counters_->last_seal_ms;
  }
  std::shared_ptr<const lake::Snapshot> snapshot = snapshots_.Get();
  s.lake_version = snapshot->version;
  s.lake_files = snapshot->files.size();
  for (const lake::LakeFile& f : snapshot->files) s.lake_bytes += f.size;
  s.queries = queries_->stats();
  return s;
}

Status Engine::SealDays(const std::string& app_id, int32_t first_day, int32_t last_day, seal::SealStats* stats) {
  seal::SealStats local;
  Status st = sealer_->SealDays(app_id, first_day, last_day, &local);
  if (stats) *stats = local;
  return AfterSeal(st, local);
}

Status Engine::SealClosed(int64_t closed_before_ms, seal::SealStats* stats) {
  seal::SealStats local;
  Status st = sealer_->SealClosed(closed_before_ms, &local);
  if (stats) *stats = local;
  return AfterSeal(st, local);
}

Status Engine::RebuildFromRaw(const std::string& app_id, int32_t first_day, int32_t last_day,
                              seal::SealStats* stats) {
  seal::SealStats local;
  Status st = sealer_->RebuildFromRaw(app_id, first_day, last_day, &local);
  if (stats) *stats = local;
  return AfterSeal(st, local);
}

Status Engine::AfterSeal(const Status& st, const seal::SealStats& stats) {
  {
    std::lock_guard lock(counters_->seal_mu);
    counters_->sealed.Add(stats);
    counters_->seal_runs++;
    if (!st.ok()) counters_->seal_failures++;
    counters_->last_seal_ms = NowMs();
  }
  SWELL_RETURN_IF_ERROR(st);
  return stats.commits > 0 ? TrimLog() : Status::OK();
}

Status Engine::TrimLog() {
  // The dictionary records of trimmed events must be durable first: replay
  // would no longer re-create them.
  SWELL_RETURN_IF_ERROR(speed_->SyncDictionaries());
  uint64_t keep_from = speed_->MinRowLsn();
  if (keep_from == 0) keep_from = UINT64_MAX;  // nothing held: every closed segment may go
  return log_->DeleteSegmentsBefore(keep_from, NowMs() - options_.dedup_window_ms);
}

Status Engine::SweepLake(int64_t min_age_ms) {
  lake::SweepOptions options;
  options.min_age_ms = min_age_ms;
  // Tools that read the lake by listing its directories (a Hive glob) see a
  // replaced file until it is swept: keep only what a query in flight may
  // still read (versions younger than min_age are kept regardless).
  options.retain_versions = 1;
  return lake::Manifest::SweepOrphans(lake_.get(), *snapshots_.Get(), options);
}

}  // namespace swell
