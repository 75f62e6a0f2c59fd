"""make_dataset and train_test_split: shapes, balance, determinism, stratification."""

import numpy as np
import pytest

import ce_core
from ce_core import DATASETS, make_dataset, train_test_split

CLASS_COUNTS = list(range(2, 9))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
def test_shapes_dtype_and_balance(name, n_classes):
    """Test that every dataset gives X (n, 2) float64, y (n,) int64 with labels 0..K-1 and class sizes within 1."""
    X, y = make_dataset(name, 203, n_classes, seed=1)
    assert X.shape == (203, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (203,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1 and counts.sum() == 203
    assert np.isfinite(X).all() and np.abs(X).max() < 6


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_points(name):
    """Test that a seed reproduces the dataset exactly and another seed changes it."""
    X1, y1 = make_dataset(name, 120, 3, seed=5)
    X2, y2 = make_dataset(name, 120, 3, seed=5)
    X3, _ = make_dataset(name, 120, 3, seed=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", DATASETS)
def test_labels_are_shuffled(name):
    """Test that the labels do not come sorted by class (batches drawn in order would see one class only)."""
    _, y = make_dataset(name, 100, 4)
    assert (np.diff(y) != 0).sum() > 20


@pytest.mark.parametrize("name", DATASETS)
def test_noise_zero_and_small_sizes(name):
    """Test that noise 0 works and that n_samples = K gives one point per class."""
    X, y = make_dataset(name, 5, 5, noise=0.0)
    assert X.shape == (5, 2) and sorted(y) == [0, 1, 2, 3, 4]


def test_xor_two_classes_is_the_checkerboard():
    """Test that noiseless 2-class xor puts class (x1 > 0) xor (x2 > 0) in each quadrant."""
    X, y = make_dataset("xor", 400, 2, noise=0.0)
    np.testing.assert_array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int))


def test_circles_rings_have_the_documented_radii():
    """Test that noiseless circles put class c on the ring of radius 2.2 (c + 1) / K."""
    X, y = make_dataset("circles", 300, 3, noise=0.0)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), 2.2 * (y + 1) / 3, rtol=1e-12)


def labelled_points(n, n_classes, seed=0):
    """X whose first column is the row number, so every row is unique and can be traced through a split."""
    rng = np.random.default_rng(seed)
    X = np.stack([np.arange(n, dtype=float), rng.normal(size=n)], axis=1)
    return X, rng.permutation(np.arange(n) % n_classes)


@pytest.mark.parametrize("test_fraction", [0.1, 0.2, 0.5, 0.9])
@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_split_is_stratified_disjoint_and_complete(test_fraction, n_classes):
    """Test that the split keeps each class's share, uses every row exactly once and keeps X and y paired."""
    X, y = labelled_points(211, n_classes)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=test_fraction, seed=3)
    rows_train, rows_test = X_train[:, 0].astype(int), X_test[:, 0].astype(int)
    assert np.intersect1d(rows_train, rows_test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([rows_train, rows_test])), np.arange(211))
    np.testing.assert_array_equal(y_train, y[rows_train])
    np.testing.assert_array_equal(y_test, y[rows_test])
    for c in range(n_classes):
        size = (y == c).sum()
        assert (y_test == c).sum() == min(round(test_fraction * size), size - 1)
    assert y_train.dtype == y_test.dtype == np.int64


def test_split_is_deterministic():
    """Test that the same seed gives the same split and another seed a different one."""
    X, y = labelled_points(100, 3)
    a, b, c = (train_test_split(X, y, 0.3, seed=s) for s in (1, 1, 2))
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[1], c[1])


def test_split_with_zero_test_fraction():
    """Test that test_fraction 0 keeps everything in training and returns empty (0, 2) and (0,) test arrays."""
    X, y = make_dataset("moons", 50, 2)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.0)
    assert X_train.shape == (50, 2) and X_test.shape == (0, 2) and y_test.shape == (0,)
    np.testing.assert_array_equal(np.sort(y_train), np.sort(y))


def test_split_keeps_one_training_point_per_class():
    """Test that a class of one point stays in training even at test_fraction 0.9."""
    X, y = labelled_points(9, 9)
    _, X_test, y_train, _ = train_test_split(X, y, test_fraction=0.9)
    assert sorted(y_train) == list(range(9)) and len(X_test) == 0


def test_standardize_gives_mean_zero_and_unit_spread_and_leaves_constant_columns_finite():
    """Test that standardize returns columns of mean 0 and std 1, undoes exactly, and shifts a constant column."""
    X = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0], [7.0, 5.0]]) * 1e6
    Z, mean, std = ce_core.standardize(X)
    np.testing.assert_allclose(Z[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 0].std(), 1)
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(Z * std + mean, X)
    np.testing.assert_allclose(Z[:, 0], [-3, -1, 1, 3] / np.sqrt(5))  # by hand: mean 4e6, std sqrt(5)e6


def test_neighbour_agreement_by_hand_and_against_a_plain_loop():
    """Test leave-one-out k-NN agreement on a hand-made set and against a plain loop on random data."""
    X = np.array([[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [6, 6]])
    y = np.array([0, 0, 0, 1, 1, 0])
    # k = 1: (6, 6) is nearer to (10, 10) (distance 5.7) than to (1, 0) (7.8): it alone disagrees
    assert ce_core.neighbour_agreement(X, y, k=1) == pytest.approx(5 / 6)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)

    def loop(k):
        hits = 0
        for i in range(len(y)):
            d = [((X[i] - X[j]) ** 2).sum() if j != i else np.inf for j in range(len(y))]
            votes = np.bincount(y[np.argsort(d)[:k]], minlength=3)
            hits += votes.argmax() == y[i]
        return hits / len(y)

    for k in (1, 3, 5):
        assert ce_core.neighbour_agreement(X, y, k=k) == pytest.approx(loop(k))
    blobs, spiral5 = ce_core.make_dataset("blobs", 300, 3), ce_core.make_dataset("spiral", 300, 5)
    assert ce_core.neighbour_agreement(*blobs) > 0.95 and ce_core.neighbour_agreement(*spiral5) < 0.5


def test_outer_edge_points_are_each_classs_farthest_point_from_the_centre():
    """Test on hand-placed points: the centre is the mean (0, 0); class 0's farthest is row 1 (distance 3), class
    1's is row 3 (distance √5); the farthest comes first, and bad shapes are refused."""
    X = np.array([[1.0, 0.0], [-3.0, 0.0], [0.0, -1.0], [2.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 0, 1, 1, 1])
    X[4] = -X[:4].sum(axis=0)  # puts the mean at (0, 0): row 4 is (0, 0)
    assert ce_core.outer_edge_points(X, y) == [1, 3]
    with pytest.raises(ValueError):
        ce_core.outer_edge_points(np.zeros((0, 2)), np.zeros(0))
