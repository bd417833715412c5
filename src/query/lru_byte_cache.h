// LruByteCache: shared, immutable values under string ids, bounded by the
// bytes their owners say they hold; the least recently used leave first.
// Thread-safe. The partition cache (loaded lake files) and the result cache
// (audience terms) both keep their values in one.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace swell::query {

struct LruByteCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;  // entries dropped to make room
  uint64_t bytes = 0;      // held now
  uint64_t entries = 0;    // held now
};

class LruByteCache {
 public:
  explicit LruByteCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The value under id, or null; counts the hit or the miss.
  std::shared_ptr<const void> Find(const std::string& id);
  // Keeps value under id (replacing what was there), evicting the least
  // recently used entries until it fits. A value larger than the whole
  // capacity is not kept.
  void Insert(const std::string& id, std::shared_ptr<const void> value, uint64_t bytes);

  uint64_t capacity() const { return capacity_; }
  LruByteCacheStats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const void> value;
    uint64_t bytes = 0;
    std::list<std::string>::iterator lru;
  };
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);

  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
  LruByteCacheStats stats_;
};

}  // namespace swell::query
