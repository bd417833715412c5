// The `swell` executable: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>

#include "cli/common.h"
#include "cli/demo_command.h"
#include "cli/import_command.h"
#include "cli/query_command.h"
#include "cli/seal_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Swell: self-hosted behavioral analytics", "swell"};
  app.set_version_flag("--version", std::string("swell ") + SWELL_VERSION);
  app.require_subcommand(1);
  std::function<int()> action;
  swell::cli::AddServeCommand(&app, &action);
  swell::cli::AddImportCommand(&app, &action);
  swell::cli::AddQueryCommand(&app, &action);
  swell::cli::AddSealCommand(&app, &action);
  swell::cli::AddDemoCommand(&app, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors: the message and the relevant usage on stderr, exit 2.
    std::fprintf(stderr, "swell: %s\n", e.what());
    const CLI::App* failed = &app;
    for (const CLI::App* sub = &app;;) {
      auto subs = sub->get_subcommands();
      if (subs.empty()) break;
      sub = subs.front();
      failed = sub;
    }
    std::fprintf(stderr, "%s", failed->help().c_str());
    return swell::cli::kExitUsage;
  }
  if (!action) return swell::cli::kExitUsage;
  return action();
}
