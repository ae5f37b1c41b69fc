#!/usr/bin/env bash
# Runs a short training of each model family (ae, vae, gan, kmeans) and eval / encode / sample /
# reconstruct / cluster on the results under valgrind memcheck; fails on any memory error or
# definite leak. Usage: tools/valgrind.sh [BUILD_DIR]   (default build-valgrind, debugoptimized;
# set up here when missing). Valgrind emulates no AVX-512, so latent's dispatch picks AVX2.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
if [ ! -d "$build" ]; then
    meson setup "$build" -Dbuildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$build" -j2 tools/latent >/dev/null || exit 1
latent=$build/tools/latent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1
data=(--data fashion-mnist:test --limit 512)
failed=0
vg() { # name, latent arguments...: one command under memcheck
    local name=$1; shift
    local t0=$SECONDS
    if valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --log-file="$tmp/$name.vg" "$latent" "$@" \
        >"$tmp/$name.out" 2>&1; then
        echo "ok      $name ($((SECONDS - t0)) s)"
    else
        echo "FAILED  $name (exit $?)"; cat "$tmp/$name.vg" "$tmp/$name.out" | head -60
        failed=$((failed + 1))
    fi
}
common=("${data[@]}" --epochs 1 --threads 1 --quiet --no-plot)
vg train-ae train ae "${common[@]}" --layers 784,64,16 --save "$tmp/ae.safetensors"
vg train-vae train vae "${common[@]}" --layers 784,64 --latent 8 --save "$tmp/vae.safetensors"
vg train-gan train gan "${common[@]}" --z 16 --gen 64 --disc 64 --save "$tmp/gan.safetensors"
vg train-kmeans train kmeans "${data[@]}" --k 10 --max-iter 5 --threads 1 --quiet --no-plot \
    --save "$tmp/km.safetensors"
vg resume-ae train ae --resume "$tmp/ae.safetensors" --epochs 2 --threads 1 --quiet --no-plot \
    --save "$tmp/ae.safetensors"
vg eval-ae eval "$tmp/ae.safetensors" "${data[@]}"
vg eval-vae eval "$tmp/vae.safetensors" "${data[@]}"
vg eval-kmeans eval "$tmp/km.safetensors" "${data[@]}"
vg encode-ae encode "$tmp/ae.safetensors" "${data[@]}" --out "$tmp/codes.npy"
vg reconstruct-vae reconstruct "$tmp/vae.safetensors" "${data[@]}" --n 16 --png "$tmp/r.png"
vg sample-vae sample "$tmp/vae.safetensors" --n 16 --png "$tmp/s.png"
vg sample-gan sample "$tmp/gan.safetensors" --n 16 --png "$tmp/g.png" --npy "$tmp/g.npy"
vg cluster-ae cluster "$tmp/ae.safetensors" "${data[@]}" --k 10 --out "$tmp/l.npy"
vg anomaly-ae anomaly "$tmp/ae.safetensors" "${data[@]}" --out "$tmp/a.npy"
echo "valgrind: $failed failed"
[ "$failed" -eq 0 ]
