// EventFileWriter: writes events, already in the lake's order (EventLess:
// event name, user, time), as one events/ Parquet file: the EventsSchema
// columns, zstd, row-group and page statistics, the sort order declared in
// the metadata. What it returns is what the manifest records about the file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "event/event.h"
#include "lake/events_schema.h"
#include "parquet/output_file.h"
#include "parquet/writer_options.h"
#include "util/status.h"

namespace swell::lake {

struct EventFileOptions {
  // zstd by default (the lake's codec); row groups of a million rows.
  parquet::WriterOptions parquet = DefaultParquetOptions();
  static parquet::WriterOptions DefaultParquetOptions();
};

struct EventFileInfo {
  uint64_t rows = 0;
  uint64_t size = 0;  // bytes of the file
  int64_t min_time_ms = 0;
  int64_t max_time_ms = 0;
};

// user_numbers[i] is the number of events[i]'s user (Event::UserKey()) in
// the app's user dictionary, written to the user_number column.
// REQUIRES: events sorted by EventLess; user_numbers.size() == events.size();
// every user number <= kMaxUserNumber (all checked: InvalidArgument
// otherwise, before anything is written).
Status WriteEventFile(std::unique_ptr<parquet::OutputFile> file, const EventsSchema& schema,
                      std::span<const Event> events, std::span<const uint32_t> user_numbers,
                      const EventFileOptions& options, EventFileInfo* info);
// Into a local file, made durable and visible at once (the writer's
// "<path>.inprogress" then rename).
Status WriteEventFile(const std::string& path, const EventsSchema& schema, std::span<const Event> events,
                      std::span<const uint32_t> user_numbers, const EventFileOptions& options,
                      EventFileInfo* info);

}  // namespace swell::lake
