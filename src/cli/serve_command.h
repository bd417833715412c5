// `swell serve --data DIR --listen HOST:PORT [--config FILE]`: runs the HTTP
// server on a data directory until SIGINT/SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "cli/signal_watcher.h"
#include "config/config.h"
#include "engine/engine.h"

namespace swell::cli {

void AddServeCommand(CLI::App* app, std::function<int()>* action);

// Serves engine until a signal arrives: prints the URL and a curl example,
// then answers requests (the caller has printed the apps and where their
// keys are). Returns the exit code.
// REQUIRES: signals was created before engine's threads.
int ServeUntilSignal(Engine* engine, const config::Config& config, SignalWatcher* signals, bool log_requests);

}  // namespace swell::cli
