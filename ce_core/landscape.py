"""The loss landscape on a 2D slice of weight space, and a training path drawn on that slice.

A slice is a centre theta (a params dict) and two directions d1, d2 (dicts with the keys and shapes of params):

    J(alpha, beta) = J(theta + alpha d1 + beta d2)

with J the training objective of Model.loss_and_grad: mean cross-entropy plus l2/2 times the squared norm of every
weight matrix (never the biases). Directions are either one weight (``coordinate_direction``) or random Gaussian
directions rescaled to the size of the weights (``random_direction``, after Li et al., 2018, "Visualizing the
Loss Landscape of Neural Nets"): a raw Gaussian step means something very different to a layer whose rows have
norm 0.1 and to one whose rows have norm 10, so without rescaling the picture mostly shows the scale of the weights.

Vectorised evaluation (``loss_surface``): the G = len(alphas) * len(betas) grid points are evaluated together, in
chunks of g points. A point has the coefficients gamma = (1, alpha, beta), so each parameter there is
gamma . [theta_M, d1_M, d2_M]. Activations are stored transposed, (g, units, n), one (units, n) slice per point:

    layer 1, affine in gamma because its input z0 never moves:
        a = gamma . [V1 z0^T + c1, d1_V1 z0^T + d1_c1, d2_V1 z0^T + d2_c1]   one (g, 3) @ (3, H1*n) matmul per chunk
    every later layer (V2, then W):
        M_g = gamma . [M, d1_M, d2_M]  (g, out, in);   a = M_g @ h + bias_g  (g, out, n), a batched matmul
    L2 penalty, exactly:
        sum over weight matrices of ||gamma . [M, d1_M, d2_M]||^2 = gamma^T Q gamma, Q the 3 x 3 Gram matrix of
        (M, d1_M, d2_M) summed over the weight matrices.

Trajectories (``project_trajectory``) are flattened in the order of Model.param_shapes(), like Trajectory.points;
``off_slice_ratio`` says how far a path leaves the slice, ``loss_along_path`` gives J along its projection.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .history import flatten_params
from .losses import _check_targets, target_matrix
from .model import Model, _activate
from .softmax import _shift_along

NORMALIZATIONS = ("filter", "layer", "none")
MAX_AXIS_POINTS = 401  # per grid axis: 401 x 401 is already finer than any plot needs
CHUNK_BYTES = 4 * 1024 * 1024  # largest activation array of a chunk: small enough to stay in cache, whatever the grid
DTYPES = ("float32", "float64")
PARALLEL_TOLERANCE = 1e-12  # sin^2 of the angle between d1 and d2 below which they span no plane
SAME_POINT_RTOL = 1e-5  # a float32 path point this close to the centre (relative) is the centre, rounded


# --------------------------------------------------------------------------------------------------------------
# Directions
# --------------------------------------------------------------------------------------------------------------
def _check_model(model) -> Model:
    if not isinstance(model, Model):
        raise ValueError(f"model must be a ce_core.Model, got {type(model).__name__}")
    return model


def _check_direction(direction, shapes: dict, name: str) -> dict[str, np.ndarray]:
    """Return a direction as float64 arrays after checking it has exactly the keys and shapes of params."""
    checked = _checks.array_dict(direction, shapes, name)
    return {key: arr.astype(np.float64, copy=False) for key, arr in checked.items()}


def coordinate_direction(model: Model, name: str, index) -> dict[str, np.ndarray]:
    """The unit vector along one weight: zero everywhere except ``params[name][index] = 1``.

    ``coordinate_direction(model, "W", (k, j))`` moves w_kj alone, so J(alpha, beta) along two such directions is
    the classic picture of the loss as a function of two weights. index is a tuple of non-negative ints (an int
    is accepted for a bias vector).
    """
    shapes = _check_model(model).param_shapes()
    name = _checks.choice(name, "name", tuple(shapes))
    shape = shapes[name]
    index = (index,) if not isinstance(index, tuple | list) else tuple(index)
    if len(index) != len(shape):
        raise ValueError(f"index must have {len(shape)} entries for {name} of shape {shape}, got {index!r}")
    index = tuple(_checks.integer(i, "index", low=0, high=s - 1) for i, s in zip(index, shape, strict=True))
    direction = {key: np.zeros(s) for key, s in shapes.items()}
    direction[name][index] = 1.0
    return direction


def _normalize(direction: dict, params: dict, how: str) -> dict[str, np.ndarray]:
    """Rescale weight matrices row by row ("filter") or as a whole ("layer"), zero the biases. Unchecked."""
    out = {}
    for key, d in direction.items():
        p = params[key]
        if d.ndim == 1:
            # Li et al. set the bias (and batch-norm) entries of their directions to 0: a bias vector is not made of
            # filters with a scale to copy, and ours start at 0 (0.01 for relu), where a copied size would be ~0.
            out[key] = np.zeros_like(d)
            continue
        if how == "filter":  # one row per output unit: the "filter" of a fully connected layer
            target = np.linalg.norm(p, axis=1, keepdims=True)  # (out, 1)
            current = np.linalg.norm(d, axis=1, keepdims=True)
        else:
            target, current = np.linalg.norm(p), np.linalg.norm(d)
        # A zero row of d (or of params) gets scale 0: there is no size to copy, and 0/0 must not become NaN.
        scale = np.divide(target, current, out=np.zeros_like(current, dtype=np.float64), where=current > 0)
        out[key] = d * scale
    return out


def filter_normalize(direction, params) -> dict[str, np.ndarray]:
    """Li et al.'s filter normalisation: every row of every weight matrix gets the norm of the same row of params.

    ``d_r <- d_r * ||theta_r|| / ||d_r||`` for each row r of W (K, D), V1 (H1, F), V2 (H2, H1) (one row per output
    unit); bias vectors (1-D entries) become 0. direction and params are dicts with the same keys and shapes;
    returns a new dict, the inputs are not modified.
    """
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays, got {type(params).__name__}")
    shapes = {key: np.shape(value) for key, value in params.items()}
    checked_params = _check_direction(params, shapes, "params")
    return _normalize(_check_direction(direction, shapes, "direction"), checked_params, "filter")


def random_direction(model: Model, params, seed: int = 0, normalize: str = "filter") -> dict[str, np.ndarray]:
    """A Gaussian direction d ~ N(0, 1) per entry, rescaled to the size of params.

    normalize : "filter" (each row of each weight matrix to the norm of that row of params, biases 0; see
        :func:`filter_normalize`), "layer" (each weight matrix to the Frobenius norm of that matrix, biases 0), or
        "none" (the raw Gaussian, biases included: shows how uneven a slice is without rescaling).
    The same seed gives the same direction on any machine; use two seeds for d1 and d2.
    """
    params = _check_model(model).check_params(params)
    seed = _checks.integer(seed, "seed", low=0)
    normalize = _checks.choice(normalize, "normalize", NORMALIZATIONS)
    rng = np.random.default_rng(seed)
    direction = {key: rng.standard_normal(shape) for key, shape in model.param_shapes().items()}
    return direction if normalize == "none" else _normalize(direction, params, normalize)


def pca_directions(points, center) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two directions along which a training path moves most (Li et al.'s choice for drawing trajectories).

    Random directions in a space of thousands of weights are almost orthogonal to any training path, so its
    projection on them is a small knot near the centre. The top two principal directions of ``points - center``
    capture most of the path instead.

    Parameters
    ----------
    points : (t, P) flattened weights (Trajectory.points), t >= 2.   center : (P,), e.g. the final weights.

    Returns
    -------
    (d1, d2, explained) : two orthonormal (P,) vectors and the fraction of sum ||point - center||^2 along each,
    shape (2,). Signs are fixed so that the first point has non-negative coordinates.
    """
    points, center = _check_points(points, center)
    if points.shape[0] < 2:
        raise ValueError(f"points must hold at least 2 rows, got shape {points.shape}")
    diffs = points - center  # (t, P)
    _, sing, vt = np.linalg.svd(diffs, full_matrices=False)  # rows of vt: principal directions, (min(t, P), P)
    total = float((sing * sing).sum())
    if vt.shape[0] < 2 or total == 0.0 or sing[1] <= sing[0] * 1e-12:
        raise ValueError("points must not all lie on one line through center: they span no plane")
    d1, d2 = vt[0].copy(), vt[1].copy()
    for d in (d1, d2):
        if diffs[0] @ d < 0:
            d *= -1.0
    return d1, d2, sing[:2] ** 2 / total


# --------------------------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------------------------
def _check_axis(values, name: str) -> np.ndarray:
    arr = _checks.float_array(values, name, ndims=(1,)).astype(np.float64, copy=False)
    if arr.shape[0] > MAX_AXIS_POINTS:
        raise ValueError(f"{name} must have at most {MAX_AXIS_POINTS} values, got {arr.shape[0]}")
    return arr


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}") from exc
    if dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    return dt


def _stack(params: dict, d1: dict, d2: dict, key: str) -> np.ndarray:
    """[theta, d1, d2] for one parameter, flattened: shape (3, size)."""
    return np.stack([params[key].ravel(), d1[key].ravel(), d2[key].ravel()])


def _mean_cross_entropy(logits: np.ndarray, targets: np.ndarray, temperature: float) -> np.ndarray:
    """Mean over samples of ``logsumexp(u_i / T) - y_i . u_i / T`` for logits (g, K, n), targets (K, n): (g,).

    Classes run along the middle axis so that max and sum over K combine K contiguous rows of n values (a
    reduction over a last axis of length 4 is several times slower in numpy). float64 throughout, whatever the
    dtype of the layers below: the exp-sum and its log are where float32 would lose the small losses near a
    minimum, and the logits are the smallest array of the chunk.
    """
    s = _shift_along(logits.astype(np.float64), temperature, axis=1)  # a copy; the max of each sample becomes 0
    # With the targets of each sample summing to 1, y . (s - max) = y . s - max: the shift cancels as in losses.py.
    fit = s.reshape(s.shape[0], -1) @ targets.ravel()  # (g, K*n) @ (K*n,) -> (g,)
    np.exp(s, out=s)
    lse = np.log(s.sum(axis=1))  # (g, n)
    return lse.mean(axis=1) - fit / targets.shape[1]


def _objective(model: Model, params, X, y, d1, d2, coef: np.ndarray, *, l2, temperature, label_smoothing, chunk,
               dtype, on_progress) -> np.ndarray:  # fmt: skip
    """J(params + a d1 + b d2) at every row (1, a, b) of coef (G, 3), shape (G,): loss_surface's and
    loss_along_path's shared body. Validates every argument but coef, which the callers build from checked
    coordinates."""
    params = _check_model(model).check_params(params)
    shapes = model.param_shapes()
    X = model._check_X(X)
    n = X.shape[0]
    targets = _check_targets(y, n, model.n_classes)
    d1 = _check_direction(d1, shapes, "d1")
    d2 = _check_direction(d2, shapes, "d2")
    l2 = _checks.real_number(l2, "l2", low=0.0)
    temperature = _checks.positive_float(temperature, "temperature")
    label_smoothing = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    dt = _check_dtype(dtype)
    widths = (*model.hidden, model.n_classes)
    if chunk is None:
        chunk = max(1, CHUNK_BYTES // (n * max(widths) * dt.itemsize))
    chunk = _checks.integer(chunk, "chunk", low=1)
    if on_progress is not None and not callable(on_progress):
        raise ValueError(f"on_progress must be callable or None, got {type(on_progress).__name__}")

    if targets.ndim == 1:
        targets = target_matrix(targets, model.n_classes, label_smoothing)
    targets = np.ascontiguousarray(targets.T)  # (K, n): activations are stored unit by sample, see below
    params = {k: v.astype(np.float64, copy=False) for k, v in params.items()}
    layers = [(f"V{i + 1}", f"c{i + 1}") for i in range(len(model.hidden))] + [("W", "b")]

    # Activations are (g, units, n), the model's (n, units) transposed: batched matmuls, classes on the middle axis.
    Z0 = model._features(X)  # (n, F), float64
    first_w, first_b = layers[0]
    # Layer 1 is affine in gamma (module docstring): its three parts are computed once.
    first = np.stack([p[first_w] @ Z0.T + p[first_b][:, None] for p in (params, d1, d2)])  # (3, H1, n)
    first = first.reshape(3, -1).astype(dt)
    later = [
        (_stack(params, d1, d2, w).astype(dt), _stack(params, d1, d2, b).astype(dt), params[w].shape)
        for w, b in layers[1:]
    ]
    gram = np.zeros((3, 3))  # Q, in float64: ||gamma . [M, d1_M, d2_M]||^2 = gamma^T Q gamma
    for w, _ in layers:
        stacked = _stack(params, d1, d2, w)
        gram += stacked @ stacked.T  # (3, size) @ (size, 3) -> (3, 3)

    total = coef.shape[0]
    objective = np.empty(total)
    with np.errstate(over="ignore"):  # a coefficient beyond float32's range becomes inf: that point gives +inf
        coef_dt = coef.astype(dt)
    for start in range(0, total, chunk):
        gamma = coef_dt[start : start + chunk]  # (g, 3)
        g = gamma.shape[0]
        # Far out on the grid, weights or logits can overflow (float32 first): such points come out as inf or NaN
        # and are reported as +inf below, so numpy's warnings would only repeat that.
        with np.errstate(over="ignore", invalid="ignore"):
            out = (gamma @ first).reshape(g, -1, n)  # (g, 3) @ (3, H1*n) -> (g, H1, n)
            for w_stack, b_stack, (n_out, n_in) in later:
                _activate(model.activation, out, out=out)  # in place: the chunk's largest arrays
                weights = (gamma @ w_stack).reshape(g, n_out, n_in)  # M_g for every grid point of the chunk
                out = np.matmul(weights, out)  # (g, out, in) @ (g, in, n) -> (g, out, n)
                out += (gamma @ b_stack)[:, :, None]
            objective[start : start + g] = _mean_cross_entropy(out, targets, temperature)
        if on_progress is not None:
            on_progress((start + g) / total)
    if l2:
        with np.errstate(over="ignore", invalid="ignore"):
            objective += 0.5 * l2 * np.einsum("pi,ij,pj->p", coef, gram, coef)  # gamma_p^T Q gamma_p, every p
    objective[np.isnan(objective)] = np.inf  # inf - inf from overflowing logits: a certain, infinite loss
    return objective


def _coefficients(alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Rows gamma_p = (1, alphas[p], betas[p]) for paired coordinates of equal length t: shape (t, 3)."""
    coef = np.empty((alphas.size, 3))
    coef[:, 0] = 1.0
    coef[:, 1] = alphas
    coef[:, 2] = betas
    return coef


def loss_surface(model: Model, params, X, y, d1, d2, alphas, betas, *, l2=0.0, temperature=1.0, label_smoothing=0.0,
                 chunk=None, dtype="float32", on_progress=None) -> np.ndarray:  # fmt: skip
    """The training objective on the plane theta + alpha d1 + beta d2, for every (alpha, beta) of a grid.

    ``surface[j, i] = J(params + alphas[i] d1 + betas[j] d2)`` with J exactly Model.loss_and_grad's loss:
    ``1/n sum_i CE(u_i, y_i) + l2/2 (||W||^2 + ||V1||^2 + ||V2||^2)``, ``CE = logsumexp(u/T) - y . u/T``.

    Parameters
    ----------
    model, params : the network and the centre of the slice (alpha = beta = 0).
    X : array of shape (n, 2).   y : int labels (n,) or target distributions (n, K).
    d1, d2 : dicts with the keys and shapes of params (see coordinate_direction, random_direction).
    alphas : (A,) coefficients of d1, the columns of the result.   betas : (B,) coefficients of d2, the rows.
    l2, temperature, label_smoothing : as in Model.loss_and_grad.
    chunk : grid points evaluated together; None picks the largest chunk whose biggest activation array fits in
        CHUNK_BYTES (4 MB): fast (it stays in cache) and light on memory whatever the grid.
    dtype : "float32" (default: 2.5 times as fast; the layers run in float32, the cross-entropy in float64;
        relative error below 2e-7 for trained models of every architecture in our checks, tested at 1e-5) or
        "float64" (agrees with Model.loss_and_grad to round-off).
    on_progress : optional callable, called with the fraction done (0, 1] after each chunk.

    Returns
    -------
    surface : float64 array of shape (B, A), rows follow betas, as a heat map draws them. Points where the logits
    overflow give +inf.
    """
    alphas, betas = _check_axis(alphas, "alphas"), _check_axis(betas, "betas")
    grid = _coefficients(np.tile(alphas, betas.size), np.repeat(betas, alphas.size))  # row p: (a[p % A], b[p // A])
    surface = _objective(model, params, X, y, d1, d2, grid, l2=l2, temperature=temperature,
                         label_smoothing=label_smoothing, chunk=chunk, dtype=dtype,
                         on_progress=on_progress)  # fmt: skip
    return surface.reshape(betas.size, alphas.size)


def loss_along_path(model: Model, params, X, y, d1, d2, alphas, betas, *, l2=0.0, temperature=1.0,
                    label_smoothing=0.0, dtype="float64") -> np.ndarray:  # fmt: skip
    """The training objective at t points of the plane: ``J(params + alphas[t] d1 + betas[t] d2)``, shape (t,).

    The same J as :func:`loss_surface`, at paired coordinates instead of a grid: the loss along a path drawn on
    the slice, e.g. the (alpha_t, beta_t) of :func:`project_trajectory`. That is the loss on the slice, not at the
    path's own weights, unless the path lies in the slice (see :func:`off_slice_ratio`).

    alphas, betas : (t,) coefficients of d1 and d2.   dtype : "float64" (default: agrees with Model.loss_and_grad
    to round-off) or "float32". Every other argument as in loss_surface. Overflowing points give +inf.
    """
    alphas = _checks.float_array(alphas, "alphas", ndims=(1,)).astype(np.float64, copy=False)
    betas = _checks.float_array(betas, "betas", ndims=(1,)).astype(np.float64, copy=False)
    if alphas.shape != betas.shape:
        raise ValueError(f"alphas and betas must have the same shape (t,), got {alphas.shape} and {betas.shape}")
    return _objective(model, params, X, y, d1, d2, _coefficients(alphas, betas), l2=l2, temperature=temperature,
                      label_smoothing=label_smoothing, chunk=None, dtype=dtype, on_progress=None)  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Trajectories on the slice
# --------------------------------------------------------------------------------------------------------------
def _check_points(points, center) -> tuple[np.ndarray, np.ndarray]:
    points = _checks.float_array(points, "points", ndims=(1, 2)).astype(np.float64, copy=False)
    points = points[None, :] if points.ndim == 1 else points
    center = _checks.float_array(center, "center", ndims=(1,)).astype(np.float64, copy=False)
    if center.shape[0] != points.shape[1]:
        raise ValueError(f"center must have shape ({points.shape[1]},) like the rows of points, got {center.shape}")
    return points, center


def _project(points, center, d1, d2):
    points, center = _check_points(points, center)
    size = center.shape[0]
    basis = []
    for name, d in (("d1", d1), ("d2", d2)):
        if isinstance(d, dict):
            raise ValueError(f"{name} must be a flat (P,) vector here: use flatten_params(d, model.param_shapes())")
        d = _checks.float_array(d, name, ndims=(1,)).astype(np.float64, copy=False)
        if d.shape[0] != size:
            raise ValueError(f"{name} must have shape ({size},) like center, got {d.shape}")
        if not np.any(d):
            raise ValueError(f"{name} must not be the zero vector")
        basis.append(d)
    A = np.stack(basis, axis=1)  # (P, 2)
    gram = A.T @ A
    sin2 = 1.0 - gram[0, 1] ** 2 / (gram[0, 0] * gram[1, 1])  # sin^2 of the angle between d1 and d2
    if sin2 < PARALLEL_TOLERANCE:
        raise ValueError("d1 and d2 are parallel (or nearly): they span a line, not a plane; pick another d2")
    # Least squares through QR rather than the normal equations: an ill-conditioned (near-parallel) pair loses
    # half as many digits.
    Q, R = np.linalg.qr(A)  # (P, 2), (2, 2)
    diffs = points - center  # (t, P)
    coords = np.linalg.solve(R, Q.T @ diffs.T)  # (2, 2) \ ((2, P) @ (P, t)) -> (2, t)
    residual = np.linalg.norm(diffs - coords.T @ A.T, axis=1)  # (t,)
    return coords[0], coords[1], residual


def project_trajectory(points, center, d1, d2) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (alpha_t, beta_t) of a training path on the plane center + alpha d1 + beta d2.

    Least squares: ``(alpha_t, beta_t) = argmin ||point_t - center - alpha d1 - beta d2||``; d1 and d2 need not be
    orthogonal or of unit length (filter-normalised directions are neither), but must not be parallel.

    Parameters
    ----------
    points : (t, P) flattened weights, e.g. Trajectory.points (order of Model.param_shapes()), or one (P,) point.
    center : (P,) flattened centre of the slice.   d1, d2 : (P,) flattened directions (see flatten_params).

    Returns
    -------
    (alphas, betas) : two float64 arrays of shape (t,). See :func:`projection_residual` for how far each point
    lies off the plane: the surface drawn at (alpha_t, beta_t) is the loss there, not at point_t, unless it is 0.
    """
    alphas, betas, _ = _project(points, center, d1, d2)
    return alphas, betas


def projection_residual(points, center, d1, d2) -> np.ndarray:
    """Distance of each point from the plane: ``||point_t - center - alpha_t d1 - beta_t d2||``, shape (t,).

    Compare with ``||point_t - center||``: a ratio near 1 means the path leaves the slice almost at once (typical
    for random directions), near 0 means the picture shows where training really went.
    """
    return _project(points, center, d1, d2)[2]


def off_slice_ratio(points, center, d1, d2) -> float:
    """How far a path leaves the plane: the median over its points of ``residual_t / ||point_t - center||``.

    residual_t is :func:`projection_residual`. 0 means the path lies in the slice; near 1, it leaves the slice at
    once (typical of random directions), and the path drawn there is only its shadow. Points within
    SAME_POINT_RTOL * max(1, ||center||) of center are left out: a path stored in float32 (Trajectory.points)
    holds the centre itself only to float32 rounding, where the ratio is noise. 0.0 when no point is left.
    Arguments as in :func:`project_trajectory`.
    """
    points, center = _check_points(points, center)
    residual = projection_residual(points, center, d1, d2)  # (t,)
    distance = np.linalg.norm(points - center, axis=1)  # (t,)
    moved = distance > SAME_POINT_RTOL * max(1.0, float(np.linalg.norm(center)))
    return float(np.median(residual[moved] / distance[moved])) if moved.any() else 0.0


def span_for(alphas, betas, *, minimum: float = 1.0, margin: float = 0.1):
    """Grid ranges that hold the origin, [-minimum, minimum] and every projected point, plus a margin.

    Each range is widened by ``margin`` times its width on both sides, so the path never runs along the edge.

    Returns ((alpha_lo, alpha_hi), (beta_lo, beta_hi)), ready for np.linspace.
    """
    minimum = _checks.positive_float(minimum, "minimum")
    margin = _checks.real_number(margin, "margin", low=0.0, high=10.0)
    spans = []
    for name, values in (("alphas", alphas), ("betas", betas)):
        arr = _checks.float_array(values, name, ndims=(1,))
        lo, hi = min(float(arr.min()), -minimum), max(float(arr.max()), minimum)
        pad = margin * (hi - lo)
        spans.append((lo - pad, hi + pad))
    return spans[0], spans[1]


def flatten_direction(model: Model, direction) -> np.ndarray:
    """A direction dict as one (P,) vector in the order of Model.param_shapes(), ready for project_trajectory."""
    shapes = _check_model(model).param_shapes()
    return flatten_params(_check_direction(direction, shapes, "direction"), shapes)
