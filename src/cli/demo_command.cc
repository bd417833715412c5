#include "cli/demo_command.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "cli/serve_command.h"
#include "cli/signal_watcher.h"
#include "demo/demo_data.h"
#include "util/file_util.h"

namespace swell::cli {

namespace {

// Written once generation completes: a later `swell demo` on the same
// directory serves it as it is instead of generating the data again.
constexpr const char* kDemoMarker = "DEMO";

struct DemoArgs {
  std::string data_dir = "./swell-demo";
  std::string listen = "127.0.0.1:8080";
  uint64_t users = 3000;
  int days = 14;
  bool no_serve = false;
  bool quiet = false;
};

int RunDemo(const DemoArgs& args) {
  SignalWatcher signals;
  if (args.users == 0) return Fail("--users must be at least 1");
  if (args.days < 1) return Fail("--days must be at least 1");
  const std::string marker = args.data_dir + "/" + kDemoMarker;
  bool generate = !FileExists(marker);
  if (generate && FileExists(args.data_dir)) {
    std::vector<std::string> names;
    Status st = ListDirectory(args.data_dir, &names);
    if (!st.ok()) return Fail(st);
    if (!names.empty()) {
      return Fail("data directory " + args.data_dir +
                  " exists and is not a demo data set; remove it or choose another with --data");
    }
  }
  config::Config config;
  bool created = false;
  Status st = LoadAppConfig("", args.data_dir, &config, &created);
  if (!st.ok()) return Fail(st);
  config.server.listen = args.listen;
  st = config::ValidateConfig(config);
  if (!st.ok()) return Fail(st);

  OpenedEngine opened;
  st = OpenEngine(args.data_dir, config, &opened);
  if (!st.ok()) return Fail(st);
  const std::string& app = config.apps.front().id;
  if (generate) {
    demo::DemoOptions options;
    options.users = args.users;
    options.days = args.days;
    uint64_t n = 0;
    auto start = std::chrono::steady_clock::now();
    std::fprintf(stderr, "Generating %d days of events for %llu users into %s ...\n", args.days,
                 static_cast<unsigned long long>(args.users), args.data_dir.c_str());
    st = demo::GenerateDemoEvents(
        options,
        [&](std::vector<Event>&& batch) -> Status {
          IngestResult result;
          return opened.engine->Ingest(app, std::move(batch), &result);
        },
        &n);
    if (!st.ok()) return Fail("generating the demo data: " + st.ToString());
    st = WriteFileAtomic(marker, "swell demo data set\n");
    if (!st.ok()) return Fail(st);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Generated %llu demo events in %.1f s into app \"%s\" of %s\n", static_cast<unsigned long long>(n),
                secs, app.c_str(), args.data_dir.c_str());
    // History goes to the lake at once, as `swell serve` would do an hour
    // after each day closed; today's events stay in memory.
    seal::SealStats sealed;
    const int64_t today_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() / 86'400'000 * 86'400'000;
    st = opened.engine->SealClosed(today_ms, &sealed);
    if (!st.ok()) return Fail("sealing the demo data: " + st.ToString());
    EngineStats after = opened.engine->stats();
    std::printf("Sealed %llu days into the lake (%s/lake, %.1f MB of Parquet); %llu events of today stay in memory\n",
                static_cast<unsigned long long>(sealed.partitions), args.data_dir.c_str(), after.lake_bytes / 1e6,
                static_cast<unsigned long long>(after.speed.events));
  } else {
    std::printf("Using the existing demo data in %s\n", args.data_dir.c_str());
  }

  const config::AppConfig& keys = config.apps.front();
  std::string host;
  int port = 0;
  st = config::ParseListenAddress(args.listen, &host, &port);
  if (!st.ok()) return Fail(st);
  std::string base = "http://" + (host == "0.0.0.0" ? std::string("127.0.0.1") : host) + ":" +
                     (port == 0 ? std::string("PORT") : std::to_string(port));
  // The demo's days end today (UTC).
  auto day_text = [](int64_t ms) {
    time_t secs = static_cast<time_t>(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return std::string(buf);
  };
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string range = "\"from\":\"" + day_text(now_ms - int64_t{args.days - 1} * 86400000) +
                            "\",\"to\":\"" + day_text(now_ms) + "\"";
  // A demo is for trying the API: its keys are shown on every run (`swell
  // serve` shows generated keys only on the run that created them).
  std::printf("App \"%s\" ingest key %s  read key %s\n", keys.id.c_str(), keys.ingest_key.c_str(),
              keys.read_key.c_str());
  std::printf("Example queries:\n");
  std::printf("  curl -s %s/api/v1/events -H 'Authorization: Bearer %s'\n", base.c_str(), keys.read_key.c_str());
  std::printf(
      "  curl -s %s/api/v1/segmentation -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d "
      "'{\"event\":{\"name\":\"purchase\"},\"metric\":\"uniques\",\"interval\":\"day\",%s}'\n",
      base.c_str(), keys.read_key.c_str(), range.c_str());
  std::printf(
      "  curl -s %s/api/v1/segmentation -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d "
      "'{\"event\":{\"name\":\"purchase\"},\"metric\":\"totals\",\"interval\":\"day\",\"group_by\":\"platform\",%s}'\n",
      base.c_str(), keys.read_key.c_str(), range.c_str());
  std::printf(
      "  curl -s %s/api/v1/funnel -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d "
      "'{\"steps\":[{\"event\":\"view_item\"},{\"event\":\"add_to_cart\"},{\"event\":\"purchase\"}],"
      "\"window\":\"1d\",\"group_by\":\"platform\",%s}'\n",
      base.c_str(), keys.read_key.c_str(), range.c_str());
  std::printf(
      "  curl -s %s/api/v1/retention -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d "
      "'{\"start\":{\"event\":\"sign_up\"},\"return\":{\"event\":\"app_open\"},\"periods\":7,%s}'\n",
      base.c_str(), keys.read_key.c_str(), range.c_str());
  // Carted but did not buy: exact, then estimated from theta sketches.
  for (const char* mode : {"exact", "estimate"}) {
    std::printf(
        "  curl -s %s/api/v1/audience -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d "
        "'{\"mode\":\"%s\",\"tree\":{\"op\":\"and\",\"children\":[{\"event\":\"add_to_cart\",%s},"
        "{\"op\":\"not\",\"children\":[{\"event\":\"purchase\",%s}]}]}}'\n",
        base.c_str(), keys.read_key.c_str(), mode, range.c_str(), range.c_str());
  }
  std::printf("  swell query events --data %s --app %s   (with the server stopped)\n", args.data_dir.c_str(),
              app.c_str());
  std::fflush(stdout);
  if (args.no_serve) return 0;
  return ServeUntilSignal(opened.engine.get(), config, &signals, !args.quiet);
}

}  // namespace

void AddDemoCommand(CLI::App* app, std::function<int()>* action) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app->add_subcommand("demo", "Generate a demo data set and serve it");
  cmd->add_option("--data", args->data_dir, "Data directory for the demo (created fresh)")->capture_default_str();
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--users", args->users, "Number of users")->capture_default_str()->check(CLI::Range(1, 10000000));
  cmd->add_option("--days", args->days, "Days of history")->capture_default_str()->check(CLI::Range(1, 3650));
  cmd->add_flag("--no-serve", args->no_serve, "Only generate the data, do not serve it");
  cmd->add_flag("--quiet", args->quiet, "Do not log requests");
  cmd->callback([args, action] { *action = [args] { return RunDemo(*args); }; });
}

}  // namespace swell::cli
