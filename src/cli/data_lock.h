// An exclusive lock on a data directory (flock on DATA/LOCK), held by every
// process that opens the engine: serve, import, query and demo. Two writers on
// one write-ahead log would interleave records; the lock refuses the second.
#pragma once

#include <memory>
#include <string>

#include "util/status.h"

namespace swell::cli {

class DataLock {
 public:
  // Creates data_dir if missing and locks it. Fails with a clear message
  // naming the holder's pid when another process holds the lock.
  static Status Acquire(const std::string& data_dir, std::unique_ptr<DataLock>* lock);
  ~DataLock();  // releases the lock

  DataLock(const DataLock&) = delete;
  DataLock& operator=(const DataLock&) = delete;

 private:
  explicit DataLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace swell::cli
