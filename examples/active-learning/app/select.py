#!/usr/bin/env python3
"""select (the loop's decide step): pick the next batch of pool points to label.

Uncertainty sampling: the unlabelled points whose predicted probability is closest to
0.5, ties broken by pool index (deterministic). --strategy random picks them at random
instead (a baseline to compare with). Writes next.json:
{"labelled": [every labelled index so far, including the batch], "batch": [the new ones]},
which the next iteration's train step reads.
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

from common import MODEL_KEYS, load_npz, predict_proba, save_json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the model written by train.py")
    ap.add_argument("--pool", required=True, help="the pool written by prepare.py")
    ap.add_argument("--batch", type=int, default=50, help="points to add (default 50)")
    ap.add_argument("--strategy", choices=("uncertainty", "random"), default="uncertainty")
    ap.add_argument("--seed", type=int, default=0, help="random seed for --strategy random (default 0)")
    ap.add_argument("--next", default="next.json", help="output (default next.json)")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be at least 1")

    t0 = time.perf_counter()
    model = load_npz(args.model, "model")
    pool = load_npz(args.pool, "pool")
    labelled = model["labelled"].astype(np.int64)
    iteration = int(model["iteration"])
    candidates = np.setdiff1d(np.arange(len(pool["X"])), labelled)  # sorted
    if args.strategy == "uncertainty":
        p = predict_proba({k: model[k] for k in MODEL_KEYS}, pool["X"][candidates])
        order = np.argsort(np.abs(p - 0.5), kind="stable")
        batch = candidates[order[: args.batch]]
        detail = f"|p - 0.5| up to {np.abs(p[order[: args.batch]] - 0.5).max():.3f}" if batch.size else "pool exhausted"
    else:
        rng = np.random.default_rng([args.seed, iteration])
        batch = rng.permutation(candidates)[: args.batch]
        detail = "at random"
    batch = np.sort(batch)
    save_json(args.next, {"labelled": np.concatenate([labelled, batch]).tolist(), "batch": batch.tolist()})
    print(
        f"select: iteration {iteration}: {batch.size} new points ({args.strategy}, {detail}), "
        f"{labelled.size + batch.size} labelled -> {args.next} ({time.perf_counter() - t0:.2f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
