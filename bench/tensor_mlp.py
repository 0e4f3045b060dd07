"""Forward and backward of a two-layer network through backprop's engine vs the same by hand in numpy.

Batch 512, 784 -> 256 -> 10, relu, softmax cross-entropy (the issue's figure).  Run by hand:

    python bench/tensor_mlp.py [--repeat 20]

Prints the median time of each, their ratio (goal: at most 1.5x), and checks both give the same
loss and gradients.  Then the scalar engine's time per node on a long chain, for the scalar figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from backprop_cli.core.vectorized import run_tensor
from backprop_cli.language.parser import parse

PROGRAM = """h = relu(X @ W1 + b1)
scores = h @ W2 + b2
loss = cross_entropy(scores, y)
"""


def by_hand(X, y, W1, b1, W2, b2):
    """The course's two-layer network, forward and backward, written out."""
    pre = X @ W1 + b1
    h = np.maximum(pre, 0)
    scores = h @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = X.shape[0]
    rows = np.arange(n)
    labels = y.astype(np.int64)
    loss = -logp[rows, labels].mean()
    dscores = np.exp(logp)
    dscores[rows, labels] -= 1
    dscores /= n
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dh = dscores @ W2.T
    dh[pre <= 0] = 0
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def median_time(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def scalar_per_node(n: int = 200_000) -> float:
    from backprop_cli.core.engine import run

    source = "x" + "*1.000001+0.5" * (n // 2)
    graph = parse(source)
    t = time.perf_counter()
    run(graph, {"x": 0.5}, record=False)
    return (time.perf_counter() - t) / len(graph)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    inputs = {"X": rng.standard_normal((512, 784)), "y": rng.integers(0, 10, 512).astype(float),
              "W1": rng.standard_normal((784, 256)) * 0.01, "b1": np.zeros(256),
              "W2": rng.standard_normal((256, 10)) * 0.01, "b2": np.zeros(10)}
    graph = parse(PROGRAM, bound=inputs)
    weights = ["W1", "b1", "W2", "b2"]  # as the hand version: no gradient for the data X, y
    result = run_tensor(graph, inputs, wrt=weights)
    loss, grads = by_hand(**inputs)
    assert abs(float(result.value) - loss) < 1e-12, (result.value, loss)
    for name, g in grads.items():
        np.testing.assert_allclose(result.gradients[name], g, rtol=1e-10, atol=1e-14)
    engine = median_time(lambda: run_tensor(graph, inputs, wrt=weights), args.repeat)
    hand = median_time(lambda: by_hand(**inputs), args.repeat)
    print(f"two-layer net, batch 512, 784 -> 256 -> 10, forward + backward (median of {args.repeat}):")
    print(f"  backprop engine  {engine * 1e3:8.2f} ms")
    print(f"  numpy by hand    {hand * 1e3:8.2f} ms")
    print(f"  ratio            {engine / hand:8.2f}x   (goal <= 1.5x)")
    print(f"scalar engine, forward + backward per node: {scalar_per_node() * 1e9:.0f} ns")


if __name__ == "__main__":
    main()
