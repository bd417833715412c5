// Helpers shared by the write-ahead log tests: scratch directories and raw
// file surgery to simulate crashes and disk damage.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"
#include "wal/log_reader.h"

namespace swell::wal::testing {

// A fresh directory under TMPDIR (or /tmp), removed with its contents.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string wal() const { return path_ + "/wal"; }

 private:
  std::string path_;
};

struct Record {
  uint64_t lsn;
  std::string payload;
};

// Replays dir and collects every record.
Status ReadLog(const std::string& dir, std::vector<Record>* records, ReplayResult* result);

// Deterministic payload bytes: a readable tag followed by filler derived from
// the tag, so a test can recognise any record by recomputing it.
std::string TaggedPayload(const std::string& tag, size_t filler_bytes);

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);  // replaces content, no fsync
uint64_t FileSize(const std::string& path);
// Names of the segment files of dir in log order.
std::vector<std::string> SegmentNames(const std::string& dir);

}  // namespace swell::wal::testing
