// PartitionCache: lake files loaded into memory for queries. An events file
// becomes an AppState of its own (the speed layer's indexed form: columnar rows and
// per-hour user sets), so every query operator runs unchanged on sealed and
// fresh data. User numbers come from the file's user_number column, so user
// sets merge with the speed layer's exactly. Files are immutable, so a cached
// copy never goes stale; least recently used files leave first once the
// bytes held pass the capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lake/manifest.h"
#include "lake/sets_file.h"
#include "lake/storage.h"
#include "query/lru_byte_cache.h"
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
  PartitionCache(lake::Storage* storage, uint64_t capacity_bytes) : storage_(storage), entries_(capacity_bytes) {}

  // The loaded form of an events file. Safe to call from several threads;
  // a file missing from the cache is read outside the lock (two threads may
  // both read it; one copy is kept).
  Status Get(const lake::LakeFile& file, std::shared_ptr<const speed::AppState>* out);
  // The rows of a sets file for one event name (all rows for ""), without
  // their sketches (SetsRow::sketch nullopt).
  Status GetSetsRows(const lake::LakeFile& file, const std::string& event,
                     std::shared_ptr<const std::vector<lake::SetsRow>>* out);
  // As above; with options.sketches, each row's theta sketch is decoded too
  // (nullopt in markers and in files of sets schema 1). Rows with and
  // without sketches are cached apart (a copy with sketches does not serve
  // a request without them, nor the reverse).
  Status GetSetsRows(const lake::LakeFile& file, const std::string& event, const lake::SetsReadOptions& options,
                     std::shared_ptr<const std::vector<lake::SetsRow>>* out);

  PartitionCacheStats stats() const;

 private:
  lake::Storage* storage_;
  LruByteCache entries_;  // speed::AppState ("E") or std::vector<lake::SetsRow> ("S", "K")
};

// The bytes rows hold in memory, as the cache counts them: the rows, their
// strings and bitmaps, and 8 bytes per sketch entry.
uint64_t SetsRowsMemoryBytes(const std::vector<lake::SetsRow>& rows);

// Reads an events file into a fresh AppState (no dictionary file, no dedup).
Status LoadPartition(lake::Storage* storage, const lake::LakeFile& file, std::unique_ptr<speed::AppState>* out);

}  // namespace swell::query
