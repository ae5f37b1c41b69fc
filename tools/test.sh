#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test latent has: the native suite at every
# ISA level, the suite again under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# kernel conformance cases on aarch64 under qemu-user. Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. tools/deps.sh
install_deps test || { echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
log=$root/build-logs
rm -rf "$log"; mkdir -p "$log"
failed_steps=()

step() { # name, command...: runs a step, keeps its log, remembers failures
    local name=$1; shift
    echo "== $name"
    if "$@" >"$log/$name.log" 2>&1; then echo "   ok"; else
        echo "   FAILED (log: build-logs/$name.log)"; tail -n 30 "$log/$name.log"; failed_steps+=("$name"); fi
}

rm -rf build-test build-asan build-arm
step native-setup meson setup build-test -Dbuildtype=release
step native-build ninja -C build-test
step native-test meson test -C build-test --num-processes "$jobs" --print-errorlogs
step asan-setup meson setup build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false
step asan-build ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    step asan-test meson test -C build-asan --num-processes "$jobs" --print-errorlogs --timeout-multiplier 4
if [ -f tools/cross/aarch64.ini ]; then
    step arm-setup meson setup build-arm --cross-file tools/cross/aarch64.ini -Dkernels_only=true
    step arm-build ninja -C build-arm
    step arm-selftest qemu-aarch64 -L /usr/aarch64-linux-gnu build-arm/tools/latent-selftest
fi

# Count cases: Criterion's synthesis lines, the selftest's summary, and any other meson test.
passed=0; failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }
for f in build-test/meson-logs/testlog.json build-asan/meson-logs/testlog.json; do
    [ -f "$f" ] || continue
    read -r p q < <(/usr/bin/python3 tools/count_tests.py "$f") && count "$p" "$q"
done
if [ -f "$log/arm-selftest.log" ]; then
    read -r p q < <(sed -n 's/^selftest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log/arm-selftest.log" | tail -1) \
        && count "${p:-0}" "${q:-0}"
fi
for s in "${failed_steps[@]}"; do
    case $s in *-test|*-selftest) ;; *) count 0 1 ;; esac   # a setup or build failure counts
done
if [ ${#failed_steps[@]} -gt 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "failed steps: ${failed_steps[*]:-none}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
