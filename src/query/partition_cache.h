// PartitionCache: lake files loaded into memory for queries. An events file
// becomes an AppState of its own (the speed layer's indexed form: columnar rows and
// per-hour user sets), so every query operator runs unchanged on sealed and
// fresh data. User numbers come from the file's user_number column, so user
// sets merge with the speed layer's exactly. Files are immutable, so a cached
// copy never goes stale; least recently used files leave first once the
// bytes held pass the capacity.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lake/manifest.h"
#include "lake/sets_file.h"
#include "lake/storage.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

struct PartitionCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t bytes = 0;  // held now
  uint64_t files = 0;  // held now
};

class PartitionCache {
 public:
  // REQUIRES: storage outlives the cache.
  PartitionCache(lake::Storage* storage, uint64_t capacity_bytes) : storage_(storage), capacity_(capacity_bytes) {}

  // The loaded form of an events file. Safe to call from several threads;
  // a file missing from the cache is read outside the lock (two threads may
  // both read it; one copy is kept).
  Status Get(const lake::LakeFile& file, std::shared_ptr<const speed::AppState>* out);
  // The rows of a sets file for one event name (all rows for "").
  Status GetSetsRows(const lake::LakeFile& file, const std::string& event,
                     std::shared_ptr<const std::vector<lake::SetsRow>>* out);

  PartitionCacheStats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const void> value;  // a speed::AppState or a std::vector<lake::SetsRow>
    uint64_t bytes = 0;
    std::list<std::string>::iterator lru;
  };
  // The cached value of id, or null (counting the hit or the miss).
  std::shared_ptr<const void> Find(const std::string& id);
  void Insert(const std::string& id, std::shared_ptr<const void> value, uint64_t bytes);

  lake::Storage* storage_;
  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
  PartitionCacheStats stats_;
};

// Reads an events file into a fresh AppState (no dictionary file, no dedup).
Status LoadPartition(lake::Storage* storage, const lake::LakeFile& file, std::unique_ptr<speed::AppState>* out);

}  // namespace swell::query
