#!/usr/bin/env python3
"""simulate: one item of the sweep, about 0.2 s of work.

The seed picks a point (x, y) in [-5, 5]^2 and the simulation estimates, by Monte Carlo
over --samples noisy evaluations (x and y perturbed by N(0, 0.1)), the score
-(Himmelblau(x, y)): 0 is the best, at Himmelblau's four minima. It then sleeps for the
rest of --duration seconds (counted from the start of the script), standing in for a
longer simulation, and writes result.json in the working directory:
{"seed", "x", "y", "score", "samples", "seconds"}. Standard library only, so an item
costs little more than --duration.
"""

import argparse
import math
import random
import time

from sweep_io import write_json_atomically

T0 = time.perf_counter()


def himmelblau(x, y):
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True, help="the item: which point to simulate")
    ap.add_argument("--samples", type=int, default=2000, help="Monte Carlo samples (default 2000)")
    ap.add_argument("--duration", type=float, default=0.2, help="seconds the item takes at least (default 0.2)")
    ap.add_argument("--out", default="result.json", help="output (default result.json)")
    args = ap.parse_args()
    if args.samples < 1 or args.duration < 0:
        ap.error("--samples must be at least 1 and --duration not negative")

    rng = random.Random(args.seed)
    x, y = rng.uniform(-5.0, 5.0), rng.uniform(-5.0, 5.0)
    total = 0.0
    for _ in range(args.samples):
        total += himmelblau(x + rng.gauss(0.0, 0.1), y + rng.gauss(0.0, 0.1))
    score = -total / args.samples
    rest = args.duration - (time.perf_counter() - T0)
    if rest > 0:
        time.sleep(rest)
    seconds = time.perf_counter() - T0
    result = {"seed": args.seed, "x": x, "y": y, "score": score, "samples": args.samples, "seconds": round(seconds, 4)}
    if not math.isfinite(score):
        raise SystemExit(f"error: seed {args.seed}: the score is not finite")
    write_json_atomically(args.out, result)
    print(f"simulate: seed {args.seed}: x {x:+.3f} y {y:+.3f} score {score:.4f} -> {args.out} ({seconds:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
