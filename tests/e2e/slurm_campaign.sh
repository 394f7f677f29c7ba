#!/usr/bin/env bash
# End-to-end: a campaign through a real single-node Slurm (Debian's slurmctld/slurmd, munge).
# Installs Slurm if missing, starts it on private ports with a private slurm.conf, submits a small
# campaign as a 4-task job array, kills slurmd midway and restarts it, requeues a running task,
# waits for the merge job, and checks that the merged index lists exactly the experiments the
# local runner's index lists for the same seeds, with the same sites. Stops every daemon it
# started, by PID.
# Usage: slurm_campaign.sh SIMCAMPAIGN WORKDIR CACHE STATE
set -euo pipefail
simcampaign=$1 work=$2 cache=$3 state=$4
source "$(dirname "$0")/failure_first.sh" "$work.log"
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
log() { echo "[slurm-test $(date +%T)] $*" >&2; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
   ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing munge and Slurm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
fi

# The daemons' own files (slurm.conf, state, spool, pid files, logs) go to a folder of their own
# that the slurm user can reach: the work tree may sit under a private folder (mktemp -d is 0700)
# where slurmctld, which runs as slurm, could not read its configuration.
sdir=$(mktemp -d /var/tmp/oopsim-slurm.XXXXXX)
started=()
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${started[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  cp "$sdir"/*.log "$work/" 2>/dev/null || true
  rm -rf "$sdir"
}
trap 'rc=$?; cleanup; failure_first_report $rc' EXIT
daemon_logs() {
  for f in "$sdir"/slurmctld.log "$sdir"/slurmd.log; do
    [[ -f $f ]] && { echo "--- $f"; tail -n 20 "$f"; }
  done >&2
}

# munge: reuse a running munged, else start one (its key comes with the package).
if ! pgrep -x munged >/dev/null; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged
  sleep 0.5
  started+=("$(cat /run/munge/munged.pid)")
fi

host=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
mkdir -p "$sdir/state" "$sdir/spool"
chmod 755 "$sdir"
chown slurm:slurm "$sdir" "$sdir/state"
export SLURM_CONF=$sdir/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=oopsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
AuthInfo=cred_expire=10
ReturnToService=2
JobRequeue=1
MailProg=/bin/true
StateSaveLocation=$sdir/state
SlurmdSpoolDir=$sdir/spool
SlurmctldPidFile=$sdir/slurmctld.pid
SlurmdPidFile=$sdir/slurmd.pid
SlurmctldLogFile=$sdir/slurmctld.log
SlurmdLogFile=$sdir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=oopsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# wait_pidfile FILE: its daemon's pid, or fail with the daemons' logs.
wait_pidfile() {
  for _ in $(seq 100); do [[ -s $1 ]] && break; sleep 0.1; done
  [[ -s $1 ]] || { log "no $1: the daemon did not start"; daemon_logs; exit 1; }
  cat "$1"
}
/usr/sbin/slurmctld
started+=("$(wait_pidfile "$sdir/slurmctld.pid")")
start_slurmd() {
  rm -f "$sdir/slurmd.pid"
  /usr/sbin/slurmd
  slurmd_pid=$(wait_pidfile "$sdir/slurmd.pid")
  started+=("$slurmd_pid")
}
start_slurmd
up=
for _ in $(seq 150); do
  [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]] && { up=1; break; }
  sleep 0.2
done
[[ -n $up ]] || { log "the node never became idle: $(sinfo -h -o '%P %T' 2>&1)"; daemon_logs; exit 1; }
log "slurm is up: $(sinfo -h -o '%P %T %C')"

args=(--types INTERFACE,NULL --first-seed 13 --seeds 2 --seconds 4
      --functions inode_io_list_del,__d_move --sites all
      --cache "$cache" --state "$state" --timeout 200)

# The Slurm engine: 4 experiments, 4 array tasks of one VM each.
"$simcampaign" run "$work/on-slurm" "${args[@]}" --engine slurm --tasks 4 --cpus-per-task 1 \
  --time 0:20:00 --partition oopsim >"$work/submit.out"
cat "$work/submit.out"
merge_job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1]["merge"])' \
  "$work/on-slurm/slurm/jobs.json")
array_job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1]["array"])' \
  "$work/on-slurm/slurm/jobs.json")

# Midway: once an array task has started, kill slurmd, bring it back, and requeue a task.
for _ in $(seq 600); do
  ls "$work/on-slurm/slurm/tasks/" 2>/dev/null | grep -q json && break
  sleep 0.5
done
log "array tasks started; killing slurmd ($slurmd_pid)"
kill -9 "$slurmd_pid"
sleep 3
start_slurmd
log "slurmd restarted ($slurmd_pid)"
running=$(squeue -h -j "$array_job" -t RUNNING -o %i | head -1)
if [[ -n "$running" ]]; then
  log "requeueing running task $running"
  scontrol requeue "$running" || true
fi

for _ in $(seq 1200); do
  [[ -z "$(squeue -h -j "$merge_job" -o %i 2>/dev/null)" ]] && break
  sleep 1
done
if [[ -n "$(squeue -h -j "$merge_job" -o %i 2>/dev/null)" ]]; then
  log "the merge job did not finish"; squeue; daemon_logs; exit 1
fi
cat "$work/on-slurm"/slurm/logs/merge-*.log
"$simcampaign" status "$work/on-slurm" | tee "$work/status.out"

# The local engine, same plan.
"$simcampaign" run "$work/local" "${args[@]}" >"$work/local.out" 2>"$work/local.err"

# The same experiments, once each, with the same sites (the deterministic part of the plan; the
# live columns come from real runs, which TCG does not make bit-reproducible).
cut -d, -f1-4 "$work/on-slurm/index.csv" >"$work/slurm.cols"
cut -d, -f1-4 "$work/local/index.csv" >"$work/local.cols"
diff -u "$work/local.cols" "$work/slurm.cols"
test "$(tail -n +2 "$work/on-slurm/index.csv" | wc -l)" -eq 4
test "$(tail -n +2 "$work/on-slurm/index.csv" | cut -d, -f1 | sort -u | wc -l)" -eq 4
grep -q "4/4 experiments done" "$work/status.out"
! grep -q "failed with exit" "$work/status.out"
ls "$work/on-slurm/results" | grep -q '\.tmp$' && { log "temporary result left"; exit 1; }
log "ok: $(tail -n +2 "$work/on-slurm/index.csv" | cut -d, -f1,4,5,6 | tr '\n' ' ')"
log "task attempts: $(ls "$work/on-slurm/slurm/tasks" | tr '\n' ' ')"
