// Writes a Parquet file of a flat schema, streaming: rows (or column batches)
// go in, a row group is written out each time options.row_group_rows rows
// have accumulated, so memory is bounded by one row group, not the file.
//
//   Schema schema;
//   schema.Add("event", ColumnType::kString, Repetition::kRequired)
//         .Add("time", ColumnType::kTimestampMillis, Repetition::kRequired)
//         .Add("revenue", ColumnType::kDouble);
//   std::unique_ptr<FileWriter> w;
//   SWELL_RETURN_IF_ERROR(FileWriter::Open(path, schema, options, &w));
//   SWELL_RETURN_IF_ERROR(w->AppendRow({std::string_view("click"), int64_t{1700000000000}, {}}));
//   SWELL_RETURN_IF_ERROR(w->Close());  // footer, fsync, rename into place
//
// Layout: "PAR1", the row groups (per column: dictionary page, data pages),
// then every column index, every offset index, the footer (FileMetaData),
// its length and "PAR1".
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parquet/column_writer.h"
#include "parquet/metadata.h"
#include "parquet/output_file.h"
#include "parquet/writer_options.h"
#include "parquet/writer_schema.h"
#include "util/status.h"

namespace swell::parquet {

// One cell of a row: monostate is null. bool for kBoolean, int32_t for
// kInt32, int64_t for kInt64 and the timestamps (in the column's unit since
// the epoch, UTC), double for kDouble, string_view for kString and kBinary.
using Value = std::variant<std::monostate, bool, int32_t, int64_t, double, std::string_view>;

// One column of a batch: a typed array and an optional validity array (one
// byte per row, 0 = null; nullptr = no nulls). Values at null positions are
// ignored. The arrays are only read during the WriteBatch call.
struct ColumnValues {
  enum class Kind { kBool, kInt32, kInt64, kDouble, kBytes };
  Kind kind = Kind::kInt64;
  const void* data = nullptr;
  size_t size = 0;
  const uint8_t* valid = nullptr;

  static ColumnValues Bools(std::span<const uint8_t> v, const uint8_t* valid = nullptr) {
    return {Kind::kBool, v.data(), v.size(), valid};
  }
  static ColumnValues Int32s(std::span<const int32_t> v, const uint8_t* valid = nullptr) {
    return {Kind::kInt32, v.data(), v.size(), valid};
  }
  static ColumnValues Int64s(std::span<const int64_t> v, const uint8_t* valid = nullptr) {
    return {Kind::kInt64, v.data(), v.size(), valid};
  }
  static ColumnValues Doubles(std::span<const double> v, const uint8_t* valid = nullptr) {
    return {Kind::kDouble, v.data(), v.size(), valid};
  }
  static ColumnValues Strings(std::span<const std::string_view> v, const uint8_t* valid = nullptr) {
    return {Kind::kBytes, v.data(), v.size(), valid};
  }
};

// "swell version 0.1.0 (build <hash or none>)"
std::string SwellCreatedBy();

class FileWriter {
 public:
  static Status Open(const std::string& path, const Schema& schema, const WriterOptions& options,
                     std::unique_ptr<FileWriter>* out);
  static Status Open(std::unique_ptr<OutputFile> file, const Schema& schema,
                     const WriterOptions& options, std::unique_ptr<FileWriter>* out);
  ~FileWriter();

  // One row, a value per column in schema order. A wrong type or a null in a
  // required column is InvalidArgument and writes nothing.
  Status AppendRow(std::span<const Value> row);
  Status AppendRow(std::initializer_list<Value> row) {
    return AppendRow(std::span<const Value>(row.begin(), row.size()));
  }
  // Rows in column form: one ColumnValues per column, all of the same size.
  // Checked as a whole before anything is written.
  Status WriteBatch(std::span<const ColumnValues> columns);

  // Writes the buffered rows as a row group now (a no-op with none).
  Status FlushRowGroup();
  // Adds file-level key-value metadata (before Close).
  void AddKeyValue(std::string key, std::string value);
  // Writes the last row group, the page indexes and the footer, and makes
  // the file durable. The writer is unusable afterwards.
  Status Close();

  int64_t num_rows() const { return total_rows_; }
  // Memory held by the row group being built (encoded pages, dictionaries,
  // levels): what a caller bounding memory watches.
  size_t buffered_bytes() const;
  int num_row_groups() const { return static_cast<int>(row_groups_.size()); }

 private:
  FileWriter(std::unique_ptr<OutputFile> file, const Schema& schema, const WriterOptions& options);
  Status CheckOpen() const;
  Status AfterRows(int64_t n);
  Status WritePageIndexes();

  std::unique_ptr<OutputFile> file_;
  Schema schema_;
  WriterOptions options_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  int64_t group_rows_ = 0;
  int64_t total_rows_ = 0;
  std::vector<RowGroup> row_groups_;
  // Per row group, per column: kept until Close writes them after the data.
  std::vector<std::vector<std::optional<ColumnIndex>>> column_indexes_;
  std::vector<std::vector<std::optional<OffsetIndex>>> offset_indexes_;
  Status status_;  // first failure; every later call returns it
  bool closed_ = false;
};

}  // namespace swell::parquet
