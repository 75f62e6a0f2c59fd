"""Toy 2D datasets with K balanced classes, and a stratified train/test split.

Every generator draws the clean shape, then adds Gaussian jitter of standard deviation ``noise`` to both
coordinates. Points lie roughly in [-2.5, 2.5]^2 so one set of default axis ranges and learning rates suits all.
"""

from __future__ import annotations

import numpy as np

from . import _checks

DATASETS = ("blobs", "spiral", "circles", "moons", "xor")
MIN_CLASSES, MAX_CLASSES = 2, 8
MAX_SAMPLES = 100_000


def class_counts(n_samples: int, n_classes: int) -> np.ndarray:
    """As-even-as-possible class sizes: the first n % K classes get one extra point."""
    counts = np.full(n_classes, n_samples // n_classes)
    counts[: n_samples % n_classes] += 1
    return counts


def _blobs(rng, counts, noise):
    """K Gaussian clusters with centres evenly spaced on a circle of radius 1.8."""
    k = len(counts)
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centres = 1.8 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    # A cluster needs some spread even at noise 0, or all its points would coincide.
    return [centres[c] + rng.normal(0, 0.25, size=(m, 2)) for c, m in enumerate(counts)], max(noise - 0.25, 0)


def _spiral(rng, counts, noise):
    """K interleaved arms; arm c turns 1.75 times around the origin, starting at angle 2 pi c / K."""
    k, arms = len(counts), []
    for c, m in enumerate(counts):
        r = np.linspace(0.15, 1.0, m)
        theta = 2 * np.pi * c / k + 1.75 * 2 * np.pi * r
        arms.append(2.2 * r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1))
    return arms, noise


def _circles(rng, counts, noise):
    """K concentric rings; ring c has radius 2.2 (c + 1) / K."""
    k, rings = len(counts), []
    for c, m in enumerate(counts):
        theta = rng.uniform(0, 2 * np.pi, m)
        rings.append(2.2 * (c + 1) / k * np.stack([np.cos(theta), np.sin(theta)], axis=1))
    return rings, noise


def _moons(rng, counts, noise):
    """K interlocking half-circles in a chain: even moons open downwards, odd ones upwards, one unit apart."""
    k, moons = len(counts), []
    for c, m in enumerate(counts):
        t = rng.uniform(0, np.pi, m)
        sign = 1.0 if c % 2 == 0 else -1.0
        moons.append(np.stack([c + np.cos(t), 0.5 * (c % 2) + sign * np.sin(t)], axis=1))
    # Centre the chain and shrink it to the common box: it is K units wide.
    scale = 4.0 / (k + 1)
    return [scale * (pts - np.array([(k - 1) / 2, 0.25])) for pts in moons], noise


def _xor(rng, counts, noise):
    """A checkerboard of g x g cells (g = max(K, 2)) over [-2, 2]^2; cell (i, j) has class (i + j) mod K.

    With K = 2 and g = 2 this is the classic XOR. Each class owns the same number of cells, and its points are
    spread over its cells uniformly, so classes stay balanced.
    """
    k = len(counts)
    g = max(k, 2)
    size = 4.0 / g
    cells = [(i, j) for i in range(g) for j in range(g)]
    parts = []
    for c, m in enumerate(counts):
        own = np.array([cell for cell in cells if (cell[0] + cell[1]) % k == c], dtype=float)
        which = own[rng.integers(0, len(own), m)]
        parts.append(-2.0 + size * (which + rng.uniform(0, 1, size=(m, 2))))
    return parts, noise


_GENERATORS = {"blobs": _blobs, "spiral": _spiral, "circles": _circles, "moons": _moons, "xor": _xor}


def make_dataset(name, n_samples, n_classes, *, noise=0.1, seed=0):
    """Generate a toy dataset.

    Parameters
    ----------
    name : "blobs", "spiral", "circles", "moons" or "xor".
    n_samples : total number of points, n_classes <= n_samples <= 100,000.
    n_classes : K, from 2 to 8 for every name.
    noise : standard deviation of the Gaussian jitter added to each coordinate (0 gives the clean shape).
    seed : the same seed gives the same points on any machine.

    Returns
    -------
    X : float64 array of shape (n, 2).   y : int64 array of shape (n,), labels 0..K-1, balanced (sizes differ by
    at most 1), in a shuffled order.
    """
    name = _checks.choice(name, "name", DATASETS)
    n_classes = _checks.integer(n_classes, "n_classes", low=MIN_CLASSES, high=MAX_CLASSES)
    n_samples = _checks.integer(n_samples, "n_samples", low=n_classes, high=MAX_SAMPLES)
    noise = _checks.real_number(noise, "noise", low=0.0, high=10.0)
    seed = _checks.integer(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    counts = class_counts(n_samples, n_classes)
    parts, jitter = _GENERATORS[name](rng, counts, noise)
    X = np.concatenate(parts)
    if jitter:
        X = X + rng.normal(0.0, jitter, size=X.shape)
    y = np.repeat(np.arange(n_classes), counts)
    order = rng.permutation(n_samples)
    return np.ascontiguousarray(X[order]), y[order].astype(np.int64)


def split_indices(y, test_fraction=0.2, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train_idx, test_idx) of a stratified split, each sorted ascending.

    Each class sends round(test_fraction * its size) points to the test set, but always keeps at least one in
    training. test_fraction is in [0, 0.9]; 0 gives an empty test set. Deterministic for a seed.
    """
    y = np.asarray(y)
    n_classes = int(y.max()) + 1 if y.size and np.issubdtype(y.dtype, np.number) and y.min() >= 0 else 1
    y = _checks.labels(y, "y", y.shape[0] if y.ndim else 0, max(n_classes, 1))
    test_fraction = _checks.real_number(test_fraction, "test_fraction", low=0.0, high=0.9)
    seed = _checks.integer(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n_test = min(round(test_fraction * len(members)), len(members) - 1)
        test_mask[rng.choice(members, size=n_test, replace=False)] = True
    return np.flatnonzero(~test_mask), np.flatnonzero(test_mask)


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Split (X, y) into train and test sets, stratified by class (see :func:`split_indices`).

    Returns
    -------
    X_train (n_train, 2), X_test (n_test, 2), y_train (n_train,), y_test (n_test,) -- scikit-learn's order.
    """
    X = _checks.float_array(X, "X", ndims=(2,))
    if np.asarray(y).shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got shape {np.asarray(y).shape}")
    train, test = split_indices(y, test_fraction, seed)
    y = np.asarray(y).astype(np.int64)
    return X[train], X[test], y[train], y[test]


def standardize(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns shifted to mean 0 and scaled to standard deviation 1: ``Z = (X - mean) / std``.

    Returns (Z (n, d), mean (d,), std (d,)); a constant column keeps std 1 (it is only shifted), so Z stays finite.
    """
    X = _checks.float_array(X, "X", ndims=(2,))
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


def neighbour_agreement(X, y, k: int = 5) -> float:
    """How often the majority class of a point's k nearest other points is its own class (leave-one-out k-NN
    accuracy, ties to the smallest class number): a rough measure of how much the classes overlap.

    Near 1/K the classes are mixed so thoroughly that no model can do much better on these points.
    """
    X = _checks.float_array(X, "X", ndims=(2,))
    y = np.asarray(y)
    n = len(y)
    k = _checks.integer(k, "k", low=1)
    if n <= k:
        return float("nan")
    sq = (X * X).sum(axis=1)
    distances = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)  # (n, n) squared distances
    np.fill_diagonal(distances, np.inf)  # a point is not its own neighbour
    nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]  # (n, k)
    votes = np.zeros((n, int(y.max()) + 1))
    np.add.at(votes, (np.repeat(np.arange(n), k), y[nearest].ravel()), 1.0)
    return float((votes.argmax(axis=1) == y).mean())


def outer_edge_points(X, y) -> list[int]:
    """For each class present, its point farthest from the centre of all points, the farthest first.

    On blobs this is "a point on the outer edge of a blob": the label-smoothing lesson's point, whose p_y is the
    first to pass its smoothed target. X : (n, 2), y : (n,) class indices; returns row indices into X.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y) or not len(y):
        raise ValueError("X must be (n, d) and y (n,) with n > 0")
    distance = np.linalg.norm(X - X.mean(axis=0), axis=1)
    points = [int(np.flatnonzero(y == k)[np.argmax(distance[y == k])]) for k in np.unique(y)]
    return sorted(points, key=lambda index: -distance[index])
