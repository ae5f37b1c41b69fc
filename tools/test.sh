#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test latent has: the native suite at every
# ISA level, the suite again under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# whole engine cross-built for aarch64 and run under qemu-user (the kernel conformance cases,
# then training runs of every family checked against x86-64: tests/arm/portability.sh). Every
# step has a time limit, so a hang
# fails that step by name instead of the whole run; each step prints its wall time.
# Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
t0=$SECONDS
timeout 1800 bash -c '. tools/deps.sh && install_deps test' </dev/null ||
    { echo "installing the packages failed or took over 30 minutes"; echo "0 passed, 1 failed"; exit 1; }
echo "== packages: $((SECONDS - t0)) s"

jobs=$(nproc)
log=$root/build-logs
rm -rf "$log"; mkdir -p "$log"
failed_steps=()

step() { # name, time limit in seconds, command...: runs a step under `timeout`, keeps its log
    local name=$1 limit=$2; shift 2
    local start=$SECONDS rc
    echo "== $name"
    timeout --kill-after=30 "$limit" "$@" >"$log/$name.log" 2>&1 </dev/null
    rc=$?
    if [ $rc -eq 0 ]; then echo "   ok ($((SECONDS - start)) s)"; else
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            echo "   FAILED: no end after $limit s, stopped (log: build-logs/$name.log)"
        else
            echo "   FAILED, exit $rc after $((SECONDS - start)) s (log: build-logs/$name.log)"
        fi
        tail -n 30 "$log/$name.log"; failed_steps+=("$name")
    fi
}

# qemu-user 7.2's -L hangs a program at its second thread; starting the aarch64 loader under
# qemu ourselves does not (OpenMP included), so the cross file and this step both do that.
arm_sysroot=/usr/aarch64-linux-gnu
# SVE at 128 bits: beyond it qemu 7.2 emulates SVE arithmetic some 15 times slower, and the
# longer lengths get a few cases of their own (tests/arm/sve_lengths.sh)
arm_run=(qemu-aarch64 -cpu max,sve-default-vector-length=16 "$arm_sysroot/lib/ld-linux-aarch64.so.1"
         --library-path "$arm_sysroot/lib:/usr/lib/aarch64-linux-gnu")

rm -rf build-test build-asan build-arm
step native-setup 300 meson setup build-test -Dbuildtype=release
step native-build 1200 ninja -C build-test
step native-test 1800 meson test -C build-test --num-processes "$jobs" --print-errorlogs
step python-installed 300 bash tests/python/installed.sh build-test
step asan-setup 300 meson setup build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false
step asan-build 1200 ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    step asan-test 2400 meson test -C build-asan --num-processes "$jobs" --print-errorlogs --timeout-multiplier 4
if [ -f tools/cross/aarch64.ini ]; then
    # no hwloc (linked with it the program hangs at its second thread under qemu) and no MPI
    step arm-setup 300 meson setup build-arm --cross-file tools/cross/aarch64.ini -Dhwloc=disabled -Dmpi=disabled
    step arm-build 900 ninja -C build-arm
    step arm-selftest 900 "${arm_run[@]}" build-arm/tools/latent-selftest
    step arm-sve-lengths 400 bash tests/arm/sve_lengths.sh build-arm
    step arm-portability 900 bash tests/arm/portability.sh build-test/tools/latent build-arm/tools/latent
fi

# Count cases: Criterion's synthesis lines, the selftest's summary, and any other meson test.
passed=0; failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }
for f in build-test/meson-logs/testlog.json build-asan/meson-logs/testlog.json; do
    [ -f "$f" ] || continue
    read -r p q < <(/usr/bin/python3 tools/count_tests.py "$f") && count "$p" "$q"
done
# the steps' own summaries, "NAME: N passed, N failed" (every such line of the log counts)
count_summaries() { # log file, the names its summary lines start with (an alternation)
    [ -f "$1" ] || return 0
    while read -r p q; do count "$p" "$q"; done < <(
        sed -n "s/^\\($2\\): \\([0-9]*\\) passed, \\([0-9]*\\) failed\$/\\2 \\3/p" "$1")
}
count_summaries "$log/python-installed.log" 'python-installed'
count_summaries "$log/arm-selftest.log" 'selftest'
count_summaries "$log/arm-sve-lengths.log" 'sve-lengths\|selftest'
count_summaries "$log/arm-portability.log" 'arm'
for s in "${failed_steps[@]}"; do
    case $s in *-test|*-selftest) ;; *) count 0 1 ;; esac   # a setup or build failure counts
done
if [ ${#failed_steps[@]} -gt 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "failed steps: ${failed_steps[*]:-none}"
echo "total: $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
