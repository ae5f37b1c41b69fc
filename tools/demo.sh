#!/usr/bin/env bash
# The main job for a newcomer: set up a fresh Debian 12 machine, build latent, train an
# autoencoder on Fashion-MNIST and show what it learned (reconstructions, clusters of its codes,
# anomaly scores), then a VAE whose samples show what it can generate, and a short DCGAN run
# (300 steps). Output in ./out/.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
install_deps demo
if [ ! -f build/build.ninja ]; then meson setup build -Dbuildtype=release >/dev/null; fi
ninja -C build >/dev/null
latent=build/tools/latent
out=${OUT_DIR:-out}
mkdir -p "$out"
epochs=${EPOCHS:-10}

echo "== the machine"
$latent info
echo
echo "== autoencoder 784-128-32 on Fashion-MNIST ($epochs epochs)"
$latent train ae --data fashion-mnist --layers 784,128,32 --act relu --out-act sigmoid \
    --loss mse --epochs "$epochs" --batch 256 --lr 1e-3 --seed 1 --save "$out/ae.safetensors"
$latent eval "$out/ae.safetensors" --data fashion-mnist:test
$latent reconstruct "$out/ae.safetensors" --data fashion-mnist:test --n 64 --png "$out/ae_reconstructions.png"
$latent cluster "$out/ae.safetensors" --k 10 --data fashion-mnist --out "$out/ae_clusters.npy"
$latent anomaly "$out/ae.safetensors" --data fashion-mnist:test --out "$out/ae_anomaly_scores.npy"
echo
echo "== variational autoencoder 784-400-20 ($epochs epochs)"
$latent train vae --data fashion-mnist --layers 784,400 --latent 20 --epochs "$epochs" \
    --batch 256 --lr 1e-3 --seed 1 --save "$out/vae.safetensors"
$latent sample "$out/vae.safetensors" --n 64 --png "$out/vae_samples.png"
$latent reconstruct "$out/vae.safetensors" --data fashion-mnist:test --n 64 --png "$out/vae_reconstructions.png"
echo
echo "== DCGAN (TensorFlow's tutorial model, Adam beta1 0.5 as the DCGAN paper), 300 steps of 256 images"
# beta1 0.5: with the tutorial's 0.9 five epochs still give blobs (in PyTorch too); with 0.5 they
# give shirts, trousers and shoes (benchmarks/README.md, "Convolutional models")
$latent train dcgan --data fashion-mnist --limit 38400 --epochs "${DCGAN_EPOCHS:-2}" --seed 1 \
    --beta1 0.5 --save "$out/dcgan.safetensors"
$latent sample "$out/dcgan.safetensors" --n 64 --png "$out/dcgan_samples.png"
$latent eval "$out/dcgan.safetensors" --samples 2000
echo
echo "Written to $out/: ae.safetensors (loads in PyTorch), ae.loss.png, ae_reconstructions.png,"
echo "ae_clusters.npy, ae_anomaly_scores.npy, vae.safetensors, vae.loss.png, vae_samples.png,"
echo "vae_reconstructions.png, dcgan.safetensors, dcgan.loss.png, dcgan_samples.png"
