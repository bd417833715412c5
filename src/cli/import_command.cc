#include "cli/import_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "collect/ndjson_import.h"
#include "wal/log_writer.h"

namespace swell::cli {

namespace {

struct ImportArgs {
  std::string data_dir = "./swell-data";
  std::string app;
  std::string config_path;
  std::vector<std::string> files;
  bool no_progress = false;
  bool seal = false;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A one-line progress bar on stderr, redrawn at most ten times a second.
class ProgressBar {
 public:
  explicit ProgressBar(std::string name) : name_(std::move(name)) {}
  void Update(uint64_t done, uint64_t total, uint64_t events) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done < total) return;
    last_ = now;
    constexpr int kWidth = 30;
    double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
    if (frac > 1) frac = 1;
    int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar.append(kWidth - filled, ' ');
    std::fprintf(stderr, "\r%s [%s] %3d%% %.1f/%.1f MB %llu events", name_.c_str(), bar.c_str(),
                 static_cast<int>(frac * 100), done / 1e6, total / 1e6, static_cast<unsigned long long>(events));
    drawn_ = true;
  }
  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
  }

 private:
  std::string name_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

int RunImport(const ImportArgs& args) {
  Status st = config::ValidateAppId(args.app);
  if (!st.ok()) return Fail("--app: " + st.message());
  config::Config config;
  if (!args.config_path.empty()) {
    // With a config the app must be one the server knows, or its events
    // would be unreachable over HTTP.
    st = config::LoadConfigFile(args.config_path, &config);
    if (!st.ok()) return Fail(st);
    if (config.FindApp(args.app) == nullptr) return Fail("app \"" + args.app + "\" is not in " + args.config_path);
  }
  OpenedEngine opened;
  st = OpenEngine(args.data_dir, config, &opened);
  if (!st.ok()) return Fail(st);
  Engine* engine = opened.engine.get();

  const bool tty = !args.no_progress && ::isatty(2);
  uint64_t total_lines = 0, total_events = 0, total_rejected = 0, total_duplicates = 0, sealed_events = 0;
  auto start = std::chrono::steady_clock::now();
  for (const std::string& file : args.files) {
    collect::ImportOptions options;
    uint64_t events_so_far = 0;
    ProgressBar bar(file);
    if (tty) options.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total, events_so_far); };
    collect::ImportSummary summary;
    auto file_start = std::chrono::steady_clock::now();
    st = collect::ImportNdjson(
        file, NowMs(), options,
        [&](std::vector<Event>&& batch) -> Status {
          size_t n = batch.size();
          IngestResult result;
          if (engine->OverMemoryLimit()) {
            // The speed layer is full: seal what it holds into the lake (an
            // import is history, every day of it may be sealed) and go on.
            seal::SealStats sealed;
            SWELL_RETURN_IF_ERROR(engine->SealClosed(INT64_MAX, &sealed));
            sealed_events += sealed.events_sealed;
          }
          Status s = engine->Ingest(args.app, std::move(batch), &result);
          if (wal::IsDiskFull(s)) {
            return Status::ResourceExhausted(s.message() +
                                             "; the import stopped here: free space, then import the file again "
                                             "(events with an insert_id already imported are dropped as repeats)");
          }
          if (s.IsResourceExhausted()) {
            return Status::ResourceExhausted("the speed layer's memory limit was reached even after a seal; " +
                                             s.message());
          }
          SWELL_RETURN_IF_ERROR(s);
          events_so_far += n;
          total_duplicates += result.duplicates;
          return Status::OK();
        },
        &summary);
    if (tty) bar.Finish();
    if (!st.ok()) {
      return Fail(file + ": " + st.message() + " (" + std::to_string(events_so_far) +
                  " events of this file were imported and are durable)");
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - file_start).count();
    std::printf("%s: %llu lines, %llu events imported, %llu rejected, %.0f events/s\n", file.c_str(),
                static_cast<unsigned long long>(summary.lines), static_cast<unsigned long long>(summary.events),
                static_cast<unsigned long long>(summary.rejected), secs > 0 ? summary.events / secs : 0.0);
    size_t shown = 0;
    for (const collect::RejectedLine& r : summary.first_rejections) {
      if (shown++ == 10) break;
      std::printf("  line %llu: %s\n", static_cast<unsigned long long>(r.line), r.reason.c_str());
    }
    if (summary.rejected > shown) {
      std::printf("  ... and %llu more rejected lines\n", static_cast<unsigned long long>(summary.rejected - shown));
    }
    total_lines += summary.lines;
    total_events += summary.events;
    total_rejected += summary.rejected;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("total: %llu lines, %llu events imported into app \"%s\" (%llu duplicates dropped), %llu rejected, "
              "%.1f s, %.0f events/s\n",
              static_cast<unsigned long long>(total_lines), static_cast<unsigned long long>(total_events),
              args.app.c_str(), static_cast<unsigned long long>(total_duplicates),
              static_cast<unsigned long long>(total_rejected), secs, secs > 0 ? total_events / secs : 0.0);
  if (sealed_events > 0) {
    std::printf("sealed %llu events into the lake on the way (the speed layer's memory limit was reached)\n",
                static_cast<unsigned long long>(sealed_events));
  }
  if (args.seal) {
    // The import is history: every day of it goes to the lake now.
    EngineStats before = engine->stats();
    auto seal_start = std::chrono::steady_clock::now();
    seal::SealStats sealed;
    st = engine->SealClosed(INT64_MAX, &sealed);
    if (!st.ok()) return Fail("seal after import: " + st.message() + " (the imported events are durable; run `swell seal` to retry)");
    double seal_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - seal_start).count();
    EngineStats after = engine->stats();
    std::printf("sealed %llu days (%llu events) into the lake in %.1f s: %.1f MB of Parquet (%.1f B/event); "
                "speed layer memory %.1f MB -> %.1f MB\n",
                static_cast<unsigned long long>(sealed.partitions),
                static_cast<unsigned long long>(sealed.events_sealed), seal_secs, after.lake_bytes / 1e6,
                sealed.events_written ? static_cast<double>(after.lake_bytes) / sealed.events_written : 0.0,
                before.speed.memory_bytes / 1e6, after.speed.memory_bytes / 1e6);
  }
  if (args.config_path.empty() && args.app != "default") {
    // Without a config a server answers only for "default"; the events stay
    // in the data directory for a config that lists the app.
    std::printf("note: `swell serve` without --config answers only for app \"default\"; list app \"%s\" in a "
                "config file to query these events over HTTP\n",
                args.app.c_str());
  }
  return 0;
}

}  // namespace

void AddImportCommand(CLI::App* app, std::function<int()>* action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app->add_subcommand("import", "Import NDJSON event files (plain, .gz, .zst) into a data directory");
  cmd->add_option("--data", args->data_dir, "Data directory (created if missing)")->capture_default_str();
  cmd->add_option("--app", args->app, "App id the events belong to")->required();
  cmd->add_option("--config", args->config_path, "Config file; the app must be listed in it");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar, even on a terminal");
  cmd->add_flag("--seal", args->seal, "When done, seal every imported day into the lake (as `swell seal`)");
  cmd->add_option("files", args->files, "NDJSON files, one Amplitude event object per line")->required();
  cmd->callback([args, action] { *action = [args] { return RunImport(*args); }; });
}

}  // namespace swell::cli
