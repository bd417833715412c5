#include "cli/seal_command.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "lake/layout.h"

namespace swell::cli {

namespace {

struct SealArgs {
  std::string data_dir = "./swell-data";
  std::string app;
  std::string config_path;
  std::string from = "0000-01-01";
  std::string to = "9999-12-31";
  int parallel = 0;
  bool from_raw = false;
  bool sweep = false;
};

int RunSeal(const SealArgs& args) {
  Status st = config::ValidateAppId(args.app);
  if (!st.ok()) return Fail("--app: " + st.message());
  int32_t first_day, last_day;
  if (!lake::ParseDate(args.from, &first_day)) return Fail("--from: not a date (YYYY-MM-DD): " + args.from);
  if (!lake::ParseDate(args.to, &last_day)) return Fail("--to: not a date (YYYY-MM-DD): " + args.to);
  if (last_day < first_day) return Fail("--to is before --from");
  config::Config config;
  if (!args.config_path.empty()) {
    st = config::LoadConfigFile(args.config_path, &config);
    if (!st.ok()) return Fail(st);
  }
  if (args.parallel > 0) config.lake.seal_parallel = args.parallel;
  if (args.from_raw) config.lake.raw_tier = true;
  OpenedEngine opened;
  st = OpenEngine(args.data_dir, config, &opened);
  if (!st.ok()) return Fail(st);
  Engine* engine = opened.engine.get();

  auto start = std::chrono::steady_clock::now();
  uint64_t memory_before = engine->stats().speed.memory_bytes;
  seal::SealStats stats;
  st = args.from_raw ? engine->RebuildFromRaw(args.app, first_day, last_day, &stats)
                     : engine->SealDays(args.app, first_day, last_day, &stats);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!st.ok()) {
    return Fail(st.message() + " (" + std::to_string(stats.partitions) +
                " days were committed before the error and stay sealed; running the command again is safe)");
  }
  EngineStats after = engine->stats();
  std::printf("%s %llu days of app \"%s\" (%llu events taken from memory, %llu rows written, %llu files, "
              "%.1f MB) in %.1f s; lake version %llu\n",
              args.from_raw ? "rebuilt" : "sealed", static_cast<unsigned long long>(stats.partitions),
              args.app.c_str(), static_cast<unsigned long long>(stats.events_sealed),
              static_cast<unsigned long long>(stats.events_written), static_cast<unsigned long long>(stats.files_written),
              stats.bytes_written / 1e6, secs, static_cast<unsigned long long>(after.lake_version));
  std::printf("speed layer: %llu events held, memory %.1f MB (was %.1f MB)\n",
              static_cast<unsigned long long>(after.speed.events), after.speed.memory_bytes / 1e6,
              memory_before / 1e6);
  if (args.sweep) {
    st = engine->SweepLake(0);
    if (!st.ok()) return Fail(st);
  }
  return 0;
}

}  // namespace

void AddSealCommand(CLI::App* app, std::function<int()>* action) {
  auto args = std::make_shared<SealArgs>();
  CLI::App* cmd = app->add_subcommand(
      "seal", "Seal the events held in memory into the lake (Parquet) now, or rebuild days from the raw tier");
  cmd->add_option("--data", args->data_dir, "Data directory")->capture_default_str();
  cmd->add_option("--app", args->app, "App id")->required();
  cmd->add_option("--from", args->from, "First UTC day to seal, YYYY-MM-DD (default: all)");
  cmd->add_option("--to", args->to, "Last UTC day to seal, YYYY-MM-DD (default: all)");
  cmd->add_option("--parallel", args->parallel, "Days built at once (default: the config's seal_parallel, 1)");
  cmd->add_option("--config", args->config_path, "Config file ([lake] settings)");
  cmd->add_flag("--from-raw", args->from_raw, "Rebuild the days' events/ and sets/ files from the raw/ tier");
  cmd->add_flag("--sweep", args->sweep,
                "Afterwards delete lake files no retained manifest version lists (only when no server runs)");
  cmd->callback([args, action] { *action = [args] { return RunSeal(*args); }; });
}

}  // namespace swell::cli
