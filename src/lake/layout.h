// The lake's key layout (docs/formats.md "Lake"):
//
//   events/date=YYYY-MM-DD/app_id=APP/part-ID.parquet    one row per event
//   sets/date=YYYY-MM-DD/app_id=APP/part-ID.parquet      pre-aggregated user sets
//   users/app_id=APP/part-ID.parquet                     user dictionary snapshots
//   raw/app_id=APP/date=YYYY-MM-DD/hour=HH/NAME          optional raw NDJSON tier
//   _manifest/vNNNNNNNNNNNNNNNNNNNN.json, _manifest/CURRENT
//
// Partition values are escaped exactly as Hive and Spark escape them
// (FileUtils.escapePathName), so every engine that reads Hive partitions
// recovers the original value, and no value can contain a '/' or form a "."
// or ".." segment: an app id can never leave its directory.
//
// Part files are never overwritten: each write gets a fresh ID, so a reader
// holding an older manifest keeps reading the files it names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::lake {

// What a lake file holds. The names are the top-level directories.
enum class FileKind { kEvents, kSets, kUsers, kRaw };
std::string_view FileKindName(FileKind kind);  // "events", "sets", "users", "raw"
bool ParseFileKind(std::string_view name, FileKind* kind);

// Hive's escaping of a partition value: the bytes 0x00..0x1F, 0x7F and
// " # % ' * / : = ? \ { [ ] ^ become %XX (uppercase hex). Hive works on Java
// strings, where every other character is kept; for bytes the same is done
// for valid UTF-8, and every byte of an invalid UTF-8 sequence is
// escaped too, so the result is always printable UTF-8 and the round trip
// exact.
std::string EscapePartitionValue(std::string_view value);
// The inverse, as lenient as Hive's: "%XX" with two hex digits (either case)
// becomes the byte, a '%' not followed by two hex digits stays as it is.
std::string UnescapePartitionValue(std::string_view escaped);

// "YYYY-MM-DD" for a day number (days since 1970-01-01, proleptic Gregorian).
std::string DateString(int32_t days);
// Parses a strict "YYYY-MM-DD" (a real calendar day, years 0000..9999).
bool ParseDate(std::string_view date, int32_t* days);
// The UTC day of a time in ms since the epoch (floor, also before 1970).
int32_t DayOfTimeMs(int64_t time_ms);

// A fresh 128-bit random part ID as 32 lowercase hex digits.
std::string NewPartId();

// Keys. REQUIRES: app_id non-empty; date a valid "YYYY-MM-DD"; file_name a
// plain name (checked by the functions returning Status).
std::string PartitionPrefix(FileKind kind, std::string_view date, std::string_view app_id);
Status EventsFileKey(std::string_view date, std::string_view app_id, std::string_view file_name,
                     std::string* key);
Status SetsFileKey(std::string_view date, std::string_view app_id, std::string_view file_name,
                   std::string* key);
Status UsersFileKey(std::string_view app_id, std::string_view file_name, std::string* key);
Status RawFileKey(std::string_view app_id, std::string_view date, int hour, std::string_view file_name,
                  std::string* key);
// "part-" + id + ".parquet"
std::string PartFileName(std::string_view id);

// The parts of a key under events/, sets/, users/ or raw/ (date empty for
// users; hour only for raw, -1 otherwise).
struct LakeKey {
  FileKind kind = FileKind::kEvents;
  std::string date;
  std::string app_id;  // unescaped
  int hour = -1;
  std::string file_name;
};
// Parses a key produced by EventsFileKey/SetsFileKey/UsersFileKey/RawFileKey; false for
// anything else (including a partition value that does not re-escape to the
// same text, so every key has exactly one spelling).
bool ParseLakeKey(std::string_view key, LakeKey* out);

// Manifest objects.
inline constexpr std::string_view kManifestDir = "_manifest/";
inline constexpr std::string_view kManifestCurrentKey = "_manifest/CURRENT";
// "_manifest/v" + 20 zero-padded digits + ".json"; REQUIRES: version >= 1.
std::string ManifestVersionKey(uint64_t version);
// The version of a key produced by ManifestVersionKey; false otherwise.
bool ParseManifestVersionKey(std::string_view key, uint64_t* version);

}  // namespace swell::lake
