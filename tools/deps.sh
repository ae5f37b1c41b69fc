# Installs, with apt, the Debian 12 packages a step needs (sourced by tools/test.sh and
# tools/demo.sh). Nothing comes from outside Debian's archive.
install_deps() {
    local pkgs="meson ninja-build pkg-config gcc libc6-dev libcriterion-dev libhwloc-dev zlib1g-dev libpng-dev dataset-fashion-mnist python3 python3-numpy"
    case ${1:-} in
        test) pkgs="$pkgs clang libclang-rt-14-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgomp1-arm64-cross qemu-user valgrind python3-torch python3-sklearn python3-pytest libopenmpi-dev openmpi-bin" ;;
        bench) pkgs="$pkgs python3-torch python3-sklearn python3-faiss libopenblas-dev python3-matplotlib" ;;
    esac
    # the aarch64 build links Debian's arm64 zlib and libpng, installed beside the amd64 ones
    if [ "${1:-}" = test ]; then
        pkgs="$pkgs zlib1g-dev:arm64 libpng-dev:arm64"
        if ! dpkg --print-foreign-architectures | grep -qx arm64; then
            local sudo0=""; [ "$(id -u)" -ne 0 ] && sudo0="sudo"
            $sudo0 dpkg --add-architecture arm64 || return 1
        fi
    fi
    local missing=""
    for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing:$missing"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
}
