#!/usr/bin/env bash
# End-to-end: simrun writes the HTML report of the golden scenarios under every policy; headless
# Chromium loads it, runs its script and takes a screenshot. Fails when the page reports a script
# error, its script did not finish, a key section is missing, or the screenshot is not a PNG.
# Usage: report_in_chromium.sh SIMRUN TRACES_DIR [SCREENSHOT.png]
set -euo pipefail
simrun=$1
traces=$2
shot=${3:-}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium" ]]; then
  echo "chromium is not installed (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$simrun" --policy=all --report="$work/report.html" "$traces" >/dev/null
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,1600)
# The DOM after the page's script ran.
timeout 120 "$chromium" "${flags[@]}" --virtual-time-budget=5000 --dump-dom \
  "file://$work/report.html" >"$work/dom.html" 2>"$work/chromium.log" || {
  cat "$work/chromium.log" >&2
  exit 1
}
fail=0
grep -q 'data-ready="yes"' "$work/dom.html" || { echo "the page's script did not finish" >&2; fail=1; }
# The page's error handler writes every script error into #script-errors.
errors=$(grep -o '<div id="script-errors">[^<]*</div>' "$work/dom.html" || true)
if [[ -z "$errors" ]]; then
  echo "the #script-errors element is missing" >&2
  fail=1
elif [[ "$errors" != '<div id="script-errors"></div>' ]]; then
  echo "script errors on the page: $errors" >&2
  fail=1
fi
for section in 'id="matrix"' 'id="agreement"' 'id="seed-tables"' 'id="traces"' '<svg class="chart"' \
               'class="trace"' 'wait-for graph'; do
  grep -q "$section" "$work/dom.html" || { echo "missing in the rendered page: $section" >&2; fail=1; }
done
timeout 120 "$chromium" "${flags[@]}" --virtual-time-budget=5000 --screenshot="$work/shot.png" \
  "file://$work/report.html" >/dev/null 2>>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 1; }
if [[ "$(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]]; then
  echo "no PNG screenshot" >&2
  fail=1
fi
size=$(stat -c %s "$work/shot.png")
if (( size < 20000 )); then echo "screenshot suspiciously small ($size bytes)" >&2; fail=1; fi
if [[ -n "$shot" ]]; then cp "$work/shot.png" "$shot"; fi
exit $fail
