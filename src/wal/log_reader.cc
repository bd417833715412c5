#include "wal/log_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "util/file_util.h"
#include "wal/log_format.h"
#include "wal/segment_file.h"
#include "wal/segment_reader.h"

namespace swell::wal {
namespace {

// Cuts path to length bytes and makes the cut durable before anything is
// appended after it: otherwise a second crash could resurrect the torn bytes
// behind records written later.
Status TruncateDurably(const std::string& path, uint64_t length) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(path, errno);
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("truncate " + path, err);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("fsync " + path, err);
  }
  ::close(fd);
  return Status::OK();
}

// Looks past the damage at offset `from` of a segment for an intact record
// that continues the log (lsn >= next_lsn). A crash interrupts only the last
// group commit, whose records were never acknowledged; an intact record
// further on means the damage is not a torn write but lost acknowledged data.
Status FindIntactRecordAfter(const std::string& path, uint64_t from, uint64_t next_lsn, uint64_t* found_offset,
                             uint64_t* found_lsn) {
  *found_offset = 0;
  std::string bytes;
  SWELL_RETURN_IF_ERROR(ReadFileToString(path, &bytes));
  for (uint64_t off = from + 1; off + kRecordHeaderSize <= bytes.size(); ++off) {
    RecordHeader h = DecodeRecordHeader(bytes.data() + off);
    if (h.lsn < next_lsn || h.length > bytes.size() - off - kRecordHeaderSize) continue;
    std::string_view payload(bytes.data() + off + kRecordHeaderSize, h.length);
    if (RecordChecksum(bytes.data() + off, payload) != h.masked_crc) continue;
    *found_offset = off;
    *found_lsn = h.lsn;
    return Status::OK();
  }
  return Status::OK();
}

}  // namespace

Status ReplayLog(const std::string& dir,
                 const std::function<Status(uint64_t lsn, std::string_view payload)>& fn,
                 ReplayResult* result) {
  *result = ReplayResult();
  std::vector<SegmentInfo> segments;
  SWELL_RETURN_IF_ERROR(ListSegments(dir, &segments));
  if (segments.empty()) return Status::OK();

  // Segments deleted after a seal leave the log starting past lsn 1; the
  // first remaining file's name says where.
  uint64_t expected = segments.front().first_lsn;
  if (expected == 0) return Status::Corruption(segments.front().path + ": segment named lsn 0");
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentInfo& seg = segments[i];
    const bool last = i + 1 == segments.size();
    if (seg.first_lsn != expected) {
      return Status::Corruption(seg.path + ": segment starts at lsn " + std::to_string(seg.first_lsn) +
                                " but the log continues at lsn " + std::to_string(expected));
    }
    SegmentScan scan;
    SWELL_RETURN_IF_ERROR(ScanSegment(seg.path, seg.first_lsn, fn, &scan));
    result->records += scan.records;
    expected = scan.next_lsn;
    if (scan.good_bytes == scan.file_size) continue;
    if (!last) {
      return Status::Corruption(seg.path + ": offset " + std::to_string(scan.good_bytes) + ": " + scan.damage);
    }
    // Only the newest segment can hold a write that a crash interrupted, and
    // then nothing past the damage was acknowledged -- unless an intact record
    // follows it, which a torn write cannot produce: refuse rather than cut
    // acknowledged events.
    uint64_t later_offset = 0, later_lsn = 0;
    SWELL_RETURN_IF_ERROR(FindIntactRecordAfter(seg.path, scan.good_bytes, scan.next_lsn, &later_offset, &later_lsn));
    if (later_offset != 0) {
      return Status::Corruption(seg.path + ": offset " + std::to_string(scan.good_bytes) + ": " + scan.damage +
                                ", but an intact record (lsn " + std::to_string(later_lsn) + ") follows at offset " +
                                std::to_string(later_offset) +
                                "; the damage is not a torn write, so nothing is cut (see docs/operations.md)");
    }
    SWELL_RETURN_IF_ERROR(TruncateDurably(seg.path, scan.good_bytes));
    result->truncated_bytes = scan.file_size - scan.good_bytes;
  }
  result->last_lsn = expected - 1;
  return Status::OK();
}

}  // namespace swell::wal
