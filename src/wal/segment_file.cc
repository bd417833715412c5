#include "wal/segment_file.h"

#include <algorithm>
#include <cstdio>

#include "util/file_util.h"

namespace swell::wal {
namespace {
constexpr size_t kDigits = 20;
constexpr std::string_view kSuffix = ".log";
}  // namespace

std::string SegmentFileName(uint64_t first_lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.log", static_cast<unsigned long long>(first_lsn));
  return buf;
}

std::string SegmentPath(const std::string& dir, uint64_t first_lsn) {
  return dir + "/" + SegmentFileName(first_lsn);
}

bool ParseSegmentFileName(std::string_view name, uint64_t* first_lsn) {
  if (name.size() != kDigits + kSuffix.size() || name.substr(kDigits) != kSuffix) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < kDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // 20 digits can exceed uint64
    v = v * 10 + d;
  }
  *first_lsn = v;
  return true;
}

Status ListSegments(const std::string& dir, std::vector<SegmentInfo>* segments) {
  segments->clear();
  std::vector<std::string> names;
  Status st = ListDirectory(dir, &names);
  if (st.IsNotFound()) return Status::OK();
  SWELL_RETURN_IF_ERROR(st);
  for (const std::string& name : names) {
    uint64_t lsn;
    if (ParseSegmentFileName(name, &lsn)) segments->push_back({lsn, dir + "/" + name});
  }
  std::sort(segments->begin(), segments->end(),
            [](const SegmentInfo& a, const SegmentInfo& b) { return a.first_lsn < b.first_lsn; });
  return Status::OK();
}

}  // namespace swell::wal
