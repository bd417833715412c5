// Pieces the subcommands share: error reporting, the app configuration
// (a --config file or the data directory's own keys) and opening a data
// directory's engine under its lock.
#pragma once

#include <memory>
#include <string>

#include "cli/data_lock.h"
#include "config/config.h"
#include "engine/engine.h"
#include "util/status.h"

namespace swell::cli {

// Exit codes: 0 success, 1 runtime error, 2 bad usage.
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Prints "swell: <message>" on stderr and returns kExitError.
int Fail(const Status& status);
int Fail(const std::string& message);

// The apps and limits: from config_path when not empty (its apps must be
// valid, see config.h), otherwise the `default` app from DATA/keys.toml,
// created on first use (*created_keys).
Status LoadAppConfig(const std::string& config_path, const std::string& data_dir, config::Config* config,
                     bool* created_keys);

// An engine on data_dir, with the directory locked for as long as it lives.
struct OpenedEngine {
  std::unique_ptr<DataLock> lock;
  std::unique_ptr<Engine> engine;
};
// Memory and lake settings come from config.
Status OpenEngine(const std::string& data_dir, const config::Config& config, OpenedEngine* out);

// A JSON argument: the text itself, or "@path" for a file's contents.
Status ReadJsonArgument(const std::string& arg, std::string* json);

}  // namespace swell::cli
