#!/usr/bin/env python3
"""train: fit the model on every pool point labelled so far.

The labelled points are those of the previous iteration's decision (--next, the
select step's next.json: {"labelled": [...], "batch": [...]}). In iteration 1 there is
no decision yet: the file does not exist, and training starts from --initial random
points of the pool (fixed by --seed). A missing file in a later iteration is an error.

The model is a 1-hidden-layer MLP (tanh, --hidden units, one logistic output) trained
from a fixed initialisation with full-batch Adam and L2 regularisation, so a run is
reproducible and a retried step writes the same model.
"""

import os
import sys

# This directory holds select.py, which would shadow the standard library's select module
# (subprocess and selectors import it): search it last, after the standard library.
if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import json
import time

import numpy as np

from common import MODEL_KEYS, accuracy, forward, load_npz, log_loss, save_npz, sigmoid


def labelled_indices(args, pool_size):
    if os.path.exists(args.next):
        try:
            with open(args.next, encoding="utf-8") as f:
                labelled = np.asarray(json.load(f)["labelled"], dtype=np.int64)
        except (ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"error: {args.next} is not a decision {{\"labelled\": [...], ...}}: {e!r}")
        if labelled.ndim != 1 or labelled.size == 0:
            raise SystemExit(f"error: {args.next}: 'labelled' must be a non-empty list of pool indices")
        if labelled.min() < 0 or labelled.max() >= pool_size or np.unique(labelled).size != labelled.size:
            raise SystemExit(f"error: {args.next}: 'labelled' holds indices outside 0..{pool_size - 1} or repeats")
        return labelled, f"from {args.next}"
    if args.iteration > 1:
        raise SystemExit(f"error: iteration {args.iteration} but the previous decision {args.next} does not exist")
    rng = np.random.default_rng(args.seed + 1)
    n = min(args.initial, pool_size)
    return np.sort(rng.choice(pool_size, n, replace=False)).astype(np.int64), f"{n} random points (seed {args.seed})"


def fit(X, y, hidden, steps, lr, l2, seed):
    rng = np.random.default_rng(seed)
    dim = X.shape[1]
    params = {
        "W1": rng.standard_normal((dim, hidden)) / np.sqrt(dim),
        "b1": np.zeros(hidden),
        "W2": rng.standard_normal(hidden) / np.sqrt(hidden),
        "b2": np.zeros(()),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    beta1, beta2, eps, n = 0.9, 0.999, 1e-8, len(y)
    for t in range(1, steps + 1):
        h, logit = forward(params, X)
        g = (sigmoid(logit) - y) / n  # d(mean log loss)/d(logit)
        dh = np.outer(g, params["W2"]) * (1.0 - h * h)
        grads = {
            "W1": X.T @ dh + l2 * params["W1"],
            "b1": dh.sum(axis=0),
            "W2": h.T @ g + l2 * params["W2"],
            "b2": np.asarray(g.sum()),
        }
        for k in params:
            m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
            v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** 2
            m_hat = m[k] / (1 - beta1**t)
            v_hat = v[k] / (1 - beta2**t)
            params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", required=True, help="the pool written by prepare.py")
    ap.add_argument("--next", required=True, help="the previous iteration's next.json (absent in iteration 1)")
    ap.add_argument("--iteration", type=int, required=True, help="loop iteration, from 1")
    ap.add_argument("--initial", type=int, default=20, help="random labelled points in iteration 1 (default 20)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    ap.add_argument("--steps", type=int, default=600, help="Adam steps (default 600)")
    ap.add_argument("--lr", type=float, default=0.02, help="learning rate (default 0.02)")
    ap.add_argument("--l2", type=float, default=0.01, help="L2 regularisation (default 0.01)")
    ap.add_argument("--model", default="model.npz", help="output: the model (default model.npz)")
    args = ap.parse_args()
    if args.iteration < 1 or args.initial < 1 or args.hidden < 1 or args.steps < 1:
        ap.error("--iteration, --initial, --hidden and --steps must be at least 1")

    t0 = time.perf_counter()
    pool = load_npz(args.pool, "pool")
    X, y_oracle = pool["X"], pool["y"]
    labelled, source = labelled_indices(args, len(X))
    X_l, y_l = X[labelled], y_oracle[labelled].astype(np.float64)  # ask the oracle
    params = fit(X_l, y_l, args.hidden, args.steps, args.lr, args.l2, args.seed)
    p = sigmoid(forward(params, X_l)[1])
    train_loss, train_acc = log_loss(p, y_l), accuracy(p, y_l)
    save_npz(
        args.model,
        **{k: params[k] for k in MODEL_KEYS},
        labelled=labelled,
        iteration=np.int64(args.iteration),
        train_loss=np.float64(train_loss),
        train_accuracy=np.float64(train_acc),
    )
    print(
        f"train: iteration {args.iteration}: {len(labelled)} labelled points ({source}), "
        f"train loss {train_loss:.4f}, train accuracy {train_acc:.3f} -> {args.model} "
        f"({time.perf_counter() - t0:.2f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
