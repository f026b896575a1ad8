#!/usr/bin/env bash
# Stops the daemons that testdata/slurm/start.sh STATE_DIR started (their pids are in
# STATE_DIR/pids): cancels the cluster's jobs, stops slurmd and slurmctld, then munged, each
# waited for (SIGKILL after 10 s).
# A pid is signalled only while it still belongs to the daemon of that name.
set -uo pipefail
state=${1:?usage: stop.sh STATE_DIR}
[ -f "$state/pids" ] || exit 0

alive() { # NAME PID: the process PID is running and is NAME
	[ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ]
}
# stop NAME...: SIGTERM to the recorded daemons of these names, then wait for them.
stop() {
	local n pid left=()
	while read -r n pid; do
		for name in "$@"; do
			if [ "$n" = "$name" ] && alive "$n" "$pid"; then
				kill -TERM "$pid" && left+=("$n $pid")
			fi
		done
	done <"$state/pids"
	for _ in $(seq 100); do
		local still=()
		for p in "${left[@]+"${left[@]}"}"; do alive $p && still+=("$p"); done
		left=("${still[@]+"${still[@]}"}")
		[ ${#left[@]} -eq 0 ] && return
		sleep 0.1
	done
	for p in "${left[@]}"; do
		echo "stop.sh: ${p% *} (pid ${p#* }) still running after 10 s: SIGKILL" >&2
		kill -KILL "${p#* }"
	done
}
# Jobs still there (a test that failed halfway) are cancelled first: their processes would
# outlive slurmd.
if [ -f "$state/slurm.conf" ] && command -v squeue >/dev/null; then
	export SLURM_CONF=$state/slurm.conf
	if [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
		scancel --full --signal=KILL $(squeue -h -t running -o %A 2>/dev/null) 2>/dev/null
		scancel $(squeue -h -o %A 2>/dev/null) 2>/dev/null
		for _ in $(seq 200); do
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.1
		done
	fi
fi
stop slurmd slurmctld
stop munged
: >"$state/pids"
