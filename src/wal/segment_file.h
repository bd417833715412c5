// Segment files: the log is a sequence of files in one directory, each named by
// the lsn of its first record, so the order of the log is the order of names
// and a gap between files is visible without reading them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::wal {

// "00000000000000000042.log": 20 digits hold every uint64 and keep
// lexicographic order equal to numeric order.
std::string SegmentFileName(uint64_t first_lsn);
std::string SegmentPath(const std::string& dir, uint64_t first_lsn);

// True when name is a segment file name; *first_lsn receives its lsn.
bool ParseSegmentFileName(std::string_view name, uint64_t* first_lsn);

struct SegmentInfo {
  uint64_t first_lsn = 0;
  std::string path;
};

// The segments of dir in log order; other files are ignored. An absent dir
// has no segments.
Status ListSegments(const std::string& dir, std::vector<SegmentInfo>* segments);

}  // namespace swell::wal
