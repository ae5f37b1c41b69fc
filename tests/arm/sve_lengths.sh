#!/usr/bin/env bash
# The SVE kernels at 128, 256 and 512 bits under qemu-user: latent-sve-lengths' cases at each
# length, and the convolution conformance cases at 256 and 512 (latent-selftest runs every case
# at 128 bits; beyond it qemu 7.2 emulates SVE arithmetic some 15 times slower).
# usage: sve_lengths.sh BUILD_DIR (an aarch64 cross build). Exit status 1 on any failure.
set -uo pipefail
build=$1
sysroot=/usr/aarch64-linux-gnu
run() { # vector length in bytes, program and arguments
    local vl=$1; shift
    timeout 300 qemu-aarch64 -cpu "max,sve-default-vector-length=$vl" "$sysroot/lib/ld-linux-aarch64.so.1" \
        --library-path "$sysroot/lib:/usr/lib/aarch64-linux-gnu" "$@"
}
rc=0
for vl in 16 32 64; do
    run "$vl" "$build/tools/latent-sve-lengths" || rc=1
    [ "$vl" = 16 ] && continue
    LATENT_SELFTEST_KERNELS=conv_correlate,conv_transposed,conv_weights \
        run "$vl" "$build/tools/latent-selftest" sve || rc=1
done
exit $rc
