#include "parquet/file_writer.h"

#include <algorithm>

#include "parquet/compression.h"
#include "util/coding.h"

#ifndef SWELL_VERSION
#define SWELL_VERSION "0.1.0"
#endif
#ifndef SWELL_BUILD_HASH
#define SWELL_BUILD_HASH "none"
#endif

namespace swell::parquet {

namespace {

constexpr std::string_view kMagic = "PAR1";

// Page sizes are i32 in the page header, so one value must stay well below
// 2 GiB.
constexpr size_t kMaxValueBytes = size_t{1} << 30;

Status ValueTooLarge(const ColumnDescriptor& d) {
  return Status::InvalidArgument("value larger than 1 GiB in column " + d.name);
}

ColumnValues::Kind KindOf(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean: return ColumnValues::Kind::kBool;
    case ColumnType::kInt32: return ColumnValues::Kind::kInt32;
    case ColumnType::kDouble: return ColumnValues::Kind::kDouble;
    case ColumnType::kString:
    case ColumnType::kBinary: return ColumnValues::Kind::kBytes;
    default: return ColumnValues::Kind::kInt64;
  }
}

// The variant index a non-null Value of this column type must have.
size_t ValueIndexOf(ColumnType t) {
  switch (KindOf(t)) {
    case ColumnValues::Kind::kBool: return 1;
    case ColumnValues::Kind::kInt32: return 2;
    case ColumnValues::Kind::kInt64: return 3;
    case ColumnValues::Kind::kDouble: return 4;
    case ColumnValues::Kind::kBytes: return 5;
  }
  return 0;
}

const char* KindName(ColumnValues::Kind k) {
  switch (k) {
    case ColumnValues::Kind::kBool: return "bool";
    case ColumnValues::Kind::kInt32: return "int32";
    case ColumnValues::Kind::kInt64: return "int64";
    case ColumnValues::Kind::kDouble: return "double";
    case ColumnValues::Kind::kBytes: return "string";
  }
  return "?";
}

// Adds rows [begin, end) of one batch column to its writer.
void AddRange(const ColumnValues& v, size_t begin, size_t end, ColumnWriter* w) {
  auto add = [&](auto* data, auto&& put) {
    for (size_t i = begin; i < end; ++i) {
      if (v.valid != nullptr && v.valid[i] == 0) {
        w->AddNull();
      } else {
        put(data[i]);
      }
    }
  };
  switch (v.kind) {
    case ColumnValues::Kind::kBool:
      add(static_cast<const uint8_t*>(v.data), [&](uint8_t x) { w->AddBool(x != 0); });
      break;
    case ColumnValues::Kind::kInt32:
      add(static_cast<const int32_t*>(v.data), [&](int32_t x) { w->AddInt32(x); });
      break;
    case ColumnValues::Kind::kInt64:
      add(static_cast<const int64_t*>(v.data), [&](int64_t x) { w->AddInt64(x); });
      break;
    case ColumnValues::Kind::kDouble:
      add(static_cast<const double*>(v.data), [&](double x) { w->AddDouble(x); });
      break;
    case ColumnValues::Kind::kBytes:
      add(static_cast<const std::string_view*>(v.data), [&](std::string_view x) { w->AddBytes(x); });
      break;
  }
}

}  // namespace

std::string SwellCreatedBy() {
  return std::string("swell version ") + SWELL_VERSION + " (build " + SWELL_BUILD_HASH + ")";
}

FileWriter::FileWriter(std::unique_ptr<OutputFile> file, const Schema& schema,
                       const WriterOptions& options)
    : file_(std::move(file)), schema_(schema), options_(options) {
  for (const ColumnDescriptor& c : schema_.columns()) {
    columns_.push_back(std::make_unique<ColumnWriter>(c, options_));
  }
}

FileWriter::~FileWriter() = default;

Status FileWriter::Open(const std::string& path, const Schema& schema, const WriterOptions& options,
                        std::unique_ptr<FileWriter>* out) {
  SWELL_RETURN_IF_ERROR(schema.Validate());
  std::unique_ptr<OutputFile> file;
  SWELL_RETURN_IF_ERROR(OpenLocalOutputFile(path, &file));
  return Open(std::move(file), schema, options, out);
}

Status FileWriter::Open(std::unique_ptr<OutputFile> file, const Schema& schema,
                        const WriterOptions& options, std::unique_ptr<FileWriter>* out) {
  SWELL_RETURN_IF_ERROR(schema.Validate());
  if (options.row_group_rows <= 0 || options.page_rows == 0 || options.page_bytes == 0) {
    return Status::InvalidArgument("parquet writer: row group and page sizes must be positive");
  }
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    return Status::InvalidArgument("parquet writer: data page version must be 1 or 2");
  }
  SWELL_RETURN_IF_ERROR(CheckCompressionLevel(options.codec, options.compression_level)
                            .WithContext("parquet writer"));
  for (const SortingColumn& s : options.sorting_columns) {
    if (s.column_idx < 0 || static_cast<size_t>(s.column_idx) >= schema.num_columns()) {
      return Status::InvalidArgument("parquet writer: sorting column out of range");
    }
  }
  SWELL_RETURN_IF_ERROR(file->Append(kMagic));
  out->reset(new FileWriter(std::move(file), schema, options));
  return Status::OK();
}

Status FileWriter::CheckOpen() const {
  if (closed_) return Status::InvalidArgument("parquet writer already closed");
  return status_;
}

Status FileWriter::AppendRow(std::span<const Value> row) {
  SWELL_RETURN_IF_ERROR(CheckOpen());
  if (row.size() != columns_.size()) {
    return Status::InvalidArgument("parquet row has " + std::to_string(row.size()) +
                                   " values for " + std::to_string(columns_.size()) + " columns");
  }
  for (size_t c = 0; c < row.size(); ++c) {
    const ColumnDescriptor& d = schema_.column(c);
    if (row[c].index() == 0) {
      if (!d.nullable()) return Status::InvalidArgument("null in required column " + d.name);
    } else if (row[c].index() != ValueIndexOf(d.type)) {
      return Status::InvalidArgument("wrong value type for column " + d.name + " (expected " +
                                     KindName(KindOf(d.type)) + ")");
    } else if (row[c].index() == 5 && std::get<std::string_view>(row[c]).size() > kMaxValueBytes) {
      return ValueTooLarge(d);
    }
  }
  for (size_t c = 0; c < row.size(); ++c) {
    ColumnWriter* w = columns_[c].get();
    std::visit(
        [w](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) w->AddNull();
          else if constexpr (std::is_same_v<T, bool>) w->AddBool(x);
          else if constexpr (std::is_same_v<T, int32_t>) w->AddInt32(x);
          else if constexpr (std::is_same_v<T, int64_t>) w->AddInt64(x);
          else if constexpr (std::is_same_v<T, double>) w->AddDouble(x);
          else w->AddBytes(x);
        },
        row[c]);
  }
  return AfterRows(1);
}

Status FileWriter::WriteBatch(std::span<const ColumnValues> batch) {
  SWELL_RETURN_IF_ERROR(CheckOpen());
  if (batch.size() != columns_.size()) {
    return Status::InvalidArgument("parquet batch has " + std::to_string(batch.size()) +
                                   " columns, schema has " + std::to_string(columns_.size()));
  }
  const size_t rows = batch[0].size;
  for (size_t c = 0; c < batch.size(); ++c) {
    const ColumnDescriptor& d = schema_.column(c);
    if (batch[c].size != rows) return Status::InvalidArgument("parquet batch columns differ in size");
    if (batch[c].kind != KindOf(d.type)) {
      return Status::InvalidArgument("wrong value type for column " + d.name + " (expected " +
                                     KindName(KindOf(d.type)) + ")");
    }
    if (rows > 0 && batch[c].data == nullptr) {
      return Status::InvalidArgument("parquet batch column " + d.name + " has no data");
    }
    if (!d.nullable() && batch[c].valid != nullptr &&
        std::find(batch[c].valid, batch[c].valid + rows, 0) != batch[c].valid + rows) {
      return Status::InvalidArgument("null in required column " + d.name);
    }
    if (batch[c].kind == ColumnValues::Kind::kBytes) {
      const auto* v = static_cast<const std::string_view*>(batch[c].data);
      for (size_t i = 0; i < rows; ++i) {
        if (v[i].size() > kMaxValueBytes) return ValueTooLarge(d);
      }
    }
  }
  size_t done = 0;
  while (done < rows) {
    size_t room = static_cast<size_t>(options_.row_group_rows - group_rows_);
    size_t n = std::min(room, rows - done);
    for (size_t c = 0; c < batch.size(); ++c) AddRange(batch[c], done, done + n, columns_[c].get());
    done += n;
    SWELL_RETURN_IF_ERROR(AfterRows(static_cast<int64_t>(n)));
  }
  return Status::OK();
}

Status FileWriter::AfterRows(int64_t n) {
  group_rows_ += n;
  total_rows_ += n;
  for (const auto& c : columns_) {
    if (!c->status().ok()) {
      status_ = c->status();
      return status_;
    }
  }
  if (group_rows_ >= options_.row_group_rows) return FlushRowGroup();
  return Status::OK();
}

Status FileWriter::FlushRowGroup() {
  SWELL_RETURN_IF_ERROR(CheckOpen());
  if (group_rows_ == 0) return Status::OK();
  RowGroup rg;
  rg.num_rows = group_rows_;
  rg.file_offset = file_->position();
  // The thrift field is an i16: files with more row groups leave it out.
  if (row_groups_.size() <= static_cast<size_t>(INT16_MAX)) {
    rg.ordinal = static_cast<int16_t>(row_groups_.size());
  }
  rg.sorting_columns = options_.sorting_columns;
  int64_t compressed = 0;
  std::vector<std::optional<ColumnIndex>> cis;
  std::vector<std::optional<OffsetIndex>> ois;
  ColumnChunkOutput out;
  for (auto& c : columns_) {
    Status st = c->FinishChunk(file_->position(), &out);
    if (st.ok()) st = file_->Append(out.bytes);
    if (!st.ok()) {
      status_ = st;
      return st;
    }
    const ColumnMetaData& md = *out.chunk.meta_data;
    rg.total_byte_size += md.total_uncompressed_size;
    compressed += md.total_compressed_size;
    rg.columns.push_back(std::move(out.chunk));
    cis.push_back(std::move(out.column_index));
    ois.push_back(std::move(out.offset_index));
  }
  rg.total_compressed_size = compressed;
  row_groups_.push_back(std::move(rg));
  column_indexes_.push_back(std::move(cis));
  offset_indexes_.push_back(std::move(ois));
  group_rows_ = 0;
  return Status::OK();
}

size_t FileWriter::buffered_bytes() const {
  size_t n = 0;
  for (const auto& c : columns_) n += c->buffered_bytes();
  return n;
}

void FileWriter::AddKeyValue(std::string key, std::string value) {
  options_.key_value_metadata.push_back(KeyValue{std::move(key), std::move(value)});
}

Status FileWriter::WritePageIndexes() {
  // All column indexes, then all offset indexes (the layout parquet-mr and
  // Arrow use), so a reader fetches each kind in one range.
  std::string bytes;
  for (size_t g = 0; g < row_groups_.size(); ++g) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (!column_indexes_[g][c]) continue;
      bytes.clear();
      SerializeColumnIndex(*column_indexes_[g][c], &bytes);
      row_groups_[g].columns[c].column_index_offset = file_->position();
      row_groups_[g].columns[c].column_index_length = static_cast<int32_t>(bytes.size());
      SWELL_RETURN_IF_ERROR(file_->Append(bytes));
    }
  }
  for (size_t g = 0; g < row_groups_.size(); ++g) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (!offset_indexes_[g][c]) continue;
      bytes.clear();
      SerializeOffsetIndex(*offset_indexes_[g][c], &bytes);
      row_groups_[g].columns[c].offset_index_offset = file_->position();
      row_groups_[g].columns[c].offset_index_length = static_cast<int32_t>(bytes.size());
      SWELL_RETURN_IF_ERROR(file_->Append(bytes));
    }
  }
  column_indexes_.clear();
  offset_indexes_.clear();
  return Status::OK();
}

Status FileWriter::Close() {
  SWELL_RETURN_IF_ERROR(CheckOpen());
  SWELL_RETURN_IF_ERROR(FlushRowGroup());
  Status st = WritePageIndexes();
  if (st.ok()) {
    FileMetaData md;
    md.version = 1;
    md.schema = schema_.ToSchemaElements();
    md.num_rows = total_rows_;
    md.row_groups = std::move(row_groups_);
    md.key_value_metadata = options_.key_value_metadata;
    md.created_by = SwellCreatedBy();
    md.column_orders.assign(columns_.size(), ColumnOrder::TYPE_ORDER);
    std::string footer;
    SerializeFileMetaData(md, &footer);
    PutFixed32(&footer, static_cast<uint32_t>(footer.size()));
    footer += kMagic;
    st = file_->Append(footer);
  }
  if (st.ok()) st = file_->Close();
  closed_ = true;
  status_ = st;
  return st;
}

}  // namespace swell::parquet
