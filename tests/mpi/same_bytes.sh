#!/usr/bin/env bash
# MPI data parallelism keeps latent's promise: the same seed gives the same model bytes for any
# rank count and thread count. Each family trains a few steps on real Fashion-MNIST rows alone
# (1 thread), then under mpirun with 2 and 3 ranks x 1 and 2 threads; `latent compare` must call
# every pair equal bit for bit. k-means (Lloyd, Elkan, k-means++ and random init, empty-cluster
# relocation) and `latent cluster` likewise, with the rows split among the ranks. Also: a failing rank ends the job (no hang), and --resume under a
# different rank count gives the bytes of the uninterrupted run.
# usage: same_bytes.sh LATENT_BINARY
set -uo pipefail
latent=$1
data=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# shared memory only: the job stays on this machine
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
[ -f "$data" ] || { echo "SKIP: $data missing (apt-get install dataset-fashion-mnist)"; exit 77; }
command -v mpirun >/dev/null || { echo "SKIP: mpirun missing (apt-get install openmpi-bin)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npass=0 nfail=0
bad() { nfail=$((nfail + 1)); }
run() { # name ranks threads args...
    local name=$1 np=$2 th=$3; shift 3
    if [ "$np" = 0 ]; then
        timeout 300 "$latent" "$@" --threads "$th" --save "$dir/$name.safetensors" --quiet --no-plot
    else
        # --bind-to none: 3 ranks x 2 threads on this 2-core machine
        timeout 300 mpirun -np "$np" --bind-to none "$latent" "$@" --threads "$th" \
            --save "$dir/$name.safetensors" --quiet --no-plot
    fi
}
check() { # family args... (--data FILE among the args stands for Fashion-MNIST's images)
    local fam=$1; shift
    local args=(train "$fam" --seed 7 "$@")
    [[ " $* " == *" --data "* ]] || args+=(--data "$data")
    if ! run "$fam-alone" 0 1 "${args[@]}"; then echo "FAIL $fam: the run alone failed"; bad; return; fi
    for cfg in "1 2" "2 1" "2 2" "3 1" "3 2"; do
        set -- $cfg
        local tag="$fam-np$1-t$2"
        if ! run "$tag" "$1" "$2" "${args[@]}"; then echo "FAIL $tag: mpirun failed"; bad; continue; fi
        # the file says how many ranks trained it: a job that never formed cannot pass
        # (read whole, not piped into grep -q: with pipefail, head's SIGPIPE failed the check)
        local header
        header=$(head -c 65536 "$dir/$tag.safetensors" | tr -d '\0')
        if [[ $header != *"\"cli.ranks\":\"$1\""* || $header != *"\"cli.threads\":\"$2\""* ]]; then
            echo "FAIL $tag: the model file does not record $1 ranks of $2 threads"; bad; continue
        fi
        if "$latent" compare "$dir/$fam-alone.safetensors" "$dir/$tag.safetensors" >"$dir/cmp" 2>&1; then
            echo "ok   $tag: $(tail -1 "$dir/cmp")"; npass=$((npass + 1))
        else
            echo "FAIL $tag differs from the run alone:"; cat "$dir/cmp"; bad
        fi
    done
}
# batch 256 = 4 shards: ranks take 2+2, or 1+1+2; batch 320 = 5 shards: 4+1, 2+2+1
check ae --limit 1280 --epochs 2 --batch 256
check ae --limit 1000 --epochs 1 --batch 320 --sparse 0.1,0.05 --layers 784,64,16
check ae --limit 640 --epochs 1 --batch 128 --contractive 0.01 --layers 784,64,16
check ae --limit 640 --epochs 1 --batch 192 --denoise gauss:0.2 --layers 784,64,16
check vae --limit 1280 --epochs 1 --batch 256
check gan --limit 1280 --epochs 1 --batch 256
check dcgan --limit 512 --epochs 1 --batch 256 --gen-channels 32,16 --disc-channels 16,32
check vae --limit 512 --epochs 1 --batch 192 --conv --conv-channels 8,16

# k-means splits the rows, not the minibatches: fixed chunks of rows (20000 rows = 16 chunks:
# 8+8 and 5+5+6; 5000 rows = 4 chunks: 2+2 and 1+1+2), each rank reading only its own
check kmeans --limit 20000 --k 10 --max-iter 25
check kmeans --limit 5000 --k 16 --algorithm elkan --init random
# 60 clusters of 40 distinct rows: empty clusters take the farthest rows of all ranks; the CSV
# reader parses whole and keeps the rank's share
RANDOM=11
for i in $(seq 0 39); do
    row=""; for j in $(seq 1 8); do row+="${row:+,}0.$((RANDOM % 1000))"; done; distinct[i]=$row
done
for i in $(seq 1 3000); do echo "${distinct[RANDOM % 40]}"; done >"$dir/dups.csv"
check kmeans --data "$dir/dups.csv" --k 60 --init random --max-iter 40
check kmeans --data "$dir/dups.csv" --k 60 --algorithm elkan --max-iter 40

# deep clustering: each rank encodes and clusters its share; the labels of all rows are equal
if run aek 0 1 train ae --data "$data" --seed 5 --limit 1280 --epochs 1 --layers 784,64,8; then
    for np in 1 2 3; do
        if OMP_NUM_THREADS=1 timeout 300 mpirun -np "$np" --bind-to none -x OMP_NUM_THREADS \
            "$latent" cluster "$dir/aek.safetensors" --k 10 --data "$data" --limit 6000 \
            --out "$dir/labels$np.npy" >"$dir/cluster$np.out" 2>&1 &&
            { [ "$np" = 1 ] || cmp -s "$dir/labels1.npy" "$dir/labels$np.npy"; }; then
            echo "ok   cluster on $np rank(s): $(head -1 "$dir/cluster$np.out")"; npass=$((npass + 1))
        else
            echo "FAIL cluster on $np rank(s):"; cat "$dir/cluster$np.out"; bad
        fi
    done
else
    echo "FAIL cluster: training the AE failed"; bad
fi

# resume under another rank count: 2 epochs alone == 1 epoch on 3 ranks + 1 more on 2 ranks
args=(train ae --data "$data" --seed 3 --limit 1280 --batch 256 --layers 784,64,16)
run whole 0 1 "${args[@]}" --epochs 2
run half 3 1 "${args[@]}" --epochs 1
if run resumed 2 1 "${args[@]}" --epochs 2 --resume "$dir/half.safetensors" &&
   "$latent" compare "$dir/whole.safetensors" "$dir/resumed.safetensors" >"$dir/cmp" 2>&1; then
    echo "ok   resume: 1 epoch on 3 ranks, then 1 on 2 ranks == 2 epochs alone"; npass=$((npass + 1))
else
    echo "FAIL resume under another rank count:"; cat "$dir/cmp"; bad
fi

# bad input ends every rank with the error, and a clean exit status (no hang)
printf 'not a dataset' >"$dir/bad.npy"
out=$(timeout 120 mpirun -np 2 "$latent" train ae --data "$dir/bad.npy" --epochs 1 --quiet 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "bad.npy" <<<"$out"; then
    echo "ok   bad input: exit $rc, $(grep -m1 bad.npy <<<"$out")"; npass=$((npass + 1))
else
    echo "FAIL bad input: exit $rc (124 is a hang)"; echo "$out"; bad
fi
# a rank killed mid-run ends the job (no hang); the last checkpoint is whole and resumes
ck="$dir/killed.safetensors"
OMP_NUM_THREADS=1 timeout 300 mpirun -np 2 "$latent" train ae --data "$data" --seed 5 \
    --limit 4096 --batch 64 --layers 784,256,64 --epochs 200 --checkpoint-every 1 --save "$ck" \
    --quiet --no-plot >"$dir/killed.log" 2>&1 &
job=$!
for _ in $(seq 600); do [ -f "$ck" ] && break; sleep 0.1; done
victim=$(pgrep -f -n -- "--save $ck")
[ -n "$victim" ] && [ -f "$ck" ] && kill -9 "$victim"
wait $job
rc=$?
if [ -n "$victim" ] && [ $rc -ne 0 ] && [ $rc -ne 124 ] &&
   OMP_NUM_THREADS=1 timeout 120 "$latent" train ae --data "$data" --seed 5 --limit 4096 --batch 64 \
       --layers 784,256,64 --epochs 1 --resume "$ck" --quiet --no-plot --save "$dir/after.safetensors" \
       >"$dir/resume.log" 2>&1; then
    echo "ok   killed rank: mpirun ended with exit $rc; the checkpoint resumes"; npass=$((npass + 1))
else
    echo "FAIL killed rank: victim '${victim:-none}', exit $rc (124 is a hang)"
    cat "$dir/killed.log" "$dir/resume.log" 2>/dev/null | tail -20; bad
fi

echo "mpi: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
