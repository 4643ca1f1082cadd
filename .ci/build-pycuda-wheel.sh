#!/usr/bin/env bash
# Build a PyCUDA wheel for PYTHON on a machine with the CUDA toolkit (cuda.h) but no NVIDIA
# driver, so the fake GPU (microtorch_cuda.emulator.fakegpu) can run the real PyCUDA in CI.
# Usage: .ci/build-pycuda-wheel.sh PYTHON OUTDIR
#
# PyCUDA links against libcuda.so. We link it against a stub holding only the driver API's
# function names (taken from cuda.h); at run time the fake libcuda.so.1, or NVIDIA's real one
# on a GPU machine, is loaded in its place.
set -euo pipefail
py=${1:?python interpreter}; outdir=$(realpath -m "${2:?output folder}")
cuda=${CUDA_ROOT:-/usr/local/cuda}
[ -f "$cuda/include/cuda.h" ] || { echo "no $cuda/include/cuda.h: cannot build PyCUDA" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
grep -ohP '\bcu[A-Z][A-Za-z0-9_]*\b' "$cuda/include/cuda.h" "$cuda/include/cudaProfiler.h" | sort -u \
  | awk '{print "void "$1"(void){}"}' > "$work/stub.c"
gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$work/libcuda.so" "$work/stub.c"
"$py" -m pip download -q --no-deps --no-binary=:all: --no-build-isolation -d "$work" "pycuda==2026.1"
tar -xzf "$work"/pycuda-*.tar.gz -C "$work"
cd "$work"/pycuda-*/
cat > siteconf.py <<CONF
CUDA_ROOT = '$cuda'
CUDA_ENABLE_GL = False
CUDA_ENABLE_CURAND = False
CUDADRV_LIB_DIR = ['$work']
CUDADRV_LIBNAME = ['cuda']
USE_SHIPPED_BOOST = True
CONF
PATH=$cuda/bin:$PATH "$py" -m pip wheel -q --no-deps --no-build-isolation -w "$outdir" .
