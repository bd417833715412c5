// UserDictionary: the per-app numbering of user keys (Event::UserKey(), e.g.
// "u:alice" or "d:device-7") as dense uint32 user numbers, the members of
// every user set. Append-only and persistent (DATA/apps/APP/users.dict,
// docs/formats.md "User dictionary") so that user sets written to the lake
// keep their meaning across restarts.
//
// Numbers are assigned in order of first appearance. Because the speed layer
// applies batches in log order, replaying the log re-derives exactly the same
// numbers, so a record lost from the file's unsynced tail is re-created by the
// replay that follows every restart; Sync() makes the file durable on its own
// (required before the log that produced the records is trimmed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "speed/interner.h"
#include "util/status.h"

namespace swell::speed {

class UserDictionary {
 public:
  // Opens (creating when missing) the dictionary file at path and loads its
  // records. A torn or corrupt tail is cut off and reported by
  // truncated_bytes(). An empty path keeps the dictionary in memory only.
  static Status Open(const std::string& path, std::unique_ptr<UserDictionary>* out);
  ~UserDictionary();
  UserDictionary(const UserDictionary&) = delete;
  UserDictionary& operator=(const UserDictionary&) = delete;

  // The number of key, assigning the next one when key is new. New records
  // are buffered until Flush().
  uint32_t GetOrAdd(std::string_view key);
  // Interner::kMissing when key has no number.
  uint32_t Find(std::string_view key) const { return keys_.Find(key); }
  // REQUIRES: id < size().
  std::string_view KeyOf(uint32_t id) const { return keys_.Get(id); }
  uint32_t size() const { return keys_.size(); }
  // The theta sketch hash of the user's item: the key without its "u:" /
  // "d:" prefix (the user id, else the device id), hashed as DataSketches'
  // update(std::string) hashes those bytes with seed 9001, so it equals
  // lake::SetsSketchItemHash of any event of the user. 0 when the item is
  // empty (or, in theory, hashes to 0): the user has no item. A key with
  // neither prefix (Event::UserKey() makes none) is hashed whole. Computed
  // once when the key is added or loaded, so any set of user numbers
  // becomes a sketch without re-hashing ids. REQUIRES: id < size().
  uint64_t ItemHash(uint32_t id) const { return item_hashes_[id]; }
  // ItemHash of a key (exposed for tests and callers holding keys).
  static uint64_t ItemHashOfKey(std::string_view key);

  // Appends the buffered records to the file (one write).
  Status Flush();
  // Flush, then fsync the file.
  Status Sync();

  uint64_t truncated_bytes() const { return truncated_bytes_; }
  uint64_t MemoryBytes() const {
    return keys_.MemoryBytes() + pending_.capacity() + item_hashes_.capacity() * sizeof(uint64_t);
  }

  // The file header: magic and format version.
  static constexpr std::string_view kMagic{"SWUDICT1", 8};

 private:
  UserDictionary() = default;
  Status Load(const std::string& contents);

  std::string path_;
  int fd_ = -1;
  Interner keys_;
  std::vector<uint64_t> item_hashes_;  // per user number: ItemHashOfKey(key)
  std::string pending_;  // encoded records not yet written
  uint64_t truncated_bytes_ = 0;
};

// Encodes one record (exposed for tests that craft damaged files).
void AppendUserRecord(std::string* dst, std::string_view key);

}  // namespace swell::speed
