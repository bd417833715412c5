// Raw tier files: the events that were sealed, kept as they are, one
// AppendEventJson line each ('\n'-terminated), the whole compressed as a zstd
// stream (docs/formats.md "Raw tier"). Key: raw/app_id=APP/date=YYYY-MM-DD/
// hour=HH/part-ID.ndjson.zst (RawFileKey). They let the lake be rebuilt, or
// re-derived with another schema, without the write-ahead log, and any tool
// reads them (`zstdcat`, DuckDB's read_json).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "lake/storage.h"
#include "util/status.h"

namespace swell::lake {

// A line longer than this is Corruption: the reader's memory per line is
// bounded by it. Far above any event collect accepts.
inline constexpr size_t kMaxRawLineBytes = size_t{64} << 20;

// "part-" + id + ".ndjson.zst"
std::string RawPartFileName(std::string_view id);

// Writes events, in the given order, to local_path: streamed through zstd
// (frame checksum on, so a damaged file is detected), into
// "<local_path>.inprogress", fsynced and renamed into place with the
// directory fsynced, so local_path is absent or complete. *size: bytes of
// the file.
Status WriteRawFile(const std::string& local_path, std::span<const Event> events, uint64_t* size);

// Appends the events of the object at key to *events, in file order.
// Reads the object in ranges and decompresses as it goes, holding at most
// one line of text at a time. Damaged zstd, a truncated stream, an
// over-long line or a line that is not an event is Corruption naming the key
// and the line number (from 1); *events is then left as it was.
Status ReadRawFile(Storage* storage, std::string_view key, std::vector<Event>* events);

}  // namespace swell::lake
