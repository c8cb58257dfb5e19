#!/usr/bin/env bash
# Install the built tree into a temporary prefix, then build examples/gemm.c twice against
# it, as a user would: a separate CMake project with find_package(physml), and a plain cc
# line from `pkg-config --cflags --libs physml`. Each program must run and print "ok".
# Usage: check.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*/ | head -1)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cmake -S "$src/tests/install" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DEXAMPLE_SOURCE="$src/examples/gemm.c" >/dev/null
cmake --build "$work/consumer" >/dev/null
out=$("$work/consumer/consumer" cpu)
echo "cmake consumer: $out"
case "$out" in ok*) ;; *) exit 1 ;; esac

export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs physml)
echo "pkg-config: $flags"
cc -std=c11 "$src/examples/gemm.c" $flags -o "$work/pc_consumer"
out=$("$work/pc_consumer" cpu)
echo "pkg-config consumer: $out"
case "$out" in ok*) ;; *) exit 1 ;; esac
pkg-config --modversion physml

# CUDA lives in the module alone: installed beside the library when built, and neither the
# library nor a program built against it links the CUDA runtime or cuBLAS.
if compgen -G "$build/libphysml-cuda.so.*" >/dev/null; then
  compgen -G "$libdir/libphysml-cuda.so.[0-9]*" >/dev/null ||
    { echo "the CUDA module was built but not installed in $libdir" >&2; exit 1; }
  echo "CUDA module installed: $(cd "$libdir" && ls libphysml-cuda.so.[0-9]* | head -1)"
fi
for f in "$libdir/libphysml.so" "$work/consumer/consumer" "$work/pc_consumer"; do
  if readelf -d "$f" | grep -E 'NEEDED.*(cudart|cublas)'; then
    echo "$f links CUDA directly; only the module may" >&2
    exit 1
  fi
done
