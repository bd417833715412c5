// FaultInjectionStorage: a Storage wrapper that simulates a process crash at
// a chosen mutation. After `budget` mutations (Put, PutIfAbsent, PutFile,
// Delete) have gone through, the next one fails and so does every call after
// it, as if the process had died there. In kLoseAck mode the fatal mutation
// reaches the store first and only its acknowledgement is lost (a timeout
// after S3 accepted the request).
#pragma once

#include <mutex>

#include "lake/storage.h"

namespace swell::lake::testing {

class FaultInjectionStorage : public Storage {
 public:
  enum class Mode { kFailBefore, kLoseAck };
  // REQUIRES: base outlives this object.
  explicit FaultInjectionStorage(Storage* base) : base_(base) {}

  // Crash at mutation number budget (0: the first one). Negative: never.
  void CrashAt(int budget, Mode mode) {
    std::lock_guard<std::mutex> l(mu_);
    budget_ = budget;
    mode_ = mode;
  }
  bool crashed() const {
    std::lock_guard<std::mutex> l(mu_);
    return crashed_;
  }
  int mutations() const {
    std::lock_guard<std::mutex> l(mu_);
    return mutations_;
  }

  Status Put(std::string_view key, std::string_view bytes) override;
  Status PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) override;
  Status PutFile(std::string_view key, const std::string& local_path) override;
  Status Get(std::string_view key, std::string* bytes) override;
  Status GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) override;
  Status Size(std::string_view key, uint64_t* size) override;
  Status ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) override;
  Status Delete(std::string_view key) override;

 private:
  // Runs a mutation under the crash rule.
  template <typename Op>
  Status Mutate(Op op);
  Status CheckAlive() const;

  Storage* base_;
  mutable std::mutex mu_;
  int budget_ = -1;
  Mode mode_ = Mode::kFailBefore;
  int mutations_ = 0;
  bool crashed_ = false;
};

}  // namespace swell::lake::testing
