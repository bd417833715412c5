// Bulk import of NDJSON files (plain, .gz or .zst): one Amplitude event object
// per line, validated with the same rules as HTTP ingest.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/amplitude_request.h"
#include "event/event.h"
#include "util/status.h"

namespace swell::collect {

struct ImportOptions {
  size_t batch_events = 10000;  // events handed to the sink at a time
  // A longer line is rejected (and skipped without being held in memory).
  // Memory use is a few MiB per parse thread, and never more than a small
  // multiple of this limit per thread, whatever the file's size.
  size_t max_line_bytes = 16 << 20;
  // Threads that parse lines while the calling thread reads the file and
  // calls sink (always on the calling thread, in file order). 0: parse on the
  // calling thread too; -1: one fewer than the hardware threads (at least 1,
  // at most 8), so that parsing overlaps the sink's work.
  int parse_threads = -1;
  IngestLimits limits;
  // Called now and then with bytes read so far and the file's size (for a
  // progress bar); may be empty.
  std::function<void(uint64_t bytes_done, uint64_t bytes_total)> progress;
};

struct RejectedLine {
  uint64_t line = 0;    // 1-based
  std::string reason;   // e.g. "event_type: missing (required)"
};

struct ImportSummary {
  uint64_t lines = 0;           // lines read, blank ones included
  uint64_t events = 0;          // accepted and handed to the sink
  uint64_t rejected = 0;
  std::vector<RejectedLine> first_rejections;  // the first 100, for the report
};

// Reads path and hands valid events to sink in batches; a sink error stops
// the import and is returned. A line that is not a valid event is counted
// and reported, never silently dropped.
Status ImportNdjson(const std::string& path, int64_t now_ms, const ImportOptions& options,
                    const std::function<Status(std::vector<Event>&& batch)>& sink, ImportSummary* summary);

// Parses one in-memory buffer of NDJSON with the line parser ImportNdjson
// runs on each chunk it reads (same line splitting, limits and rejection
// reasons; no decompression, no batching): appends the valid events to
// *events and fills *summary (events: those appended). Lets a caller or a
// fuzzer reach the per-line parsing without a file.
void ParseNdjsonBuffer(std::string_view data, int64_t now_ms, const ImportOptions& options,
                       std::vector<Event>* events, ImportSummary* summary);

}  // namespace swell::collect
