// ReadRecords: reads chosen records back from the write-ahead log by lsn. A
// seal uses it to rebuild, from the log, the events the speed layer holds
// only in indexed form (the log is the one complete copy until the lake has
// them).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::wal {

// Calls fn(lsn, payload) for each record of the log in dir whose lsn is in
// lsns, in lsn order. Only the segments holding those records are read.
// NotFound names the first lsn the log does not hold (a segment deleted too
// early); damage before a wanted record is Corruption.
// REQUIRES: lsns sorted ascending, without repeats.
Status ReadRecords(const std::string& dir, const std::vector<uint64_t>& lsns,
                   const std::function<Status(uint64_t lsn, std::string_view payload)>& fn);

}  // namespace swell::wal
