#!/usr/bin/env bash
# Installs everything Swell needs to build and test on a fresh Debian 12 (run as root).
# Idempotent: re-running skips what is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl
  libgtest-dev libgmock-dev libbenchmark-dev
  libroaring-dev libsimdjson-dev libcpp-httplib-dev libcli11-dev libtomlplusplus-dev
  libfmt-dev libspdlog-dev
  libzstd-dev libsnappy-dev liblz4-dev libbrotli-dev zlib1g-dev
  libssl-dev libcurl4-openssl-dev
  clang libclang-rt-14-dev
)
# Node.js runs the peers (DuckDB, SDKs); keep an existing install (it may come
# from another repository that bundles npm), else take Debian's.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Peer tools used by the tests (DuckDB oracle, Amplitude SDK): pinned in tests/peers/package.json.
if [ ! -d tests/peers/node_modules/@duckdb/node-api ] || [ ! -d tests/peers/node_modules/@amplitude/analytics-node ]; then
  echo "setup: installing npm peers in tests/peers"
  (cd tests/peers && npm install --no-audit --no-fund --loglevel=error)
fi
echo "setup: done"
