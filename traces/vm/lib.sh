# sourced by the oopsim VM scripts
VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$VM_DIR/../.." && pwd)"
CACHE="${OOPSIM_CACHE:-$REPO_DIR/.cache/vm}"
export OOPSIM_CACHE="$CACHE"
