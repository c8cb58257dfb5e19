#!/usr/bin/env bash
# The floors of docs/architecture.md, checked on every #include "..." under src/:
#   core   (src/core)        includes core
#   ops    (src/ops)         includes core, ops
#   cpu    (src/cpu)         includes core, ops, cpu      -- never a model's folder
#   cuda   (src/cuda)        includes core, ops, cuda     -- never a model's folder
#   models (src/<model>)     include core, ops, their own folder
#   tool   (src/cli)         includes anything but the backends and the contracts
# Public headers ("physml/...") may be included everywhere. Usage: check_floors.sh SOURCE_DIR
set -euo pipefail
cd "$1/src"
status=0
for file in $(find . -name '*.c' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' | sort); do
  floor=$(echo "$file" | cut -d/ -f2)
  case "$floor" in
    core) allowed="core" ;;
    ops) allowed="core ops" ;;
    cpu) allowed="core ops cpu" ;;
    cuda) allowed="core ops cuda" ;;
    cli) allowed="" ;;
    *) allowed="core ops $floor" ;;
  esac
  while IFS= read -r inc; do
    dir=${inc%%/*}
    [ "$dir" = "$inc" ] && continue          # a header beside the file
    [ "$dir" = "physml" ] && continue        # the public API
    if [ "$floor" = "cli" ]; then
      case "$dir" in cpu | cuda | ops) ;; *) continue ;; esac
    else
      case " $allowed " in *" $dir "*) continue ;; esac
    fi
    echo "src/${file#./}: includes \"$inc\", but the $floor floor may include only: ${allowed:-anything but cpu, cuda, ops}" >&2
    status=1
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done
[ $status -eq 0 ] && echo "every #include under src/ keeps to its floor"
exit $status
