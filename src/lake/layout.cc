#include "lake/layout.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "lake/storage.h"

namespace swell::lake {

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kEvents: return "events";
    case FileKind::kSets: return "sets";
    case FileKind::kUsers: return "users";
    case FileKind::kRaw: return "raw";
  }
  return "events";
}

bool ParseFileKind(std::string_view name, FileKind* kind) {
  if (name == "events") *kind = FileKind::kEvents;
  else if (name == "sets") *kind = FileKind::kSets;
  else if (name == "users") *kind = FileKind::kUsers;
  else if (name == "raw") *kind = FileKind::kRaw;
  else return false;
  return true;
}

namespace {

// Hive's FileUtils.charToEscape (without the Windows-only additions).
bool HiveEscapes(unsigned char c) {
  if (c < 0x20 || c == 0x7F) return true;
  switch (c) {
    case '"': case '#': case '%': case '\'': case '*': case '/': case ':': case '=':
    case '?': case '\\': case '{': case '[': case ']': case '^':
      return true;
    default:
      return false;
  }
}

// Length of the valid UTF-8 sequence starting at s[i] (a lead byte >= 0x80),
// or 0 when it is not one (overlong forms, surrogates and > U+10FFFF are
// invalid, as in RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void AppendEscaped(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      if (HiveEscapes(c)) AppendEscaped(&out, c);
      else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(value, i);
    if (n == 0) {
      AppendEscaped(&out, c);  // a stray byte: no reader could print it
      ++i;
    } else {
      out.append(value.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string UnescapePartitionValue(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '%' && i + 2 < escaped.size()) {
      int hi = HexValue(escaped[i + 1]), lo = HexValue(escaped[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(escaped[i]);
  }
  return out;
}

// Days from civil and back: Howard Hinnant's algorithms (public domain).
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::string DateString(int32_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

bool ParseDate(std::string_view s, int32_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto digits = [&](size_t pos, size_t n, int* v) {
    *v = 0;
    for (size_t k = pos; k < pos + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      *v = *v * 10 + (s[k] - '0');
    }
    return true;
  };
  int y, m, d;
  if (!digits(0, 4, &y) || !digits(5, 2, &m) || !digits(8, 2, &d)) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0)) return false;
  *days = static_cast<int32_t>(DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
  return true;
}

int32_t DayOfTimeMs(int64_t time_ms) {
  constexpr int64_t kMsPerDay = 86'400'000;
  int64_t q = time_ms / kMsPerDay;
  if (time_ms % kMsPerDay < 0) --q;
  return static_cast<int32_t>(q);
}

std::string NewPartId() {
  // Straight from the kernel on every call: a user-space generator would
  // repeat its sequence in every process forked from one state, and a
  // repeated ID would overwrite a live file.
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source at all: nothing sane to fall back to
    }
    got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

std::string PartFileName(std::string_view id) {
  std::string name = "part-";
  name += id;
  name += ".parquet";
  return name;
}

std::string PartitionPrefix(FileKind kind, std::string_view date, std::string_view app_id) {
  std::string p(FileKindName(kind));
  p += '/';
  if (kind != FileKind::kUsers) {
    p += "date=";
    p += EscapePartitionValue(date);
    p += '/';
  }
  p += "app_id=";
  p += EscapePartitionValue(app_id);
  p += '/';
  return p;
}

namespace {

Status CheckFileName(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos || name.front() == '.' ||
      name.front() == '_')
    return Status::InvalidArgument("lake file name must be a plain name not starting with '.' or '_': " +
                                   std::string(name));
  return Status::OK();
}

Status CheckApp(std::string_view app_id) {
  if (app_id.empty()) return Status::InvalidArgument("lake key: empty app_id");
  return Status::OK();
}

Status CheckDate(std::string_view date) {
  int32_t days;
  if (!ParseDate(date, &days)) return Status::InvalidArgument("lake key: bad date \"" + std::string(date) + "\"");
  return Status::OK();
}

Status PartitionedKey(FileKind kind, std::string_view date, std::string_view app_id,
                      std::string_view file_name, std::string* key) {
  SWELL_RETURN_IF_ERROR(CheckApp(app_id));
  if (kind != FileKind::kUsers) SWELL_RETURN_IF_ERROR(CheckDate(date));
  SWELL_RETURN_IF_ERROR(CheckFileName(file_name));
  *key = PartitionPrefix(kind, date, app_id);
  *key += file_name;
  return ValidateKey(*key);
}

}  // namespace

Status EventsFileKey(std::string_view date, std::string_view app_id, std::string_view file_name,
                     std::string* key) {
  return PartitionedKey(FileKind::kEvents, date, app_id, file_name, key);
}

Status SetsFileKey(std::string_view date, std::string_view app_id, std::string_view file_name,
                   std::string* key) {
  return PartitionedKey(FileKind::kSets, date, app_id, file_name, key);
}

Status UsersFileKey(std::string_view app_id, std::string_view file_name, std::string* key) {
  return PartitionedKey(FileKind::kUsers, "", app_id, file_name, key);
}

Status RawFileKey(std::string_view app_id, std::string_view date, int hour, std::string_view file_name,
                  std::string* key) {
  SWELL_RETURN_IF_ERROR(CheckApp(app_id));
  SWELL_RETURN_IF_ERROR(CheckDate(date));
  SWELL_RETURN_IF_ERROR(CheckFileName(file_name));
  if (hour < 0 || hour > 23) return Status::InvalidArgument("lake key: hour out of range");
  char hh[3];
  std::snprintf(hh, sizeof hh, "%02d", hour);
  *key = "raw/app_id=" + EscapePartitionValue(app_id) + "/date=" + std::string(date) + "/hour=" + hh + "/" +
         std::string(file_name);
  return ValidateKey(*key);
}

namespace {

// Consumes "name=VALUE/" from the front of *rest; the value must be in its
// one canonical escaped spelling.
bool TakePartition(std::string_view* rest, std::string_view name, std::string* value) {
  if (!rest->starts_with(name) || rest->size() <= name.size() || (*rest)[name.size()] != '=') return false;
  rest->remove_prefix(name.size() + 1);
  size_t slash = rest->find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view escaped = rest->substr(0, slash);
  *value = UnescapePartitionValue(escaped);
  if (EscapePartitionValue(*value) != escaped) return false;
  rest->remove_prefix(slash + 1);
  return true;
}

}  // namespace

bool ParseLakeKey(std::string_view key, LakeKey* out) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  if (!ParseFileKind(key.substr(0, slash), &out->kind)) return false;
  std::string_view rest = key.substr(slash + 1);
  out->date.clear();
  out->hour = -1;
  if (out->kind == FileKind::kRaw) {
    // raw/app_id=APP/date=YYYY-MM-DD/hour=HH/NAME
    int32_t days;
    std::string hour;
    if (!TakePartition(&rest, "app_id", &out->app_id) || out->app_id.empty()) return false;
    if (!TakePartition(&rest, "date", &out->date) || !ParseDate(out->date, &days)) return false;
    if (!TakePartition(&rest, "hour", &hour) || hour.size() != 2 || hour[0] < '0' || hour[0] > '2' ||
        hour[1] < '0' || hour[1] > '9' || (hour[0] - '0') * 10 + (hour[1] - '0') > 23)
      return false;
    out->hour = (hour[0] - '0') * 10 + (hour[1] - '0');
    if (!CheckFileName(rest).ok()) return false;
    out->file_name = std::string(rest);
    return true;
  }
  if (out->kind != FileKind::kUsers) {
    int32_t days;
    if (!TakePartition(&rest, "date", &out->date) || !ParseDate(out->date, &days)) return false;
  }
  if (!TakePartition(&rest, "app_id", &out->app_id) || out->app_id.empty()) return false;
  if (!CheckFileName(rest).ok()) return false;
  out->file_name = std::string(rest);
  return true;
}

std::string ManifestVersionKey(uint64_t version) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "_manifest/v%020llu.json", static_cast<unsigned long long>(version));
  return buf;
}

bool ParseManifestVersionKey(std::string_view key, uint64_t* version) {
  constexpr std::string_view kPrefix = "_manifest/v";
  constexpr std::string_view kSuffix = ".json";
  if (key.size() != kPrefix.size() + 20 + kSuffix.size() || !key.starts_with(kPrefix) ||
      !key.ends_with(kSuffix))
    return false;
  uint64_t v = 0;
  for (char c : key.substr(kPrefix.size(), 20)) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;  // overflow
    v = v * 10 + digit;
  }
  if (v == 0) return false;
  *version = v;
  return true;
}

}  // namespace swell::lake
