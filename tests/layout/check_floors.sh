#!/usr/bin/env bash
# The floors of docs/architecture.md, checked on every #include "..." under src/:
#   core   (src/core)     includes core
#   ops    (src/ops)      includes core, ops
#   cpu    (src/cpu)      includes core, ops, cpu    -- never a model's folder
#   cuda   (src/cuda)     includes core, ops, cuda   -- never a model's folder
#   models (src/<model>)  include anything but the backends and the tool
#   tool   (src/cli)      includes anything but the backends and the contracts
# Public headers ("physml/...") and headers beside the file may be included everywhere.
# Usage: check_floors.sh SOURCE_DIR
set -euo pipefail
cd "$1/src"

# may a file of floor $1 include a header of folder $2?
allowed() {
  case "$1" in
    core) [ "$2" = core ] ;;
    ops) [ "$2" = core ] || [ "$2" = ops ] ;;
    cpu | cuda) [ "$2" = core ] || [ "$2" = ops ] || [ "$2" = "$1" ] ;;
    cli) [ "$2" != cpu ] && [ "$2" != cuda ] && [ "$2" != ops ] ;;
    *) [ "$2" != cpu ] && [ "$2" != cuda ] && [ "$2" != cli ] ;;
  esac
}

status=0
for file in $(find . -name '*.c' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' | sort); do
  floor=$(echo "$file" | cut -d/ -f2)
  while IFS= read -r inc; do
    dir=${inc%%/*}
    [ "$dir" = "$inc" ] && continue   # a header beside the file
    [ "$dir" = physml ] && continue   # the public API
    allowed "$floor" "$dir" && continue
    echo "src/${file#./}: includes \"$inc\", which the $floor floor may not (docs/architecture.md)" >&2
    status=1
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done
[ $status -eq 0 ] && echo "every #include under src/ keeps to its floor"
exit $status
