#include "wal/wal_test_util.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "util/file_util.h"
#include "wal/segment_file.h"

namespace swell::wal::testing {

ScratchDir::ScratchDir() {
  const char* tmp = ::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/swell-wal-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Status ReadLog(const std::string& dir, std::vector<Record>* records, ReplayResult* result) {
  records->clear();
  return ReplayLog(
      dir,
      [records](uint64_t lsn, std::string_view payload) {
        records->push_back({lsn, std::string(payload)});
        return Status::OK();
      },
      result);
}

std::string TaggedPayload(const std::string& tag, size_t filler_bytes) {
  std::string out = tag;
  out.push_back('|');
  uint64_t h = 1469598103934665603ull;
  for (char c : tag) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  for (size_t i = 0; i < filler_bytes; ++i) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    out.push_back(static_cast<char>(h >> 56));
  }
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  std::string out;
  Status st = ReadFileToString(path, &out);
  if (!st.ok()) throw std::runtime_error(st.ToString());
  return out;
}

void WriteFileOrDie(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("write " + path);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

std::vector<std::string> SegmentNames(const std::string& dir) {
  std::vector<SegmentInfo> segments;
  Status st = ListSegments(dir, &segments);
  if (!st.ok()) throw std::runtime_error(st.ToString());
  std::vector<std::string> names;
  for (const auto& s : segments) names.push_back(s.path.substr(dir.size() + 1));
  return names;
}

}  // namespace swell::wal::testing
