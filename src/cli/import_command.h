// `swell import --data DIR --app APP FILE...`: loads NDJSON files (plain, .gz
// or .zst) straight into the engine, without a server.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace swell::cli {

void AddImportCommand(CLI::App* app, std::function<int()>* action);

}  // namespace swell::cli
