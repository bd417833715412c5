#!/usr/bin/env bash
# Swell vs DuckDB, side by side, in one run: generates the data set (cached by
# its parameters), loads it into Swell (`swell import`) and into DuckDB (a
# table, then zstd Parquet), runs every query type on both and checks that the
# answers agree, measures HTTP ingest and freshness, and writes the report.
#
#   bench/run.sh                 # the full run: 10M events, 1M users, 30 days -> docs/benchmarks.md
#   bench/run.sh --quick         # 200k events, 3 repetitions (a smoke test, < 2 minutes)
#
# Options:
#   --events N --users N --days N --seed N   data set size (users default to events/10)
#   --reps N                 timed repetitions of each query (after one warm-up)
#   --http-seconds N         length of each HTTP ingest load phase
#   --connections N          concurrent HTTP ingest clients (default 32)
#   --report FILE            where to write the report (default docs/benchmarks.md;
#                            with --quick: WORK/benchmarks-quick.md)
#   --work DIR               scratch directory (default build-bench/bench-work)
#   --swell BIN              use this swell binary instead of building one
#   --no-profile             skip the perf profiles taken for missed targets
#   --micro / --no-micro     build and run the Google Benchmark micro-benchmarks (default: on,
#                            off with --quick)
#   --skip-http              skip the HTTP ingest and freshness part
# Environment: SWELL_BENCH_NOTE (a sentence printed at the top of the report),
#   SWELL_BENCH_DATA (data cache, default build-bench/bench-data),
#   SWELL_BENCH_BUILD (build directory, default build-bench), SWELL_JOBS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SWELL_BENCH_BUILD:-$ROOT/build-bench}
DATA_CACHE=${SWELL_BENCH_DATA:-$BUILD/bench-data}
WORK=$BUILD/bench-work
EVENTS=10000000 USERS="" DAYS=30 SEED=1 START=2026-10-01
REPS=20 HTTP_SECONDS=20 CONNECTIONS=32 PROBES=20 QUICK=0 PROFILE=1 HTTP=1
REPORT="" SWELL="" MICRO="" COMMAND=$(echo "bench/run.sh $*" | sed "s/ *$//")

while (($#)); do
  case "$1" in
    --quick) QUICK=1; EVENTS=200000; REPS=3; HTTP_SECONDS=5; PROBES=5 ;;
    --events) EVENTS=$2; shift ;;
    --users) USERS=$2; shift ;;
    --days) DAYS=$2; shift ;;
    --seed) SEED=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --http-seconds) HTTP_SECONDS=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --report) REPORT=$2; shift ;;
    --work) WORK=$2; shift ;;
    --swell) SWELL=$2; shift ;;
    --no-profile) PROFILE=0 ;;
    --micro) MICRO=1 ;;
    --no-micro) MICRO=0 ;;
    --skip-http) HTTP=0 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
USERS=${USERS:-$((EVENTS / 10 > 0 ? EVENTS / 10 : 1))}
MICRO=${MICRO:-$((1 - QUICK))}
if [ -z "$REPORT" ]; then
  if ((QUICK)); then REPORT=$WORK/benchmarks-quick.md; else REPORT=$ROOT/docs/benchmarks.md; fi
fi
END=$(date -u -d "$START + $((DAYS - 1)) days" +%F)
RESULTS=$WORK/results
RUN_START=$(date +%s)
log() { printf '[bench %s] %s\n' "$(date -u +%T)" "$*" >&2; }

# --- build -------------------------------------------------------------------
mkdir -p "$BUILD/bench" "$DATA_CACHE" "$WORK"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
if [ -z "$SWELL" ]; then
  log "building swell (Release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" --target swell -j "${SWELL_JOBS:-$(nproc)}" >&2
  SWELL=$BUILD/src/cli/swell
fi
[ -x "$SWELL" ] || { echo "run.sh: no swell binary at $SWELL" >&2; exit 1; }
GEN=$BUILD/bench/generate TIMEIT=$BUILD/bench/timeit
if [ ! -x "$GEN" ] || [ "$ROOT/bench/gen/generate.cc" -nt "$GEN" ]; then
  ${CXX:-g++} -O2 -std=c++20 -o "$GEN" "$ROOT/bench/gen/generate.cc"
fi
if [ ! -x "$TIMEIT" ] || [ "$ROOT/bench/tools/timeit.c" -nt "$TIMEIT" ]; then
  ${CC:-cc} -O2 -o "$TIMEIT" "$ROOT/bench/tools/timeit.c"
fi
[ -d "$ROOT/tests/peers/node_modules/@duckdb/node-api" ] || {
  echo "run.sh: DuckDB peer missing: run scripts/setup.sh (npm install in tests/peers)" >&2; exit 1; }

# --- data set (cached by its parameters) ---------------------------------------
NAME=events-e$EVENTS-u$USERS-d$DAYS-s$SEED-$START
NDJSON=$DATA_CACHE/$NAME.ndjson
if [ ! -s "$NDJSON" ] || [ ! -s "$NDJSON.meta.json" ] || [ "$ROOT/bench/gen/generate.cc" -nt "$NDJSON" ]; then
  log "generating $NDJSON"
  "$TIMEIT" -o "$NDJSON.gen.json" -- "$GEN" --events "$EVENTS" --users "$USERS" --days "$DAYS" \
    --seed "$SEED" --start "$START" --out "$NDJSON.tmp" --meta "$NDJSON.meta.json"
  mv "$NDJSON.tmp" "$NDJSON"
else
  log "using cached $NDJSON"
fi
cp "$NDJSON.meta.json" "$RESULTS/dataset.json"
[ -s "$NDJSON.gen.json" ] && cp "$NDJSON.gen.json" "$RESULTS/generate.json"

# --- keys and config -----------------------------------------------------------
APP=bench
INGEST_KEY=bench-ingest-key-0123456789
READ_KEY=bench-read-key-0123456789ab
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
write_config() {  # write_config FILE PORT
  cat >"$1" <<EOF
[server]
listen = "127.0.0.1:$2"

[limits]
memory_limit = "${SWELL_BENCH_MEMORY_LIMIT:-16GiB}"

[[app]]
id = "$APP"
ingest_key = "$INGEST_KEY"
read_key = "$READ_KEY"
EOF
}

SERVE_PID=""
stop_serve() {  # records the server's peak RSS into $1 (JSON), then stops it
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    local hwm
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status" 2>/dev/null || echo 0)
    [ -n "${1:-}" ] && echo "{\"max_rss_kib\": ${hwm:-0}}" >"$1"
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  SERVE_PID=""
}
trap 'stop_serve' EXIT

start_serve() {  # start_serve DATA_DIR RESULT_JSON: starts swell serve, waits for /healthz
  local data=$1 out=$2 port cfg t0 t1
  port=$(free_port)
  cfg=$WORK/$(basename "$data").toml
  write_config "$cfg" "$port"
  URL=http://127.0.0.1:$port
  t0=$(date +%s.%N)
  "$SWELL" serve --data "$data" --listen "127.0.0.1:$port" --config "$cfg" >"$WORK/$(basename "$data").serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 6000); do
    if curl -sf -o /dev/null "$URL/healthz"; then break; fi
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
      echo "run.sh: swell serve exited; log:" >&2; tail -20 "$WORK/$(basename "$data").serve.log" >&2; exit 1
    fi
    sleep 0.05
  done
  t1=$(date +%s.%N)
  echo "{\"ready_s\": $(awk "BEGIN{print $t1 - $t0}")}" >"$out"
  log "swell serve ready at $URL after $(awk "BEGIN{print $t1 - $t0}") s (log replay included)"
}

# --- Swell: import -------------------------------------------------------------
DATA=$WORK/swell-data
rm -rf "$DATA"
log "swell import --seal ($EVENTS events, then every day sealed into the lake)"
IMPORT_CFG=$WORK/import.toml
write_config "$IMPORT_CFG" 0
set +e
"$TIMEIT" -o "$RESULTS/import.json" -- "$SWELL" import --data "$DATA" --app "$APP" --config "$IMPORT_CFG" \
  --no-progress --seal "$NDJSON" >"$WORK/import.log" 2>&1
rc=$?
set -e
tail -5 "$WORK/import.log" >&2
if ((rc != 0)); then echo "run.sh: swell import failed (exit $rc); see $WORK/import.log" >&2; exit 1; fi
{
  printf '{"ndjson_bytes": %s, "wal_bytes": %s, "data_dir_bytes": %s, "lake_events_bytes": %s, "lake_sets_bytes": %s, "lake_users_bytes": %s}\n' \
    "$(stat -c %s "$NDJSON")" \
    "$( (du -sb "$DATA/wal" 2>/dev/null || echo 0) | awk '{print $1}')" \
    "$(du -sb "$DATA" | awk '{print $1}')" \
    "$( (du -sb "$DATA/lake/events" 2>/dev/null || echo 0) | awk '{print $1}')" \
    "$( (du -sb "$DATA/lake/sets" 2>/dev/null || echo 0) | awk '{print $1}')" \
    "$( (du -sb "$DATA/lake/users" 2>/dev/null || echo 0) | awk '{print $1}')"
} >"$RESULTS/sizes.json"
cp "$WORK/import.log" "$RESULTS/import.log"

# --- Swell serve (replay) + DuckDB + queries -----------------------------------
start_serve "$DATA" "$RESULTS/replay.json"
node "$ROOT/bench/compare.mjs" --ndjson "$NDJSON" --work "$WORK/duckdb" --from "$START" --to "$END" \
  --swell "$URL" --read-key "$READ_KEY" --reps "$REPS" --out "$RESULTS/compare.json" || {
  log "the query comparison failed (see above); the report will lack it"; COMPARE_FAILED=1; }

if ((PROFILE)) && command -v perf >/dev/null; then
  # Where the server spends a segmentation query: a flat cpu-clock profile of
  # the server while the segmentation queries repeat.
  log "profiling swell serve during segmentation queries"
  perf record -e cpu-clock -F 999 -o "$WORK/serve.perf" -p "$SERVE_PID" -- sleep 600 >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 1
  node "$ROOT/bench/compare.mjs" --ndjson "$NDJSON" --work "$WORK/duckdb-profile" --from "$START" --to "$END" \
    --swell "$URL" --read-key "$READ_KEY" --reps "$((REPS < 10 ? REPS : 10))" --only seg_uniques_day_country,seg_dau_all_plan \
    --swell-only --out "$WORK/profile-compare.json" >/dev/null 2>&1 || true
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  perf report -i "$WORK/serve.perf" --stdio --sort dso,symbol --percent-limit 1.5 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed 's/ *$//' | cut -c1-160 | head -25 >"$RESULTS/profile-query.txt" || true
fi
stop_serve "$RESULTS/serve-query.json"

if ((PROFILE)) && command -v perf >/dev/null; then
  # Where import spends its time: a flat profile of importing the first
  # (at most) 1M events into a fresh data directory.
  log "profiling swell import on a sample"
  head -n 1000000 "$NDJSON" >"$WORK/sample.ndjson"
  rm -rf "$WORK/swell-profile"
  perf record -e cpu-clock -F 999 -o "$WORK/import.perf" -- "$SWELL" import --data "$WORK/swell-profile" \
    --app "$APP" --config "$IMPORT_CFG" --no-progress "$WORK/sample.ndjson" >/dev/null 2>&1 || true
  perf report -i "$WORK/import.perf" --stdio --sort dso,symbol --percent-limit 1.5 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed 's/ *$//' | cut -c1-160 | head -25 >"$RESULTS/profile-import.txt" || true
  rm -rf "$WORK/swell-profile" "$WORK/sample.ndjson"
fi

# --- HTTP ingest and freshness --------------------------------------------------
if ((HTTP)); then
  HDATA=$WORK/swell-http
  rm -rf "$HDATA"
  start_serve "$HDATA" "$RESULTS/http-ready.json"
  if ((PROFILE)) && command -v perf >/dev/null; then
    perf record -e cpu-clock -F 499 -o "$WORK/ingest.perf" -p "$SERVE_PID" -- sleep 3600 >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  node "$ROOT/bench/ingest.mjs" --swell "$URL" --ingest-key "$INGEST_KEY" --read-key "$READ_KEY" \
    --connections "$CONNECTIONS" --seconds "$HTTP_SECONDS" --probes "$PROBES" --out "$RESULTS/ingest.json" || \
    log "HTTP ingest benchmark failed"
  if [ -n "${PERF_PID:-}" ] && kill -0 "$PERF_PID" 2>/dev/null; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    perf report -i "$WORK/ingest.perf" --stdio --sort dso,symbol --percent-limit 1.5 2>/dev/null |
      grep -v '^#' | grep -v '^$' | sed 's/ *$//' | cut -c1-160 | head -25 >"$RESULTS/profile-ingest.txt" || true
  fi
  echo "{\"wal_bytes\": $( (du -sb "$HDATA/wal" 2>/dev/null || echo 0) | awk '{print $1}')}" >"$RESULTS/http-sizes.json"
  stop_serve "$RESULTS/serve-http.json"
fi

# --- micro-benchmarks -------------------------------------------------------------
if ((MICRO)); then
  if grep -q '^ *add_subdirectory(bench)' "$ROOT/CMakeLists.txt"; then
    MICRO_BUILD=$BUILD MICRO_BIN=$BUILD/bench/micro/swell_micro_bench
  else
    MICRO_BUILD=$BUILD/micro MICRO_BIN=$BUILD/micro/micro/swell_micro_bench
    cmake -S "$ROOT/bench" -B "$MICRO_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  log "micro-benchmarks ($MICRO_BIN)"
  if cmake --build "$MICRO_BUILD" --target swell_micro_bench -j "${SWELL_JOBS:-$(nproc)}" >"$WORK/micro-build.log" 2>&1; then
    "$MICRO_BIN" --benchmark_min_time="${SWELL_MICRO_MIN_TIME:-0.2}" --benchmark_out="$RESULTS/micro.json" \
      --benchmark_out_format=json >"$WORK/micro.txt" 2>&1 || log "micro-benchmarks failed: see $WORK/micro.txt"
  else
    log "micro-benchmarks did not build: see $WORK/micro-build.log"
  fi
fi

# --- machine, versions, report ---------------------------------------------------
CXX_ID=$( (grep -m1 '^CMAKE_CXX_COMPILER:' "$BUILD/CMakeCache.txt" 2>/dev/null || true) | cut -d= -f2)
node -e '
  const [swellVersion, cxx, cxxVersion, cmd, events, users, days, seed, start, end, reps, quick, runStart] = process.argv.slice(1);
  const os = require("os"), fs = require("fs");
  const cpu = (fs.readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) || [])[1] || os.cpus()[0]?.model;
  console.log(JSON.stringify({ nproc: os.cpus().length, cpu, ram_bytes: os.totalmem(), kernel: os.release(),
    swell_version: swellVersion, compiler: `${cxx} (${cxxVersion})`, node: process.version, command: cmd,
    params: { events: +events, users: +users, days: +days, seed: +seed, start, end, reps: +reps, quick: quick === "1" },
    date: new Date().toISOString(), run_seconds: Math.round(Date.now() / 1000 - Number(runStart)) }, null, 2));
' "$("$SWELL" --version 2>&1 | head -1)" "${CXX_ID:-c++}" "$("${CXX_ID:-c++}" --version 2>/dev/null | head -1)" \
  "$COMMAND" "$EVENTS" "$USERS" "$DAYS" "$SEED" "$START" "$END" "$REPS" "$QUICK" "$RUN_START" >"$RESULTS/env.json"

node "$ROOT/bench/report.mjs" --results "$RESULTS" --out "$REPORT" ${SWELL_BENCH_NOTE:+--note "$SWELL_BENCH_NOTE"}
log "report: $REPORT"
if [ -n "${COMPARE_FAILED:-}" ]; then
  echo "run.sh: the query comparison failed" >&2
  exit 1
fi
if grep -q '"equal": false' "$RESULTS/compare.json"; then
  echo "run.sh: !!! Swell and DuckDB DISAGREE on at least one query: see $REPORT" >&2
  exit 3
fi
