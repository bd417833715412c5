// The lake's copy of an app's user dictionary (docs/formats.md "Users
// files"): users/app_id=APP/part-ID.parquet files of (user_number, user_key)
// rows, sorted by user_number.
//
// The dictionary only grows (numbers are never reused or reassigned), so each
// seal writes one part holding the users numbered since the previous part;
// the union of the parts a manifest version lists is the dictionary as of
// that version. user_number is what the sets/ bitmaps and the events/ files'
// user_number column hold; user_key is Event::UserKey() ("u:alice",
// "d:device-7").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lake/manifest.h"
#include "lake/storage.h"
#include "util/status.h"

namespace swell::lake {

// Key-value metadata of every users/ file: swell.kind = "users",
// swell.users_schema = kUsersSchemaVersion.
inline constexpr std::string_view kUsersSchemaVersion = "1";

// Writes keys[i] with number first_number + i into the local file at
// local_path (made durable and visible at once, as the events writer does),
// and sets *size to its bytes.
// REQUIRES: first_number + keys.size() - 1 <= kMaxUserNumber (InvalidArgument
// otherwise, before anything is written).
Status WriteUsersFile(const std::string& local_path, uint32_t first_number, std::span<const std::string_view> keys,
                      uint64_t* size);

// Reads a users/ file with ranged reads: (number, key) pairs in file order
// (ascending numbers; a file out of order is Corruption). *users is replaced.
// A file that is not a users file is InvalidArgument.
Status ReadUsersFile(Storage* storage, std::string_view key, std::vector<std::pair<uint32_t, std::string>>* users);

// The app's whole dictionary as of snapshot: the union of its users/ parts,
// (*keys)[n] the key of user number n. Corruption when the parts leave a
// number out, give one twice, or give one key two numbers.
Status ReadUserDictionary(Storage* storage, const Snapshot& snapshot, std::string_view app_id,
                          std::vector<std::string>* keys);

}  // namespace swell::lake
