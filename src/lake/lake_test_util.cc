#include "lake/lake_test_util.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "util/file_util.h"

namespace swell::lake::testing {

ScratchDir::ScratchDir() {
  const char* base = ::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/swell_lake_XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) ::abort();
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadOrMissing(const std::string& path) {
  std::string s;
  return ReadFileToString(path, &s).ok() ? s : "<missing>";
}

}  // namespace swell::lake::testing

namespace swell::lake::testing {

Status WritePart(Storage* storage, FileKind kind, const std::string& app, const std::string& date,
                 const std::string& tag, LakeFile* out) {
  LakeFile f;
  f.kind = kind;
  f.app_id = app;
  f.date = kind == FileKind::kUsers ? "" : date;
  std::string name = PartFileName(NewPartId());
  switch (kind) {
    case FileKind::kEvents: SWELL_RETURN_IF_ERROR(EventsFileKey(date, app, name, &f.key)); break;
    case FileKind::kSets: SWELL_RETURN_IF_ERROR(SetsFileKey(date, app, name, &f.key)); break;
    case FileKind::kUsers: SWELL_RETURN_IF_ERROR(UsersFileKey(app, name, &f.key)); break;
    case FileKind::kRaw: SWELL_RETURN_IF_ERROR(RawFileKey(app, date, 13, name, &f.key)); break;
  }
  std::string content = "PAR1 " + tag + " " + f.key;
  SWELL_RETURN_IF_ERROR(storage->Put(f.key, content));
  f.size = content.size();
  f.rows = tag.size();
  int32_t day = 0;
  if (ParseDate(date, &day)) {
    f.min_time_ms = int64_t{day} * 86'400'000;
    f.max_time_ms = f.min_time_ms + 86'399'999;
  }
  *out = f;
  return Status::OK();
}

std::vector<std::string> KeysOf(const std::vector<LakeFile>& files) {
  std::vector<std::string> keys;
  for (const LakeFile& f : files) keys.push_back(f.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

::testing::AssertionResult AllFilesPresent(Storage* storage, const Snapshot& snapshot) {
  for (const LakeFile& f : snapshot.files) {
    uint64_t size = 0;
    Status s = storage->Size(f.key, &size);
    if (!s.ok()) return ::testing::AssertionFailure() << "version " << snapshot.version << " names " << f.key << ": " << s.ToString();
    if (size != f.size) return ::testing::AssertionFailure() << f.key << " has " << size << " bytes, manifest says " << f.size;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace swell::lake::testing
