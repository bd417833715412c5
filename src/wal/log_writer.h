// LogWriter: appends event batches to the write-ahead log with group commit.
// Many threads call Append concurrently; one of them (the leader) writes
// every pending record and issues a single fsync for the whole group.
// Format: docs/formats.md, "Write-ahead log".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::wal {

struct LogOptions {
  std::string dir;                          // e.g. DATA/wal; created if missing
  uint64_t segment_bytes = 64ull << 20;     // roll to a new segment after this size
  bool sync = true;                         // fsync before acknowledging (tests of the format may turn it off)
};

struct LogStats {
  uint64_t records = 0;
  uint64_t bytes = 0;             // bytes appended since open
  uint64_t fsyncs = 0;
  uint64_t fsync_micros_total = 0;
  // fsync latency histogram; bucket upper bounds in microseconds are kFsyncBucketsMicros.
  static constexpr uint64_t kFsyncBucketsMicros[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
  static constexpr int kNumBuckets = sizeof(kFsyncBucketsMicros) / sizeof(kFsyncBucketsMicros[0]);
  uint64_t fsync_bucket_counts[kNumBuckets + 1] = {};  // last = +Inf
  uint64_t segments = 0;          // live segment files
  uint64_t disk_bytes = 0;        // total size of live segment files
  uint64_t queued = 0;            // appends waiting behind the group being written
  uint64_t disk_full = 0;         // appends refused because the file system was full
};

class LogWriter {
 public:
  // Opens the log in options.dir for appending. The next record gets
  // sequence number next_lsn (LogReader reports the last one it read).
  static Status Open(const LogOptions& options, uint64_t next_lsn, std::unique_ptr<LogWriter>* writer);
  // REQUIRES: no Append in progress.
  ~LogWriter();

  // Appends one record and returns once it is durable (fsynced when
  // options.sync), together with the records of concurrent callers.
  // on_durable, if given, is called once the record is durable and before
  // Append returns; calls across all appends happen in log order, one at a
  // time (so the caller can apply records to memory in the log's order).
  // On error the record is not acknowledged. When the file system is full
  // (ENOSPC, EDQUOT) while writing the group or creating its segment, the
  // segment is cut back to where it ended before the group and synced, so
  // nothing of the group can reappear at replay; the error satisfies
  // IsDiskFull() and later appends are tried again. After an fsync error, any
  // other write error, or a failed repair, the writer refuses every later
  // append (the data's fate on disk is unknown, so continuing would
  // acknowledge data after a hole).
  // *lsn (optional) receives the record's sequence number.
  Status Append(std::string_view payload, const std::function<void(uint64_t lsn)>& on_durable = nullptr,
                uint64_t* lsn = nullptr);

  LogStats stats() const;

  // OK while the writer accepts appends; the error that stopped it otherwise.
  Status health() const;

  // Deletes whole segments whose records all have lsn < lsn (after a seal
  // made them redundant) and that were last written before
  // modified_before_ms (ms since the epoch): the insert_id dedup window is
  // rebuilt from the log on restart, so the log keeps at least that much.
  Status DeleteSegmentsBefore(uint64_t lsn, int64_t modified_before_ms = INT64_MAX);

  class Impl;
 private:
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for the error Append returns when the file system was full: nothing of
// the record was stored, and an append may succeed once space is freed.
bool IsDiskFull(const Status& status);

}  // namespace swell::wal
