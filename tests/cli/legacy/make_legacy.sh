#!/usr/bin/env bash
# How the files in this folder were made: checkpoints of every model kind written by latent at
# commit 39179c9 (before the layer-stack rework), with what that build computed from them. The
# `legacy` group of cli_test.py checks that today's latent still loads them, computes the same
# codes and samples, and resumes them to the same bytes. Run only to document; never regenerate
# them with a newer build (that would test nothing).
#   usage: make_legacy.sh PATH/TO/latent
set -euo pipefail
L=$1
cd "$(dirname "$0")"
/usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng(7)
np.save('rows.npy', r.random((300, 20), dtype=np.float32))"
t() { "$L" train "$@" --data rows.npy --epochs 2 --batch 100 --seed 3 --threads 2 --quiet --no-plot; }
t ae --layers 20,12,4 --save ae.safetensors
t ae --layers 20,12,6 --act sigmoid --sparse 0.1,0.05 --denoise mask:0.2 --save ae_sparse_denoise.safetensors
t ae --layers 20,10 --act sigmoid --contractive 0.1 --loss bce --save ae_contractive_bce.safetensors
t ae --layers 20,12,4 --code-act identity --out-act identity --save ae_linear_code.safetensors
t vae --layers 20,12 --latent 3 --save vae.safetensors
t vae --layers 20,12 --latent 3 --decoder gaussian --save vae_gaussian.safetensors
t gan --z 4 --gen 8 --disc 8 --save gan.safetensors
"$L" train kmeans --data rows.npy --k 3 --seed 3 --quiet --save kmeans.safetensors
for m in ae ae_sparse_denoise ae_contractive_bce ae_linear_code vae vae_gaussian; do
    "$L" encode $m.safetensors --data rows.npy --out $m.codes.npy
done
for m in vae vae_gaussian gan; do "$L" sample $m.safetensors --n 5 --npy $m.samples.npy --png /dev/null; done
# one more epoch from each file: the tensors must come out the same
for m in ae ae_sparse_denoise ae_contractive_bce ae_linear_code vae vae_gaussian gan; do
    fam=${m%%_*}
    "$L" train $fam --resume $m.safetensors --epochs 3 --quiet --no-plot --threads 2 --save $m.resumed.safetensors
done
"$L" eval kmeans.safetensors --data rows.npy --json > kmeans.eval.json
rm -f *.loss.png
