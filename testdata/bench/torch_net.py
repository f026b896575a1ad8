"""torch_net.py: the PyTorch side of the matrix-network benchmark (testdata/bench/net.sh).

The deep linear network y = W3 W2 W1 x of widths 784, 256, 256, 10 (no biases), float64,
on N = 60 000 synthetic samples of MNIST's shape (inputs uniform in [0, 1], one-hot
targets of uniform labels, seeded), trained by a plain loop with autograd and
torch.optim.SGD on the loss ½ mean ‖W x − y‖², on 2 threads:

  gd      full-batch GD: forward over all 60 000 samples, backward, step. PyTorch does
          O(N) work per full-batch step; layerflow's full-batch step works on the
          sufficient statistics (XᵀX/N, YᵀX/N) and does not depend on N.
  sgd128  mini-batch SGD at batch 128, batches drawn without replacement within an epoch
          (a fresh permutation per epoch), as layerflow draws them.

The cost of a step depends on the shapes only, not on the values. Each kind runs warmup
steps, then REPS timed repetitions; the rate is the median over the repetitions.

PyTorch's float64 products go to the BLAS it was built with; Debian's python3-torch calls
the system's libblas.so.3 (the reference BLAS unless an optimized one is installed; an
OpenBLAS can be put first on LD_LIBRARY_PATH). TORCH_THREADS sets torch.set_num_threads
(default 2); an OpenBLAS runs on OPENBLAS_NUM_THREADS threads (default 2 here).

usage: python3 torch_net.py [REPS]

prints one line per kind, "torch KIND MEDIAN MIN MAX" in steps per second of wall time,
after comment lines (starting with #) naming the version, threads and BLAS library.
"""

import os
import statistics
import sys
import time

# 2 threads for an OpenBLAS that PyTorch may call (read when the library loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import torch  # noqa: E402

WIDTHS = [784, 256, 256, 10]
N = 60000


def blas_library():
    """The BLAS shared library this process mapped (PyTorch's float64 products go there)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return ", ".join(sorted(libs)) or "none mapped"
    except OSError:
        return "unknown"


def data(gen):
    x = torch.rand(N, WIDTHS[0], dtype=torch.float64, generator=gen)
    labels = torch.randint(0, WIDTHS[-1], (N,), generator=gen)
    y = torch.nn.functional.one_hot(labels, WIDTHS[-1]).to(torch.float64)
    return x, y


def weights(gen):
    # Gaussian at scale 1: entries of W_i ~ N(0, 1/n_{i−1}), as flow.Init{Kind: Gaussian, Scale: 1}.
    ws = []
    for i in range(1, len(WIDTHS)):
        w = torch.randn(WIDTHS[i], WIDTHS[i - 1], dtype=torch.float64, generator=gen)
        ws.append((w / WIDTHS[i - 1] ** 0.5).requires_grad_())
    return ws


def loss_fn(ws, x, y):
    h = x
    for w in ws:
        h = h @ w.T
    return 0.5 * ((h - y) ** 2).sum(dim=1).mean()


def stepper(kind, ws, x, y, gen, lr):
    opt = torch.optim.SGD(ws, lr=lr)
    if kind == "gd":
        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(ws, x, y).backward()
            opt.step()
        return step
    batch = 128
    state = {"perm": torch.randperm(N, generator=gen), "pos": 0}

    def step():
        if state["pos"] + batch > N:
            state["perm"], state["pos"] = torch.randperm(N, generator=gen), 0
        idx = state["perm"][state["pos"]:state["pos"] + batch]
        state["pos"] += batch
        opt.zero_grad(set_to_none=True)
        loss_fn(ws, x[idx], y[idx]).backward()
        opt.step()
    return step


def rate(step, steps, reps, warmup):
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps / (time.perf_counter() - t))
    return statistics.median(rates), min(rates), max(rates)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
    gen = torch.Generator().manual_seed(1)
    x, y = data(gen)
    blas = blas_library()
    if "openblas" in blas:
        blas = f"{blas} (OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']})"
    print(f"# torch {torch.__version__}, float64, torch.set_num_threads({torch.get_num_threads()}), BLAS: {blas}")
    print("# PyTorch does O(N) work per full-batch step (forward and backward over all "
          f"{N} samples); layerflow's works on the statistics, independent of N")
    # A learning rate small enough that the weights stay near their start: every step does
    # the same work on ordinary numbers.
    lr = 1e-9
    for kind, steps, warmup in (("gd", 1, 1), ("sgd128", 200, 20)):
        ws = weights(torch.Generator().manual_seed(1))
        med, lo, hi = rate(stepper(kind, ws, x, y, gen, lr), steps, reps, warmup)
        print(f"torch {kind} {med:.6g} {lo:.6g} {hi:.6g}", flush=True)


if __name__ == "__main__":
    main()
