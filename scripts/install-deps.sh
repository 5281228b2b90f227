#!/usr/bin/env bash
# Installs what building and testing mla needs on a Debian bookworm machine:
# LLVM/MLIR 22 (Debian's packages), the toolchain measured fastest on 2 cores
# (clang++, lld, ccache, ninja; docs/build.md), lit's Python and the Python
# packages of python/mla. Idempotent:
# prints nothing and installs nothing when everything is already there.
set -euo pipefail

packages=(
  cmake ninja-build ccache clang lld
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libzstd-dev zlib1g-dev
  python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" > /dev/null
fi

# Python packages of python/mla (the numpy reference, bf16 .npy files, the
# checkpoint importer).
python_packages=(numpy ml_dtypes safetensors)
missing_py=()
for p in "${python_packages[@]}"; do
  python3 -c "import $p" 2>/dev/null || missing_py+=("$p")
done
if [ ${#missing_py[@]} -gt 0 ]; then
  echo "install-deps: pip installing ${missing_py[*]}"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${missing_py[@]}"
fi

# The CUDA toolkit is not a Debian package here: the GPU stages look for it in
# /usr/local/cuda and say so when it is missing; the compiler builds without.
