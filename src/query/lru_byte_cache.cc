#include "query/lru_byte_cache.h"

namespace swell::query {

std::shared_ptr<const void> LruByteCache::Find(const std::string& id) {
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

void LruByteCache::EraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  stats_.bytes -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
  stats_.entries = entries_.size();
}

void LruByteCache::Insert(const std::string& id, std::shared_ptr<const void> value, uint64_t bytes) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(id); it != entries_.end()) EraseLocked(it);
  if (bytes > capacity_) return;
  while (stats_.bytes + bytes > capacity_ && !lru_.empty()) {
    EraseLocked(entries_.find(lru_.back()));
    stats_.evictions++;
  }
  lru_.push_front(id);
  entries_.emplace(id, Entry{std::move(value), bytes, lru_.begin()});
  stats_.bytes += bytes;
  stats_.entries = entries_.size();
}

LruByteCacheStats LruByteCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace swell::query
