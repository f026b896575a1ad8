#!/usr/bin/env bash
# Brings up a one-node Slurm cluster on this machine, for tests and for trying `layerflow slurm`:
#
#   testdata/slurm/start.sh STATE_DIR      # prints SLURM_CONF=STATE_DIR/slurm.conf when the node is idle
#   export SLURM_CONF=STATE_DIR/slurm.conf # then sbatch, squeue, scancel, … talk to it
#   testdata/slurm/stop.sh STATE_DIR       # stops the daemons this script started, and only those
#
# Everything lives in STATE_DIR: a private munge key and socket, slurm.conf, state, spool, logs and
# the pid of every daemon started (STATE_DIR/pids). Nothing under /etc is changed. The ports are
# the first free ones from 16817 (SLURM_TEST_PORT sets another start). Slurm (slurmctld, slurmd
# and slurm-client, the parts of Debian's slurm-wlm needed here) and munge are installed with
# apt-get when missing (this needs root, as do the daemons; jobs run as root).
# Exit status: 0 when the node is idle, 3 when Slurm cannot be started here (not root, no
# apt-get, install failed), 1 on any other failure (the daemons' logs are printed).
set -euo pipefail

state=${1:?usage: start.sh STATE_DIR}
cannot() { echo "start.sh: cannot start Slurm here: $*" >&2; exit 3; }

PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" = 0 ] || cannot "not root (munged, slurmctld and slurmd run as root)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
	! command -v munged >/dev/null; then
	command -v apt-get >/dev/null || cannot "Slurm and munge are not installed and there is no apt-get"
	echo "start.sh: installing Slurm (slurmctld, slurmd, slurm-client: the daemons and commands of slurm-wlm) and munge with apt-get" >&2
	# Another apt-get may hold the lock: wait for it (2 minutes at most) rather than fail.
	export DEBIAN_FRONTEND=noninteractive
	apt-get -qq -o DPkg::Lock::Timeout=120 update >&2 || cannot "apt-get update failed"
	apt-get -qq -y --no-install-recommends -o DPkg::Lock::Timeout=120 install slurmctld slurmd slurm-client munge >&2 || cannot "apt-get install slurmctld slurmd slurm-client munge failed"
fi

mkdir -p "$state"
state=$(cd "$state" && pwd -P)
chmod 755 "$state" # munged wants its socket's directory open to all
mkdir -p "$state/ctld" "$state/spool" "$state/log"
: >"$state/pids"

fail() {
	echo "start.sh: $*" >&2
	for f in "$state"/log/*; do
		[ -s "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 20 "$f" >&2; }
	done
	"$(dirname "$0")/stop.sh" "$state" >&2 || true
	exit 1
}

# waitfor SECONDS WHAT COMMAND...: run COMMAND every 0.2 s until it succeeds.
waitfor() {
	local n=$(($1 * 5)) what=$2
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "$what: not after ${1} s"
		sleep 0.2
	done
}

# started NAME PIDFILE: record the pid of a daemon that has written its pid file.
started() {
	waitfor 20 "$1 pid file" test -s "$2"
	local pid
	pid=$(tr -d ' \n' <"$2")
	kill -0 "$pid" 2>/dev/null || fail "$1 (pid $pid) is not running"
	echo "$1 $pid" >>"$state/pids"
}

# A free TCP port on this machine, from $1 up.
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

# munge: a key of this cluster's own, and a munged on a socket of its own.
if [ ! -s "$state/munge.key" ]; then
	dd if=/dev/urandom of="$state/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$state/munge.key"
munged --key-file="$state/munge.key" --socket="$state/munge.sock" --pid-file="$state/munged.pid" \
	--log-file="$state/log/munged.log" --seed-file="$state/munged.seed" </dev/null >>"$state/log/munged.out" 2>&1 ||
	fail "munged did not start"
started munged "$state/munged.pid"
waitfor 20 "munge socket" test -S "$state/munge.sock"

host=$(hostname -s)
ctld=$(free_port "${SLURM_TEST_PORT:-16817}")
slurmd_port=$(free_port $((ctld + 1)))
cpus=$(nproc)
cat >"$state/slurm.conf" <<CONF
# One-node cluster made by testdata/slurm/start.sh.
ClusterName=layerflow
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$state/munge.sock,cred_expire=10
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
# A job that is cancelled gets SIGTERM, then SIGKILL after KillWait seconds.
KillWait=10
MinJobAge=600
SchedulerParameters=sched_interval=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$state/slurm.conf

slurmctld -f "$SLURM_CONF" </dev/null >>"$state/log/slurmctld.out" 2>&1 || fail "slurmctld did not start"
started slurmctld "$state/slurmctld.pid"
slurmd -f "$SLURM_CONF" </dev/null >>"$state/log/slurmd.out" 2>&1 || fail "slurmd did not start"
started slurmd "$state/slurmd.pid"

idle() { [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; }
waitfor 60 "node $host idle" idle
echo "SLURM_CONF=$SLURM_CONF"
