#include "cli/serve_command.h"

#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "engine/seal_scheduler.h"
#include "serve/http_server.h"

namespace swell::cli {

namespace {

struct ServeArgs {
  std::string data_dir = "./swell-data";
  std::string listen;
  std::string config_path;
  std::string memory_limit;
  bool quiet = false;
};

int Serve(Engine* engine, const config::Config& config, SignalWatcher* signals, bool log_requests,
          const std::string& example_key);

// Keys are secrets and a server's output often ends up in a log collector:
// keys from a config file are never printed (its owner has them), and
// generated keys only on the start that created them, the one moment there
// is no other way to learn them.
void PrintApps(const ServeArgs& args, const config::Config& config, bool created_keys) {
  if (!args.config_path.empty()) {
    std::string ids;
    for (const config::AppConfig& app : config.apps) ids += (ids.empty() ? "" : ", ") + ("\"" + app.id + "\"");
    std::printf("App%s %s: keys in %s\n", config.apps.size() > 1 ? "s" : "", ids.c_str(), args.config_path.c_str());
    return;
  }
  const config::AppConfig& app = config.apps.front();
  const std::string keys_file = args.data_dir + "/keys.toml";
  if (created_keys) {
    std::printf("Created keys for app \"%s\" in %s (shown this once; later starts do not print them)\n",
                app.id.c_str(), keys_file.c_str());
    std::printf("App %-12s ingest key %s  read key %s\n", ("\"" + app.id + "\"").c_str(), app.ingest_key.c_str(),
                app.read_key.c_str());
  } else {
    std::printf("App \"%s\": keys in %s\n", app.id.c_str(), keys_file.c_str());
  }
}

int RunServe(const ServeArgs& args) {
  SignalWatcher signals;
  config::Config config;
  bool created = false;
  Status st = LoadAppConfig(args.config_path, args.data_dir, &config, &created);
  if (!st.ok()) return Fail(st);
  if (!args.listen.empty()) config.server.listen = args.listen;
  if (!args.memory_limit.empty()) {
    st = config::ParseByteSize(args.memory_limit, &config.limits.memory_limit_bytes);
    if (!st.ok()) return Fail("--memory-limit: " + st.message());
  }
  st = config::ValidateConfig(config);
  if (!st.ok()) return Fail(st);

  OpenedEngine opened;
  st = OpenEngine(args.data_dir, config, &opened);
  if (!st.ok()) return Fail(st);
  EngineStats stats = opened.engine->stats();
  std::printf("Swell %s on data directory %s (%llu log records replayed)\n", SWELL_VERSION, args.data_dir.c_str(),
              static_cast<unsigned long long>(stats.replayed_records));
  if (stats.replay_truncated_bytes > 0) {
    std::printf("Cut a torn tail of %llu bytes from the write-ahead log (an interrupted, unacknowledged write)\n",
                static_cast<unsigned long long>(stats.replay_truncated_bytes));
  }
  PrintApps(args, config, created);
  return Serve(opened.engine.get(), config, &signals, !args.quiet, created ? config.apps.front().ingest_key : "");
}

// Prints the URL and a curl example that sends with example_key (a
// placeholder when empty), then serves until a signal.
int Serve(Engine* engine, const config::Config& config, SignalWatcher* signals, bool log_requests,
          const std::string& example_key) {
  std::string host;
  int port = 0;
  Status st = config::ParseListenAddress(config.server.listen, &host, &port);
  if (!st.ok()) return Fail(st);
  serve::HttpServerOptions options;
  options.log_requests = log_requests;
  serve::HttpServer server(engine, config, options);
  int bound = 0;
  st = server.Bind(host, port, &bound);
  if (!st.ok()) return Fail(st);
  signals->SetHandler([&server] { server.Stop(); });

  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (host == "0.0.0.0") url_host = "127.0.0.1";
  std::string url = "http://" + url_host + ":" + std::to_string(bound);
  std::printf("Listening on %s\n", url.c_str());
  std::printf(
      "Try: curl -s %s/2/httpapi -H 'Content-Type: application/json' -d "
      "'{\"api_key\":\"%s\",\"events\":[{\"user_id\":\"user-1\",\"event_type\":\"hello\"}]}'\n",
      url.c_str(), example_key.empty() ? "INGEST_KEY" : example_key.c_str());
  std::fflush(stdout);

  SealSchedule schedule;
  schedule.delay_ms = config.lake.seal_delay_seconds * 1000;
  schedule.interval_ms = config.lake.seal_interval_seconds * 1000;
  SealScheduler sealer(engine, schedule);
  st = server.Run();
  signals->SetHandler(nullptr);
  if (!st.ok()) return Fail(st);
  std::fprintf(stderr, "swell: stopped\n");
  return 0;
}

}  // namespace

int ServeUntilSignal(Engine* engine, const config::Config& config, SignalWatcher* signals, bool log_requests) {
  // The demo's keys are generated for trying it out: its curl example uses them.
  return Serve(engine, config, signals, log_requests, config.apps.front().ingest_key);
}

void AddServeCommand(CLI::App* app, std::function<int()>* action) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app->add_subcommand("serve", "Serve the ingest and query HTTP API on a data directory");
  cmd->add_option("--data", args->data_dir, "Data directory (created if missing)")->capture_default_str();
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free port) [127.0.0.1:8080]");
  cmd->add_option("--config", args->config_path, "TOML file listing the apps and their keys (docs/operations.md)");
  cmd->add_option("--memory-limit", args->memory_limit, "Speed layer memory bound, e.g. 4GiB");
  cmd->add_flag("--quiet", args->quiet, "Do not log requests");
  cmd->callback([args, action] { *action = [args] { return RunServe(*args); }; });
}

}  // namespace swell::cli
