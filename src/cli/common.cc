#include "cli/common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "config/key_store.h"
#include "util/file_util.h"

namespace swell::cli {

int Fail(const std::string& message) {
  std::fprintf(stderr, "swell: %s\n", message.c_str());
  return kExitError;
}

int Fail(const Status& status) { return Fail(status.message().empty() ? status.ToString() : status.message()); }

Status LoadAppConfig(const std::string& config_path, const std::string& data_dir, config::Config* config,
                     bool* created_keys) {
  *created_keys = false;
  if (!config_path.empty()) return config::LoadConfigFile(config_path, config);
  SWELL_RETURN_IF_ERROR(CreateDirectories(data_dir));
  return config::LoadOrCreateKeys(data_dir, config, created_keys);
}

Status OpenEngine(const std::string& data_dir, const config::Config& config, OpenedEngine* out) {
  SWELL_RETURN_IF_ERROR(DataLock::Acquire(data_dir, &out->lock));
  EngineOptions options;
  options.data_dir = data_dir;
  options.memory_limit_bytes = config.limits.memory_limit_bytes;
  options.raw_tier = config.lake.raw_tier;
  options.seal_parallel = config.lake.seal_parallel;
  options.lake_cache_bytes = config.lake.cache_bytes;
  options.query.result_cache_bytes = config.query.result_cache_bytes;
  options.query.audience_chunk_days = config.query.audience_chunk_days;
  options.query.limits.max_range_days = config.limits.max_query_days;
  options.query.limits.default_group_limit = static_cast<uint32_t>(config.limits.max_result_series);
  if (options.lake_cache_bytes == 0) {
    // Sealed days are read far more often than they change: give them a
    // quarter of the machine.
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    uint64_t ram = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
    options.lake_cache_bytes = std::max<uint64_t>(1ull << 30, ram / 4);
  }
  Status st = Engine::Open(options, &out->engine);
  if (!st.ok()) return Status::IOError("cannot open data directory " + data_dir + ": " + st.ToString());
  return Status::OK();
}

Status ReadJsonArgument(const std::string& arg, std::string* json) {
  if (!arg.empty() && arg[0] == '@') {
    Status st = ReadFileToString(arg.substr(1), json);
    if (!st.ok()) return Status::InvalidArgument("cannot read " + arg.substr(1) + ": " + st.message());
    return Status::OK();
  }
  *json = arg;
  return Status::OK();
}

}  // namespace swell::cli
