#!/bin/sh
# net.sh: the matrix network of MNIST's shape (widths 784, 256, 256, 10, float64) trained by
# layerflow and by a PyTorch CPU loop on this machine.
#
#   sh testdata/bench/net.sh            (from anywhere; ROUNDS=3 by default)
#
# Go: discrete's BenchmarkNetGD (a full-batch GD step from the statistics XᵀX/N, YᵀX/N of
# 60 000 synthetic samples) and BenchmarkNetSGD128 (an SGD step on a batch of 128 of them),
# and once BenchmarkNetFlow (DOPRI5 at rtol 1e-6, atol 1e-9 to t = 10: evaluations, steps,
# seconds). PyTorch: torch_net.py, the same network and data shape with autograd and
# torch.optim.SGD on 2 threads: full-batch GD over all 60 000 samples and SGD at batch 128.
# The programs run in alternation, ROUNDS times; the table gives the median steps per second
# of wall time and the range of the per-round ratios (the rounds' own lines go to stderr).
#
# Environment: PYTHON, an interpreter with torch (default: python3, then /usr/bin/python3);
# TORCH_THREADS, torch.set_num_threads (default 2);
# TORCH_REPS, the timed repetitions of torch_net.py per round (default 3); TORCH_BLAS_DIR, a
# directory put first on LD_LIBRARY_PATH for PyTorch only, to give it another libblas.so.3
# (Debian's python3-torch calls the system's libblas.so.3, the reference BLAS unless an
# optimized one is installed; an OpenBLAS without installing it: apt-get download
# libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb DIR, then
# TORCH_BLAS_DIR=DIR/usr/lib/x86_64-linux-gnu/openblas-pthread); FLOW=0 skips the flow; MEM_STEPS=N also runs discrete's
# BenchmarkNetRun (N full-batch GD steps recording the loss and every ‖D_i‖ every 100 steps)
# under /usr/bin/time -v and prints its peak memory.
#
# Without torch the script says so and exits 0.
set -eu
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
reps=${TORCH_REPS:-3}
python=${PYTHON:-python3}
if ! "$python" -c 'import torch' 2>/dev/null; then
	python=/usr/bin/python3 # the system's, where apt-get install python3-torch puts torch
	if ! "$python" -c 'import torch' 2>/dev/null; then
		echo "net.sh: skipped: no python3 with torch (apt-get install python3-torch, or set PYTHON)"
		exit 0
	fi
fi
torch_run() {
	if [ -n "${TORCH_BLAS_DIR:-}" ]; then
		LD_LIBRARY_PATH="$TORCH_BLAS_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$python" testdata/bench/torch_net.py "$reps"
	else
		"$python" testdata/bench/torch_net.py "$reps"
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/discrete.test" ./discrete

# metric NAME: the value before the unit NAME on a benchmark line read from stdin.
metric() { awk -v u="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }'; }

out=$tmp/results
: >"$out"
r=1
while [ "$r" -le "$rounds" ]; do
	b=$(cd discrete && "$tmp/discrete.test" -test.run '^$' -test.bench '^BenchmarkNet(GD|SGD128)$' -test.benchtime 2s -test.benchmem)
	echo "$b" | grep '^BenchmarkNet' >&2
	echo "$r gd go $(echo "$b" | grep '^BenchmarkNetGD' | metric steps/s)" >>"$out"
	echo "$r sgd128 go $(echo "$b" | grep '^BenchmarkNetSGD128' | metric steps/s)" >>"$out"
	torch_run >"$tmp/torch"
	grep '^torch' "$tmp/torch" >&2
	grep '^#' "$tmp/torch" >"$tmp/torch-notes"
	awk -v r="$r" '$1 == "torch" { print r, $2, "torch", $3 }' "$tmp/torch" >>"$out"
	r=$((r + 1))
done

echo "matrix network 784-256-256-10, float64, N = 60 000, 2 cores; medians of $rounds alternating rounds"
cat "$tmp/torch-notes"
awk -v rounds="$rounds" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ v[$2, $3, $1] = $4 }
END {
	printf "%-34s | %12s %12s | %9s %s\n", "steps/s (wall)", "layerflow", "PyTorch", "ratio", "range"
	n = split("gd sgd128", kinds, " ")
	split("full-batch GD (60 000 samples)|SGD, batch 128", names, "|")
	for (k = 1; k <= n; k++) {
		lo = 1e300; hi = 0
		for (r = 1; r <= rounds; r++) {
			g[r] = v[kinds[k], "go", r]; t[r] = v[kinds[k], "torch", r]
			q = g[r] / t[r]; if (q < lo) lo = q; if (q > hi) hi = q
		}
		mg = median(g, rounds); mt = median(t, rounds)
		printf "%-34s | %12.4g %12.4g | %9.4g %.4g–%.4g\n", names[k], mg, mt, mg / mt, lo, hi
	}
}' "$out"

if [ "${FLOW:-1}" != 0 ]; then
	b=$(cd discrete && LAYERFLOW_BENCH=1 "$tmp/discrete.test" -test.run '^$' -test.bench '^BenchmarkNetFlow$' -test.benchtime 1x)
	echo "$b" | grep '^BenchmarkNetFlow' >&2
	echo "$b" | awk '/^BenchmarkNetFlow/ {
		for (i = 2; i <= NF; i++) m[$i] = $(i-1)
		printf "gradient flow, DOPRI5 (rtol 1e-6, atol 1e-9) to t = %s: %d evaluations, %d steps (%d rejected), %.1f s; sharpness %.4g at t = 0, %.4g at the end\n", m["t-end"], m["evals"], m["steps"], m["rejected"], m["s"], m["sharp0"], m["sharp-end"]
	}'
fi

if [ -n "${MEM_STEPS:-}" ]; then
	(cd discrete && LAYERFLOW_BENCH=1 LAYERFLOW_BENCH_STEPS="$MEM_STEPS" /usr/bin/time -v "$tmp/discrete.test" \
		-test.run '^$' -test.bench '^BenchmarkNetRun$' -test.benchtime 1x) >"$tmp/mem" 2>&1
	grep '^BenchmarkNetRun' "$tmp/mem" >&2
	awk '/^BenchmarkNetRun/ { for (i = 2; i <= NF; i++) m[$i] = $(i-1) }
		/Maximum resident set size/ { rss = $NF }
		END { printf "GD run of %d steps recording every 100 steps: %.0f steps/s, %d records, peak resident memory %.0f MB (heap %.1f MB at the first record, %.1f MB at the last)\n", m["steps"], m["steps/s"], m["records"], rss / 1024, m["heap0-MB"], m["heap-end-MB"] }' "$tmp/mem"
fi
