#!/usr/bin/env bash
# No program of the project runs a shell: system() and popen() take a command line, in which
# a path or a name could become a command. Other programs run through pml_run
# (src/core/process.h) with an argument vector. Usage: check_no_shell.sh SOURCE_DIR
set -euo pipefail
cd "$1"
hits=$(grep -rnE '(^|[^_[:alnum:]])(system|popen)[[:space:]]*\(' \
  --include='*.c' --include='*.h' --include='*.cu' --include='*.cuh' src tests bench examples |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -n "$hits" ]; then
  echo "system() or popen() (run programs with pml_run and an argument vector):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no system() or popen() under src, tests, bench, examples"
