#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test: unit tests,
# oracle tests against DuckDB, end-to-end HTTP/SDK/crash tests, and a short
# fuzzing run of the Parquet reader.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
if [ -x scripts/fuzz.sh ]; then
  scripts/fuzz.sh "${SWELL_FUZZ_SECONDS:-30}"
fi
cd build
ctest --output-on-failure -j "${SWELL_TEST_JOBS:-2}" --timeout 900
