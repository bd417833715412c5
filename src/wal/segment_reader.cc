#include "wal/segment_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wal/log_format.h"

namespace swell::wal {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// Sequential reads through one buffer that never holds more than the bytes
// still in the file, so a corrupt length cannot cause a large allocation.
class BufferedFile {
 public:
  BufferedFile(int fd, uint64_t size, const std::string& path) : fd_(fd), size_(size), path_(path) {}

  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return size_ - offset_; }

  // Makes n bytes at offset() available through data().
  // REQUIRES: n <= remaining().
  Status Ensure(size_t n) {
    if (end_ - begin_ >= n) return Status::OK();
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    uint64_t unread = remaining() - end_;  // bytes of the file not yet in buf_
    size_t want = n;
    if (want < kReadChunk) want = static_cast<size_t>(std::min<uint64_t>(kReadChunk, end_ + unread));
    if (buf_.size() < want) buf_.resize(want);
    while (end_ < n) {
      ssize_t r = ::pread(fd_, buf_.data() + end_, buf_.size() - end_, static_cast<off_t>(offset_ + end_));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("read " + path_, errno);
      }
      if (r == 0) return Status::IOError(path_ + ": file shrank while being read");
      end_ += static_cast<size_t>(r);
    }
    return Status::OK();
  }

  const char* data() const { return buf_.data() + begin_; }

  // REQUIRES: n bytes were made available by Ensure.
  void Skip(size_t n) {
    begin_ += n;
    offset_ += n;
  }

 private:
  int fd_;
  uint64_t size_;
  const std::string& path_;
  uint64_t offset_ = 0;  // file offset of buf_[begin_]
  std::string buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace

Status ScanSegment(const std::string& path, uint64_t first_lsn,
                   const std::function<Status(uint64_t lsn, std::string_view payload)>& fn, SegmentScan* scan) {
  *scan = SegmentScan();
  scan->next_lsn = first_lsn;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("stat " + path, err);
  }
  scan->file_size = static_cast<uint64_t>(st.st_size);
  BufferedFile file(fd, scan->file_size, path);
  Status status;
  while (file.remaining() > 0) {
    if (file.remaining() < kRecordHeaderSize) {
      scan->damage = "incomplete record header";
      break;
    }
    status = file.Ensure(kRecordHeaderSize);
    if (!status.ok()) break;
    RecordHeader h = DecodeRecordHeader(file.data());
    if (h.length > kMaxPayloadBytes || h.length > file.remaining() - kRecordHeaderSize) {
      scan->damage = "record length " + std::to_string(h.length) + " runs past the end of the file";
      break;
    }
    status = file.Ensure(kRecordHeaderSize + h.length);
    if (!status.ok()) break;
    std::string_view payload(file.data() + kRecordHeaderSize, h.length);
    if (RecordChecksum(file.data(), payload) != h.masked_crc) {
      scan->damage = "checksum mismatch";
      break;
    }
    if (h.lsn != scan->next_lsn) {
      scan->damage = "record carries lsn " + std::to_string(h.lsn) + " where " + std::to_string(scan->next_lsn) +
                     " belongs";
      break;
    }
    if (fn) {
      status = fn(h.lsn, payload);
      if (!status.ok()) break;
    }
    file.Skip(kRecordHeaderSize + h.length);
    scan->good_bytes = file.offset();
    scan->records++;
    scan->next_lsn++;
  }
  ::close(fd);
  return status;
}

}  // namespace swell::wal
