// Canonical text of column values, the format parquet_dump prints and the
// DuckDB comparison scripts reproduce from DuckDB's reading of the same file:
//
//   null                      NULL
//   BOOLEAN                   true / false
//   integers                  decimal (unsigned when the logical type says so)
//   DECIMAL                   unscaled value with the point inserted: -12.340
//   DATE                      days since 1970-01-01
//   TIMESTAMP (any unit), INT96   nanoseconds since the epoch
//   TIME (any unit)           nanoseconds since midnight
//   FLOAT, DOUBLE, FLOAT16    shortest round-trip digits as <digits>e<exp>
//                             (1.5 -> 15e-1, 0 -> 0e0), nan, inf, -inf
//   STRING, ENUM, JSON        "..." with \" \\ and \u00XX for control bytes
//   UUID                      8-4-4-4-12 lowercase hex
//   other bytes               x followed by uppercase hex
#pragma once

#include <string>

#include "parquet/column_reader.h"

namespace swell::parquet {

// REQUIRES: row < v.size().
std::string FormatValue(const LeafColumn& column, const ColumnVector& v, size_t row);

std::string FormatDouble(double d);
std::string QuoteString(const std::string& s);

// One line describing a leaf: "name  physical  logical  required|optional".
std::string DescribeColumn(const LeafColumn& column);

}  // namespace swell::parquet
