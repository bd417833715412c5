// Shared by the lake's tests: a scratch directory removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace swell::lake::testing {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A local file's bytes, or "<missing>".
std::string ReadOrMissing(const std::string& path);

}  // namespace swell::lake::testing

#include <vector>

#include "lake/manifest.h"
#include "lake/storage.h"

namespace swell::lake::testing {

// Writes a small object standing for a data file of (kind, app, date) whose
// content names tag, and describes it as the manifest would.
Status WritePart(Storage* storage, FileKind kind, const std::string& app, const std::string& date,
                 const std::string& tag, LakeFile* out);
// The keys of files, in order.
std::vector<std::string> KeysOf(const std::vector<LakeFile>& files);
// Every file of snapshot exists in storage with its recorded size.
::testing::AssertionResult AllFilesPresent(Storage* storage, const Snapshot& snapshot);

}  // namespace swell::lake::testing
