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
#   --audience / --no-audience   the audience step (bench/audience.mjs: estimate vs exact accuracy,
#                            cold/repeated/tweaked latency over 30/180/730 days, chunking on/off);
#                            default on, off with --quick (--quick --audience: a tiny one)
#   --audience-trees N       random audiences for the accuracy part (default 500; 30 with --quick)
#   --audience-check N       of which N also counted by DuckDB (default 30; 3 with --quick)
#   --audience-long-events N events of the long data set for the 180/730-day latencies (default
#                            7300000, 0: skip it); --audience-long-days N (default 730)
#   --audience-reps N        repetitions of the repeated (cache hit) latency pass (default 5)
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
AUDIENCE="" AUD_TREES="" AUD_CHECK="" AUD_LONG_EVENTS="" AUD_LONG_DAYS=730 AUD_REPS=5 AUD_PER_DEPTH=3
AUD_NOCHUNK_DAYS=0  # 0: leaves are not split into chunks
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
    --audience) AUDIENCE=1 ;;
    --no-audience) AUDIENCE=0 ;;
    --audience-trees) AUD_TREES=$2; shift ;;
    --audience-check) AUD_CHECK=$2; shift ;;
    --audience-long-events) AUD_LONG_EVENTS=$2; shift ;;
    --audience-long-days) AUD_LONG_DAYS=$2; shift ;;
    --audience-reps) AUD_REPS=$2; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
USERS=${USERS:-$((EVENTS / 10 > 0 ? EVENTS / 10 : 1))}
MICRO=${MICRO:-$((1 - QUICK))}
AUDIENCE=${AUDIENCE:-$((1 - QUICK))}
if ((QUICK)); then
  AUD_TREES=${AUD_TREES:-30} AUD_CHECK=${AUD_CHECK:-3} AUD_LONG_EVENTS=${AUD_LONG_EVENTS:-0} AUD_REPS=1 AUD_PER_DEPTH=1
fi
AUD_TREES=${AUD_TREES:-500} AUD_CHECK=${AUD_CHECK:-30} AUD_LONG_EVENTS=${AUD_LONG_EVENTS:-7300000}
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
write_config() {  # write_config FILE PORT [EXTRA_TOML]
  cat >"$1" <<EOF
[server]
listen = "127.0.0.1:$2"

[limits]
memory_limit = "${SWELL_BENCH_MEMORY_LIMIT:-16GiB}"

${3:-}

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

start_serve() {  # start_serve DATA_DIR RESULT_JSON [EXTRA_TOML]: starts swell serve, waits for /healthz
  local data=$1 out=$2 port cfg t0 t1
  port=$(free_port)
  cfg=$WORK/$(basename "$data").toml
  write_config "$cfg" "$port" "${3:-}"
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

# --- audiences: estimate vs exact, latency cold / repeated / tweaked ----------------
# bench/audience.mjs against a freshly started server (an empty result cache):
# on the main data the latency over its whole period, then the accuracy of
# estimate mode (checked against DuckDB's Parquet from compare.mjs); then a
# long data set (--audience-long-days, default 730) for leaves over 30, 180
# and 730 days, once with result-cache chunks of 60 days and once with
# `audience_chunk_days = 0` (leaves not split). The [query] keys are only
# written when this swell knows them.
query_config_ok() {  # query_config_ok EXTRA_TOML: does this swell accept these config keys?
  local cfg=$WORK/probe.toml d=$WORK/probe-data rc
  write_config "$cfg" 0 "$1"
  rm -rf "$d"; : >"$WORK/probe.ndjson"
  set +e
  "$SWELL" import --data "$d" --app "$APP" --config "$cfg" --no-progress "$WORK/probe.ndjson" >/dev/null 2>&1
  rc=$?
  set -e
  rm -rf "$d" "$WORK/probe.ndjson" "$cfg"
  return $rc
}
if ((AUDIENCE)); then
  AUD_CHUNK="[query]
audience_chunk_days = 60"
  AUD_NOCHUNK="[query]
audience_chunk_days = $AUD_NOCHUNK_DAYS"
  if query_config_ok "$AUD_CHUNK"; then
    AUD_CONFIG_NOTE="audience_chunk_days set per run"
    query_config_ok "$AUD_NOCHUNK" || { log "audience_chunk_days = $AUD_NOCHUNK_DAYS refused: the unchunked run is skipped"; AUD_NOCHUNK=""; }
  else
    log "this swell has no [query] audience_chunk_days: audience runs use its defaults"
    AUD_CHUNK="" AUD_NOCHUNK="" AUD_CONFIG_NOTE="no [query] audience_chunk_days in this build: defaults only"
  fi
  echo "{\"config_note\": \"$AUD_CONFIG_NOTE\", \"nochunk_days\": $AUD_NOCHUNK_DAYS}" >"$RESULTS/audience-config.json"
  PARQUET=$WORK/duckdb/events.parquet
  [ -s "$PARQUET" ] || { log "no DuckDB Parquet (the comparison failed?): audiences are not checked against DuckDB"; PARQUET=""; }
  start_serve "$DATA" "$RESULTS/audience-ready.json" "$AUD_CHUNK"
  log "audiences: latency on the main data ($DAYS days)"
  node "$ROOT/bench/audience.mjs" latency --swell "$URL" --read-key "$READ_KEY" --to "$END" --spans "$DAYS" \
    --per-depth "$AUD_PER_DEPTH" --reps "$AUD_REPS" --label main --pid "$SERVE_PID" \
    --out "$RESULTS/audience-latency-main.json" || { log "audience latency failed"; AUDIENCE_FAILED=1; }
  log "audiences: accuracy, $AUD_TREES audiences ($AUD_CHECK checked by DuckDB)"
  set +e
  node "$ROOT/bench/audience.mjs" accuracy --swell "$URL" --read-key "$READ_KEY" --from "$START" --to "$END" \
    --trees "$AUD_TREES" --check "$AUD_CHECK" ${PARQUET:+--parquet "$PARQUET"} --pid "$SERVE_PID" \
    --out "$RESULTS/audience-accuracy.json"
  rc=$?
  set -e
  if ((rc == 3)); then AUDIENCE_DISAGREE=1; elif ((rc != 0)); then log "audience accuracy failed"; AUDIENCE_FAILED=1; fi
  stop_serve "$RESULTS/serve-audience-main.json"

  if ((AUD_LONG_EVENTS > 0)); then
    LONG_START=$(date -u -d "$END - $((AUD_LONG_DAYS - 1)) days" +%F)
    LONG_NAME=events-e$AUD_LONG_EVENTS-u$((AUD_LONG_EVENTS / 10))-d$AUD_LONG_DAYS-s$SEED-$LONG_START
    LONG_NDJSON=$DATA_CACHE/$LONG_NAME.ndjson
    if [ ! -s "$LONG_NDJSON" ] || [ "$ROOT/bench/gen/generate.cc" -nt "$LONG_NDJSON" ]; then
      log "generating $LONG_NDJSON"
      "$GEN" --events "$AUD_LONG_EVENTS" --users "$((AUD_LONG_EVENTS / 10))" --days "$AUD_LONG_DAYS" --seed "$SEED" \
        --start "$LONG_START" --out "$LONG_NDJSON.tmp" --meta "$LONG_NDJSON.meta.json"
      mv "$LONG_NDJSON.tmp" "$LONG_NDJSON"
    fi
    cp "$LONG_NDJSON.meta.json" "$RESULTS/audience-long-dataset.json"
    LDATA=$WORK/swell-long
    rm -rf "$LDATA"
    log "swell import --seal of the long data set ($AUD_LONG_EVENTS events, $AUD_LONG_DAYS days)"
    set +e
    "$TIMEIT" -o "$RESULTS/audience-long-import.json" -- "$SWELL" import --data "$LDATA" --app "$APP" \
      --config "$IMPORT_CFG" --no-progress --seal "$LONG_NDJSON" >"$WORK/import-long.log" 2>&1
    rc=$?
    set -e
    if ((rc != 0)); then
      log "import of the long data set failed (see $WORK/import-long.log)"; AUDIENCE_FAILED=1
    else
      variants="chunk60 nochunk"
      [ -n "$AUD_CHUNK" ] || variants=default  # a build without the [query] keys
      for variant in $variants; do
        extra=$AUD_CHUNK
        if [ "$variant" = nochunk ]; then
          [ -n "$AUD_NOCHUNK" ] || continue
          extra=$AUD_NOCHUNK
        fi
        start_serve "$LDATA" "$RESULTS/audience-long-ready-$variant.json" "$extra"
        log "audiences: latency on the long data set ($variant)"
        node "$ROOT/bench/audience.mjs" latency --swell "$URL" --read-key "$READ_KEY" --to "$END" \
          --spans "30,180,$AUD_LONG_DAYS" --per-depth "$AUD_PER_DEPTH" --reps "$AUD_REPS" --label "long-$variant" \
          --pid "$SERVE_PID" --out "$RESULTS/audience-latency-long-$variant.json" || {
          log "audience latency ($variant) failed"; AUDIENCE_FAILED=1; }
        stop_serve "$RESULTS/serve-audience-long-$variant.json"
      done
    fi
  fi
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
if [ -n "${AUDIENCE_DISAGREE:-}" ]; then
  echo "run.sh: !!! Swell's exact audience and DuckDB DISAGREE: see $REPORT" >&2
  exit 3
fi
if [ -n "${AUDIENCE_FAILED:-}" ]; then
  echo "run.sh: the audience step failed (see above)" >&2
  exit 1
fi
if grep -q '"equal": false' "$RESULTS/compare.json"; then
  echo "run.sh: !!! Swell and DuckDB DISAGREE on at least one query: see $REPORT" >&2
  exit 3
fi
