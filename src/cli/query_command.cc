#include "cli/query_command.h"

#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "util/file_util.h"

namespace swell::cli {

namespace {

struct QueryArgs {
  std::string kind;  // "segmentation", "funnel", "retention", "audience" or "events"
  std::string data_dir = "./swell-data";
  std::string app = "default";
  std::string json;
  std::string config_path;  // optional: its [limits] and [query] settings apply
};

int RunQuery(const QueryArgs& args) {
  Status st = config::ValidateAppId(args.app);
  if (!st.ok()) return Fail("--app: " + st.message());
  // A query must not create an empty data directory by mistake.
  if (!FileExists(args.data_dir)) return Fail("data directory " + args.data_dir + " does not exist");
  std::string request;
  if (args.kind != "events") {
    st = ReadJsonArgument(args.json, &request);
    if (!st.ok()) return Fail(st);
  }
  config::Config config;
  if (!args.config_path.empty()) {
    st = config::LoadConfigFile(args.config_path, &config);
    if (!st.ok()) return Fail(st);
  }
  OpenedEngine opened;
  st = OpenEngine(args.data_dir, config, &opened);
  if (!st.ok()) return Fail(st);
  std::string out;
  if (args.kind == "segmentation") {
    st = opened.engine->queries()->Segmentation(args.app, request, &out);
  } else if (args.kind == "funnel") {
    st = opened.engine->queries()->Funnel(args.app, request, &out);
  } else if (args.kind == "retention") {
    st = opened.engine->queries()->Retention(args.app, request, &out);
  } else if (args.kind == "audience") {
    st = opened.engine->queries()->Audience(args.app, request, &out);
  } else {
    st = opened.engine->queries()->EventNames(args.app, &out);
  }
  if (!st.ok()) return Fail(st.IsInvalidArgument() ? "bad request: " + st.message() : st.ToString());
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App* app, std::function<int()>* action) {
  CLI::App* query = app->add_subcommand("query", "Run a query on a data directory (same JSON as the HTTP API)");
  query->require_subcommand(1);

  // The query types that take a JSON request, as the HTTP API does.
  struct JsonQuery {
    const char* kind;
    const char* help;
  };
  for (const JsonQuery& q : {JsonQuery{"segmentation", "Event totals, uniques and more over time (docs/api.md)"},
                             JsonQuery{"funnel", "Users through a sequence of steps, and how fast (docs/api.md)"},
                             JsonQuery{"retention", "Users who came back after a start event, per cohort (docs/api.md)"},
                             JsonQuery{"audience", "Users of a tree of and/or/not over event criteria (docs/api.md)"}}) {
    auto args = std::make_shared<QueryArgs>();
    args->kind = q.kind;
    CLI::App* sub = query->add_subcommand(q.kind, q.help);
    sub->add_option("--data", args->data_dir, "Data directory")->capture_default_str();
    sub->add_option("--app", args->app, "App id")->capture_default_str();
    sub->add_option("--json", args->json, "The request: JSON text, or @FILE")->required();
    sub->add_option("--config", args->config_path, "Config file ([limits] and [query] settings)");
    sub->callback([args, action] { *action = [args] { return RunQuery(*args); }; });
  }

  auto ev = std::make_shared<QueryArgs>();
  ev->kind = "events";
  CLI::App* e = query->add_subcommand("events", "Event names with counts");
  e->add_option("--data", ev->data_dir, "Data directory")->capture_default_str();
  e->add_option("--app", ev->app, "App id")->capture_default_str();
  e->add_option("--config", ev->config_path, "Config file ([limits] and [query] settings)");
  e->callback([ev, action] { *action = [ev] { return RunQuery(*ev); }; });
}

}  // namespace swell::cli
