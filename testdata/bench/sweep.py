"""sweep.py: the numpy side of the sweep benchmark (testdata/bench/run.sh).

10 240 GD runs of 1000 steps of the depth-2 scalar net on the population loss
½(w1·w2 − 1)², learning rates log-spaced in [0.01, 0.1] (10), starts on a 32×32 grid in
[−2, 2]², all stepped at once as arrays (one core: numpy's elementwise operations use one
thread). Per run: the final loss, W, ‖D‖ = |w1² − w2²|, sharpness, and the first time
k·λ with ‖D‖ ≤ 0.01·‖D(0)‖; a step that leaves |w_i| ≤ 1e8 freezes its run, as layerflow's
divergence bound does. The learning rates are those of layerflow's range 0.01:0.1:10:log (as
it prints them), the starts are computed as layerflow computes its grid, and the step as
layerflow takes it (W = w1·w2, ρ = W − 1, w_i ← w_i − (λρ)·w_j), so the final W, loss, ‖D‖
and balanced times are those of layerflow's rows to the bit (the sharpness to an ulp: numpy's
hypot is not Go's).

usage: python3 sweep.py [SECONDS]    prints: runs/s runs/cpu-s runs sum(W)
(runs per second of wall time and of the process's CPU time)
"""

import sys
import time

import numpy as np

BOUND = 1e8


def sweep():
    lr = np.array([0.01, 0.012915496650148843, 0.016681005372000592, 0.021544346900318832,
                   0.027825594022071246, 0.035938136638046264, 0.04641588833612777,
                   0.05994842503189409, 0.07742636826811271, 0.1])
    g = -2 + 4.0 * np.arange(32) / 31  # lo + (hi − lo)·j/(n − 1), as layerflow's grid
    a, b = np.meshgrid(g, g, indexing="ij")
    # Run order as in layerflow's run set: the start varies slowest, λ fastest.
    w1 = np.repeat(a.ravel(), lr.size)
    w2 = np.repeat(b.ravel(), lr.size)
    lam = np.tile(lr, a.size)
    n = w1.size
    d0 = np.abs(w1 * w1 - w2 * w2)
    thr = 0.01 * d0
    tbal = np.where(d0 <= thr, 0.0, np.nan)
    unbal = np.isnan(tbal)
    steps = np.full(n, 1000.0)
    alive = np.ones(n, dtype=bool)
    W = np.empty(n)
    lrho = np.empty(n)
    n1 = np.empty(n)
    n2 = np.empty(n)
    tmp = np.empty(n)
    D = np.empty(n)
    for k in range(1, 1001):
        np.multiply(w1, w2, out=W)
        np.subtract(W, 1.0, out=lrho)
        np.multiply(lam, lrho, out=lrho)
        np.multiply(lrho, w2, out=tmp)
        np.subtract(w1, tmp, out=n1)
        np.multiply(lrho, w1, out=tmp)
        np.subtract(w2, tmp, out=n2)
        m = max(n1.max(), -n1.min(), n2.max(), -n2.min())
        if not (m <= BOUND):  # some run leaves the bound (or is NaN): freeze it there
            out = alive & ~((np.abs(n1) <= BOUND) & (np.abs(n2) <= BOUND))
            steps[out] = k - 1
            alive &= ~out
            n1 = np.where(alive, n1, w1)
            n2 = np.where(alive, n2, w2)
        w1, n1 = n1, w1
        w2, n2 = n2, w2
        np.multiply(w1, w1, out=D)
        np.multiply(w2, w2, out=tmp)
        np.subtract(D, tmp, out=D)
        np.abs(D, out=D)
        newly = unbal & (D <= thr)
        if newly.any():
            tbal[newly] = k * lam[newly]
            unbal &= ~newly
    W = w1 * w2
    loss = 0.5 * (W - 1) ** 2
    e = W - 1
    # Largest eigenvalue of the loss Hessian [[w2², 2W−1], [2W−1, w1²]] (as layerflow's closed form).
    aa, bb, cc = w2 * w2, w1 * w2 + e, w1 * w1
    sharp = 0.5 * (aa + cc) + np.hypot(0.5 * (aa - cc), bb)
    return n, loss, W, D, sharp, tbal, steps


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    runs = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while True:
        n, loss, W, D, sharp, tbal, steps = sweep()
        runs += n
        el = time.perf_counter() - t0
        if el >= secs:
            break
    cpu = time.process_time() - c0
    print("%.0f %.0f %d %.17g" % (runs / el, runs / cpu, n, W.sum()))


if __name__ == "__main__":
    main()
