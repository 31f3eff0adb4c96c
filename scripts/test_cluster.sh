#!/bin/sh
# make test-cluster (issue 16, docs/sweep.md "SLURM"): a real one-node SLURM cluster on this
# machine, started and stopped here. Installs Debian's slurm-wlm and munge (scripts/deps.sh,
# apt-get as root), writes a munge key and a slurm.conf into a temporary folder, starts
# munged, slurmctld and slurmd on it (ports picked free), submits a small sharded sweep with
# `dcim sweep --slurm 4 --submit` (sbatch: an array of 4 shard tasks and a dependent merge
# job), waits for both jobs, and checks that the merged sweep.csv equals the same sweep run
# with --jobs 2 on this machine. Everything it started is stopped on exit.
# Usage: [SWEEP=FILE] test_cluster.sh DCIM [POINTS]. Ends with "N passed, M failed".
DCIM=${1:?usage: test_cluster.sh DCIM [POINTS]}
POINTS=${2:-24}
case $DCIM in /*) ;; *) DCIM=$PWD/$DCIM ;; esac
[ "$(id -u)" = 0 ] || { echo "test-cluster: error: needs root (munged and slurmd run as root here)"; echo "0 passed, 1 failed"; exit 1; }
scripts/deps.sh slurm-wlm munge || { echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d /tmp/dcim-cluster.XXXXXX); chmod 700 "$tmp"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; kill -9 "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/../tests/e2e/checks.sh"
t0=$(date +%s.%N)
host=$(hostname -s)
# a free TCP port from a random start
free_port() {
    p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 20000 ))
    while ss -ltn 2>/dev/null | grep -q ":$p "; do p=$((p + 1)); done
    echo $p
}
cport=$(free_port); dport=$((cport + 1))
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=dcimtest
SlurmctldHost=$host(127.0.0.1)
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$cport
SlurmdPort=$dport
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
CONF
export SLURM_CONF="$tmp/slurm.conf"
munged --force --foreground --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.sock" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" >"$tmp/munge/munged.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do [ -S "$tmp/munge/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i -f "$tmp/slurm.conf" >"$tmp/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$tmp/slurm.conf" >"$tmp/slurmd.out" 2>&1 &
pids="$pids $!"
state=
for _ in $(seq 150); do state=$(sinfo -h -o %T 2>/dev/null); [ "$state" = idle ] && break; sleep 0.2; done
if [ "$state" = idle ]; then ok "a one-node SLURM cluster is up (munged, slurmctld, slurmd)"; else
    { echo "node state '$state'"; tail -5 "$tmp/slurmctld.log" "$tmp/slurmd.log" "$tmp/slurmctld.out" "$tmp/slurmd.out"; } >"$tmp/out" 2>&1
    bad "a one-node SLURM cluster is up (munged, slurmctld, slurmd)"; echo "$pass passed, $fail failed"; exit 1; fi
t_up=$(date +%s.%N)

# the sweep: SWEEP=FILE (a sweep file, e.g. configs/sweeps/mnist_grid200.yaml, for the
# timings of docs/sweep.md), else a random sample of POINTS points
if [ -n "${SWEEP:-}" ]; then S="$SWEEP --quiet"; else
S="--run configs/runs/mnist_bnn.yaml --set run.data.images=20 --quiet --random $POINTS --seed 5 \
   --range chip.clock_mhz=50:400 --choices chip.macros=2,4,8,16 --choices chip.array.rows=64,128,256"; fi
ts=$(date +%s.%N)
checkre "dcim sweep --slurm 4 --submit" 0 "^submitted: shards job [0-9]+, merge job [0-9]+" \
    "$DCIM" sweep $S --slurm 4 --submit --out "$tmp/sl"
merge=$(sed -n 's/^submitted: .*merge job \([0-9]*\)$/\1/p' "$tmp/out")
for _ in $(seq $(( ${WAIT_S:-120} * 5 ))); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 0.2
done
te=$(date +%s.%N)
if [ -z "$(squeue -h 2>/dev/null)" ] && [ -f "$tmp/sl/sweep.csv" ] && grep -q "^merged " "$tmp/sl/slurm/merge.log"; then
    ok "the 4 shard tasks and the merge job ran (merge job $merge)"; else
    { squeue; ls -R "$tmp/sl"; cat "$tmp/sl/slurm/"*.log; tail -20 "$tmp/slurmctld.log"; } >"$tmp/out" 2>&1
    bad "the 4 shard tasks and the merge job ran"; fi
n=$(ls "$tmp"/sl/slurm/shard-*.log 2>/dev/null | wc -l)
if [ "$n" = 4 ]; then ok "4 array tasks, one log each"; else bad "4 array tasks, one log each ($n)"; fi
tj=$(date +%s.%N)
"$DCIM" sweep $S --jobs 2 --out "$tmp/local" >/dev/null 2>&1
tk=$(date +%s.%N)
if cmp -s "$tmp/sl/sweep.csv" "$tmp/local/sweep.csv"; then ok "the merged SLURM sweep.csv equals the --jobs 2 run"; else
    diff "$tmp/sl/sweep.csv" "$tmp/local/sweep.csv" >"$tmp/out" 2>&1; bad "the merged SLURM sweep.csv equals the --jobs 2 run"; fi
POINTS=$(grep -vc '^index' "$tmp/local/sweep.csv")
awk -v a="$t0" -v b="$t_up" -v c="$ts" -v d="$te" -v e="$tj" -v f="$tk" -v p="$POINTS" 'BEGIN{
    printf "time: cluster up %.1f s; %d points in 4 SLURM shards + merge %.1f s (submit to done); the same with --jobs 2 %.1f s; total %.1f s\n", b-a, p, d-c, f-e, f-a }'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
