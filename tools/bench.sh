#!/usr/bin/env bash
# Sets up a Debian 12 machine for the peer suite (apt packages of the `bench` set), builds latent
# with meson in build/, then runs benchmarks/run.py with the arguments given (default --quick).
# Results land in results/DATE/ (results.json, table.md, PNG charts).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
install_deps bench
[ -d build ] || meson setup build -Dbuildtype=release
ninja -C build -j "$(nproc)"
[ $# -gt 0 ] || set -- --quick
exec /usr/bin/python3 benchmarks/run.py --latent build/tools/latent "$@"
