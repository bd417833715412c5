#include "query/partition_cache.h"

#include "lake/event_file_reader.h"

namespace swell::query {

Status LoadPartition(lake::Storage* storage, const lake::LakeFile& file, std::unique_ptr<speed::AppState>* out) {
  std::vector<Event> events;
  std::vector<uint32_t> users;
  SWELL_RETURN_IF_ERROR(lake::ReadEventFile(storage, file.key, &events, &users));
  std::unique_ptr<speed::AppState> state;
  SWELL_RETURN_IF_ERROR(speed::AppState::Open(file.app_id, "", 1, &state));
  for (size_t i = 0; i < events.size(); ++i) state->AddSealedRow(events[i], users[i]);
  *out = std::move(state);
  return Status::OK();
}

Status PartitionCache::Get(const lake::LakeFile& file, std::shared_ptr<const speed::AppState>* out) {
  const std::string id = "E" + file.key;
  if (auto hit = entries_.Find(id)) {
    *out = std::static_pointer_cast<const speed::AppState>(hit);
    return Status::OK();
  }
  std::unique_ptr<speed::AppState> loaded;
  SWELL_RETURN_IF_ERROR(LoadPartition(storage_, file, &loaded).WithContext(file.key));
  const uint64_t bytes = loaded->MemoryBytes();
  std::shared_ptr<const speed::AppState> state = std::move(loaded);
  *out = state;
  entries_.Insert(id, state, bytes);
  return Status::OK();
}

Status PartitionCache::GetSetsRows(const lake::LakeFile& file, const std::string& event,
                                   std::shared_ptr<const std::vector<lake::SetsRow>>* out) {
  return GetSetsRows(file, event, lake::SetsReadOptions{}, out);
}

uint64_t SetsRowsMemoryBytes(const std::vector<lake::SetsRow>& rows) {
  uint64_t bytes = sizeof(rows) + (rows.capacity() - rows.size()) * sizeof(lake::SetsRow);
  for (const lake::SetsRow& r : rows) {
    bytes += sizeof(r) + r.event_type.capacity() + r.scope.capacity() + r.property.capacity() +
             (r.value ? r.value->capacity() : 0) + r.users.getSizeInBytes(false);
    if (r.sketch) bytes += r.sketch->entries().capacity() * sizeof(uint64_t);
  }
  return bytes;
}

Status PartitionCache::GetSetsRows(const lake::LakeFile& file, const std::string& event,
                                   const lake::SetsReadOptions& options,
                                   std::shared_ptr<const std::vector<lake::SetsRow>>* out) {
  // A NUL cannot occur in a key, so key and event cannot run together. "S":
  // rows without sketches, "K": with.
  const std::string id = (options.sketches ? "K" : "S") + file.key + std::string(1, '\0') + event;
  if (auto hit = entries_.Find(id)) {
    *out = std::static_pointer_cast<const std::vector<lake::SetsRow>>(hit);
    return Status::OK();
  }
  auto rows = std::make_shared<std::vector<lake::SetsRow>>();
  SWELL_RETURN_IF_ERROR(lake::ReadSetsRows(storage_, file.key, event, options, rows.get()));
  const uint64_t bytes = SetsRowsMemoryBytes(*rows);
  *out = rows;
  entries_.Insert(id, rows, bytes);
  return Status::OK();
}

PartitionCacheStats PartitionCache::stats() const {
  LruByteCacheStats s = entries_.stats();
  return PartitionCacheStats{s.hits, s.misses, s.bytes, s.entries};
}

}  // namespace swell::query
