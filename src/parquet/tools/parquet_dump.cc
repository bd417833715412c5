// parquet_dump: prints a Parquet file's schema and rows in the canonical text
// of value_format.h, one row a line, values separated by tabs.
//
//   parquet_dump [--schema] [--columns a,b] [--filter EXPR]... [--counters] FILE
//
// --filter 'col>=value' (ops = < <= > >=) skips row groups and pages the
// statistics exclude (rows that are read are printed unfiltered); values are
// parsed for the column's physical type. --counters prints what was read
// and skipped to stderr.
//
// Exit status: 0 read, 2 refused (an unsupported feature, named on stderr),
// 1 any other error (corrupt file, I/O).
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/tools/value_format.h"

using namespace swell;
using namespace swell::parquet;

namespace {

int Fail(const Status& st) {
  std::fprintf(stderr, "%s: %s\n", st.IsNotSupported() ? "refused" : "error", st.ToString().c_str());
  return st.IsNotSupported() ? 2 : 1;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    parts.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

// Parses "col<op>value" against the file's schema.
Status ParsePredicate(const FileReader& reader, const std::string& text, ColumnPredicate* p) {
  static const std::pair<const char*, CompareOp> kOps[] = {
      {"<=", CompareOp::kLe}, {">=", CompareOp::kGe}, {"<", CompareOp::kLt},
      {">", CompareOp::kGt},  {"=", CompareOp::kEq}};
  for (const auto& [token, op] : kOps) {
    size_t at = text.find(token);
    if (at == std::string::npos || at == 0) continue;
    p->column = text.substr(0, at);
    p->op = op;
    std::string value = text.substr(at + std::strlen(token));
    int c = reader.FindColumn(p->column);
    if (c < 0) return Status::InvalidArgument("no column named '" + p->column + "'");
    try {
      switch (reader.schema()[c].physical_type) {
        case Type::BOOLEAN: p->value = value == "true"; break;
        case Type::FLOAT:
        case Type::DOUBLE: p->value = std::stod(value); break;
        case Type::BYTE_ARRAY:
        case Type::FIXED_LEN_BYTE_ARRAY: p->value = value; break;
        default: p->value = static_cast<int64_t>(std::stoll(value)); break;
      }
    } catch (const std::exception&) {
      return Status::InvalidArgument("bad value in filter '" + text + "'");
    }
    return Status::OK();
  }
  return Status::InvalidArgument("bad filter '" + text + "'");
}

}  // namespace

int main(int argc, char** argv) {
  bool schema_only = false;
  bool counters = false;
  std::vector<std::string> filters;
  std::vector<std::string> projection;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--schema") {
      schema_only = true;
    } else if (arg == "--counters") {
      counters = true;
    } else if (arg == "--filter" && i + 1 < argc) {
      filters.push_back(argv[++i]);
    } else if (arg == "--columns" && i + 1 < argc) {
      projection = Split(argv[++i]);
    } else if (path.empty()) {
      path = arg;
    } else {
      std::fprintf(stderr, "usage: parquet_dump [--schema] [--columns a,b] FILE\n");
      return 1;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: parquet_dump [--schema] [--columns a,b] FILE\n");
    return 1;
  }
  std::unique_ptr<FileReader> reader;
  Status st = FileReader::Open(path, &reader);
  if (!st.ok()) return Fail(st);
  if (schema_only) {
    std::printf("rows\t%lld\nrow_groups\t%d\n", static_cast<long long>(reader->metadata().num_rows),
                reader->num_row_groups());
    for (const LeafColumn& c : reader->schema()) std::printf("%s\n", DescribeColumn(c).c_str());
    return 0;
  }
  std::vector<const LeafColumn*> columns;
  if (projection.empty()) {
    for (const LeafColumn& c : reader->schema()) columns.push_back(&c);
  } else {
    for (const std::string& name : projection) {
      int c = reader->FindColumn(name);
      if (c < 0) return Fail(Status::InvalidArgument("no column named '" + name + "'"));
      columns.push_back(&reader->schema()[c]);
    }
  }
  RowGroupFilter filter;
  for (const std::string& f : filters) {
    ColumnPredicate p;
    st = ParsePredicate(*reader, f, &p);
    if (!st.ok()) return Fail(st);
    filter.predicates.push_back(p);
  }
  // Read everything before printing: a file refused half way prints no rows.
  std::string text;
  for (size_t c = 0; c < columns.size(); ++c) text += (c ? "\t" : "") + columns[c]->name;
  text += "\n";
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    RowGroupData data;
    if (filter.predicates.empty()) {
      st = reader->ReadRowGroup(g, projection, &data);
    } else {
      bool skipped;
      st = reader->ReadRowGroup(g, projection, filter, &data, &skipped);
    }
    if (!st.ok()) return Fail(st);
    size_t rows = static_cast<size_t>(data.num_rows());
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c) text += '\t';
        text += FormatValue(*columns[c], data.columns[c], r);
      }
      text += '\n';
    }
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (counters) {
    const ReadCounters& n = reader->counters();
    std::fprintf(stderr, "row_groups_read=%lld row_groups_skipped=%lld pages_read=%lld pages_skipped=%lld\n",
                 static_cast<long long>(n.row_groups_read), static_cast<long long>(n.row_groups_skipped),
                 static_cast<long long>(n.data_pages_read), static_cast<long long>(n.data_pages_skipped));
  }
  return 0;
}
