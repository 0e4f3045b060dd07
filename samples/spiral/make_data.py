"""Make the spiral data set of CS231n's "minimal neural network case study": 3 classes of 100
points each, on arms of a spiral in the plane.  Run once; writes X.npy (300 x 2) and y.npy (300,).

    python samples/spiral/make_data.py
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N, K = 100, 3  # points per class, classes


def spiral(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.zeros((N * K, 2))
    y = np.zeros(N * K)
    for k in range(K):
        rows = range(N * k, N * (k + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(k * 4, (k + 1) * 4, N) + rng.standard_normal(N) * 0.2
        X[rows] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[rows] = k
    return X, y


if __name__ == "__main__":
    X, y = spiral()
    for name, value in (("X.npy", X), ("y.npy", y)):
        tmp = HERE / (name + ".tmp.npy")
        np.save(tmp, value)
        tmp.replace(HERE / name)
    print(f"wrote {HERE / 'X.npy'} {X.shape} and {HERE / 'y.npy'} {y.shape}")
