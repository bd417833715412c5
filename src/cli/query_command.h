// `swell query segmentation|events --data DIR --app APP`: the query API
// without a server; prints the same JSON the HTTP routes answer.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace swell::cli {

void AddQueryCommand(CLI::App* app, std::function<int()>* action);

}  // namespace swell::cli
