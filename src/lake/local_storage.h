// LocalStorage: Storage over a local directory, the embedded default. A key
// is the relative path of a file under the root; ValidateKey() keeps every
// key inside it (no absolute paths, no "..", no backslashes).
//
// Writes go to a hidden temporary beside the target (".tmp-PID-N"), are
// fsynced, renamed into place, and the directory is fsynced: a reader sees the
// old file or the whole new one, and a crash leaves one of them plus at most a
// temporary, which listings never report and RemoveStaleTemporaries() cleans.
// Directories created on the way are fsynced into their parents, so a
// durable file never hangs off a directory entry a crash could lose.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "lake/storage.h"

namespace swell::lake {

class LocalStorage : public Storage {
 public:
  // Opens (creating when missing) the store rooted at root.
  static Status Open(const std::string& root, std::unique_ptr<LocalStorage>* out);

  Status Put(std::string_view key, std::string_view bytes) override;
  Status PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) override;
  Status PutFile(std::string_view key, const std::string& local_path) override;
  Status Get(std::string_view key, std::string* bytes) override;
  Status GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) override;
  Status Size(std::string_view key, uint64_t* size) override;
  Status ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) override;
  // Also removes directories the deletion leaves empty (never the root), so
  // swept partitions do not linger as empty folders that engines would scan.
  Status Delete(std::string_view key) override;

  // Deletes temporaries left by writes a crash interrupted, when older than
  // min_age_ms (younger ones may belong to a write in progress).
  Status RemoveStaleTemporaries(int64_t min_age_ms, int* removed);

  const std::string& root() const { return root_; }
  // The local path of key. REQUIRES: ValidateKey(key).ok()
  std::string PathOf(std::string_view key) const;

 private:
  explicit LocalStorage(std::string root) : root_(std::move(root)) {}
  // Writes a temporary beside key's path, filled by fill(fd), fsynced.
  template <typename Fill>
  Status WriteTemporary(std::string_view key, Fill fill, std::string* tmp_path);
  Status EnsureParentDirectories(std::string_view key);

  std::string root_;  // no trailing '/'
  std::atomic<uint64_t> next_tmp_{0};
};

}  // namespace swell::lake
