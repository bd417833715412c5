// Storage: the object-store-shaped interface the lake reads and writes
// through. It is deliberately the intersection of a local directory and S3
// (issue 9): flat keys, whole-object atomic writes, ranged reads, prefix
// listing. Nothing in the lake may assume a file system behind it.
//
// Keys are '/'-separated relative paths ("events/date=2024-05-01/app_id=web/
// part-1.parquet"). ValidateKey() defines which keys are legal; every
// implementation refuses the others, so no key can name anything outside the
// store (see local_storage.h).
//
// Implementations are safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::lake {

// What a listing reports about one object.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  // Last modification, ms since the Unix epoch (S3's LastModified). Orphan
  // sweeping uses it so that files a writer has not committed yet survive.
  int64_t modified_ms = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Writes the whole object. Atomic: a concurrent or later reader sees the
  // previous object (or none) or all of bytes, never a prefix; after OK the
  // object is durable. An existing object is replaced.
  virtual Status Put(std::string_view key, std::string_view bytes) = 0;
  // As Put, but only when no object named key exists: *created tells which
  // happened. The check and the write are one atomic step (S3: If-None-Match
  // "*"), which is what makes manifest commits safe against racing writers.
  virtual Status PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) = 0;
  // As Put, with the content of a local file (a Parquet file written to a
  // staging path). The local file is left in place.
  virtual Status PutFile(std::string_view key, const std::string& local_path) = 0;

  // NotFound when there is no such object.
  virtual Status Get(std::string_view key, std::string* bytes) = 0;
  // Up to length bytes from offset: fewer only when the object ends first.
  // An offset past the end is InvalidArgument.
  virtual Status GetRange(std::string_view key, uint64_t offset, uint64_t length,
                          std::string* bytes) = 0;
  virtual Status Size(std::string_view key, uint64_t* size) = 0;

  // Every object whose key starts with prefix (a plain string prefix, as in
  // S3: "events/date=2024-05" matches every May partition), sorted by key.
  virtual Status ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) = 0;
  // Keys only, sorted.
  Status List(std::string_view prefix, std::vector<std::string>* keys);

  // Removes the object. Deleting a missing object is OK (as in S3), so a
  // sweep interrupted half way can simply run again.
  virtual Status Delete(std::string_view key) = 0;
};

// The rule every implementation enforces: a key is 1..1024 bytes of
// '/'-separated segments, not starting with '/', with no empty segment, no
// segment starting with '.' (so no "." or ".." and no hidden names: those are
// reserved for in-progress temporaries, which Hive-style readers skip too),
// and no NUL or backslash anywhere.
Status ValidateKey(std::string_view key);
// A listing prefix: "" (everything) or a key, possibly ending in '/', or
// with a partial last segment.
Status ValidatePrefix(std::string_view prefix);

}  // namespace swell::lake
