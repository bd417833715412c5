// Reads one column chunk of a flat column into a ColumnVector: one slot per
// row, nulls marked in a validity vector.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parquet/decoder/decoder.h"
#include "parquet/metadata.h"
#include "parquet/page_reader.h"

namespace swell::parquet {

// A leaf of the schema: what a column holds and how to read it.
struct LeafColumn {
  std::string name;               // the path joined by '.', "a.b" for b in group a
  std::vector<std::string> path;  // path_in_schema
  Type physical_type = Type::INT32;
  int32_t type_length = 0;
  // From the logical type, or derived from the converted type of older
  // writers; INT96 columns are TIMESTAMP(MICROS) once read.
  std::optional<LogicalType> logical_type;
  std::optional<ConvertedType> converted_type;
  int16_t max_definition_level = 0;
  int16_t max_repetition_level = 0;
  // Non-empty when the column cannot be read: the feature, named.
  std::string unsupported;

  bool nullable() const { return max_definition_level > 0; }
  PhysicalType physical() const { return {physical_type, type_length}; }
};

// The values of one column over a run of rows. values holds the alternative
// of the column's physical type (see ValueVector), except FLOAT16 columns,
// which are read as float. Null rows hold a default value.
struct ColumnVector {
  ValueVector values;
  std::vector<uint8_t> valid;  // 1 where the row has a value

  size_t size() const { return valid.size(); }
  bool IsNull(size_t row) const { return valid[row] == 0; }
};

// Where a page lies in its chunk and which rows it holds (from the offset
// index), for reading some pages only.
struct PageSlice {
  size_t offset = 0;  // from the start of the chunk bytes
  size_t size = 0;    // header included
  int64_t first_row = 0;
  int64_t num_rows = 0;
};

class ColumnChunkReader {
 public:
  // REQUIRES: column and chunk outlive the reader; chunk holds the column
  // chunk's bytes from its first page (dictionary page if any).
  ColumnChunkReader(const LeafColumn& column, CompressionCodec codec, std::string_view chunk,
                    const PageReaderOptions& options)
      : column_(column), codec_(codec), chunk_(chunk), options_(options) {}

  // Reads every page, appending num_rows rows to *out; a chunk holding any
  // other number of values is Corruption.
  Status ReadAll(int64_t num_rows, ColumnVector* out);

  // Reads only the given data pages (in order; the dictionary page, if the
  // chunk starts with one, is read first), appending their rows to *out.
  Status ReadPages(const std::vector<PageSlice>& pages, ColumnVector* out);

  // Data pages decoded so far.
  int64_t data_pages_read() const { return data_pages_read_; }

 private:
  Status ReadDictionary(const Page& page);
  // Appends the rows of a data page; *rows receives how many.
  Status ReadDataPage(const Page& page, int64_t max_rows, ColumnVector* out, int64_t* rows);
  Status DecodeLevels(const Page& page, int32_t num_values, std::string_view* values,
                      std::vector<uint32_t>* levels);
  Status Error(const std::string& what) const;

  const LeafColumn& column_;
  CompressionCodec codec_;
  std::string_view chunk_;
  PageReaderOptions options_;
  std::optional<ValueVector> dictionary_;
  int64_t data_pages_read_ = 0;
};

// Starts an empty ColumnVector of the column's value type.
ColumnVector MakeColumnVector(const LeafColumn& column);

// Half-precision (FLOAT16) bits to float.
float HalfToFloat(uint16_t bits);

}  // namespace swell::parquet
