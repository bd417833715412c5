// The keys of the `default` app, used when the server runs without a config
// file: generated once from /dev/urandom and kept in DATA/keys.toml (mode
// 0600, same [[app]] format as a config file) so that later starts on the same
// data directory accept the same keys.
#pragma once

#include <string>

#include "config/config.h"
#include "util/status.h"

namespace swell::config {

inline constexpr const char* kDefaultAppId = "default";
inline constexpr const char* kKeysFileName = "keys.toml";

// n random bytes from /dev/urandom as 2n lowercase hex characters.
Status RandomHexKey(size_t n_bytes, std::string* key);

// Loads DATA/keys.toml into config->apps, creating it with fresh random keys
// for one app `default` when it does not exist (*created tells which). A file
// that exists but does not parse is an error, never overwritten: replacing it
// would silently revoke keys that clients hold.
// REQUIRES: data_dir exists; no other thread changes the umask meanwhile
// (the file is created with owner-only permissions).
Status LoadOrCreateKeys(const std::string& data_dir, Config* config, bool* created);

}  // namespace swell::config
