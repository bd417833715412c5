// `swell seal`: seals held events into the lake by hand, or rebuilds lake
// partitions from the raw tier (docs/operations.md "Sealing").
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace swell::cli {

void AddSealCommand(CLI::App* app, std::function<int()>* action);

}  // namespace swell::cli
