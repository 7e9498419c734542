#!/usr/bin/env python3
"""PyTorch anchor for hjnet's training kernel: Adam steps on one Hopf–Cole head.

The model and step are the ones `bench/train.ts` times in hjnet: a batch X (B x d) with
regression targets, support points y (N x d) and initial data g (N), gauge time t and
viscosity eps;
  u(x) = -eps * logsumexp(-(g + |x - y|^2/(4t))/eps)   over the N support points,
  loss = mean((u - target)^2), one torch.optim.Adam step on (y, g) per batch.
|x - y|^2 is taken as |x|^2 + |y|^2 - 2 x.y (one matrix product: the fastest way to write
it in PyTorch). Each case prints one JSON line shaped like ../shared/bench/baseline.py's:
  {"library": "torch", "op": "train", "B", "N", "d", "dtype", "median_s", "min_s",
   "steps_per_s", "threads", "peak_rss_mib"}
where median_s / min_s are wall seconds per Adam step (median and best over --repeat runs of
--steps) and cpu_s the median CPU seconds per step of the process (all threads): on a
shared machine the CPU time is the steadier of the two.

Run with Debian's Python (apt-get install -y python3-torch):
  /usr/bin/python3 bench/train-baseline.py --dtype float32 float64
"""
import argparse, json, os, resource, sys, time

if any(k in os.environ for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--B", type=int, default=256)
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--d", type=int, default=50)
    ap.add_argument("--n", type=int, default=4096, help="training rows the batches are drawn from")
    ap.add_argument("--dtype", nargs="+", default=["float32", "float64"])
    ap.add_argument("--steps", type=int, default=200, help="Adam steps per timed run")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--eps", type=float, default=0.1)
    ap.add_argument("--t", type=float, default=0.5)
    a = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"library": "torch", "op": "train", "skipped": str(e)}))
        return
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    for dtype in a.dtype:
        tdt = getattr(torch, dtype)
        X = torch.from_numpy(rng.standard_normal((a.n, a.d))).to(tdt)
        target = torch.from_numpy(np.abs(rng.standard_normal(a.n))).to(tdt)
        y = X[: a.N].clone().requires_grad_(True)
        g = torch.zeros(a.N, dtype=tdt, requires_grad=True)
        opt = torch.optim.Adam([y, g], lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        # Batches drawn in advance so that only the model and the step are timed.
        order = torch.from_numpy(rng.integers(0, a.n, size=(a.steps, a.B)))
        inv4t, eps = 1.0 / (4 * a.t), a.eps

        def run():
            for s in range(a.steps):
                xb, tb = X[order[s]], target[order[s]]
                opt.zero_grad(set_to_none=True)
                sq = (xb * xb).sum(1, keepdim=True) + (y * y).sum(1) - 2.0 * (xb @ y.T)
                scores = -(g + sq * inv4t) / eps
                u = -eps * torch.logsumexp(scores, dim=1)
                loss = ((u - tb) ** 2).mean()
                loss.backward()
                opt.step()

        run()  # warm-up
        ts, cs = [], []
        for _ in range(a.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            ts.append((time.perf_counter() - t0) / a.steps)
            cs.append((time.process_time() - c0) / a.steps)
        ts.sort()
        cs.sort()
        med = ts[len(ts) // 2]
        print(json.dumps({"library": "torch", "op": "train", "B": a.B, "N": a.N, "d": a.d, "dtype": dtype,
                          "median_s": med, "min_s": ts[0], "steps_per_s": 1.0 / med,
                          "cpu_s": cs[len(cs) // 2],
                          "threads": torch.get_num_threads(), "peak_rss_mib": round(peak_mib(), 1)}),
              flush=True)


if __name__ == "__main__":
    main()
