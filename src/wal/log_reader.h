// LogReader: replays the write-ahead log after a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::wal {

struct ReplayResult {
  uint64_t records = 0;
  uint64_t last_lsn = 0;          // 0 when the log is empty
  uint64_t truncated_bytes = 0;   // torn tail cut from the last segment
};

// Calls fn for every intact record of the log in dir, in order. A torn or
// corrupt tail of the *last* segment (a crash during a write) is cut off the
// file (and reported) so the writer appends after the last good record;
// damage anywhere else is Corruption and nothing after it is replayed.
// An absent or empty dir is an empty log.
Status ReplayLog(const std::string& dir,
                 const std::function<Status(uint64_t lsn, std::string_view payload)>& fn,
                 ReplayResult* result);

}  // namespace swell::wal
