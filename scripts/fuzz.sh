#!/usr/bin/env bash
# Fuzzes every reader of untrusted bytes, each through a libFuzzer target
# built with clang (ASan + UBSan) in build-pqr-fuzz (tests/fuzz/README.md):
#   amplitude_request_fuzzer  /2/httpapi and /batch request bodies
#   ndjson_import_fuzzer      swell import's NDJSON lines, plain, gzip or zstd
#   query_request_fuzzer      segmentation, funnel, retention, audience requests
#   parquet_reader_fuzzer     the Parquet reader
#   theta_fuzzer              theta sketch deserialization
#   user_set_fuzzer           the roaring bitmaps of sets/ files
# Each starts from its seeds in tests/fuzz/corpus/<fuzzer>/ (the Parquet and
# theta fuzzers also from the reference files under ../shared/data, when
# present) with the dictionary tests/fuzz/dict/<fuzzer>.dict if there is one;
# what a run adds goes to a scratch copy, never to the repo.
#
# Each fuzzer runs SECONDS (default 30). Below 60 s, the short run that
# scripts/test.sh makes, the three with the least code behind them
# (amplitude_request, theta, user_set) run half as long, so that at 30 s the
# step is 135 s of fuzzing plus the build (ccache keeps a rebuild short):
# 2.5 minutes on 2 cores with nothing to rebuild, 4 with a few files to
# recompile. From 60 s on every fuzzer gets SECONDS.
#
# Exits non-zero when a fuzzer finds a crash, leak, hang or sanitizer error;
# the input is kept in build-pqr-fuzz/artifacts. Once the bug is fixed, add
# the input to the fuzzer's corpus directory: the fuzz_corpus_replay test of
# the regular build then keeps it fixed.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-pqr-fuzz"
data="$root/../shared/data"

seeds="$root/tests/fuzz/corpus"
fuzzers=(amplitude_request_fuzzer ndjson_import_fuzzer query_request_fuzzer parquet_reader_fuzzer theta_fuzzer
  user_set_fuzzer)
light_seconds=$seconds
if [ "$seconds" -lt 60 ]; then light_seconds=$(((seconds + 1) / 2)); fi

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
  -DSWELL_FUZZ=ON -DSWELL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target "${fuzzers[@]}" -j2 > "$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log"; exit 1; }

artifacts="$build/artifacts"
mkdir -p "$artifacts"
corpora=()
trap 'rm -rf "${corpora[@]}"' EXIT

# fuzz NAME SECONDS [SHARED_DIR FIND_ARGS...]: runs the fuzzer NAME for
# SECONDS over its corpus directory and the files FIND_ARGS select under
# SHARED_DIR (skipped when it is absent).
fuzz() {
  local name=$1 time=$2
  shift 2
  local fuzzer corpus log status=0
  fuzzer="$(find "$build" -name "$name" -type f -perm -u+x | head -1)"
  corpus="$(mktemp -d)"
  corpora+=("$corpus")
  cp "$seeds/$name"/* "$corpus"/
  if [ $# -gt 0 ]; then
    local shared=$1
    shift
    if [ -d "$shared" ]; then
      find "$shared" "$@" -exec cp {} "$corpus"/ \;
    else
      echo "fuzz: $shared is absent; $name starts from its own seeds only"
    fi
  fi
  # -timeout: a hang, not a slow input: on a loaded machine one ASan run
  # over a 50 KiB reference file has taken 38 s of wall time.
  local dict=()
  if [ -f "$root/tests/fuzz/dict/$name.dict" ]; then dict=(-dict="$root/tests/fuzz/dict/$name.dict"); fi
  echo "fuzz: $name: $(ls "$corpus" | wc -l) seed files, ${time}s"
  log="$build/$name.log"
  "$fuzzer" "$corpus" "${dict[@]}" -max_total_time="$time" -timeout=60 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" > "$log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|^Done" "$log" | sed "s/^/fuzz: $name: /" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $name FAILED (status $status); the crashing input is in $artifacts"
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -20
    exit "$status"
  fi
}

fuzz amplitude_request_fuzzer "$light_seconds"
fuzz ndjson_import_fuzzer "$seconds"
fuzz query_request_fuzzer "$seconds"
# Parquet files up to 256 KiB: the larger ones only slow each run down.
fuzz parquet_reader_fuzzer "$seconds" "$data/parquet-testing" \( -path '*/data/*' -o -path '*/bad_data/*' \) \
  -name '*.parquet' -size -256k
fuzz theta_fuzzer "$light_seconds" "$data/datasketches-theta" -name '*.sk'
fuzz user_set_fuzzer "$light_seconds"
echo "fuzz: clean"
