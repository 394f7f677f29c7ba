# Sourced by the VM end-to-end tests after `set -euo pipefail`: everything the test and its tools
# print goes to LOG (the first argument), and when the test fails its output starts with why
# (the "FAIL:" lines it printed, or the command that failed and where), then the log's last lines.
# A CI report that keeps only the head of a failing test's output still shows the reason, not the
# VM's boot chatter.
failure_first_log=$1
mkdir -p "$(dirname "$failure_first_log")"
exec 3>&1 >"$failure_first_log" 2>&1
failure_first_cmd=""
trap 'failure_first_cmd="line $LINENO: $BASH_COMMAND"' ERR
failure_first_report() {
  local rc=${1:-$?}
  trap - ERR
  if ((rc == 0)); then
    echo "ok (log: $failure_first_log)" >&3
    return
  fi
  {
    echo "test failed (exit $rc)"
    grep -E '^(FAIL|Traceback|.*Error:)' "$failure_first_log" | head -20 || true
    [[ -n $failure_first_cmd ]] && echo "failed command: $failure_first_cmd"
    echo "--- last 80 lines of $failure_first_log"
    tail -80 "$failure_first_log"
  } >&3
}
trap failure_first_report EXIT
