#!/usr/bin/env bash
# `import latent` after `meson install`: installs the build into a scratch root (DESTDIR), then,
# with that root's site-packages and library folder on the paths a prefix install puts them on,
# imports the installed package, checks it loaded the installed liblatent.so (not the build
# tree's), and fits a KMeans and an Autoencoder. Last line: "python-installed: N passed, N failed".
# usage: installed.sh BUILD_DIR
set -uo pipefail
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
if ! DESTDIR="$root" meson install -C "$build" --quiet --no-rebuild >"$root/install.log" 2>&1; then
    cat "$root/install.log"; echo "python-installed: 0 passed, 1 failed"; exit 1
fi
site=$(dirname "$(find "$root" -path '*latent/__init__.py' | head -1)")
libdir=$(dirname "$(find "$root" -name 'liblatent.so' | head -1)")
cd "$root" || exit 1   # away from the source tree, whose build folders the package also tries
if env -u LATENT_LIB PYTHONPATH="$(dirname "$site")" LD_LIBRARY_PATH="$libdir" /usr/bin/python3 - "$root" <<'PY'
import sys
import numpy as np
import latent
root = sys.argv[1]
assert latent.__file__.startswith(root), latent.__file__
assert latent._lib.lib._name.startswith(root), f"loaded {latent._lib.lib._name}, not the installed library"
x = np.random.default_rng(0).random((600, 12), dtype=np.float32)
km = latent.KMeans(4, random_state=0).fit(x)
assert km.labels_.shape == (600,) and km.n_iter_ >= 1
ae = latent.Autoencoder(layers=[12, 8, 3], epochs=1).fit(x)
assert ae.transform(x).shape == (600, 3)
print(f"ok   the installed package ({latent.__file__}) with {latent._lib.lib._name}: "
      f"KMeans inertia {km.inertia_:.4f}, Autoencoder codes {ae.transform(x).shape}")
PY
then echo "python-installed: 1 passed, 0 failed"
else echo "python-installed: 0 passed, 1 failed"; exit 1
fi
