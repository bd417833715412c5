// The flat schemas the writer produces: a list of named leaf columns, each of
// one of the types the lake needs, required or optional.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "parquet/metadata.h"
#include "util/status.h"

namespace swell::parquet {

enum class ColumnType {
  kBoolean,          // BOOLEAN
  kInt32,            // INT32
  kInt64,            // INT64
  kDouble,           // DOUBLE
  kString,           // BYTE_ARRAY, STRING (UTF8)
  kBinary,           // BYTE_ARRAY, no annotation (bitmaps, sketches)
  kTimestampMillis,  // INT64, TIMESTAMP(isAdjustedToUTC=true, MILLIS)
  kTimestampMicros,  // INT64, TIMESTAMP(isAdjustedToUTC=true, MICROS)
};

enum class Repetition { kRequired, kOptional };

struct ColumnDescriptor {
  std::string name;
  ColumnType type = ColumnType::kInt64;
  Repetition repetition = Repetition::kOptional;

  Type physical_type() const;
  bool nullable() const { return repetition == Repetition::kOptional; }
  // The leaf's SchemaElement: physical type, logical type and the matching
  // legacy converted type.
  SchemaElement ToSchemaElement() const;
};

class Schema {
 public:
  Schema& Add(std::string name, ColumnType type, Repetition repetition = Repetition::kOptional);

  size_t num_columns() const { return columns_.size(); }
  const ColumnDescriptor& column(size_t i) const { return columns_[i]; }
  const std::vector<ColumnDescriptor>& columns() const { return columns_; }

  // Non-empty, unique, non-empty names.
  Status Validate() const;
  // The flattened schema tree: a root named "schema" and one leaf per column.
  std::vector<SchemaElement> ToSchemaElements() const;

 private:
  std::vector<ColumnDescriptor> columns_;
};

}  // namespace swell::parquet
