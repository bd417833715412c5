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
  if (created) std::printf("Created keys for app \"default\" in %s/keys.toml\n", args.data_dir.c_str());

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
  return ServeUntilSignal(opened.engine.get(), config, &signals, !args.quiet);
}

}  // namespace

int ServeUntilSignal(Engine* engine, const config::Config& config, SignalWatcher* signals, bool log_requests) {
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
  for (const config::AppConfig& app : config.apps) {
    std::printf("App %-12s ingest key %s  read key %s\n", ("\"" + app.id + "\"").c_str(), app.ingest_key.c_str(),
                app.read_key.c_str());
  }
  std::printf("Listening on %s\n", url.c_str());
  const config::AppConfig& first = config.apps.front();
  std::printf(
      "Try: curl -s %s/2/httpapi -H 'Content-Type: application/json' -d "
      "'{\"api_key\":\"%s\",\"events\":[{\"user_id\":\"user-1\",\"event_type\":\"hello\"}]}'\n",
      url.c_str(), first.ingest_key.c_str());
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
