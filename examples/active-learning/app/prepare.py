#!/usr/bin/env python3
"""prepare: write the unlabelled pool and a held-out validation set.

Synthetic two-class data in 10 dimensions: the class depends on a wavy boundary,
x1 > sin(1.5 * x0), in a 2-D plane hidden by a random rotation among 8 noise
dimensions, with labels flipped near the boundary (temperature --noise), so no model
gets 100 %: the best possible accuracy is about 0.965 with the defaults. A 1-hidden-layer
MLP learns it; a linear model cannot get much past 0.8.

The pool's labels are the "oracle": train.py reads only those of the points selected
so far, as if an expert labelled them on request.
"""

import os
import sys

# This directory holds select.py, which would shadow the standard library's select module
# (subprocess and selectors import it): search it last, after the standard library.
if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import time

import numpy as np

from common import save_npz


def sample(n, rng, rotation, noise):
    dim = rotation.shape[0]
    z = rng.standard_normal((n, dim))
    z[:, :2] = rng.uniform(-2.0, 2.0, (n, 2))
    margin = z[:, 1] - np.sin(1.5 * z[:, 0])
    p1 = 0.5 * (1.0 + np.tanh(0.5 * margin / noise))
    y = (rng.random(n) < p1).astype(np.int8)
    return z @ rotation, y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool-size", type=int, default=5000, help="points in the unlabelled pool (default 5000)")
    ap.add_argument("--val-size", type=int, default=1000, help="points in the validation set (default 1000)")
    ap.add_argument("--dim", type=int, default=10, help="feature dimensions, at least 2 (default 10)")
    ap.add_argument("--noise", type=float, default=0.1, help="label noise near the boundary (default 0.1)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--pool", default="pool.npz", help="output: the pool (default pool.npz)")
    ap.add_argument("--val", default="val.npz", help="output: the validation set (default val.npz)")
    args = ap.parse_args()
    if args.pool_size < 10 or args.val_size < 10 or args.dim < 2 or args.noise <= 0:
        ap.error("need --pool-size >= 10, --val-size >= 10, --dim >= 2 and --noise > 0")

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((args.dim, args.dim)))
    X_pool, y_pool = sample(args.pool_size, rng, rotation, args.noise)
    X_val, y_val = sample(args.val_size, rng, rotation, args.noise)
    save_npz(args.pool, X=X_pool, y=y_pool, seed=np.int64(args.seed))
    save_npz(args.val, X=X_val, y=y_val, seed=np.int64(args.seed))
    print(
        f"prepare: pool of {args.pool_size} and validation set of {args.val_size} points, "
        f"{args.dim}-D, class 1 fraction {y_pool.mean():.2f}, seed {args.seed} "
        f"-> {args.pool}, {args.val} ({time.perf_counter() - t0:.2f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
