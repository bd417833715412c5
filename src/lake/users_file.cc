#include "lake/users_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "lake/events_schema.h"
#include "lake/storage_input_source.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/output_file.h"

namespace swell::lake {

namespace {

parquet::Schema UsersSchema() {
  parquet::Schema s;
  s.Add("user_number", parquet::ColumnType::kInt32, parquet::Repetition::kRequired)
      .Add("user_key", parquet::ColumnType::kString, parquet::Repetition::kRequired);
  return s;
}

Status CheckColumn(const parquet::FileReader& reader, const std::string& name, parquet::Type type) {
  int i = reader.FindColumn(name);
  if (i < 0) return Status::InvalidArgument("not a users file: no column " + name);
  const parquet::LeafColumn& c = reader.schema()[static_cast<size_t>(i)];
  if (c.physical_type != type || c.max_repetition_level != 0)
    return Status::InvalidArgument("not a users file: column " + name + " is " + parquet::ToString(c.physical_type) +
                                   ", expected " + parquet::ToString(type));
  return Status::OK();
}

}  // namespace

Status WriteUsersFile(const std::string& local_path, uint32_t first_number, std::span<const std::string_view> keys,
                      uint64_t* size) {
  if (!keys.empty() && (first_number > kMaxUserNumber || keys.size() - 1 > kMaxUserNumber - first_number))
    return Status::InvalidArgument("users file: numbers from " + std::to_string(first_number) + " for " +
                                   std::to_string(keys.size()) + " keys do not fit the INT32 column");
  parquet::WriterOptions o;
  o.codec = parquet::CompressionCodec::ZSTD;
  o.sorting_columns = {{0, false, false}};
  o.key_value_metadata.push_back({"swell.kind", std::string("users")});
  o.key_value_metadata.push_back({"swell.users_schema", std::string(kUsersSchemaVersion)});
  std::unique_ptr<parquet::FileWriter> w;
  SWELL_RETURN_IF_ERROR(parquet::FileWriter::Open(local_path, UsersSchema(), o, &w));
  for (size_t i = 0; i < keys.size(); ++i) {
    int32_t number = static_cast<int32_t>(first_number + static_cast<uint32_t>(i));
    SWELL_RETURN_IF_ERROR(w->AppendRow({parquet::Value(number), parquet::Value(keys[i])}));
  }
  SWELL_RETURN_IF_ERROR(w->Close());
  struct stat st;
  if (::stat(local_path.c_str(), &st) != 0) return Status::FromErrno(local_path, errno);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

Status ReadUsersFile(Storage* storage, std::string_view key, std::vector<std::pair<uint32_t, std::string>>* users) {
  users->clear();
  std::unique_ptr<parquet::InputSource> source;
  SWELL_RETURN_IF_ERROR(StorageInputSource::Open(storage, key, &source));
  std::unique_ptr<parquet::FileReader> reader;
  Status s = parquet::FileReader::OpenSource(std::move(source), &reader);
  if (!s.ok()) return s.WithContext(key);
  for (const parquet::KeyValue& kv : reader->metadata().key_value_metadata) {
    if (kv.key == "swell.kind" && kv.value && *kv.value != "users")
      return Status::InvalidArgument(std::string(key) + ": not a users file: swell.kind is " + *kv.value);
  }
  s = CheckColumn(*reader, "user_number", parquet::Type::INT32);
  if (s.ok()) s = CheckColumn(*reader, "user_key", parquet::Type::BYTE_ARRAY);
  if (!s.ok()) return s.WithContext(key);

  std::vector<std::pair<uint32_t, std::string>> out;
  parquet::RowGroupData data;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    s = reader->ReadRowGroup(g, {"user_number", "user_key"}, &data);
    if (!s.ok()) return s.WithContext(key);
    const auto* numbers = std::get_if<std::vector<int32_t>>(&data.columns[0].values);
    const auto* keys = std::get_if<std::vector<std::string>>(&data.columns[1].values);
    size_t rows = static_cast<size_t>(data.num_rows());
    if (numbers == nullptr || keys == nullptr || numbers->size() != rows || keys->size() != rows ||
        data.columns[0].size() != rows || data.columns[1].size() != rows)
      return Status::Corruption(std::string(key) + ": row group " + std::to_string(g) + " has columns of other sizes");
    for (size_t r = 0; r < rows; ++r) {
      if (data.columns[0].IsNull(r) || data.columns[1].IsNull(r))
        return Status::Corruption(std::string(key) + ": null in a required column");
      int32_t n = (*numbers)[r];
      if (n < 0) return Status::Corruption(std::string(key) + ": negative user number");
      if (!out.empty() && static_cast<uint32_t>(n) <= out.back().first)
        return Status::Corruption(std::string(key) + ": user numbers not ascending at " + std::to_string(n));
      out.emplace_back(static_cast<uint32_t>(n), (*keys)[r]);
    }
  }
  *users = std::move(out);
  return Status::OK();
}

Status ReadUserDictionary(Storage* storage, const Snapshot& snapshot, std::string_view app_id,
                          std::vector<std::string>* keys) {
  keys->clear();
  std::vector<std::pair<uint32_t, std::string>> all, part;
  for (const LakeFile* f : snapshot.Select(FileKind::kUsers, app_id, "", "")) {
    SWELL_RETURN_IF_ERROR(ReadUsersFile(storage, f->key, &part));
    for (auto& u : part) all.push_back(std::move(u));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(all.size());
  std::unordered_map<std::string_view, uint32_t> numbers;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].first != i)
      return Status::Corruption("users of app " + std::string(app_id) + ": number " + std::to_string(i) +
                                (all[i].first < i ? " given twice" : " missing"));
    out.push_back(std::move(all[i].second));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!numbers.emplace(out[i], static_cast<uint32_t>(i)).second)
      return Status::Corruption("users of app " + std::string(app_id) + ": key numbered twice: " + out[i]);
  }
  *keys = std::move(out);
  return Status::OK();
}

}  // namespace swell::lake
