// Reads a Parquet file: footer, schema, row groups of flat columns, with
// projection and predicate skipping by row-group statistics and the page
// index (column index + offset index).
//
// Every offset and length taken from the file is checked against the file's
// size before use; a corrupt, truncated or hostile file gives a Status, and
// memory stays bounded by the options' limits.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "parquet/column_reader.h"
#include "parquet/metadata.h"

namespace swell::parquet {

// Where the bytes come from: a file, or memory (tests, fuzzing).
class InputSource {
 public:
  virtual ~InputSource() = default;
  virtual uint64_t size() const = 0;
  // Replaces *out with the n bytes at offset.
  // REQUIRES: offset + n <= size().
  virtual Status ReadAt(uint64_t offset, size_t n, std::string* out) = 0;
};

struct ReaderOptions {
  PageReaderOptions page;
  // Row groups with more rows are refused (every row costs memory once read).
  int64_t max_row_group_rows = int64_t{1} << 26;
  // Footers larger than this are refused before being read.
  size_t max_footer_size = size_t{256} << 20;
};

enum class CompareOp { kEq, kLt, kLe, kGt, kGe };

// `column <op> value`. Values are in the column's physical units: an INT64
// TIMESTAMP(MICROS) column compares with microseconds, a DATE with days, a
// DECIMAL with its unscaled integer. Strings compare bytewise (unsigned).
struct ColumnPredicate {
  std::string column;
  CompareOp op = CompareOp::kEq;
  std::variant<bool, int64_t, double, std::string> value;
};

// A conjunction of predicates. A row group or page is skipped only when its
// statistics prove no row in it can satisfy every predicate; rows that are
// read are not themselves filtered.
struct RowGroupFilter {
  std::vector<ColumnPredicate> predicates;
};

struct RowRange {
  int64_t first = 0;
  int64_t count = 0;
};

struct RowGroupData {
  std::vector<ColumnVector> columns;  // in projection order
  // The row group's rows the vectors hold, in order: all of them unless
  // pages were skipped.
  std::vector<RowRange> rows;
  int64_t num_rows() const;
};

// What reading skipped, for callers and tests to see that it did.
struct ReadCounters {
  int64_t row_groups_read = 0;
  int64_t row_groups_skipped = 0;
  int64_t data_pages_read = 0;
  int64_t data_pages_skipped = 0;
};

class FileReader {
 public:
  static Status Open(const std::string& path, std::unique_ptr<FileReader>* out,
                     const ReaderOptions& options = ReaderOptions());
  static Status OpenBuffer(std::string data, std::unique_ptr<FileReader>* out,
                           const ReaderOptions& options = ReaderOptions());
  static Status OpenSource(std::unique_ptr<InputSource> source, std::unique_ptr<FileReader>* out,
                           const ReaderOptions& options = ReaderOptions());

  const FileMetaData& metadata() const { return metadata_; }
  // The leaf columns, in file order.
  const std::vector<LeafColumn>& schema() const { return leaves_; }
  int num_row_groups() const { return static_cast<int>(metadata_.row_groups.size()); }
  // -1 when no leaf has that name.
  int FindColumn(std::string_view name) const;

  // Reads the named columns (all when projection is empty) of row group i.
  Status ReadRowGroup(int i, const std::vector<std::string>& projection, RowGroupData* out);
  // As above, skipping what the filter excludes: *skipped is set when the
  // row-group statistics or the page index exclude the whole row group
  // (out->rows is then empty), otherwise out holds the rows of every page
  // that may match.
  Status ReadRowGroup(int i, const std::vector<std::string>& projection,
                      const RowGroupFilter& filter, RowGroupData* out, bool* skipped);
  // Whether the row group's column-chunk statistics allow a match.
  bool RowGroupMayMatch(int i, const RowGroupFilter& filter) const;

  const ReadCounters& counters() const { return counters_; }

 private:
  FileReader(std::unique_ptr<InputSource> source, const ReaderOptions& options)
      : source_(std::move(source)), options_(options) {}
  Status ReadFooter();
  Status BuildSchema();
  Status ResolveProjection(const std::vector<std::string>& projection, std::vector<int>* columns) const;
  Status CheckRowGroup(int i) const;
  Status ReadChunkBytes(int row_group, int column, std::string* bytes, uint64_t* chunk_start) const;
  Status ReadOffsetIndex(const ColumnChunk& chunk, OffsetIndex* index) const;
  Status ReadColumnIndex(const ColumnChunk& chunk, ColumnIndex* index) const;
  // The rows of row group i the page index leaves after the filter;
  // *usable is false when no predicate column has a usable page index.
  Status SelectRows(int i, const RowGroupFilter& filter, std::vector<RowRange>* rows,
                    bool* usable);
  Status ReadColumnRows(int i, int column, const std::vector<RowRange>& rows, ColumnVector* out);

  std::unique_ptr<InputSource> source_;
  ReaderOptions options_;
  FileMetaData metadata_;
  std::vector<LeafColumn> leaves_;
  ReadCounters counters_;
};

}  // namespace swell::parquet
