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
# Per sweep: 10 240 GD runs of 1000 steps at d = 2 (λ log-spaced in [0.01, 0.1], starts on a
# 32×32 grid in [−2, 2]²) written as result rows by layerflow's sweep (analysis/sweep's
# BenchmarkSweepCompare, 1 and 2 workers) against sweep.py, numpy stepping all runs at once
# as arrays on one core.
#
# The machine may be shared: the programs run in alternation, ROUNDS times, and the script
# prints medians, with the range of the per-round ratios. Needs go, gcc and python3 with numpy
# (PYTHON names another interpreter).
set -eu
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
python=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gcc -O2 -ffp-contract=off -o "$tmp/dopri" testdata/bench/dopri.c -lm
go test -c -o "$tmp/flow.test" ./flow
go test -c -o "$tmp/sweep.test" ./analysis/sweep
if ! "$python" -c 'import numpy' 2>/dev/null; then
	python=/usr/bin/python3 # the system's, where apt-get install python3-numpy puts numpy
	"$python" -c 'import numpy' || { echo "run.sh: no python3 with numpy (set PYTHON)" >&2; exit 1; }
fi

# metric NAME: the value before the unit NAME on a benchmark line read from stdin.
metric() { awk -v u="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }'; }

out=$tmp/results
: >"$out"
r=1
while [ "$r" -le "$rounds" ]; do
	for d in 2 8 32; do
		for m in dopri5 dop853; do
			set -- $("$tmp/dopri" "$m" "$d" 1)
			echo "$r solve $m $d c $3 $4 $5" >>"$out"
			b=$("$tmp/flow.test" -test.run '^$' -test.bench "^BenchmarkGrid\$/^d=$d\$/^$m\$" -test.benchtime 1s)
			echo "$r solve $m $d go $(echo "$b" | metric solves/s) $(echo "$b" | metric evals) $(echo "$b" | metric steps)" >>"$out"
		done
	done
	# numpy on one core: its elementwise operations use one thread; OpenBLAS's settings of
	# this machine are not for this program.
	set -- $(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		"$python" testdata/bench/sweep.py 1)
	echo "$r sweep gd 2 numpy $1 0 0" >>"$out"
	for w in 1 2; do
		b=$("$tmp/sweep.test" -test.run '^$' -test.bench "^BenchmarkSweepCompare\$/^workers=$w\$" -test.benchtime 10x)
		echo "$r sweep gd 2 go$w $(echo "$b" | metric runs/s) 0 0" >>"$out"
	done
	r=$((r + 1))
done

awk -v rounds="$rounds" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ key = $2 " " $3 " " $4; v[key, $5, $1] = $6; ev[key, $5] = $7; st[key, $5] = $8; if (!(key in seen)) { seen[key] = 1; order[++nk] = key } }
END {
	printf "per solve, 1600 flows to t = 20 at rtol 1e-8 (medians of %d alternating rounds)\n", rounds
	printf "%-8s %3s %12s %12s %7s %14s  %s\n", "method", "d", "C solves/s", "Go solves/s", "ratio", "ratio range", "evaluations, steps"
	for (k = 1; k <= nk; k++) {
		split(order[k], f, " ")
		if (f[1] != "solve") continue
		lo = 1e9; hi = 0
		for (r = 1; r <= rounds; r++) {
			c[r] = v[order[k], "c", r]; g[r] = v[order[k], "go", r]
			q = g[r] / c[r]; if (q < lo) lo = q; if (q > hi) hi = q
		}
		mc = median(c, rounds); mg = median(g, rounds)
		same = (ev[order[k], "c"] == ev[order[k], "go"] && st[order[k], "c"] == st[order[k], "go"]) ? "the same: " ev[order[k], "go"] ", " st[order[k], "go"] : \
			sprintf("C %s, %s; Go %s, %s (%+.3f%% evaluations)", ev[order[k], "c"], st[order[k], "c"], ev[order[k], "go"], st[order[k], "go"], \
				100 * (ev[order[k], "go"] - ev[order[k], "c"]) / ev[order[k], "c"])
		printf "%-8s %3s %12.0f %12.0f %7.2f %6.2f–%-6.2f  %s\n", f[2], f[3], mc, mg, mg / mc, lo, hi, same
	}
	key = "sweep gd 2"
	for (r = 1; r <= rounds; r++) { n[r] = v[key, "numpy", r]; a[r] = v[key, "go1", r]; b[r] = v[key, "go2", r] }
	lo1 = lo2 = 1e9; hi1 = hi2 = 0
	for (r = 1; r <= rounds; r++) {
		q = a[r] / n[r]; if (q < lo1) lo1 = q; if (q > hi1) hi1 = q
		q = b[r] / n[r]; if (q < lo2) lo2 = q; if (q > hi2) hi2 = q
	}
	mn = median(n, rounds); m1 = median(a, rounds); m2 = median(b, rounds)
	printf "\nsweep, 10 240 GD runs of 1000 steps at d = 2, every column of every row\n"
	printf "%-34s %10s %7s %14s\n", "", "runs/s", "ratio", "ratio range"
	printf "%-34s %10.0f\n", "numpy, all runs as arrays, 1 core", mn
	printf "%-34s %10.0f %7.2f %6.2f–%-6.2f\n", "layerflow sweep, 1 worker", m1, m1 / mn, lo1, hi1
	printf "%-34s %10.0f %7.2f %6.2f–%-6.2f\n", "layerflow sweep, 2 workers", m2, m2 / mn, lo2, hi2
}' "$out"
