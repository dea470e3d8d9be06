#!/usr/bin/env python3
"""evaluate: score the model on the held-out validation set and write the loop's metrics.

metrics.json holds numbers only (the loop's `until` condition reads them):
iteration, labelled, val_accuracy, val_loss, train_loss, train_accuracy, val_size.
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

from common import MODEL_KEYS, accuracy, load_npz, log_loss, predict_proba, save_json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the model written by train.py")
    ap.add_argument("--val", required=True, help="the validation set written by prepare.py")
    ap.add_argument("--metrics", default="metrics.json", help="output (default metrics.json)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    model = load_npz(args.model, "model")
    val = load_npz(args.val, "validation set")
    y = val["y"].astype(np.float64)
    p = predict_proba({k: model[k] for k in MODEL_KEYS}, val["X"])
    metrics = {
        "iteration": int(model["iteration"]),
        "labelled": int(model["labelled"].size),
        "val_accuracy": round(accuracy(p, y), 6),
        "val_loss": round(log_loss(p, y), 6),
        "train_accuracy": round(float(model["train_accuracy"]), 6),
        "train_loss": round(float(model["train_loss"]), 6),
        "val_size": int(y.size),
    }
    save_json(args.metrics, metrics)
    print(
        f"evaluate: iteration {metrics['iteration']}: {metrics['labelled']} labelled, "
        f"val_accuracy {metrics['val_accuracy']:.4f}, val_loss {metrics['val_loss']:.4f} "
        f"-> {args.metrics} ({time.perf_counter() - t0:.2f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
