#!/usr/bin/env bash
# Installs dependencies, builds Swell and runs `swell demo`: a realistic demo
# data set on the embedded default (a local data directory), served at
# http://127.0.0.1:8080. Extra arguments go to `swell demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh swell
exec build/src/cli/swell demo "$@"
