"""Loss-landscape slices: directions, the vectorised surface against a loop over Model.loss_and_grad, projections."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ce_core import (
    ACTIVATIONS,
    FEATURE_MAPS,
    Model,
    Trainer,
    coordinate_direction,
    filter_normalize,
    flatten_direction,
    flatten_params,
    loss_along_path,
    loss_surface,
    make_dataset,
    off_slice_ratio,
    pca_directions,
    project_trajectory,
    projection_residual,
    random_direction,
    span_for,
)
from ce_core.model import _activate


def _data(n=60, k=3, seed=0):
    return make_dataset("spiral", n, k, seed=seed)


def _loop_surface(model, params, X, y, d1, d2, alphas, betas, **loss_kwargs):
    """The reference: one Model.loss_and_grad call per grid point."""
    out = np.empty((len(betas), len(alphas)))
    for j, beta in enumerate(betas):
        for i, alpha in enumerate(alphas):
            moved = {k: params[k] + alpha * d1[k] + beta * d2[k] for k in params}
            out[j, i] = model.loss_and_grad(moved, X, y, **loss_kwargs)[0]
    return out


# --------------------------------------------------------------------------------------------------------------
# Directions
# --------------------------------------------------------------------------------------------------------------
def test_filter_normalize_hand_case():
    """Test that filter normalisation rescales each row to the params row norm and maps a zero params row to 0."""
    params = {"W": np.array([[3.0, 4.0], [0.0, 0.0]]), "b": np.array([1.0, 2.0])}
    direction = {"W": np.array([[1.0, 0.0], [2.0, 2.0]]), "b": np.array([5.0, 5.0])}
    out = filter_normalize(direction, params)
    np.testing.assert_allclose(out["W"], [[5.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(out["b"], [0.0, 0.0])
    np.testing.assert_array_equal(direction["W"], [[1.0, 0.0], [2.0, 2.0]])  # the input is left alone


@pytest.mark.parametrize("hidden", [(), (5,), (6, 4)])
def test_filter_direction_row_norms_match_params(hidden):
    """Test that every row of every weight matrix of a filter direction has the norm of that row of params."""
    model = Model(3, hidden=hidden, features="poly2")
    params = model.init(1)
    direction = random_direction(model, params, seed=7, normalize="filter")
    assert set(direction) == set(params)
    for name, d in direction.items():
        assert d.shape == params[name].shape
        if d.ndim == 1:
            np.testing.assert_array_equal(d, 0.0)
        else:
            np.testing.assert_allclose(np.linalg.norm(d, axis=1), np.linalg.norm(params[name], axis=1), rtol=1e-12)


def test_layer_and_none_normalisation():
    """Test that "layer" matches each matrix's Frobenius norm and "none" is the raw Gaussian, biases included."""
    model = Model(4, hidden=(8,))
    params = model.init(0)
    layer = random_direction(model, params, seed=3, normalize="layer")
    raw = random_direction(model, params, seed=3, normalize="none")
    for name in ("V1", "W"):
        np.testing.assert_allclose(np.linalg.norm(layer[name]), np.linalg.norm(params[name]), rtol=1e-12)
        np.testing.assert_allclose(layer[name] / np.linalg.norm(layer[name]), raw[name] / np.linalg.norm(raw[name]))
    np.testing.assert_array_equal(layer["c1"], 0.0)
    assert np.all(raw["b"] != 0.0)


def test_random_direction_seeded():
    """Test that a seed reproduces a direction exactly and another seed gives another one."""
    model = Model(3, hidden=(5,))
    params = model.init(0)
    a, b = random_direction(model, params, 4), random_direction(model, params, 4)
    c = random_direction(model, params, 5)
    for name in params:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["W"], c["W"])


def test_coordinate_direction():
    """Test that a coordinate direction is 1 at one entry and 0 everywhere else."""
    model = Model(3, hidden=(4,))
    d = coordinate_direction(model, "W", (2, 1))
    assert d["W"][2, 1] == 1.0 and sum(float(np.abs(v).sum()) for v in d.values()) == 1.0
    assert coordinate_direction(model, "c1", 3)["c1"][3] == 1.0


@pytest.mark.parametrize(
    ("name", "index", "match"),
    [("Q", (0, 0), "name"), ("W", (3, 0), "index"), ("W", (0,), "index"), ("b", -1, "index"), ("W", (0.0, 1), "index")],
)
def test_coordinate_direction_rejects_bad_arguments(name, index, match):
    """Test that an unknown parameter or an out-of-range index is a ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        coordinate_direction(Model(3, hidden=(4,)), name, index)


def test_direction_validation():
    """Test that random_direction and filter_normalize refuse bad normalisations and mismatched dicts."""
    model = Model(3)
    params = model.init(0)
    with pytest.raises(ValueError, match="normalize"):
        random_direction(model, params, 0, normalize="rows")
    with pytest.raises(ValueError, match="direction"):
        filter_normalize({"W": np.ones((3, 2))}, params)
    with pytest.raises(ValueError, match=r"direction\['W'\]"):
        filter_normalize({"W": np.ones((2, 3)), "b": np.ones(3)}, params)


# --------------------------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_coordinate_surface_of_linear_model_equals_loop(dtype):
    """Test that J(w_01 + alpha, b_2 + beta) on a whole grid equals a loop over Model.loss_and_grad."""
    X, y = _data()
    model = Model(3)
    params = model.init(2)
    d1, d2 = coordinate_direction(model, "W", (0, 1)), coordinate_direction(model, "b", 2)
    alphas, betas = np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)
    surface = loss_surface(model, params, X, y, d1, d2, alphas, betas, dtype=dtype)
    assert surface.shape == (5, 7) and surface.dtype == np.float64
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(surface, _loop_surface(model, params, X, y, d1, d2, alphas, betas), rtol=rtol)


@pytest.mark.parametrize("hidden", [(), (7,), (6, 5)])
def test_surface_at_origin_is_the_loss(hidden):
    """Test that the surface at (0, 0) is the loss at params, l2 term included."""
    X, y = _data()
    model = Model(3, hidden=hidden)
    params = model.init(0)
    d1, d2 = random_direction(model, params, 1), random_direction(model, params, 2)
    surface = loss_surface(model, params, X, y, d1, d2, [-1.0, 0.0, 1.0], [0.0, 0.5], l2=0.1, dtype="float64")
    expected = model.loss_and_grad(params, X, y, l2=0.1)[0]
    assert surface[0, 1] == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("features", FEATURE_MAPS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
def test_vectorised_surface_equals_loop(features, activation, hidden):
    """Test that the batched surface equals Model.loss_and_grad at random grid points, in float64 and float32."""
    X, y = _data(n=50, k=4, seed=3)
    model = Model.for_data(X, 4, features=features, hidden=hidden, activation=activation)
    params = model.init(5)
    d1 = random_direction(model, params, 11, normalize="filter")
    d2 = random_direction(model, params, 12, normalize="none")  # moves the biases too
    rng = np.random.default_rng(0)
    alphas, betas = np.sort(rng.uniform(-1.5, 1.5, 4)), np.sort(rng.uniform(-1.0, 1.0, 3))
    kwargs = {"l2": 0.05, "temperature": 0.7, "label_smoothing": 0.1}
    expected = _loop_surface(model, params, X, y, d1, d2, alphas, betas, **kwargs)
    exact = loss_surface(model, params, X, y, d1, d2, alphas, betas, dtype="float64", chunk=5, **kwargs)
    np.testing.assert_allclose(exact, expected, rtol=1e-11)
    fast = loss_surface(model, params, X, y, d1, d2, alphas, betas, **kwargs)
    np.testing.assert_allclose(fast, expected, rtol=1e-5)


def test_soft_targets_match_loop():
    """Test that target distributions (n, K) give the same surface as Model.loss_and_grad with them."""
    X, y = _data()
    model = Model(3, hidden=(5,))
    params = model.init(0)
    targets = np.random.default_rng(1).dirichlet(np.ones(3), size=len(y))
    d1, d2 = random_direction(model, params, 1), random_direction(model, params, 2)
    surface = loss_surface(model, params, X, targets, d1, d2, [0.3, 1.0], [-0.5], dtype="float64")
    expected = _loop_surface(model, params, X, targets, d1, d2, [0.3, 1.0], [-0.5])
    np.testing.assert_allclose(surface, expected, rtol=1e-12)


def test_l2_term_is_exact():
    """Test that the l2 part of the surface is l2/2 times the squared norm of the moved weight matrices."""
    X, y = _data()
    model = Model(3, hidden=(5,))
    params = model.init(0)
    d1, d2 = random_direction(model, params, 1, normalize="none"), random_direction(model, params, 2)
    alphas, betas = np.array([-2.0, 0.5]), np.array([1.0, 3.0])
    penalty = loss_surface(model, params, X, y, d1, d2, alphas, betas, l2=0.3) - loss_surface(
        model, params, X, y, d1, d2, alphas, betas
    )
    for j, beta in enumerate(betas):
        for i, alpha in enumerate(alphas):
            moved = [params[k] + alpha * d1[k] + beta * d2[k] for k in ("V1", "W")]
            assert penalty[j, i] == pytest.approx(0.15 * sum(float((m * m).sum()) for m in moved), rel=1e-12)


def test_chunks_and_progress():
    """Test that the chunk size does not change the surface and that progress rises to exactly 1."""
    X, y = _data()
    model = Model(3, hidden=(4,))
    params = model.init(0)
    d1, d2 = random_direction(model, params, 1), random_direction(model, params, 2)
    axis = np.linspace(-1, 1, 5)
    seen = []
    chunked = loss_surface(model, params, X, y, d1, d2, axis, axis, chunk=3, dtype="float64", on_progress=seen.append)
    whole = loss_surface(model, params, X, y, d1, d2, axis, axis, chunk=25, dtype="float64")
    np.testing.assert_allclose(chunked, whole, rtol=1e-14)
    assert len(seen) == 9 and seen[-1] == 1.0 and all(a < b for a, b in itertools.pairwise(seen))


def test_overflowing_logits_give_inf_not_nan():
    """Test that a grid point far enough out to overflow the logits gives +inf, never NaN."""
    X, y = _data()
    model = Model(3)
    params = model.init(0)
    d1 = coordinate_direction(model, "W", (0, 0))
    d2 = coordinate_direction(model, "b", 0)
    surface = loss_surface(model, params, X, y, d1, d2, [0.0, 1e300], [0.0, -1e300, 1e300], dtype="float32")
    assert not np.isnan(surface).any() and np.isfinite(surface[0, 0])


def test_small_temperature_stays_finite():
    """Test that a tiny temperature gives the loop's large finite losses, not inf or NaN from u / T overflowing."""
    X, y = _data()
    model = Model(3)
    params = model.init(0)
    d1, d2 = coordinate_direction(model, "W", (0, 0)), coordinate_direction(model, "W", (1, 1))
    surface = loss_surface(model, params, X, y, d1, d2, [0.0, 1.0], [0.0], temperature=1e-3, dtype="float64")
    expected = _loop_surface(model, params, X, y, d1, d2, [0.0, 1.0], [0.0], temperature=1e-3)
    np.testing.assert_allclose(surface, expected, rtol=1e-10)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_in_place_activation_is_the_models(activation):
    """Test that act(a) written into a (how the surface saves memory) is bitwise the model's act(a), in float32 too."""
    a = np.random.default_rng(0).normal(0, 3, size=(2, 5, 7)).astype(np.float32)
    expected = _activate(activation, a)
    inplace = a.copy()
    assert _activate(activation, inplace, out=inplace) is inplace
    np.testing.assert_array_equal(inplace, expected)
    assert expected.dtype == np.float32


# --------------------------------------------------------------------------------------------------------------
# The loss along a path on the slice
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
def test_loss_along_path_equals_loop(hidden):
    """Test that J at paired (alpha_t, beta_t) equals Model.loss_and_grad at params + alpha_t d1 + beta_t d2."""
    X, y = _data(n=50, k=4, seed=3)
    model = Model.for_data(X, 4, features="poly2", hidden=hidden, activation="sigmoid")
    params = model.init(5)
    d1, d2 = random_direction(model, params, 11), random_direction(model, params, 12, normalize="none")
    alphas, betas = np.array([0.0, 0.4, -1.2, 0.4]), np.array([0.0, -0.3, 0.8, 0.9])
    kwargs = {"l2": 0.05, "temperature": 0.7, "label_smoothing": 0.1}
    losses = loss_along_path(model, params, X, y, d1, d2, alphas, betas, **kwargs)
    expected = [
        _loop_surface(model, params, X, y, d1, d2, [a], [b], **kwargs)[0, 0] for a, b in zip(alphas, betas, strict=True)
    ]
    assert losses.shape == (4,)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert losses[0] == pytest.approx(model.loss_and_grad(params, X, y, **kwargs)[0], rel=1e-13)


def test_loss_along_path_is_the_surface_diagonal():
    """Test that points on the grid's diagonal give the surface's diagonal (one J for both)."""
    X, y = _data()
    model = Model(3, hidden=(5,))
    params = model.init(0)
    d1, d2 = random_direction(model, params, 1), random_direction(model, params, 2)
    axis = np.linspace(-1.0, 1.0, 5)
    surface = loss_surface(model, params, X, y, d1, d2, axis, axis, dtype="float64", l2=0.1)
    np.testing.assert_allclose(loss_along_path(model, params, X, y, d1, d2, axis, axis, l2=0.1), np.diag(surface),
                               rtol=1e-13)  # fmt: skip
    fast = loss_along_path(model, params, X, y, d1, d2, axis, axis, l2=0.1, dtype="float32")
    np.testing.assert_allclose(fast, np.diag(surface), rtol=1e-5)


def test_loss_along_path_validation():
    """Test that coordinates of different lengths, empty or non-finite ones, and a bad dtype are refused."""
    X, y = _data()
    model = Model(3)
    params = model.init(0)
    d = coordinate_direction(model, "W", (0, 0))
    for alphas, betas, match in (([0.0, 1.0], [0.0], "same shape"), ([], [], "empty"), ([np.nan], [0.0], "alphas")):
        with pytest.raises(ValueError, match=match):
            loss_along_path(model, params, X, y, d, d, alphas, betas)
    with pytest.raises(ValueError, match="dtype"):
        loss_along_path(model, params, X, y, d, d, [0.0], [0.0], dtype="float16")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"alphas": np.zeros((2, 2))}, "alphas"),
        ({"betas": []}, "betas"),
        ({"alphas": np.linspace(0, 1, 402)}, "alphas"),
        ({"d1": {"W": np.zeros((3, 2))}}, "d1"),
        ({"d2": {"W": np.zeros((3, 2)), "b": np.full(3, np.nan)}}, r"d2\['b'\]"),
        ({"l2": -1.0}, "l2"),
        ({"temperature": 0.0}, "temperature"),
        ({"label_smoothing": 2.0}, "label_smoothing"),
        ({"chunk": 0}, "chunk"),
        ({"dtype": "float16"}, "dtype"),
        ({"on_progress": 3}, "on_progress"),
        ({"y": np.zeros(5, dtype=int)}, "targets"),
        ({"X": np.zeros((60, 3))}, "X"),
    ],
)
def test_surface_validation(change, match):
    """Test that a bad argument to loss_surface is a ValueError that names it."""
    X, y = _data()
    model = Model(3)
    params = model.init(0)
    d = coordinate_direction(model, "W", (0, 0))
    args = {"X": X, "y": y, "d1": d, "d2": d, "alphas": [0.0, 1.0], "betas": [0.0]} | change
    positional = [args.pop(k) for k in ("X", "y", "d1", "d2", "alphas", "betas")]
    with pytest.raises(ValueError, match=match):
        loss_surface(model, params, *positional, **args)


# --------------------------------------------------------------------------------------------------------------
# Trajectories on the slice
# --------------------------------------------------------------------------------------------------------------
def test_projection_recovers_coefficients_for_non_orthogonal_directions():
    """Test that points built as center + a d1 + b d2 with d1, d2 at 45 degrees project back to (a, b)."""
    center = np.array([1.0, -2.0, 0.5])
    d1, d2 = np.array([1.0, 0.0, 0.0]), np.array([2.0, 2.0, 0.0])  # not orthogonal, not unit
    a, b = np.array([0.0, 1.0, -3.0, 0.25]), np.array([0.0, 2.0, 0.5, -1.0])
    points = center + a[:, None] * d1 + b[:, None] * d2
    alphas, betas = project_trajectory(points, center, d1, d2)
    np.testing.assert_allclose(alphas, a, atol=1e-12)
    np.testing.assert_allclose(betas, b, atol=1e-12)
    np.testing.assert_allclose(projection_residual(points, center, d1, d2), 0.0, atol=1e-12)


def test_residual_measures_distance_off_the_plane():
    """Test that a component orthogonal to the plane is left out of (alpha, beta) and reported as the residual."""
    center = np.zeros(3)
    d1, d2 = np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0])
    points = np.array([[2.0, 5.0, 3.0], [0.0, 0.0, -4.0]])
    alphas, betas = project_trajectory(points, center, d1, d2)
    np.testing.assert_allclose(alphas, [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(betas, [3.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(projection_residual(points, center, d1, d2), [3.0, 4.0], rtol=1e-12)


def test_off_slice_ratio_by_hand():
    """Test the median of residual / distance: points in the plane give 0, points straight off it 1."""
    center = np.zeros(3)
    d1, d2 = np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])
    in_plane = np.array([[2.0, 1.0, 0.0], [0.0, -3.0, 0.0]])
    off_plane = np.array([[0.0, 0.0, 2.0], [0.0, 0.0, -5.0]])
    halfway = np.array([[3.0, 0.0, 4.0]])  # residual 4 at distance 5
    assert off_slice_ratio(in_plane, center, d1, d2) == pytest.approx(0.0, abs=1e-15)
    assert off_slice_ratio(off_plane, center, d1, d2) == pytest.approx(1.0)
    assert off_slice_ratio(np.vstack([in_plane[:1], halfway, off_plane[:1]]), center, d1, d2) == pytest.approx(0.8)


def test_off_slice_ratio_leaves_out_the_centre():
    """Test that points within float32 rounding of the centre are left out, and a path of only those gives 0."""
    center = np.array([1000.0, -2000.0, 500.0])
    d1, d2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    rounded = center.astype(np.float32).astype(np.float64) + np.array([0.0, 0.0, 1e-3])  # off the plane, noise
    assert off_slice_ratio(rounded, center, d1, d2) == 0.0
    moved = center + np.array([3.0, 0.0, 4.0])
    assert off_slice_ratio(np.vstack([rounded, moved]), center, d1, d2) == pytest.approx(0.8)


@given(
    st.lists(st.floats(-5, 5), min_size=2, max_size=2),
    st.floats(0.05, np.pi - 0.05),
    st.floats(0.1, 10),
    st.integers(0, 1000),
)
def test_projection_property(coefficients, angle, scale, seed):
    """Test that projection recovers random coefficients for directions at any angle and length in 50 dimensions."""
    rng = np.random.default_rng(seed)
    e1, e2 = np.linalg.qr(rng.normal(size=(50, 2)))[0].T
    d1, d2 = scale * e1, np.cos(angle) * e1 + np.sin(angle) * e2
    center = rng.normal(size=50)
    point = center + coefficients[0] * d1 + coefficients[1] * d2
    alphas, betas = project_trajectory(point, center, d1, d2)
    np.testing.assert_allclose([alphas[0], betas[0]], coefficients, atol=1e-9)


@pytest.mark.parametrize(
    ("d1", "d2", "match"),
    [
        ([1.0, 2.0, 0.0], [2.0, 4.0, 0.0], "parallel"),
        ([1.0, 2.0, 0.0], [-1.0, -2.0, 0.0], "parallel"),
        ([0.0, 0.0, 0.0], [1.0, 0.0, 0.0], "d1"),
        ([1.0, 0.0, 0.0], [1.0, 0.0], "d2"),
    ],
)
def test_projection_rejects_degenerate_directions(d1, d2, match):
    """Test that parallel, zero or mis-sized directions are a ValueError, not a silent least-squares answer."""
    with pytest.raises(ValueError, match=match):
        project_trajectory(np.ones((2, 3)), np.zeros(3), np.array(d1), np.array(d2))


def test_projection_rejects_dict_directions():
    """Test that passing a direction dict instead of a flat vector says how to flatten it."""
    model = Model(3)
    d = coordinate_direction(model, "W", (0, 0))
    with pytest.raises(ValueError, match="flatten_params"):
        project_trajectory(np.ones((2, 9)), np.zeros(9), d, d)


def test_trajectory_on_pca_plane():
    """Test that a real training path is close to the plane of its top two principal directions, which are
    orthonormal, and farther from a random filter-normalised plane."""
    X, y = _data(n=120)
    model = Model(3, hidden=(8,))
    trainer = Trainer(model, X, y, batch_size=120, seed=0)
    trainer.step(60)
    points = trainer.trajectory.points
    center = trainer.flat_params()
    d1, d2, explained = pca_directions(points, center)
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1.0, 1.0, 0.0], atol=1e-12)
    assert 0.5 < explained.sum() <= 1.0 + 1e-12 and explained[0] >= explained[1]
    start = np.linalg.norm(points[0] - center)
    pca_off = projection_residual(points, center, d1, d2)[0] / start
    r1 = flatten_direction(model, random_direction(model, trainer.params, 1))
    r2 = flatten_direction(model, random_direction(model, trainer.params, 2))
    random_off = projection_residual(points, center, r1, r2)[0] / start
    assert pca_off < 0.5 < random_off


def test_pca_directions_of_planar_points():
    """Test that points in a plane give principal directions spanning it, all variance explained."""
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(20, 2)))[0].T  # (2, 20)
    center = rng.normal(size=20)
    points = center + rng.normal(size=(10, 2)) @ basis
    d1, d2, explained = pca_directions(points, center)
    assert explained.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(projection_residual(points, center, d1, d2), 0.0, atol=1e-12)
    alphas, betas = project_trajectory(points[:1], center, d1, d2)
    assert alphas[0] >= 0 and betas[0] >= 0


def test_pca_directions_need_a_plane():
    """Test that points on one line through the centre are refused: they span no plane."""
    with pytest.raises(ValueError, match="plane"):
        pca_directions(np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 2.0]), np.zeros(3))


def test_flatten_direction_order():
    """Test that flatten_direction follows Model.param_shapes(), like Trajectory.points."""
    model = Model(3, hidden=(4,))
    d = coordinate_direction(model, "W", (1, 2))
    flat = flatten_direction(model, d)
    np.testing.assert_array_equal(flat, flatten_params(d, model.param_shapes()))
    assert flat[4 * 2 + 4 + 1 * 4 + 2] == 1.0  # after V1 (4, 2) and c1 (4,), W's row 1, column 2


def test_span_for():
    """Test that grid ranges hold the origin, [-minimum, minimum] and every point, with a margin."""
    (a_lo, a_hi), (b_lo, b_hi) = span_for(np.array([0.5, 3.0]), np.array([-0.2, 0.1]), minimum=1.0, margin=0.1)
    assert (a_lo, a_hi) == pytest.approx((-1.4, 3.4))
    assert (b_lo, b_hi) == pytest.approx((-1.2, 1.2))
    with pytest.raises(ValueError, match="minimum"):
        span_for([0.0], [0.0], minimum=0.0)
