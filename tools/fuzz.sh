#!/usr/bin/env bash
# Runs each libFuzzer harness (clang, ASan + UBSan) for N seconds (default 60), starting from the
# seed corpus in tests/fuzz/corpus/<reader>, and reports executions and crashes per harness.
# Usage: tools/fuzz.sh [SECONDS] [harness...]   (harnesses: idx npy csv safetensors cli)
# A crashing input lands in build-fuzz/artifacts/<reader>/; copy it into the corpus as crash-*.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
readers=("$@")
[ ${#readers[@]} -gt 0 ] || readers=(idx npy csv safetensors cli)
if [ ! -d build-fuzz ]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C build-fuzz -j2 $(printf 'tests/fuzz/fuzz_%s ' "${readers[@]}") >/dev/null || exit 1
total_crashes=0
for r in "${readers[@]}"; do
    work=build-fuzz/corpus-work/$r art=build-fuzz/artifacts/$r
    mkdir -p "$work" "$art"
    log=build-fuzz/fuzz-$r.log
    # The option parser prints a usage error (or --help) for nearly every input: keep those out
    # of the log (libFuzzer and the sanitizers still report on their own descriptor).
    quiet=()
    [ "$r" = cli ] && quiet=(-close_fd_mask=3)
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
        build-fuzz/tests/fuzz/fuzz_$r "$work" "tests/fuzz/corpus/$r" -max_total_time="$secs" \
        -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" "${quiet[@]}" >"$log" 2>&1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    total_crashes=$((total_crashes + crashes))
    echo "fuzz_$r: ${runs:-0} executions in ${secs}s, $cov, crashes: $crashes (log: $log)"
done
[ "$total_crashes" -eq 0 ]
