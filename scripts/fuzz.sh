#!/usr/bin/env bash
# Fuzzes the readers of untrusted bytes: the Parquet reader (seeded with the
# parquet-testing reference files) and the theta sketch deserializer (seeded
# with the DataSketches reference sketches). Builds the libFuzzer targets with
# clang (ASan + UBSan) in build-pqr-fuzz and runs each for the given number of
# seconds (default 30). Exits non-zero when a fuzzer finds a crash, leak, hang
# or sanitizer error; the input is kept in build-pqr-fuzz/artifacts.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-pqr-fuzz"
data="$root/../shared/data"

mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSWELL_FUZZ=ON -DSWELL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target parquet_reader_fuzzer theta_fuzzer -j2 > "$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log"; exit 1; }

artifacts="$build/artifacts"
mkdir -p "$artifacts"
corpora=()
trap 'rm -rf "${corpora[@]}"' EXIT

# fuzz NAME SEED_DIR FIND_ARGS...: runs the fuzzer NAME for $seconds over the
# seed files FIND_ARGS select under SEED_DIR (none when it is absent).
fuzz() {
  local name=$1 seeds=$2
  shift 2
  local fuzzer corpus log status=0
  fuzzer="$(find "$build" -name "$name" -type f -perm -u+x | head -1)"
  corpus="$(mktemp -d)"
  corpora+=("$corpus")
  if [ -d "$seeds" ]; then
    find "$seeds" "$@" -exec cp {} "$corpus"/ \;
  else
    echo "fuzz: $seeds is absent; $name starts from an empty corpus"
  fi
  echo "fuzz: $name: $(ls "$corpus" | wc -l) seed files, ${seconds}s"
  log="$build/$name.log"
  "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" > "$log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|^Done" "$log" | sed "s/^/fuzz: $name: /" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $name FAILED (status $status); the crashing input is in $artifacts"
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -20
    exit "$status"
  fi
}

# Parquet files up to 256 KiB: the larger ones only slow each run down.
fuzz parquet_reader_fuzzer "$data/parquet-testing" \( -path '*/data/*' -o -path '*/bad_data/*' \) -name '*.parquet' -size -256k
fuzz theta_fuzzer "$data/datasketches-theta" -name '*.sk'
echo "fuzz: clean"
