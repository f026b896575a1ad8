#!/bin/sh
# run.sh: layerflow side by side with compiled C and with numpy, on this machine.
#
#   sh testdata/bench/run.sh            (from the repository root; ROUNDS=5 by default)
#
# Per solve: ode.Integrate with the network's flow (flow's BenchmarkGrid) against dopri.c,
# a DOPRI5 and DOP853 in C with Hairer's controller, compiled with gcc -O2, on 1600 flows
# from a 40×40 grid of starts in [0.2, 2.5]² to t = 20 at rtol 1e-8, atol 1e-10, at depths
# 2, 8 and 32. Both sides print their total evaluations and steps, which must agree.
#
# The compiler alone: dopri5go is dopri.c's DOPRI5 transcribed line by line into Go; its rate
# against the C program's is what Go's compiler makes of the same code, beside layerflow's.
#
# Per sweep: 10 240 GD runs of 1000 steps at d = 2 (λ log-spaced in [0.01, 0.1], starts on a
# 32×32 grid in [−2, 2]²) written as result rows by layerflow's sweep (analysis/sweep's
# BenchmarkSweepCompare, 1 and 2 workers) against sweep.py, numpy stepping all runs at once
# as arrays on one core.
#
# The machine may be shared: the programs run in alternation, ROUNDS times, and the script
# prints medians, with the range of the per-round ratios, of rates per second of wall time
# and per second of the process's CPU time (less sensitive to other work on the machine; for
# the 2-worker sweep it counts both cores). Needs go, gcc and python3 with numpy (PYTHON names
# another interpreter).
set -eu
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
python=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# numpy first: a PYTHON without it is an error; the default python3 may be one (a pyenv shim,
# say) beside the system's, where apt-get install python3-numpy puts numpy.
if ! "$python" -c 'import numpy' 2>/dev/null; then
	if [ -n "${PYTHON:-}" ]; then
		echo "run.sh: PYTHON=$PYTHON has no numpy" >&2
		exit 1
	fi
	python=/usr/bin/python3
	"$python" -c 'import numpy' 2>/dev/null || { echo "run.sh: no python3 with numpy (set PYTHON)" >&2; exit 1; }
fi
command -v gcc >/dev/null || { echo "run.sh: gcc is needed for testdata/bench/dopri.c" >&2; exit 1; }
gcc -O2 -ffp-contract=off -o "$tmp/dopri" testdata/bench/dopri.c -lm
go build -o "$tmp/dopri5go" ./testdata/bench/dopri5go
go test -c -o "$tmp/flow.test" ./flow
go test -c -o "$tmp/sweep.test" ./analysis/sweep

# metric NAME: the value before the unit NAME on a benchmark line read from stdin.
metric() { awk -v u="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }'; }

out=$tmp/results
: >"$out"
r=1
while [ "$r" -le "$rounds" ]; do
	for d in 2 8 32; do
		for m in dopri5 dop853; do
			set -- $("$tmp/dopri" "$m" "$d" 1)
			echo "$r solve $m $d c $3 $4 $5 $6" >>"$out"
			if [ "$m" = dopri5 ]; then
				set -- $("$tmp/dopri5go" "$m" "$d" 1)
				echo "$r solve $m $d tr $3 $4 $5 $6" >>"$out"
			fi
			b=$("$tmp/flow.test" -test.run '^$' -test.bench "^BenchmarkGrid\$/^d=$d\$/^$m\$" -test.benchtime 1s)
			echo "$r solve $m $d go $(echo "$b" | metric solves/s) $(echo "$b" | metric solves/cpu-s)" \
				"$(echo "$b" | metric evals) $(echo "$b" | metric steps)" >>"$out"
		done
	done
	# numpy on one core: its elementwise operations use one thread; OpenBLAS's settings of
	# this machine are not for this program.
	set -- $(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		"$python" testdata/bench/sweep.py 1)
	echo "$r sweep gd 2 numpy $1 $2 0 0" >>"$out"
	for w in 1 2; do
		b=$("$tmp/sweep.test" -test.run '^$' -test.bench "^BenchmarkSweepCompare\$/^workers=$w\$" -test.benchtime 10x)
		echo "$r sweep gd 2 go$w $(echo "$b" | metric runs/s) $(echo "$b" | metric runs/cpu-s) 0 0" >>"$out"
	done
	r=$((r + 1))
done

# Each line of $out: round, kind, method, depth, side, rate (wall), rate (CPU), evaluations, steps.
awk -v rounds="$rounds" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
# ratio(key, side, base, col): the median rates of side and base, their ratio, and the range of
# the per-round ratios, in the globals ms, mb, lo, hi.
function ratio(key, side, base, col,    r, s, b, q) {
	lo = 1e9; hi = 0
	for (r = 1; r <= rounds; r++) {
		s[r] = v[key, side, r, col]; b[r] = v[key, base, r, col]
		q = s[r] / b[r]; if (q < lo) lo = q; if (q > hi) hi = q
	}
	ms = median(s, rounds); mb = median(b, rounds)
}
{
	key = $2 " " $3 " " $4; v[key, $5, $1, 1] = $6; v[key, $5, $1, 2] = $7; ev[key, $5] = $8; st[key, $5] = $9
	if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
}
END {
	printf "per solve: 1600 flows to t = 20 at rtol 1e-8; medians of %d alternating rounds, ratio Go/C with its range\n", rounds
	printf "%-7s %3s | %9s %9s %5s %11s | %9s %9s %5s %11s | %s\n", "", "", "wall:", "", "", "", "CPU time:", "", "", "", ""
	printf "%-7s %3s | %9s %9s %5s %11s | %9s %9s %5s %11s | %s\n", "method", "d", "C /s", "Go /s", "ratio", "range", "C /s", "Go /s", "ratio", "range", "evaluations, steps"
	for (k = 1; k <= nk; k++) {
		split(order[k], f, " ")
		if (f[1] != "solve") continue
		ratio(order[k], "go", "c", 1); w1 = ms; w2 = mb; w3 = lo; w4 = hi
		ratio(order[k], "go", "c", 2)
		ec = ev[order[k], "c"]; eg = ev[order[k], "go"]; sc = st[order[k], "c"]; sg = st[order[k], "go"]
		same = (ec == eg && sc == sg) ? "the same: " eg ", " sg : sprintf("C %s, %s; Go %s, %s (%+.3f%%)", ec, sc, eg, sg, 100 * (eg - ec) / ec)
		printf "%-7s %3s | %9.0f %9.0f %5.2f %5.2f–%-5.2f | %9.0f %9.0f %5.2f %5.2f–%-5.2f | %s\n", f[2], f[3], w2, w1, w1 / w2, w3, w4, mb, ms, ms / mb, lo, hi, same
	}
	printf "\nthe compiler alone: dopri5go, a line-by-line Go transcription of dopri.c'"'"'s DOPRI5, against the C program\n"
	printf "%-7s %3s | %9s %9s %5s %11s | %s\n", "method", "d", "C /cpu-s", "tr /cpu-s", "ratio", "range", "evaluations, steps"
	for (k = 1; k <= nk; k++) {
		split(order[k], f, " ")
		if (f[1] != "solve" || f[2] != "dopri5") continue
		ratio(order[k], "tr", "c", 2)
		same = (ev[order[k], "c"] == ev[order[k], "tr"] && st[order[k], "c"] == st[order[k], "tr"]) ? "the same" : "DIFFERENT: " ev[order[k], "tr"] ", " st[order[k], "tr"]
		printf "%-7s %3s | %9.0f %9.0f %5.2f %5.2f–%-5.2f | %s\n", f[2], f[3], mb, ms, ms / mb, lo, hi, same
	}
	key = "sweep gd 2"
	printf "\nsweep: 10 240 GD runs of 1000 steps at d = 2, every column of every row; ratio to numpy with its range\n"
	printf "%-34s | %9s %5s %11s | %9s %5s %11s\n", "", "wall /s", "ratio", "range", "CPU /s", "ratio", "range"
	ratio(key, "numpy", "numpy", 1); a1 = ms; ratio(key, "numpy", "numpy", 2); a2 = ms
	printf "%-34s | %9.0f %5s %11s | %9.0f\n", "numpy, all runs as arrays, 1 core", a1, "", "", a2
	for (w = 1; w <= 2; w++) {
		ratio(key, "go" w, "numpy", 1); w1 = ms; w2 = mb; w3 = lo; w4 = hi
		ratio(key, "go" w, "numpy", 2)
		printf "%-34s | %9.0f %5.2f %5.2f–%-5.2f | %9.0f %5.2f %5.2f–%-5.2f\n", "layerflow sweep, " w " worker" (w > 1 ? "s" : ""), w1, w1 / w2, w3, w4, ms, ms / mb, lo, hi
	}
}' "$out"
