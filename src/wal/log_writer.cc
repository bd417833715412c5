#include "wal/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "util/file_util.h"
#include "wal/log_format.h"
#include "wal/segment_file.h"
#include "wal/segment_reader.h"

namespace swell::wal {
namespace {

// A group stops growing here so that one leader does not hold a huge buffer
// while later callers could already form the next group.
constexpr size_t kMaxGroupBytes = 4 << 20;

struct Segment {
  uint64_t first_lsn = 0;
  std::string path;
  uint64_t size = 0;  // final size; the active segment's size lives in Impl::active_size_
};

// Marks the errors IsDiskFull() recognises (the status code alone is shared
// with the speed layer's memory limit).
constexpr std::string_view kDiskFullMessage = "disk full";

bool OutOfSpace(int err) { return err == ENOSPC || err == EDQUOT; }

// *err receives errno of a failed write, *written how much reached the file.
Status WriteAll(int fd, const std::string& data, uint64_t offset, const std::string& path, int* err,
                uint64_t* written) {
  const char* p = data.data();
  size_t left = data.size();
  *err = 0;
  *written = 0;
  while (left > 0) {
    ssize_t n = ::pwrite(fd, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return Status::FromErrno("write " + path, errno);
    }
    *written += static_cast<uint64_t>(n);
    p += n;
    left -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

}  // namespace

class LogWriter::Impl {
 public:
  explicit Impl(const LogOptions& options) : options_(options) {}
  ~Impl() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Open(uint64_t next_lsn);
  Status Append(std::string_view payload, const std::function<void(uint64_t)>& on_durable, uint64_t* lsn);
  LogStats stats() const;
  Status health() const {
    std::lock_guard<std::mutex> l(mu_);
    return poisoned_;
  }
  Status DeleteSegmentsBefore(uint64_t lsn, int64_t modified_before_ms);

 private:
  // One caller of Append, parked in the queue until a leader has made its
  // record durable (or failed to).
  struct Waiter {
    std::string_view payload;
    const std::function<void(uint64_t)>* on_durable = nullptr;
    uint64_t lsn = 0;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  // Called by the leader without mu_ held; only one leader runs at a time, so
  // the segment state below needs no lock of its own. *out_of_space is set
  // when the group failed for a full file system and the log is exactly as
  // it was before the group.
  Status WriteGroup(const std::vector<Waiter*>& group, bool* out_of_space);
  Status Roll(uint64_t first_lsn, bool* out_of_space);

  const LogOptions options_;

  mutable std::mutex mu_;
  std::deque<Waiter*> queue_;  // front is the leader; the group being written is a prefix
  size_t group_size_ = 0;
  uint64_t next_lsn_ = 0;
  Status poisoned_;

  // Leader-only state.
  int fd_ = -1;
  std::string active_path_;
  uint64_t active_size_ = 0;
  std::string buf_;

  // Guards segments_ against DeleteSegmentsBefore racing with a roll.
  std::mutex seg_mu_;
  std::vector<Segment> segments_;  // back() is the active segment once one exists

  mutable std::mutex stats_mu_;
  LogStats stats_;
};

Status LogWriter::Impl::Open(uint64_t next_lsn) {
  if (next_lsn == 0) return Status::InvalidArgument("log sequence numbers start at 1");
  if (options_.dir.empty()) return Status::InvalidArgument("log directory not set");
  bool existed = FileExists(options_.dir);
  SWELL_RETURN_IF_ERROR(CreateDirectories(options_.dir));
  if (!existed && options_.sync) {
    auto slash = options_.dir.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : options_.dir.substr(0, slash == 0 ? 1 : slash);
    SWELL_RETURN_IF_ERROR(FsyncDirectory(parent));
  }
  std::vector<SegmentInfo> found;
  SWELL_RETURN_IF_ERROR(ListSegments(options_.dir, &found));
  for (const SegmentInfo& info : found) {
    struct stat st;
    if (::stat(info.path.c_str(), &st) != 0) return Status::FromErrno("stat " + info.path, errno);
    segments_.push_back({info.first_lsn, info.path, static_cast<uint64_t>(st.st_size)});
    stats_.disk_bytes += static_cast<uint64_t>(st.st_size);
  }
  stats_.segments = segments_.size();
  next_lsn_ = next_lsn;
  if (segments_.empty()) return Status::OK();  // the first append creates a segment

  // Appending after a torn tail or at the wrong lsn would produce a log that
  // replay rejects later, when the acknowledged data can no longer be fixed.
  Segment& last = segments_.back();
  SegmentScan scan;
  SWELL_RETURN_IF_ERROR(ScanSegment(last.path, last.first_lsn, nullptr, &scan));
  if (scan.good_bytes != scan.file_size) {
    return Status::Corruption(last.path + ": offset " + std::to_string(scan.good_bytes) + ": " + scan.damage +
                              " (replay the log before appending to it)");
  }
  if (scan.next_lsn != next_lsn) {
    return Status::InvalidArgument("log in " + options_.dir + " continues at lsn " + std::to_string(scan.next_lsn) +
                                   ", not " + std::to_string(next_lsn));
  }
  fd_ = ::open(last.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) return Status::FromErrno(last.path, errno);
  active_path_ = last.path;
  active_size_ = scan.file_size;
  return Status::OK();
}

// Segments are not preallocated (fallocate): a partly written group is cut
// off again below, so the point where space runs out is well defined without
// it, and a reservation of segment_bytes would refuse ingest while the disk
// still has room for many groups, hold space a seal needs to free the log,
// and guarantee nothing on copy-on-write file systems (btrfs, ZFS).
Status LogWriter::Impl::Roll(uint64_t first_lsn, bool* out_of_space) {
  std::string path = SegmentPath(options_.dir, first_lsn);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    *out_of_space = OutOfSpace(err);
    return Status::FromErrno("create " + path, err);
  }
  // The new name must be durable before any record in it is acknowledged.
  if (options_.sync) {
    Status st = FsyncDirectory(options_.dir);
    if (!st.ok()) {
      ::close(fd);
      return st;
    }
  }
  if (fd_ >= 0) ::close(fd_);
  {
    std::lock_guard<std::mutex> l(seg_mu_);
    if (!segments_.empty()) segments_.back().size = active_size_;
    segments_.push_back({first_lsn, path, 0});
  }
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.segments++;
  }
  fd_ = fd;
  active_path_ = path;
  active_size_ = 0;
  return Status::OK();
}

Status LogWriter::Impl::WriteGroup(const std::vector<Waiter*>& group, bool* out_of_space) {
  *out_of_space = false;
  buf_.clear();
  for (const Waiter* w : group) EncodeRecord(w->lsn, w->payload, &buf_);
  // A segment created by a roll whose group then found the disk full stays
  // (empty) and takes the retried group, which starts at the same lsn.
  if (fd_ < 0 || active_size_ >= options_.segment_bytes) {
    SWELL_RETURN_IF_ERROR(Roll(group.front()->lsn, out_of_space));
  }
  int err = 0;
  uint64_t written = 0;
  Status st = WriteAll(fd_, buf_, active_size_, active_path_, &err, &written);
  if (!st.ok()) {
    if (!OutOfSpace(err)) return st;
    if (written > 0) {
      // Whole records of the refused group may have reached the file; left
      // there, a later sync (or the kernel's writeback before a crash) could
      // let replay find records no caller was told were stored. Shrinking
      // needs no free space. Synced with fsync: the size is metadata.
      if (::ftruncate(fd_, static_cast<off_t>(active_size_)) != 0)
        return Status::FromErrno("truncate " + active_path_ + " after " + st.message(), errno);
      if (options_.sync && ::fsync(fd_) != 0)
        return Status::FromErrno("fsync " + active_path_ + " after " + st.message(), errno);
    }
    *out_of_space = true;
    return st;
  }
  active_size_ += buf_.size();
  uint64_t micros = 0;
  if (options_.sync) {
    auto start = std::chrono::steady_clock::now();
    if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync " + active_path_, errno);
    micros = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  }
  std::lock_guard<std::mutex> l(stats_mu_);
  stats_.records += group.size();
  stats_.bytes += buf_.size();
  stats_.disk_bytes += buf_.size();
  if (options_.sync) {
    stats_.fsyncs++;
    stats_.fsync_micros_total += micros;
    int b = 0;
    while (b < LogStats::kNumBuckets && micros > LogStats::kFsyncBucketsMicros[b]) ++b;
    stats_.fsync_bucket_counts[b]++;
  }
  return Status::OK();
}

Status LogWriter::Impl::Append(std::string_view payload, const std::function<void(uint64_t)>& on_durable,
                               uint64_t* lsn) {
  if (payload.size() > kMaxPayloadBytes) {
    return Status::InvalidArgument("log record of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                                   std::to_string(kMaxPayloadBytes));
  }
  Waiter w;
  w.payload = payload;
  w.on_durable = on_durable ? &on_durable : nullptr;

  std::unique_lock<std::mutex> l(mu_);
  queue_.push_back(&w);
  while (!w.done && queue_.front() != &w) w.cv.wait(l);
  if (w.done) {
    if (w.status.ok() && lsn != nullptr) *lsn = w.lsn;
    return w.status;
  }

  // This caller leads: it writes every queued record it can take as one group.
  std::vector<Waiter*> group;
  size_t group_bytes = 0;
  for (Waiter* q : queue_) {
    if (!group.empty() && group_bytes + q->payload.size() + kRecordHeaderSize > kMaxGroupBytes) break;
    group_bytes += q->payload.size() + kRecordHeaderSize;
    group.push_back(q);
  }
  group_size_ = group.size();
  Status status = poisoned_;
  if (status.ok()) {
    for (Waiter* q : group) q->lsn = next_lsn_++;
    l.unlock();
    bool out_of_space = false;
    status = WriteGroup(group, &out_of_space);
    if (status.ok()) {
      // Still the only leader, so callbacks of successive groups never overlap
      // and follow lsn order.
      for (Waiter* q : group)
        if (q->on_durable != nullptr) (*q->on_durable)(q->lsn);
    }
    l.lock();
    if (out_of_space) {
      // The log is as it was before the group: the next group reuses its lsns.
      next_lsn_ = group.front()->lsn;
      status = Status::ResourceExhausted(std::string(kDiskFullMessage) +
                                         ": the write-ahead log could not store the record (" + status.message() +
                                         "); nothing of it was stored; retry once space is freed");
      std::lock_guard<std::mutex> sl(stats_mu_);
      stats_.disk_full += group.size();
    } else if (!status.ok()) {
      poisoned_ = Status::IOError("write-ahead log refuses appends after an earlier failure (" + status.ToString() +
                                  "); restart to recover");
    }
  }
  for (Waiter* q : group) {
    queue_.pop_front();
    if (q == &w) continue;
    q->status = status;
    q->done = true;
    q->cv.notify_one();
  }
  group_size_ = 0;
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  if (status.ok() && lsn != nullptr) *lsn = w.lsn;
  return status;
}

LogStats LogWriter::Impl::stats() const {
  LogStats s;
  {
    std::lock_guard<std::mutex> l(stats_mu_);
    s = stats_;
  }
  std::lock_guard<std::mutex> l(mu_);
  s.queued = queue_.size() - group_size_;
  return s;
}

Status LogWriter::Impl::DeleteSegmentsBefore(uint64_t lsn, int64_t modified_before_ms) {
  std::lock_guard<std::mutex> l(seg_mu_);
  size_t deleted = 0;
  uint64_t freed = 0;
  Status status;
  // Oldest first, so that a crash part way leaves a log that still starts at a
  // segment boundary and has no gap. The active segment is never deleted.
  while (deleted + 1 < segments_.size() && segments_[deleted + 1].first_lsn <= lsn) {
    const Segment& seg = segments_[deleted];
    if (modified_before_ms != INT64_MAX) {
      struct stat st;
      if (::stat(seg.path.c_str(), &st) == 0 &&
          int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000 >= modified_before_ms)
        break;
    }
    if (::unlink(seg.path.c_str()) != 0 && errno != ENOENT) {
      status = Status::FromErrno("delete " + seg.path, errno);
      break;
    }
    freed += seg.size;
    ++deleted;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(deleted));
  {
    std::lock_guard<std::mutex> sl(stats_mu_);
    stats_.segments -= deleted;
    stats_.disk_bytes -= freed;
  }
  if (deleted > 0 && status.ok()) status = FsyncDirectory(options_.dir);
  return status;
}

bool IsDiskFull(const Status& status) {
  return status.IsResourceExhausted() && status.message().find(kDiskFullMessage) != std::string::npos;
}

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogWriter::~LogWriter() = default;

Status LogWriter::Open(const LogOptions& options, uint64_t next_lsn, std::unique_ptr<LogWriter>* writer) {
  auto impl = std::make_unique<Impl>(options);
  SWELL_RETURN_IF_ERROR(impl->Open(next_lsn));
  writer->reset(new LogWriter(std::move(impl)));
  return Status::OK();
}

Status LogWriter::Append(std::string_view payload, const std::function<void(uint64_t lsn)>& on_durable,
                         uint64_t* lsn) {
  return impl_->Append(payload, on_durable, lsn);
}

LogStats LogWriter::stats() const { return impl_->stats(); }
Status LogWriter::health() const { return impl_->health(); }

Status LogWriter::DeleteSegmentsBefore(uint64_t lsn, int64_t modified_before_ms) {
  return impl_->DeleteSegmentsBefore(lsn, modified_before_ms);
}

}  // namespace swell::wal
