"""chainrule against the peers a user would pick instead, measured side by side in one run.

    chainrule bench [--quick] [--out benchmarks/results.md]
    python benchmarks/run.py ...        (the same)

Peers: the blog's own algorithm (per-sample SGD, written here as a plain NumPy loop),
scikit-learn's MLPClassifier and PyTorch on the CPU (``pip install torch==2.13.0``).
A missing peer is skipped with a message. Every figure is reported as a ratio to
chainrule measured in the same run; absolute times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

import chainrule as cr

from ._atomic import write_text
from .cli.common import build_network

try:
    import torch
except ImportError:  # optional peer
    torch = None


def race(fns: dict, repeats) -> dict:
    """Smallest wall time of each function over ``repeats`` rounds.

    NOTE: the rounds interleave the contenders (a, b, c, a, b, c, ...), so a slow spell of
    a shared machine hits them all alike and the ratios stay fair.
    """
    best = dict.fromkeys(fns, math.inf)
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def moons():
    X, y = make_moons(n_samples=1000, noise=0.2, random_state=100)
    return train_test_split(X, y, test_size=0.3, random_state=42)


# ------------------------------------------------------------------ the peers
def blog_algorithm(Xtr, ytr, Xte, yte, epochs=50, lr=0.1, seed=0):
    """The blog's training as it runs: sigmoid 2-25-50-25-2, MSE, per-sample SGD, no bias
    updates. Written from its description; returns (seconds, valid accuracy)."""
    rng = np.random.default_rng(seed)
    sizes = [2, 25, 50, 25, 2]
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    Ws = [rng.standard_normal((a, b)) * math.sqrt(1 / b) for a, b in pairs]
    bs = [rng.uniform(0, 0.1, b) for b in sizes[1:]]
    T = np.eye(2)[ytr]

    def sig(z):
        return 1 / (1 + np.exp(-z))

    t0 = time.perf_counter()
    for _ in range(epochs):
        for x, t in zip(Xtr, T, strict=True):
            acts = [x]
            for W, b in zip(Ws, bs, strict=True):
                acts.append(sig(acts[-1] @ W + b))
            delta = (acts[-1] - t) * acts[-1] * (1 - acts[-1])
            for i in reversed(range(len(Ws))):
                grad = np.outer(acts[i], delta)
                if i:
                    delta = (Ws[i] @ delta) * acts[i] * (1 - acts[i])
                Ws[i] -= lr * grad
    seconds = time.perf_counter() - t0
    A = Xte
    for W, b in zip(Ws, bs, strict=True):
        A = sig(A @ W + b)
    return seconds, float(np.mean(A.argmax(1) == yte))


def chainrule_recipe(Xtr, ytr, Xte, yte, seed=0):
    """`chainrule train`'s default recipe; returns (seconds, valid accuracy)."""
    net = build_network(2, [25, 50, 25], 2, "relu", "softmax", seed=seed)
    opt = cr.Adam(cr.ExponentialDecay(0.01, 0.1, 60 * 22))
    t0 = time.perf_counter()
    net.fit(Xtr, ytr, epochs=60, batch_size=32, optimizer=opt, seed=seed)
    return time.perf_counter() - t0, net.evaluate(Xte, yte)["accuracy"]


def sklearn_mlp(Xtr, ytr, Xte, yte, seed=0, **kw):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    params = dict(hidden_layer_sizes=(25, 50, 25), solver="adam", batch_size=32,
                  learning_rate_init=0.01, max_iter=60, random_state=seed)
    params.update(kw)
    clf = MLPClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
    return time.perf_counter() - t0, clf.score(Xte, yte), clf.n_iter_


def torch_mlp(sizes, dtype):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_train(model, X, y, epochs, batch_size, lr, seed=0):
    """A plain PyTorch training loop (Adam, cross-entropy on logits)."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(X)
    for _ in range(epochs):
        perm = torch.randperm(n)
        Xe, ye = X[perm], y[perm]
        for i in range(0, n, batch_size):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xe[i : i + batch_size]), ye[i : i + batch_size])
            loss.backward()
            opt.step()


# ------------------------------------------------------------------ benchmarks
def bench_moons(repeats):
    Xtr, Xte, ytr, yte = moons()
    rows = []
    t_ours, acc_ours = min((chainrule_recipe(Xtr, ytr, Xte, yte) for _ in range(repeats)),
                           key=lambda r: r[0])
    rows.append(("chainrule (relu, Adam, batch 32, 60 epochs)", t_ours, acc_ours))
    t_blog, acc_blog = blog_algorithm(Xtr, ytr, Xte, yte)
    rows.append(("the blog's algorithm (sigmoid, MSE, per-sample SGD, 50 epochs)", t_blog,
                 acc_blog))
    t_sk, acc_sk, it = sklearn_mlp(Xtr, ytr, Xte, yte)
    rows.append((f"scikit-learn MLPClassifier (same net and recipe, {it} epochs)", t_sk, acc_sk))
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
        Xt, yt = torch.tensor(Xtr), torch.tensor(ytr)

        def run_torch():
            model = torch_mlp([2, 25, 50, 25, 2], torch.float64)
            torch_train(model, Xt, yt, 60, 32, 0.01)
            return model

        t_torch = race({"torch": run_torch}, repeats)["torch"]
        model = run_torch()
        with torch.no_grad():
            acc = float((model(torch.tensor(Xte)).argmax(1).numpy() == yte).mean())
        rows.append(("PyTorch (same net and recipe, constant lr)", t_torch, acc))
    return rows


def bench_step(repeats, steps=400):
    """Milliseconds per training step (forward, backward, Adam) of the seed's 2-25-50-25-2."""
    Xtr, _, ytr, _ = moons()
    X = np.tile(Xtr, (math.ceil(steps * 32 / len(Xtr)), 1))[: steps * 32]
    y = np.tile(ytr, math.ceil(steps * 32 / len(ytr)))[: steps * 32]
    net = build_network(2, [25, 50, 25], 2, "relu", "softmax", seed=0)
    fns = {"chainrule": lambda: net.fit(X, y, epochs=1, batch_size=32,
                                        optimizer=cr.Adam(0.001))}
    if torch is not None:
        model = torch_mlp([2, 25, 50, 25, 2], torch.float64)
        Xt, yt = torch.tensor(X), torch.tensor(y)
        fns["PyTorch"] = lambda: torch_train(model, Xt, yt, 1, 32, 0.001)
    return {name: t / steps for name, t in race(fns, repeats).items()}


def bench_mlp(repeats, batch_sizes, n=8192):
    """Samples/s of a 784-256-128-10 relu MLP, float32, Adam."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 784)).astype(np.float32)
    y = rng.integers(0, 10, n)
    from sklearn.neural_network import MLPClassifier

    results = {}
    for bs in batch_sizes:
        net = build_network(784, [256, 128], 10, "relu", "softmax", seed=0, dtype="float32")
        fns = {"chainrule": lambda net=net, bs=bs: net.fit(X, y, epochs=1, batch_size=bs,
                                                           optimizer=cr.Adam(1e-3))}
        if torch is not None:
            model = torch_mlp([784, 256, 128, 10], torch.float32)
            Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
            fns["PyTorch"] = (lambda model=model, Xt=Xt, yt=yt, bs=bs:
                              torch_train(model, Xt, yt, 1, bs, 1e-3))

        def run_sklearn(bs=bs):
            clf = MLPClassifier(hidden_layer_sizes=(256, 128), batch_size=bs, max_iter=1,
                                random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X, y)

        fns["scikit-learn"] = run_sklearn
        results[bs] = {name: n / t for name, t in race(fns, repeats).items()}
    return results


def add_arguments(parser):
    """The options of ``chainrule bench`` / ``benchmarks/run.py``."""
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    parser.add_argument("--out", default=None, help="also write the Markdown report here")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args) -> int:
    """Run the benchmarks, print the Markdown report (and write it to ``args.out``)."""
    repeats = 2 if args.quick else 5
    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    lines = ["# chainrule benchmarks", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, NumPy {np.__version__} ({', '.join(blas)})"
             + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
                if torch is not None else ", PyTorch not installed (skipped)"), ""]
    if torch is None:
        print("PyTorch is not installed: skipping it (pip install torch==2.13.0)",
              file=sys.stderr)

    rows = bench_moons(repeats)
    base = rows[0][1]
    lines += ["## The blog's experiment: moons, 2-25-50-25-2, to the end of training", "",
              "| run | train time | vs chainrule | valid accuracy |", "|---|---:|---:|---:|"]
    for name, t, acc in rows:
        lines.append(f"| {name} | {t:.3f} s | {t / base:.1f}x | {acc * 100:.2f} % |")

    step = bench_step(repeats)
    lines += ["", "## One training step, 2-25-50-25-2, batch 32, Adam (float64)", "",
              "| library | ms per step | vs chainrule |", "|---|---:|---:|"]
    for name, t in step.items():
        lines.append(f"| {name} | {t * 1e3:.3f} | {t / step['chainrule']:.1f}x |")

    sizes = [32, 512] if args.quick else [32, 128, 512]
    mlp = bench_mlp(repeats, sizes)
    peers = [p for p in ("PyTorch", "scikit-learn") if p in mlp[sizes[0]]]
    lines += ["", "## 784-256-128-10 relu MLP, float32, Adam: samples per second", "",
              "| batch | chainrule | " + " | ".join(f"{p} (chainrule is)" for p in peers) + " |",
              "|---:|---:|" + "---:|" * len(peers)]
    for bs, row in mlp.items():
        cells = [f"{row[p]:,.0f} ({row['chainrule'] / row[p]:.2f}x)" for p in peers]
        lines.append(f"| {bs} | {row['chainrule']:,.0f} | " + " | ".join(cells) + " |")
    lines += ["", f"Best of {repeats} runs each; ratios above 1 mean chainrule is faster.", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        write_text(Path(args.out), report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
