#!/usr/bin/env bash
# Fuzzes the Parquet reader: builds its libFuzzer target with clang (ASan +
# UBSan) in build-pqr-fuzz and runs it for the given number of seconds
# (default 30) over a seed corpus of the parquet-testing reference files.
# Exits non-zero when the fuzzer finds a crash, leak, hang or sanitizer error.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-pqr-fuzz"
data="$root/../shared/data/parquet-testing"

mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSWELL_FUZZ=ON -DSWELL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target parquet_reader_fuzzer -j2 > "$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log"; exit 1; }
fuzzer="$(find "$build" -name parquet_reader_fuzzer -type f -perm -u+x | head -1)"

corpus="$(mktemp -d)"
artifacts="$build/artifacts"
mkdir -p "$artifacts"
trap 'rm -rf "$corpus"' EXIT
if [ -d "$data" ]; then
  # Files up to 256 KiB: the larger ones only slow each run down.
  find "$data/data" "$data/bad_data" -name '*.parquet' -size -256k -exec cp {} "$corpus"/ \;
else
  echo "fuzz: $data is absent; starting from an empty corpus"
fi
echo "fuzz: $(ls "$corpus" | wc -l) seed files, ${seconds}s"

log="$build/fuzz.log"
status=0
"$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1 || status=$?
grep -E "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|^Done" "$log" | sed 's/^/fuzz: /' || true
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (status $status); the crashing input is in $artifacts"
  grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -20
  exit "$status"
fi
echo "fuzz: clean"
