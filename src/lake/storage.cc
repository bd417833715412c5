#include "lake/storage.h"

namespace swell::lake {

Status Storage::List(std::string_view prefix, std::vector<std::string>* keys) {
  std::vector<ObjectInfo> objects;
  keys->clear();
  SWELL_RETURN_IF_ERROR(ListObjects(prefix, &objects));
  keys->reserve(objects.size());
  for (auto& o : objects) keys->push_back(std::move(o.key));
  return Status::OK();
}

namespace {

constexpr size_t kMaxKeyBytes = 1024;  // S3's limit

Status Bad(std::string_view what, std::string_view key) {
  std::string msg = "storage key ";
  msg += what;
  msg += ": \"";
  for (char c : key) msg += (c == '\0') ? '?' : c;  // keep the message printable
  msg += '"';
  return Status::InvalidArgument(msg);
}

// Checks the segments of s; a partial last segment is allowed to be empty
// when allow_empty_last (a prefix ending in '/').
Status CheckSegments(std::string_view s, std::string_view whole, bool allow_empty_last) {
  if (s.size() > kMaxKeyBytes) return Bad("is longer than 1024 bytes", whole);
  if (!s.empty() && s.front() == '/') return Bad("is absolute", whole);
  for (char c : s) {
    if (c == '\0') return Bad("contains NUL", whole);
    if (c == '\\') return Bad("contains a backslash", whole);
  }
  size_t start = 0;
  for (;;) {
    size_t slash = s.find('/', start);
    bool last = slash == std::string_view::npos;
    std::string_view seg = s.substr(start, last ? std::string_view::npos : slash - start);
    if (seg.empty() && !(last && allow_empty_last)) return Bad("has an empty segment", whole);
    if (!seg.empty() && seg.front() == '.') return Bad("has a segment starting with '.'", whole);
    if (last) break;
    start = slash + 1;
  }
  return Status::OK();
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Bad("is empty", key);
  return CheckSegments(key, key, /*allow_empty_last=*/false);
}

Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::OK();
  return CheckSegments(prefix, prefix, /*allow_empty_last=*/true);
}

}  // namespace swell::lake
