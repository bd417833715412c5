#include "wal/record_lookup.h"

#include <algorithm>

#include "wal/segment_file.h"
#include "wal/segment_reader.h"

namespace swell::wal {

Status ReadRecords(const std::string& dir, const std::vector<uint64_t>& lsns,
                   const std::function<Status(uint64_t lsn, std::string_view payload)>& fn) {
  if (lsns.empty()) return Status::OK();
  std::vector<SegmentInfo> segments;
  SWELL_RETURN_IF_ERROR(ListSegments(dir, &segments));
  size_t next = 0;  // the first wanted lsn not yet delivered
  for (size_t i = 0; i < segments.size() && next < lsns.size(); ++i) {
    // Segment i holds [first_lsn, first lsn of segment i+1).
    if (i + 1 < segments.size() && segments[i + 1].first_lsn <= lsns[next]) continue;
    if (lsns[next] < segments[i].first_lsn) break;
    SegmentScan scan;
    SWELL_RETURN_IF_ERROR(ScanSegment(
        segments[i].path, segments[i].first_lsn,
        [&](uint64_t lsn, std::string_view payload) -> Status {
          if (next < lsns.size() && lsn == lsns[next]) {
            ++next;
            return fn(lsn, payload);
          }
          return Status::OK();
        },
        &scan));
    // The newest segment may end in a record being written right now; what
    // the caller wants was acknowledged, so it lies before that.
    if (next < lsns.size() && lsns[next] < scan.next_lsn)
      return Status::Corruption(segments[i].path + ": offset " + std::to_string(scan.good_bytes) + ": " + scan.damage);
  }
  if (next < lsns.size())
    return Status::NotFound("log record " + std::to_string(lsns[next]) + " is not in " + dir);
  return Status::OK();
}

}  // namespace swell::wal
