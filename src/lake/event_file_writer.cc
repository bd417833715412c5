#include "lake/event_file_writer.h"

#include <algorithm>
#include <deque>

#include "parquet/file_writer.h"

namespace swell::lake {

parquet::WriterOptions EventFileOptions::DefaultParquetOptions() {
  parquet::WriterOptions o;
  o.codec = parquet::CompressionCodec::ZSTD;
  // Rows are ordered by event_type, then user (user_id ascending with the
  // device-only rows, whose user_id is null, first).
  o.sorting_columns = {{EventsSchema::kEventTypeColumn, false, false}, {EventsSchema::kUserIdColumn, false, true}};
  return o;
}

namespace {

// Tracks the bytes the writer emits, for the manifest's size.
class CountingOutputFile : public parquet::OutputFile {
 public:
  explicit CountingOutputFile(std::unique_ptr<parquet::OutputFile> base) : base_(std::move(base)) {}
  Status Append(std::string_view data) override { return base_->Append(data); }
  int64_t position() const override { return base_->position(); }
  Status Close() override {
    final_size_ = base_->position();
    return base_->Close();
  }
  int64_t final_size() const { return final_size_; }

 private:
  std::unique_ptr<parquet::OutputFile> base_;
  int64_t final_size_ = 0;
};

Status CheckEvents(std::span<const Event> events, std::span<const uint32_t> user_numbers) {
  if (user_numbers.size() != events.size())
    return Status::InvalidArgument("events file: " + std::to_string(events.size()) + " events but " +
                                   std::to_string(user_numbers.size()) + " user numbers");
  for (size_t i = 0; i < user_numbers.size(); ++i) {
    if (user_numbers[i] > kMaxUserNumber)
      return Status::InvalidArgument("events file: user number " + std::to_string(user_numbers[i]) +
                                     " at row " + std::to_string(i) + " does not fit the INT32 column");
  }
  for (size_t i = 1; i < events.size(); ++i) {
    if (EventLess(events[i], events[i - 1]))
      return Status::InvalidArgument("events file: rows not in (event_type, user, time) order at row " +
                                     std::to_string(i));
  }
  return Status::OK();
}

}  // namespace

Status WriteEventFile(std::unique_ptr<parquet::OutputFile> file, const EventsSchema& schema,
                      std::span<const Event> events, std::span<const uint32_t> user_numbers,
                      const EventFileOptions& options, EventFileInfo* info) {
  SWELL_RETURN_IF_ERROR(CheckEvents(events, user_numbers));
  auto counting = std::make_unique<CountingOutputFile>(std::move(file));
  CountingOutputFile* counter = counting.get();
  parquet::WriterOptions po = options.parquet;
  po.key_value_metadata.push_back({"swell.kind", std::string("events")});
  po.key_value_metadata.push_back({"swell.events_schema", std::string(kEventsSchemaVersion)});
  std::unique_ptr<parquet::FileWriter> w;
  SWELL_RETURN_IF_ERROR(parquet::FileWriter::Open(std::move(counting), schema.parquet_schema(), po, &w));
  EventFileInfo out;
  std::deque<std::string> scratch;
  std::vector<parquet::Value> row;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    schema.ToRow(ev, user_numbers[i], &scratch, &row);
    SWELL_RETURN_IF_ERROR(w->AppendRow(row));
    if (out.rows == 0) {
      out.min_time_ms = out.max_time_ms = ev.time_ms;
    } else {
      out.min_time_ms = std::min(out.min_time_ms, ev.time_ms);
      out.max_time_ms = std::max(out.max_time_ms, ev.time_ms);
    }
    ++out.rows;
  }
  SWELL_RETURN_IF_ERROR(w->Close());
  out.size = static_cast<uint64_t>(counter->final_size());
  *info = out;
  return Status::OK();
}

Status WriteEventFile(const std::string& path, const EventsSchema& schema, std::span<const Event> events,
                      std::span<const uint32_t> user_numbers, const EventFileOptions& options,
                      EventFileInfo* info) {
  // Checked before the output file exists, so a refused call leaves nothing.
  SWELL_RETURN_IF_ERROR(CheckEvents(events, user_numbers));
  std::unique_ptr<parquet::OutputFile> file;
  SWELL_RETURN_IF_ERROR(parquet::OpenLocalOutputFile(path, &file));
  return WriteEventFile(std::move(file), schema, events, user_numbers, options, info);
}

}  // namespace swell::lake
