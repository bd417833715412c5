#include "query/result_cache.h"

namespace swell::query {

std::shared_ptr<const void> ResultCache::Get(const std::string& key, const std::string& version) {
  auto found = std::static_pointer_cast<const Versioned>(entries_.Find(key));
  if (!found || found->version != version) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return found->value;
}

void ResultCache::Put(const std::string& key, std::string version, std::shared_ptr<const void> value,
                      uint64_t bytes) {
  const uint64_t held = bytes + key.size() + version.size() + sizeof(Versioned);
  entries_.Insert(key, std::make_shared<const Versioned>(Versioned{std::move(version), std::move(value)}), held);
}

ResultCacheStats ResultCache::stats() const {
  LruByteCacheStats s = entries_.stats();
  return ResultCacheStats{hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
                          s.evictions, s.bytes, s.entries};
}

}  // namespace swell::query
