#!/usr/bin/env python3
"""summarise: read every item's result.json of the sweep and write summary.json.

SWEEP_DIR is the sweep step's directory (what ${{ steps.sweep.outputs.result }} becomes
for an array step): item i's result is SWEEP_DIR/<i>/result.json. summary.json holds
count, mean, stdev, min and max of the scores, the best seed (highest score) with its
point, and how many item directories lack a readable result (missing, unreadable).
Exits 1 if no result was found. Standard library only.
"""

import argparse
import glob
import json
import math
import os
import statistics
import time

from sweep_io import write_json_atomically


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sweep_dir", metavar="SWEEP_DIR", help="the sweep step's directory")
    ap.add_argument("--result", default="result.json", help="each item's result file (default result.json)")
    ap.add_argument("--out", default="summary.json", help="output (default summary.json)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    if not os.path.isdir(args.sweep_dir):
        raise SystemExit(f"error: {args.sweep_dir} is not a directory")
    results, unreadable = [], 0
    for path in glob.glob(os.path.join(glob.escape(args.sweep_dir), "*", args.result)):
        try:
            with open(path, encoding="utf-8") as f:
                r = json.load(f)
            if not (isinstance(r.get("seed"), int) and isinstance(r.get("score"), (int, float)) and math.isfinite(r["score"])):
                raise ValueError("no integer seed or finite score")
            results.append(r)
        except (OSError, ValueError, AttributeError) as e:
            unreadable += 1
            print(f"summarise: warning: {path}: {e}", flush=True)
    item_dirs = sum(1 for e in os.scandir(args.sweep_dir) if e.is_dir() and e.name.isdigit())
    if not results:
        raise SystemExit(f"error: no readable */{args.result} under {args.sweep_dir}")
    scores = [r["score"] for r in results]
    best = max(results, key=lambda r: (r["score"], -r["seed"]))
    summary = {
        "count": len(results),
        "mean": statistics.fmean(scores),
        "stdev": statistics.stdev(scores) if len(scores) > 1 else 0.0,
        "min": min(scores),
        "max": max(scores),
        "best_seed": best["seed"],
        "best": {k: best[k] for k in ("seed", "x", "y", "score") if k in best},
        "missing": max(0, item_dirs - len(results) - unreadable),
        "unreadable": unreadable,
    }
    write_json_atomically(args.out, summary, indent=2)
    print(
        f"summarise: {summary['count']} results, mean score {summary['mean']:.3f}, best seed {summary['best_seed']} "
        f"(score {best['score']:.4f} at x {best['x']:+.3f} y {best['y']:+.3f}), "
        f"{summary['missing']} missing, {unreadable} unreadable -> {args.out} ({time.perf_counter() - t0:.2f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
