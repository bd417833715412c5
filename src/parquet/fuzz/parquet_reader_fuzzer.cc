// libFuzzer target: any byte string, opened as a Parquet file and read
// (every readable column of every row group, then once more through a
// predicate on the first column), must give a Status, never a crash, a hang
// or an allocation beyond the options' limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/file_reader.h"

using namespace swell::parquet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReaderOptions options;
  options.max_row_group_rows = 1 << 16;
  options.max_footer_size = 1 << 20;
  options.page.max_page_size = 16 << 20;
  std::unique_ptr<FileReader> reader;
  if (!FileReader::OpenBuffer(std::string(reinterpret_cast<const char*>(data), size), &reader, options)
           .ok()) {
    return 0;
  }
  std::vector<std::string> readable;
  for (const LeafColumn& c : reader->schema()) {
    if (c.unsupported.empty()) readable.push_back(c.name);
  }
  if (readable.empty()) return 0;
  RowGroupFilter filter;
  const LeafColumn& first = reader->schema()[reader->FindColumn(readable[0])];
  ColumnPredicate p;
  p.column = first.name;
  p.op = CompareOp::kGe;
  switch (first.physical_type) {
    case Type::BOOLEAN: p.value = true; break;
    case Type::FLOAT:
    case Type::DOUBLE: p.value = 0.5; break;
    case Type::BYTE_ARRAY:
    case Type::FIXED_LEN_BYTE_ARRAY: p.value = std::string("m"); break;
    default: p.value = int64_t{3}; break;
  }
  filter.predicates.push_back(p);
  for (int g = 0; g < reader->num_row_groups() && g < 64; ++g) {
    RowGroupData out;
    (void)reader->ReadRowGroup(g, readable, &out);
    bool skipped;
    (void)reader->ReadRowGroup(g, readable, filter, &out, &skipped);
  }
  return 0;
}
