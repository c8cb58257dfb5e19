#!/usr/bin/env bash
# The shared library exports exactly the public API: every dynamic symbol it defines is a
# function declared with PML_API in include/physml/, and every such function is exported.
# With the CUDA module given too: it exports its one entry and nothing else.
# Usage: check_exports.sh SOURCE_DIR path/to/libphysml.so [path/to/libphysml-cuda.so]
set -euo pipefail
src="$1"
lib="$2"
module="${3:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# declared: the function named on each PML_API line (the name is always on the first line of
# a declaration, and no parameter list opens before it)
grep -h '^PML_API ' "$src"/include/physml/*.h |
  sed -E 's/^[^(]*[ *](pml_[a-z0-9_]+)\(.*/\1/' | sort -u > "$tmp/declared"
nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u > "$tmp/exported"

status=0
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
if [ -n "$extra" ]; then
  echo "exported by $lib but not declared with PML_API in include/physml/:" >&2
  echo "$extra" | sed 's/^/  /' >&2
  status=1
fi
if [ -n "$missing" ]; then
  echo "declared with PML_API but not exported by $lib:" >&2
  echo "$missing" | sed 's/^/  /' >&2
  status=1
fi
n=$(wc -l < "$tmp/declared")
[ "$n" -ge 150 ] || { echo "only $n declarations found: the parser missed the API" >&2; status=1; }
if [ -n "$module" ]; then
  mexp=$(nm -D --defined-only "$module" | awk '{print $NF}' | sort -u | tr '\n' ' ')
  if [ "$mexp" != "pml_backend_module " ]; then
    echo "$module exports '$mexp', not just pml_backend_module" >&2
    status=1
  fi
fi
[ $status -eq 0 ] && echo "$lib exports exactly the $n functions include/physml/ declares" &&
  { [ -z "$module" ] || echo "$module exports only pml_backend_module"; }
exit $status
