#!/usr/bin/env bash
# End-to-end: simrun's timeline of a real crash (compact and gzipped) opened by Chrome DevTools'
# trace engine from npm (@paulirish/trace_engine, pinned), installed once into .cache/npm.
# Usage: timeline_trace_engine.sh SIMRUN WORKDIR
set -euo pipefail
simrun=$1 work=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$here/.cache/npm
version=0.0.65
rm -rf "$work"
mkdir -p "$work" "$prefix"
if [[ ! -f $prefix/node_modules/@paulirish/trace_engine/package.json ]] ||
  ! grep -q "\"version\": \"$version\"" "$prefix/node_modules/@paulirish/trace_engine/package.json"; then
  npm install --prefix "$prefix" --no-audit --no-fund --silent "@paulirish/trace_engine@$version" \
    >"$work/npm.log" 2>&1 || { tail -20 "$work/npm.log" >&2; exit 1; }
fi
"$simrun" --policy=kill-faulty --timeline "$work/t.json.gz" \
  "$here/traces/corpus/traces/VAR-s20.pb.xz" >/dev/null
node "$here/tests/e2e/timeline_trace_engine.mjs" "$work/t.json.gz" "$prefix"
