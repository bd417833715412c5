// `swell demo`: generates a realistic demo data set into a fresh data
// directory through Engine::Ingest, then serves it exactly like `serve`.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace swell::cli {

void AddDemoCommand(CLI::App* app, std::function<int()>* action);

}  // namespace swell::cli
