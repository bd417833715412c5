// SegmentReader: reads the records of one segment file in order and stops at
// the first record that is not intact. Shared by replay (which decides what a
// damaged record means) and by the writer (which checks where it resumes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::wal {

struct SegmentScan {
  uint64_t file_size = 0;
  uint64_t good_bytes = 0;   // length of the intact prefix
  uint64_t records = 0;      // intact records
  uint64_t next_lsn = 0;     // lsn the record after the intact prefix must carry
  std::string damage;        // why the record at good_bytes is not intact; empty when good_bytes == file_size
};

// Reads path, whose first record must carry first_lsn and each later one the
// next lsn, calling fn (if given) for each intact record. Damage is not an
// error here: it is described in *scan. Returns non-OK for I/O errors and for
// the first error fn returns.
Status ScanSegment(const std::string& path, uint64_t first_lsn,
                   const std::function<Status(uint64_t lsn, std::string_view payload)>& fn, SegmentScan* scan);

}  // namespace swell::wal
