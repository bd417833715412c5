// ResultCache: parts of query answers kept for reuse, each under a key that
// names the question (normalized: the same question asked in other words
// gets the same key) and the version of the data it was computed from. A
// lookup gives the value only when the data under the key is still exactly
// that version, so the cache can never answer with stale data: new events in
// a range, or a seal moving them into the lake, change the version of the
// ranges they touch and of no other.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "query/lru_byte_cache.h"

namespace swell::query {

struct ResultCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;  // absent, or present for another version
  uint64_t evictions = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
};

class ResultCache {
 public:
  // capacity_bytes 0 keeps nothing (every lookup misses).
  explicit ResultCache(uint64_t capacity_bytes) : entries_(capacity_bytes) {}

  // The value computed under key from data of this version, or null.
  std::shared_ptr<const void> Get(const std::string& key, const std::string& version);
  // Keeps value under key for this version, replacing any other version.
  void Put(const std::string& key, std::string version, std::shared_ptr<const void> value, uint64_t bytes);

  ResultCacheStats stats() const;

 private:
  struct Versioned {
    std::string version;
    std::shared_ptr<const void> value;
  };
  LruByteCache entries_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace swell::query
