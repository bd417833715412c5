#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test: unit tests,
# oracle tests against DuckDB (across seals, too), end-to-end HTTP/SDK/crash
# tests (kill -9 during ingest, seals and queries; a full disk; backup and
# restore; limits, slow clients and key isolation; a short load run), short
# fuzzing runs of every reader of untrusted bytes (tests/fuzz/README.md), and a
# short benchmark run that checks Swell and DuckDB agree.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/fuzz.sh "${SWELL_FUZZ_SECONDS:-30}"
# The benchmark's short version: Swell and DuckDB on 200k events must agree
# point by point (exit 3 otherwise); its numbers are not judged here.
bench/run.sh --quick --swell build/src/cli/swell --no-profile --work build/bench-quick
cd build
ctest --output-on-failure -j "${SWELL_TEST_JOBS:-2}" --timeout 900
