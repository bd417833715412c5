#include "parquet/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "util/coding.h"

namespace swell::parquet {
namespace {

constexpr char kMagic[] = "PAR1";
constexpr char kEncryptedMagic[] = "PARE";
// Schemas nested deeper are refused (the schema is walked recursively).
constexpr int kMaxSchemaDepth = 64;

class FileSource : public InputSource {
 public:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("pread", errno);
      }
      if (r == 0) return Status::IOError("file shrank while being read");
      done += static_cast<size_t>(r);
    }
    return Status::OK();
  }

 private:
  int fd_;
  uint64_t size_;
};

class MemorySource : public InputSource {
 public:
  explicit MemorySource(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->assign(data_, offset, n);
    return Status::OK();
  }

 private:
  std::string data_;
};

bool InRange(int64_t offset, int64_t length, uint64_t size) {
  return offset >= 0 && length >= 0 && static_cast<uint64_t>(offset) <= size &&
         static_cast<uint64_t>(length) <= size - static_cast<uint64_t>(offset);
}

std::string JoinPath(const std::vector<std::string>& path) {
  std::string s;
  for (const std::string& p : path) {
    if (!s.empty()) s += '.';
    s += p;
  }
  return s;
}

// The logical type older writers express with a converted type.
std::optional<LogicalType> FromConvertedType(const SchemaElement& e) {
  if (!e.converted_type) return std::nullopt;
  LogicalType t;
  auto integer = [&](int bits, bool is_signed) {
    t.kind = LogicalType::Kind::INTEGER;
    t.bit_width = static_cast<int8_t>(bits);
    t.is_signed = is_signed;
  };
  auto time_like = [&](LogicalType::Kind kind, TimeUnit unit) {
    t.kind = kind;
    t.unit = unit;
    t.is_adjusted_to_utc = true;
  };
  switch (*e.converted_type) {
    case ConvertedType::UTF8: t.kind = LogicalType::Kind::STRING; break;
    case ConvertedType::ENUM: t.kind = LogicalType::Kind::ENUM; break;
    case ConvertedType::JSON: t.kind = LogicalType::Kind::JSON; break;
    case ConvertedType::BSON: t.kind = LogicalType::Kind::BSON; break;
    case ConvertedType::DATE: t.kind = LogicalType::Kind::DATE; break;
    case ConvertedType::DECIMAL:
      t.kind = LogicalType::Kind::DECIMAL;
      t.scale = e.scale.value_or(0);
      t.precision = e.precision.value_or(0);
      break;
    case ConvertedType::TIME_MILLIS: time_like(LogicalType::Kind::TIME, TimeUnit::MILLIS); break;
    case ConvertedType::TIME_MICROS: time_like(LogicalType::Kind::TIME, TimeUnit::MICROS); break;
    case ConvertedType::TIMESTAMP_MILLIS: time_like(LogicalType::Kind::TIMESTAMP, TimeUnit::MILLIS); break;
    case ConvertedType::TIMESTAMP_MICROS: time_like(LogicalType::Kind::TIMESTAMP, TimeUnit::MICROS); break;
    case ConvertedType::UINT_8: integer(8, false); break;
    case ConvertedType::UINT_16: integer(16, false); break;
    case ConvertedType::UINT_32: integer(32, false); break;
    case ConvertedType::UINT_64: integer(64, false); break;
    case ConvertedType::INT_8: integer(8, true); break;
    case ConvertedType::INT_16: integer(16, true); break;
    case ConvertedType::INT_32: integer(32, true); break;
    case ConvertedType::INT_64: integer(64, true); break;
    default: return std::nullopt;
  }
  return t;
}

bool IsListOrMap(const SchemaElement& e, std::string* kind) {
  if (e.logical_type && e.logical_type->kind == LogicalType::Kind::LIST) { *kind = "list"; return true; }
  if (e.logical_type && e.logical_type->kind == LogicalType::Kind::MAP) { *kind = "map"; return true; }
  if (e.converted_type == ConvertedType::LIST) { *kind = "list"; return true; }
  if (e.converted_type == ConvertedType::MAP || e.converted_type == ConvertedType::MAP_KEY_VALUE) {
    *kind = "map";
    return true;
  }
  return false;
}

struct SchemaWalker {
  const std::vector<SchemaElement>& elements;
  std::vector<LeafColumn>* leaves;
  size_t next = 1;

  struct Context {
    std::vector<std::string> path;
    int16_t def = 0;
    int16_t rep = 0;
    std::string nested_kind;  // "list" / "map" when inside one
  };

  Status Walk(int32_t children, const Context& parent, int depth) {
    if (depth > kMaxSchemaDepth) return Status::Corruption("schema nested too deeply");
    for (int32_t c = 0; c < children; ++c) {
      if (next >= elements.size()) {
        return Status::Corruption("schema declares more children than it has elements");
      }
      const SchemaElement& e = elements[next++];
      Context ctx = parent;
      ctx.path.push_back(e.name);
      FieldRepetitionType repetition = e.repetition_type.value_or(FieldRepetitionType::OPTIONAL);
      if (repetition != FieldRepetitionType::REQUIRED) ++ctx.def;
      if (repetition == FieldRepetitionType::REPEATED) ++ctx.rep;
      std::string kind;
      if (ctx.nested_kind.empty() && IsListOrMap(e, &kind)) ctx.nested_kind = kind;
      bool is_group = e.num_children.has_value() && (*e.num_children > 0 || !e.type.has_value());
      if (is_group) {
        if (*e.num_children < 0) return Status::Corruption("negative num_children in the schema");
        SWELL_RETURN_IF_ERROR(Walk(*e.num_children, ctx, depth + 1));
        continue;
      }
      if (!e.type) return Status::Corruption("schema leaf '" + e.name + "' has no type");
      LeafColumn leaf;
      leaf.path = ctx.path;
      leaf.name = JoinPath(ctx.path);
      leaf.physical_type = *e.type;
      leaf.type_length = e.type_length.value_or(0);
      leaf.converted_type = e.converted_type;
      leaf.logical_type = e.logical_type ? e.logical_type : FromConvertedType(e);
      if (leaf.logical_type && leaf.logical_type->kind == LogicalType::Kind::DECIMAL &&
          !e.logical_type) {
        leaf.logical_type->scale = e.scale.value_or(0);
        leaf.logical_type->precision = e.precision.value_or(0);
      }
      if (leaf.physical_type == Type::INT96) {
        LogicalType ts;
        ts.kind = LogicalType::Kind::TIMESTAMP;
        ts.unit = TimeUnit::MICROS;
        ts.is_adjusted_to_utc = false;
        leaf.logical_type = ts;
      }
      leaf.max_definition_level = ctx.def;
      leaf.max_repetition_level = ctx.rep;
      if (static_cast<int32_t>(leaf.physical_type) < 0 ||
          static_cast<int32_t>(leaf.physical_type) > 7) {
        leaf.unsupported = "column '" + leaf.name + "' has unknown physical type " +
                           ToString(leaf.physical_type);
      } else if (leaf.physical_type == Type::FIXED_LEN_BYTE_ARRAY && leaf.type_length <= 0) {
        leaf.unsupported = "column '" + leaf.name + "' is FIXED_LEN_BYTE_ARRAY of length " +
                           std::to_string(leaf.type_length);
      } else if (ctx.rep > 0) {
        leaf.unsupported = "nested column '" + leaf.name + "' (" +
                           (ctx.nested_kind.empty() ? "repeated" : ctx.nested_kind) +
                           ") is not supported: only flat columns and non-repeated groups are read";
      }
      leaves->push_back(std::move(leaf));
    }
    return Status::OK();
  }
};

// How a column's statistics bounds order, when this reader can use them.
enum class Order { kNone, kBool, kSigned, kUnsigned, kFloat, kBytes };

Order ColumnOrderOf(const LeafColumn& c) {
  const auto& lt = c.logical_type;
  switch (c.physical_type) {
    case Type::BOOLEAN:
      return Order::kBool;
    case Type::INT32:
    case Type::INT64:
      if (lt && lt->kind == LogicalType::Kind::INTEGER && !lt->is_signed) {
        return c.physical_type == Type::INT32 ? Order::kUnsigned : Order::kNone;
      }
      return Order::kSigned;
    case Type::FLOAT:
    case Type::DOUBLE:
      return Order::kFloat;
    case Type::BYTE_ARRAY:
    case Type::FIXED_LEN_BYTE_ARRAY:
      // Decimals and half floats in bytes do not order bytewise.
      if (lt && (lt->kind == LogicalType::Kind::DECIMAL || lt->kind == LogicalType::Kind::FLOAT16)) {
        return Order::kNone;
      }
      if (c.converted_type == ConvertedType::DECIMAL || c.converted_type == ConvertedType::INTERVAL) {
        return Order::kNone;
      }
      return Order::kBytes;
    default:
      return Order::kNone;
  }
}

bool ValueFits(Order order, const ColumnPredicate& p) {
  switch (order) {
    case Order::kBool:
      return std::holds_alternative<bool>(p.value);
    case Order::kSigned:
    case Order::kUnsigned:
    case Order::kFloat:
      return std::holds_alternative<int64_t>(p.value) || std::holds_alternative<double>(p.value);
    case Order::kBytes:
      return std::holds_alternative<std::string>(p.value);
    case Order::kNone:
      return true;
  }
  return false;
}

template <typename A, typename B>
int ThreeWay(A a, B b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Compares a PLAIN-encoded statistics bound with the predicate's value:
// <0, 0, >0 into *cmp. False when the bound cannot be judged (malformed,
// NaN).
bool CompareBound(const LeafColumn& c, Order order, const std::string& bound,
                  const ColumnPredicate& p, int* cmp) {
  switch (order) {
    case Order::kBool:
      if (bound.size() != 1) return false;
      *cmp = ThreeWay<int, int>(bound[0] != 0, std::get<bool>(p.value));
      return true;
    case Order::kSigned:
    case Order::kUnsigned: {
      __int128 v;
      if (c.physical_type == Type::INT32) {
        if (bound.size() != 4) return false;
        uint32_t u = DecodeFixed32(bound.data());
        v = order == Order::kUnsigned ? static_cast<__int128>(u)
                                      : static_cast<__int128>(static_cast<int32_t>(u));
      } else {
        if (bound.size() != 8) return false;
        v = static_cast<int64_t>(DecodeFixed64(bound.data()));
      }
      if (const int64_t* i = std::get_if<int64_t>(&p.value)) {
        *cmp = ThreeWay(v, static_cast<__int128>(*i));
      } else {
        double d = std::get<double>(p.value);
        if (std::isnan(d)) return false;
        *cmp = ThreeWay(static_cast<long double>(v), static_cast<long double>(d));
      }
      return true;
    }
    case Order::kFloat: {
      double v;
      if (c.physical_type == Type::FLOAT) {
        if (bound.size() != 4) return false;
        float f;
        std::memcpy(&f, bound.data(), 4);
        v = f;
      } else {
        if (bound.size() != 8) return false;
        std::memcpy(&v, bound.data(), 8);
      }
      double d = std::holds_alternative<double>(p.value)
                     ? std::get<double>(p.value)
                     : static_cast<double>(std::get<int64_t>(p.value));
      if (std::isnan(v) || std::isnan(d)) return false;
      *cmp = ThreeWay(v, d);
      return true;
    }
    case Order::kBytes: {
      int r = bound.compare(std::get<std::string>(p.value));
      *cmp = r < 0 ? -1 : (r > 0 ? 1 : 0);
      return true;
    }
    case Order::kNone:
      return false;
  }
  return false;
}

// Whether some value in [min, max] can satisfy the predicate.
bool RangeMayMatch(const LeafColumn& c, const std::string& min, const std::string& max,
                   const ColumnPredicate& p) {
  Order order = ColumnOrderOf(c);
  int cmp_min, cmp_max;
  if (!CompareBound(c, order, min, p, &cmp_min) || !CompareBound(c, order, max, p, &cmp_max)) {
    return true;
  }
  switch (p.op) {
    case CompareOp::kEq: return cmp_min <= 0 && cmp_max >= 0;
    case CompareOp::kLt: return cmp_min < 0;
    case CompareOp::kLe: return cmp_min <= 0;
    case CompareOp::kGt: return cmp_max > 0;
    case CompareOp::kGe: return cmp_max >= 0;
  }
  return true;
}

std::vector<RowRange> Intersect(const std::vector<RowRange>& a, const std::vector<RowRange>& b) {
  std::vector<RowRange> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t lo = std::max(a[i].first, b[j].first);
    int64_t hi = std::min(a[i].first + a[i].count, b[j].first + b[j].count);
    if (lo < hi) out.push_back({lo, hi - lo});
    if (a[i].first + a[i].count < b[j].first + b[j].count) ++i; else ++j;
  }
  return out;
}

// The row range of each page of an offset index; false if the index is not
// consistent with a row group of num_rows rows.
bool PageRows(const OffsetIndex& index, int64_t num_rows, std::vector<RowRange>* pages) {
  const auto& locs = index.page_locations;
  if (locs.empty() || locs[0].first_row_index != 0) return false;
  pages->clear();
  for (size_t k = 0; k < locs.size(); ++k) {
    int64_t end = k + 1 < locs.size() ? locs[k + 1].first_row_index : num_rows;
    if (end <= locs[k].first_row_index || end > num_rows) return false;
    pages->push_back({locs[k].first_row_index, end - locs[k].first_row_index});
  }
  return true;
}

// Keeps, of the rows a vector holds (the ranges `held`, in order), those in
// `wanted` (a subset of held).
void KeepRows(const std::vector<RowRange>& held, const std::vector<RowRange>& wanted,
              ColumnVector* v) {
  std::vector<size_t> keep;
  size_t h = 0, base = 0;
  for (const RowRange& w : wanted) {
    for (int64_t r = w.first; r < w.first + w.count; ++r) {
      while (h < held.size() && held[h].first + held[h].count <= r) base += held[h++].count;
      if (h < held.size() && r >= held[h].first) keep.push_back(base + (r - held[h].first));
    }
  }
  std::visit(
      [&](auto& values) {
        std::decay_t<decltype(values)> kept;
        kept.reserve(keep.size());
        for (size_t k : keep) kept.push_back(values[k]);
        values = std::move(kept);
      },
      v->values);
  std::vector<uint8_t> valid;
  valid.reserve(keep.size());
  for (size_t k : keep) valid.push_back(v->valid[k]);
  v->valid = std::move(valid);
}

// Whether created_by names a parquet-mr older than 1.2.9 (or no version).
bool WriterUndercountsChunks(const std::optional<std::string>& created_by) {
  if (!created_by) return false;
  const std::string prefix = "parquet-mr";
  if (created_by->compare(0, prefix.size(), prefix) != 0) return false;
  size_t v = created_by->find("version ");
  if (v == std::string::npos) return true;
  int major = 0, minor = 0, patch = 0;
  if (std::sscanf(created_by->c_str() + v + 8, "%d.%d.%d", &major, &minor, &patch) < 2) return true;
  if (major != 1) return major < 1;
  if (minor != 2) return minor < 2;
  return patch < 9;
}

}  // namespace

int64_t RowGroupData::num_rows() const {
  int64_t n = 0;
  for (const RowRange& r : rows) n += r.count;
  return n;
}

Status FileReader::Open(const std::string& path, std::unique_ptr<FileReader>* out,
                        const ReaderOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(path, err);
  }
  Status s = OpenSource(std::make_unique<FileSource>(fd, static_cast<uint64_t>(st.st_size)), out,
                        options);
  return s.ok() ? s : s.WithContext(path);
}

Status FileReader::OpenBuffer(std::string data, std::unique_ptr<FileReader>* out,
                              const ReaderOptions& options) {
  return OpenSource(std::make_unique<MemorySource>(std::move(data)), out, options);
}

Status FileReader::OpenSource(std::unique_ptr<InputSource> source, std::unique_ptr<FileReader>* out,
                              const ReaderOptions& options) {
  std::unique_ptr<FileReader> reader(new FileReader(std::move(source), options));
  SWELL_RETURN_IF_ERROR(reader->ReadFooter());
  SWELL_RETURN_IF_ERROR(reader->BuildSchema());
  *out = std::move(reader);
  return Status::OK();
}

Status FileReader::ReadFooter() {
  uint64_t size = source_->size();
  if (size < 12) return Status::Corruption("not a Parquet file: " + std::to_string(size) + " bytes");
  std::string head, tail;
  SWELL_RETURN_IF_ERROR(source_->ReadAt(0, 4, &head));
  SWELL_RETURN_IF_ERROR(source_->ReadAt(size - 8, 8, &tail));
  if (tail.compare(4, 4, kEncryptedMagic) == 0) {
    return Status::NotSupported("encrypted footer (PARE) is not supported");
  }
  if (head != kMagic || tail.compare(4, 4, kMagic) != 0) {
    return Status::Corruption("not a Parquet file: missing PAR1 magic");
  }
  uint32_t footer_size = DecodeFixed32(tail.data());
  if (footer_size > size - 12) {
    return Status::Corruption("footer length " + std::to_string(footer_size) +
                              " exceeds the file's " + std::to_string(size) + " bytes");
  }
  if (footer_size > options_.max_footer_size) {
    return Status::ResourceExhausted("footer of " + std::to_string(footer_size) + " bytes");
  }
  std::string footer;
  SWELL_RETURN_IF_ERROR(source_->ReadAt(size - 8 - footer_size, footer_size, &footer));
  std::string_view in = footer;
  Status st = ParseFileMetaData(&in, &metadata_);
  if (!st.ok()) return Status::Corruption("bad footer: " + st.ToString());
  if (metadata_.encrypted) return Status::NotSupported("encrypted file is not supported");
  return Status::OK();
}

Status FileReader::BuildSchema() {
  const auto& schema = metadata_.schema;
  if (schema.empty()) return Status::Corruption("empty schema");
  if (!schema[0].num_children || *schema[0].num_children < 0) {
    return Status::Corruption("schema root has no children count");
  }
  SchemaWalker walker{schema, &leaves_};
  SWELL_RETURN_IF_ERROR(walker.Walk(*schema[0].num_children, SchemaWalker::Context(), 0));
  if (walker.next != schema.size()) {
    return Status::Corruption("schema has " + std::to_string(schema.size() - walker.next) +
                              " elements outside the root's tree");
  }
  if (metadata_.num_rows < 0) return Status::Corruption("negative row count");
  return Status::OK();
}

int FileReader::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < leaves_.size(); ++i) {
    if (leaves_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status FileReader::ResolveProjection(const std::vector<std::string>& projection,
                                     std::vector<int>* columns) const {
  columns->clear();
  if (projection.empty()) {
    for (size_t i = 0; i < leaves_.size(); ++i) columns->push_back(static_cast<int>(i));
  }
  for (const std::string& name : projection) {
    int c = FindColumn(name);
    if (c < 0) return Status::InvalidArgument("no column named '" + name + "'");
    columns->push_back(c);
  }
  for (int c : *columns) {
    if (!leaves_[c].unsupported.empty()) return Status::NotSupported(leaves_[c].unsupported);
  }
  return Status::OK();
}

Status FileReader::CheckRowGroup(int i) const {
  if (i < 0 || i >= num_row_groups()) {
    return Status::InvalidArgument("row group " + std::to_string(i) + " does not exist");
  }
  const RowGroup& rg = metadata_.row_groups[i];
  if (rg.columns.size() != leaves_.size()) {
    return Status::Corruption("row group " + std::to_string(i) + " has " +
                              std::to_string(rg.columns.size()) + " column chunks for " +
                              std::to_string(leaves_.size()) + " columns");
  }
  if (rg.num_rows < 0) return Status::Corruption("row group with a negative row count");
  if (rg.num_rows > options_.max_row_group_rows) {
    return Status::ResourceExhausted("row group " + std::to_string(i) + " of " +
                                     std::to_string(rg.num_rows) + " rows exceeds the limit of " +
                                     std::to_string(options_.max_row_group_rows));
  }
  return Status::OK();
}

Status FileReader::ReadChunkBytes(int row_group, int column, std::string* bytes,
                                  uint64_t* chunk_start) const {
  const ColumnChunk& chunk = metadata_.row_groups[row_group].columns[column];
  const LeafColumn& leaf = leaves_[column];
  if (chunk.encrypted) {
    return Status::NotSupported("column '" + leaf.name + "' is encrypted, which is not supported");
  }
  if (chunk.file_path) {
    return Status::NotSupported("column '" + leaf.name + "' lives in another file ('" +
                                *chunk.file_path + "'), which is not supported");
  }
  if (!chunk.meta_data) return Status::Corruption("column '" + leaf.name + "' has no metadata");
  const ColumnMetaData& meta = *chunk.meta_data;
  if (meta.type != leaf.physical_type) {
    return Status::Corruption("column '" + leaf.name + "' chunk is " + ToString(meta.type) +
                              ", the schema says " + ToString(leaf.physical_type));
  }
  int64_t start = meta.data_page_offset;
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 &&
      *meta.dictionary_page_offset < start) {
    start = *meta.dictionary_page_offset;
  }
  int64_t length = meta.total_compressed_size;
  uint64_t file_size = source_->size();
  if (WriterUndercountsChunks(metadata_.created_by) && length >= 0 && start >= 0 &&
      static_cast<uint64_t>(start) <= file_size) {
    // parquet-mr before 1.2.9 left the dictionary page header out of the
    // chunk's size (PARQUET-816); read up to that much further, within the file.
    uint64_t room = file_size - static_cast<uint64_t>(start);
    length = static_cast<int64_t>(std::min<uint64_t>(room, static_cast<uint64_t>(length) + 100));
  }
  if (!InRange(start, length, file_size)) {
    return Status::Corruption("column '" + leaf.name + "' chunk [" + std::to_string(start) + ", +" +
                              std::to_string(length) + ") lies outside the file of " +
                              std::to_string(file_size) + " bytes");
  }
  *chunk_start = static_cast<uint64_t>(start);
  return source_->ReadAt(start, static_cast<size_t>(length), bytes);
}

Status FileReader::ReadOffsetIndex(const ColumnChunk& chunk, OffsetIndex* index) const {
  if (!chunk.offset_index_offset || !chunk.offset_index_length ||
      !InRange(*chunk.offset_index_offset, *chunk.offset_index_length, source_->size())) {
    return Status::NotFound("no offset index");
  }
  std::string bytes;
  SWELL_RETURN_IF_ERROR(source_->ReadAt(*chunk.offset_index_offset, *chunk.offset_index_length, &bytes));
  std::string_view in = bytes;
  return ParseOffsetIndex(&in, index);
}

Status FileReader::ReadColumnIndex(const ColumnChunk& chunk, ColumnIndex* index) const {
  if (!chunk.column_index_offset || !chunk.column_index_length ||
      !InRange(*chunk.column_index_offset, *chunk.column_index_length, source_->size())) {
    return Status::NotFound("no column index");
  }
  std::string bytes;
  SWELL_RETURN_IF_ERROR(source_->ReadAt(*chunk.column_index_offset, *chunk.column_index_length, &bytes));
  std::string_view in = bytes;
  return ParseColumnIndex(&in, index);
}

Status FileReader::ReadRowGroup(int i, const std::vector<std::string>& projection,
                                RowGroupData* out) {
  std::vector<int> columns;
  SWELL_RETURN_IF_ERROR(ResolveProjection(projection, &columns));
  SWELL_RETURN_IF_ERROR(CheckRowGroup(i));
  const RowGroup& rg = metadata_.row_groups[i];
  out->columns.clear();
  out->rows.clear();
  for (int c : columns) {
    std::string bytes;
    uint64_t start;
    SWELL_RETURN_IF_ERROR(ReadChunkBytes(i, c, &bytes, &start));
    ColumnChunkReader reader(leaves_[c], rg.columns[c].meta_data->codec, bytes, options_.page);
    ColumnVector vector = MakeColumnVector(leaves_[c]);
    Status st = reader.ReadAll(rg.num_rows, &vector);
    counters_.data_pages_read += reader.data_pages_read();
    if (!st.ok()) return st.WithContext("row group " + std::to_string(i));
    out->columns.push_back(std::move(vector));
  }
  out->rows.push_back({0, rg.num_rows});
  ++counters_.row_groups_read;
  return Status::OK();
}

bool FileReader::RowGroupMayMatch(int i, const RowGroupFilter& filter) const {
  if (i < 0 || i >= num_row_groups()) return true;
  const RowGroup& rg = metadata_.row_groups[i];
  if (rg.columns.size() != leaves_.size()) return true;
  for (const ColumnPredicate& p : filter.predicates) {
    int c = FindColumn(p.column);
    if (c < 0 || !rg.columns[c].meta_data || !rg.columns[c].meta_data->statistics) continue;
    const Statistics& st = *rg.columns[c].meta_data->statistics;
    const LeafColumn& leaf = leaves_[c];
    // A comparison is never true for a null, so an all-null chunk fails it.
    if (st.null_count && rg.num_rows > 0 && *st.null_count == rg.num_rows) return false;
    Order order = ColumnOrderOf(leaf);
    if (st.min_value && st.max_value) {
      if (!RangeMayMatch(leaf, *st.min_value, *st.max_value, p)) return false;
    } else if (st.min && st.max &&
               (order == Order::kSigned || order == Order::kFloat || order == Order::kBool)) {
      // The legacy fields are in signed order, right for these types only.
      if (!RangeMayMatch(leaf, *st.min, *st.max, p)) return false;
    }
  }
  return true;
}

Status FileReader::SelectRows(int i, const RowGroupFilter& filter, std::vector<RowRange>* rows,
                              bool* usable) {
  const RowGroup& rg = metadata_.row_groups[i];
  *usable = false;
  rows->assign(1, RowRange{0, rg.num_rows});
  for (const ColumnPredicate& p : filter.predicates) {
    int c = FindColumn(p.column);
    ColumnIndex ci;
    OffsetIndex oi;
    if (!ReadColumnIndex(rg.columns[c], &ci).ok() || !ReadOffsetIndex(rg.columns[c], &oi).ok()) {
      continue;
    }
    std::vector<RowRange> pages;
    if (!PageRows(oi, rg.num_rows, &pages) || ci.null_pages.size() != pages.size() ||
        ci.min_values.size() != pages.size() || ci.max_values.size() != pages.size()) {
      continue;
    }
    *usable = true;
    std::vector<RowRange> kept;
    for (size_t k = 0; k < pages.size(); ++k) {
      if (ci.null_pages[k]) continue;
      if (!RangeMayMatch(leaves_[c], ci.min_values[k], ci.max_values[k], p)) continue;
      if (!kept.empty() && kept.back().first + kept.back().count == pages[k].first) {
        kept.back().count += pages[k].count;
      } else {
        kept.push_back(pages[k]);
      }
    }
    *rows = Intersect(*rows, kept);
  }
  return Status::OK();
}

Status FileReader::ReadColumnRows(int i, int c, const std::vector<RowRange>& rows,
                                  ColumnVector* out) {
  const RowGroup& rg = metadata_.row_groups[i];
  std::string bytes;
  uint64_t start;
  SWELL_RETURN_IF_ERROR(ReadChunkBytes(i, c, &bytes, &start));
  ColumnChunkReader reader(leaves_[c], rg.columns[c].meta_data->codec, bytes, options_.page);
  *out = MakeColumnVector(leaves_[c]);
  OffsetIndex oi;
  std::vector<RowRange> pages;
  std::vector<RowRange> held;
  Status st;
  if (ReadOffsetIndex(rg.columns[c], &oi).ok() && PageRows(oi, rg.num_rows, &pages)) {
    std::vector<PageSlice> slices;
    for (size_t k = 0; k < pages.size(); ++k) {
      bool overlaps = !Intersect({pages[k]}, rows).empty();
      if (!overlaps) {
        ++counters_.data_pages_skipped;
        continue;
      }
      const PageLocation& loc = oi.page_locations[k];
      if (loc.offset < static_cast<int64_t>(start) || loc.compressed_page_size < 0) {
        return Status::Corruption("column '" + leaves_[c].name +
                                  "': offset index locates a page before its chunk");
      }
      slices.push_back({static_cast<size_t>(loc.offset - start),
                        static_cast<size_t>(loc.compressed_page_size), pages[k].first,
                        pages[k].count});
      held.push_back(pages[k]);
    }
    st = reader.ReadPages(slices, out);
  } else {
    held.push_back({0, rg.num_rows});
    st = reader.ReadAll(rg.num_rows, out);
  }
  counters_.data_pages_read += reader.data_pages_read();
  if (!st.ok()) return st.WithContext("row group " + std::to_string(i));
  KeepRows(held, rows, out);
  return Status::OK();
}

Status FileReader::ReadRowGroup(int i, const std::vector<std::string>& projection,
                                const RowGroupFilter& filter, RowGroupData* out, bool* skipped) {
  *skipped = false;
  out->columns.clear();
  out->rows.clear();
  std::vector<int> columns;
  SWELL_RETURN_IF_ERROR(ResolveProjection(projection, &columns));
  for (const ColumnPredicate& p : filter.predicates) {
    int c = FindColumn(p.column);
    if (c < 0) return Status::InvalidArgument("predicate on unknown column '" + p.column + "'");
    if (!ValueFits(ColumnOrderOf(leaves_[c]), p)) {
      return Status::InvalidArgument("predicate value does not fit column '" + p.column + "' of type " +
                                     ToString(leaves_[c].physical_type));
    }
  }
  SWELL_RETURN_IF_ERROR(CheckRowGroup(i));
  if (!RowGroupMayMatch(i, filter)) {
    *skipped = true;
    ++counters_.row_groups_skipped;
    return Status::OK();
  }
  std::vector<RowRange> rows;
  bool usable = false;
  SWELL_RETURN_IF_ERROR(SelectRows(i, filter, &rows, &usable));
  if (!usable) return ReadRowGroup(i, projection, out);
  if (rows.empty()) {
    *skipped = true;
    ++counters_.row_groups_skipped;
    return Status::OK();
  }
  for (int c : columns) {
    ColumnVector v;
    SWELL_RETURN_IF_ERROR(ReadColumnRows(i, c, rows, &v));
    out->columns.push_back(std::move(v));
  }
  out->rows = rows;
  ++counters_.row_groups_read;
  return Status::OK();
}

}  // namespace swell::parquet
