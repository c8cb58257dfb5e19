# Sourced by script/test and script/demo: put nvcc on PATH when the CUDA toolkit is in its
# usual place, so CMake's check_language(CUDA) finds it and the CUDA backend is built.
if ! command -v nvcc >/dev/null 2>&1; then
  for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    if [ -x "$d/nvcc" ]; then export PATH="$d:$PATH"; break; fi
  done
fi
export PML_JOBS="${PML_JOBS:-$(nproc 2>/dev/null || echo 2)}"
