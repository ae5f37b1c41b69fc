#!/usr/bin/env bash
# latent on aarch64 against latent on x86-64, the aarch64 build run under qemu-user:
#  - `latent info` there names aarch64 and NEON;
#  - with LATENT_ISA=scalar, short training runs of every family and k-means give the same
#    checkpoint bytes on both (`latent compare` bit for bit);
#  - with NEON and with SVE (128 bits) against the x86 machine's best level (AVX-512 or AVX2)
#    the weights and the final test loss differ within the bounds stated below (and in the
#    README); the measured figures print.
# usage: portability.sh X86_LATENT ARM_LATENT. Last line: "arm: N passed, N failed".
set -uo pipefail
x86=$1 arm=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
sysroot=/usr/aarch64-linux-gnu
# qemu-user 7.2's -L hangs a program at its second thread: start the aarch64 loader ourselves
# (arm64 zlib and libpng live in Debian's multiarch folder); SVE at 128 bits, where qemu 7.2
# emulates it at speed
qemu=(qemu-aarch64 -cpu max,sve-default-vector-length=16 "$sysroot/lib/ld-linux-aarch64.so.1"
      --library-path "$sysroot/lib:/usr/lib/aarch64-linux-gnu")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npass=0 nfail=0
ok() { echo "ok   $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }

# Bounds for NEON against the x86 vector levels after the short runs below: the weights' largest
# difference relative to each tensor's largest magnitude, and the final test loss's relative
# difference. Different FMA groupings and exp/log approximations in the kernels, a few steps.
# Measured on the first machines (AVX-512 against NEON): weights 4e-6 to 4.9e-5, test loss
# below 1e-8; the bounds leave room for other seeds and machines.
weight_bound=3e-4
loss_bound=1e-6

info=$(timeout 120 "${qemu[@]}" "$arm" info 2>&1)
if grep -q "aarch64" <<<"$info" && grep -Eq "isa supported: *scalar neon sve" <<<"$info"; then
    ok "latent info under qemu: $(head -1 <<<"$info"), $(grep 'isa supported' <<<"$info" | tr -s ' ')"
else
    fail "latent info under qemu:"; echo "$info"
fi

# name, then the family and its options (after the common ones, so they win): 256 rows of
# Fashion-MNIST (and of its test split), 2 steps of 128
runs=(
    "ae|ae"
    "vae|vae --layers 784,128,16"
    "gan|gan"
    "dcgan|dcgan --gen-channels 16,8 --disc-channels 8,16"
    "convvae|vae --conv --conv-channels 8,16"
    "kmeans|kmeans --k 10 --limit 2000"
)
train() { # where (x86|arm), isa (scalar|neon|sve: the x86 run takes its best level), name, options...
    local where=$1 isa=$2 name=$3; shift 3
    local env=(env)
    [ "$isa" = scalar ] && env+=(LATENT_ISA=scalar)
    [ "$where" = arm ] && env+=(LATENT_ISA="$isa")
    local cmd=("$x86")
    [ "$where" = arm ] && cmd=("${qemu[@]}" "$arm")
    local family=$1; shift
    timeout 600 "${env[@]}" "${cmd[@]}" train "$family" --data fashion-mnist --limit 256 --batch 128 \
        --epochs 1 --seed 3 --threads 2 --json --no-plot --save "$dir/$where-$isa-$name.safetensors" \
        "$@" >"$dir/$where-$isa-$name.out" 2>&1
}
test_loss() { sed -n 's/.*"event":"done".*"test_loss":\([-0-9.e+]*\).*/\1/p' "$1" | tail -1; }

for r in "${runs[@]}"; do
    name=${r%%|*} opts=${r#*|}
    for isa in scalar neon sve; do
        start=$SECONDS
        # shellcheck disable=SC2086
        if ! train arm "$isa" "$name" $opts || ! train x86 "$isa" "$name" $opts; then
            fail "$name ($isa): a run failed"; tail -5 "$dir"/*-"$isa-$name.out"; continue
        fi
        a=$dir/x86-$isa-$name.safetensors b=$dir/arm-$isa-$name.safetensors
        if [ "$isa" = scalar ]; then
            if "$x86" compare "$a" "$b" >"$dir/cmp" 2>&1; then
                ok "$name, LATENT_ISA=scalar: x86-64 and aarch64 $(tail -1 "$dir/cmp") ($((SECONDS - start)) s)"
            else
                fail "$name, LATENT_ISA=scalar: x86-64 and aarch64 differ:"; cat "$dir/cmp"
            fi
            continue
        fi
        read -r wd where < <(/usr/bin/python3 "$root/tests/arm/weight_diff.py" "$a" "$b")
        la=$(test_loss "$dir/x86-$isa-$name.out") lb=$(test_loss "$dir/arm-$isa-$name.out")
        verdict=$(/usr/bin/python3 -c "
import sys
wd, wb, lbound = float('$wd'), float('$weight_bound'), float('$loss_bound')
la, lb = '$la', '$lb'
ld = abs(float(la) - float(lb)) / abs(float(lb)) if la and lb else 0.0
print(('ok' if wd <= wb and ld <= lbound else 'over'), f'{ld:.3g}' if la and lb else 'n/a (none reported)')")
        msg="$name, $isa against x86 ($(grep -o 'isa=[a-z0-9]*' <<<"$("$x86" compare --json "$a" "$b" | head -1)" | paste -sd/)): weights $wd (bound $weight_bound, $where), test loss ${verdict#* } (bound $loss_bound)"
        if [ "${verdict%% *}" = ok ]; then ok "$msg"; else fail "$msg"; fi
    done
done
echo "arm: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
