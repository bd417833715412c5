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

std::shared_ptr<const void> PartitionCache::Find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    stats_.misses++;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  stats_.hits++;
  return it->second.value;
}

void PartitionCache::Insert(const std::string& id, std::shared_ptr<const void> value, uint64_t bytes) {
  std::lock_guard lock(mu_);
  if (entries_.count(id) || bytes > capacity_) return;
  while (stats_.bytes + bytes > capacity_ && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    stats_.bytes -= victim->second.bytes;
    entries_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(id);
  entries_.emplace(id, Entry{std::move(value), bytes, lru_.begin()});
  stats_.bytes += bytes;
}

Status PartitionCache::Get(const lake::LakeFile& file, std::shared_ptr<const speed::AppState>* out) {
  const std::string id = "E" + file.key;
  if (auto hit = Find(id)) {
    *out = std::static_pointer_cast<const speed::AppState>(hit);
    return Status::OK();
  }
  std::unique_ptr<speed::AppState> loaded;
  SWELL_RETURN_IF_ERROR(LoadPartition(storage_, file, &loaded).WithContext(file.key));
  const uint64_t bytes = loaded->MemoryBytes();
  std::shared_ptr<const speed::AppState> state = std::move(loaded);
  *out = state;
  Insert(id, state, bytes);
  return Status::OK();
}

Status PartitionCache::GetSetsRows(const lake::LakeFile& file, const std::string& event,
                                   std::shared_ptr<const std::vector<lake::SetsRow>>* out) {
  // A NUL cannot occur in a key, so key and event cannot run together.
  const std::string id = "S" + file.key + std::string(1, '\0') + event;
  if (auto hit = Find(id)) {
    *out = std::static_pointer_cast<const std::vector<lake::SetsRow>>(hit);
    return Status::OK();
  }
  auto rows = std::make_shared<std::vector<lake::SetsRow>>();
  SWELL_RETURN_IF_ERROR(lake::ReadSetsRows(storage_, file.key, event, rows.get()));
  uint64_t bytes = sizeof(*rows);
  for (const lake::SetsRow& r : *rows)
    bytes += sizeof(r) + r.event_type.size() + r.scope.size() + r.property.size() + (r.value ? r.value->size() : 0) +
             r.users.getSizeInBytes(false);
  *out = rows;
  Insert(id, rows, bytes);
  return Status::OK();
}

PartitionCacheStats PartitionCache::stats() const {
  std::lock_guard lock(mu_);
  PartitionCacheStats s = stats_;
  s.files = entries_.size();
  return s;
}

}  // namespace swell::query
