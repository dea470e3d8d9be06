"""Shared by the active-learning steps: the model (a 1-hidden-layer MLP for two classes,
in NumPy) and atomic file writes. Standard library and NumPy only."""

import json
import os
import tempfile

import numpy as np


def atomic_write(path, write):
    """Call write(file) on a temporary file next to `path`, then rename it into place, so
    a reader (or a retried step) never sees half a file."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def save_npz(path, **arrays):
    atomic_write(path, lambda f: np.savez(f, **arrays))


def save_json(path, value):
    data = (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()
    atomic_write(path, lambda f: f.write(data))


def load_npz(path, what):
    try:
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise SystemExit(f"error: {what} {path} does not exist")


def sigmoid(z):
    # tanh form: no overflow warnings for large |z|
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def forward(params, X):
    """Hidden activations and the logit of class 1 for each row of X."""
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    return hidden, hidden @ params["W2"] + params["b2"]


def predict_proba(params, X):
    return sigmoid(forward(params, X)[1])


def log_loss(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def accuracy(p, y):
    return float(np.mean((p >= 0.5) == (y >= 0.5)))


MODEL_KEYS = ("W1", "b1", "W2", "b2")
