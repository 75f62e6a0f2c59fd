"""The network f(x) = softmax(W z(x; V) + b): a fixed feature map, 0-2 trained hidden layers, a softmax layer.

Layout (one layout everywhere in this project): every weight matrix has one row per output unit.

    z0 = phi(x)                          features, shape (n, F)           (see features.py)
    a1 = z0 @ V1.T + c1 ; h1 = act(a1)   V1: (H1, F),  c1: (H1,)
    a2 = h1 @ V2.T + c2 ; h2 = act(a2)   V2: (H2, H1), c2: (H2,)
    z  = the last of z0, h1, h2          shape (n, D)
    u  = z @ W.T + b                     W: (K, D), row k is the class weight vector w_k;  b: (K,)
    p  = softmax(u / T)

Loss (mean over the n samples, plus an L2 penalty on weight matrices, never on biases):

    J = 1/n sum_i CE(u_i, y_i) + l2/2 (||W||^2 + ||V1||^2 + ||V2||^2)

Backpropagation, with G = (P - Y) / (n T) of shape (n, K):

    dJ/dW = G.T @ z + l2 W   (K, n) @ (n, D) -> (K, D)  (derivation 2's X^T (S - Y) / m, transposed)
    dJ/db = G.sum(0)
    dJ/dz = G @ W            (n, K) @ (K, D) -> (n, D), then through act' into the layer below, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks, features
from .losses import _check_targets, _loss_and_dlogits, target_matrix
from .softmax import _softmax

ACTIVATIONS = ("tanh", "relu", "sigmoid")
MAX_HIDDEN_LAYERS = 2
MAX_WIDTH = 64
DEFAULT_BOUNDS = (-3.0, 3.0, -3.0, 3.0)


def _activate(name: str, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """h = act(a), elementwise, with the shape of a; written into ``out`` when given (``out=a``: in place)."""
    if name == "tanh":
        return np.tanh(a, out=out)
    if name == "relu":
        return np.maximum(a, 0.0, out=out)
    # sigmoid(a) = (1 + tanh(a/2)) / 2: never overflows, unlike 1 / (1 + exp(-a)) for a << 0.
    h = np.multiply(a, 0.5, out=out)
    np.tanh(h, out=h)
    h += 1.0
    h *= 0.5
    return h


def _activation_grad_inplace(name: str, grad_h: np.ndarray, a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Turn dJ/dh into dJ/da in place: multiply by act'(a), written with h = act(a) where that is cheaper."""
    if name == "tanh":
        grad_h *= 1.0 - h * h  # tanh' = 1 - tanh^2
    elif name == "relu":
        grad_h *= a > 0.0  # the kink at 0 gets derivative 0
    else:
        grad_h *= h * (1.0 - h)  # sigmoid' = s (1 - s)
    return grad_h


@dataclass(frozen=True)
class ForwardPass:
    """Everything a forward pass computed, for n samples (shapes as in the module docstring)."""

    features: np.ndarray  # z0, (n, F)
    pre_activations: tuple  # (a1, a2, ...) each (n, H_l)
    hidden: tuple  # (h1, h2, ...) each (n, H_l)
    logits: np.ndarray  # u, (n, K)
    probs: np.ndarray  # p = softmax(u / T), (n, K)

    @property
    def z(self) -> np.ndarray:
        """The input of the last layer, shape (n, D): the last hidden layer, or the features if there is none."""
        return self.hidden[-1] if self.hidden else self.features


@dataclass(frozen=True)
class Model:
    """Architecture of the classifier; the weights live in a separate params dict (see :meth:`init`)."""

    n_classes: int  # K, 2 to 8 in the app (any K >= 2 here)
    features: str = "identity"  # fixed feature map phi: identity, poly2, poly3, rbf, fourier
    hidden: tuple = ()  # widths of 0, 1 or 2 trained hidden layers, each 1..64
    activation: str = "tanh"  # hidden-layer non-linearity: tanh, relu or sigmoid
    input_bounds: tuple = DEFAULT_BOUNDS  # (x1_min, x1_max, x2_min, x2_max): where rbf bumps sit, fourier scale
    feature_seed: int = 0  # seed of the random Fourier frequencies
    _layer_names: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        _checks.integer(self.n_classes, "n_classes", low=2)
        _checks.choice(self.features, "features", features.FEATURE_MAPS)
        _checks.choice(self.activation, "activation", ACTIVATIONS)
        hidden = self.hidden
        if isinstance(hidden, int | np.integer) and not isinstance(hidden, bool):
            hidden = (hidden,)
        if not isinstance(hidden, tuple | list) or len(hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"hidden must be a tuple of 0 to {MAX_HIDDEN_LAYERS} layer widths, got {hidden!r}")
        hidden = tuple(_checks.integer(w, "hidden width", low=1, high=MAX_WIDTH) for w in hidden)
        object.__setattr__(self, "hidden", hidden)
        bounds = tuple(_checks.real_number(v, "input_bounds") for v in np.asarray(self.input_bounds).ravel())
        if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
            raise ValueError(f"input_bounds must be (x1_min, x1_max, x2_min, x2_max) with min < max, got {bounds}")
        object.__setattr__(self, "input_bounds", bounds)
        _checks.integer(self.feature_seed, "feature_seed", low=0)
        object.__setattr__(self, "_layer_names", tuple(f"{i + 1}" for i in range(len(hidden))))

    # ---------------------------------------------------------------------------------------------------------
    # Shapes and construction
    # ---------------------------------------------------------------------------------------------------------
    @classmethod
    def for_data(cls, X, n_classes: int, margin: float = 0.1, **kwargs) -> Model:
        """A model whose ``input_bounds`` cover the data X (n, 2) plus a margin of 10% of the span on each side."""
        X = _checks.float_array(X, "X", ndims=(2,))
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.maximum(hi - lo, 1e-3) * margin
        bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        return cls(n_classes, input_bounds=tuple(float(v) for v in bounds), **kwargs)

    @property
    def n_features(self) -> int:
        """F, the number of features phi(x) produces."""
        return features.n_features(self.features)

    @property
    def n_last_inputs(self) -> int:
        """D, the length of z (the input of the softmax layer)."""
        return self.hidden[-1] if self.hidden else self.n_features

    @property
    def is_linear(self) -> bool:
        """True for multinomial logistic regression on the raw input (z = x), where w_k can be drawn as arrows."""
        return self.features == "identity" and not self.hidden

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of every parameter, in the order the layers are applied, e.g. {'V1': (32, 2), ..., 'b': (4,)}."""
        shapes, fan_in = {}, self.n_features
        for name, width in zip(self._layer_names, self.hidden, strict=True):
            shapes[f"V{name}"] = (width, fan_in)
            shapes[f"c{name}"] = (width,)
            fan_in = width
        shapes["W"] = (self.n_classes, fan_in)
        shapes["b"] = (self.n_classes,)
        return shapes

    def n_params(self) -> int:
        """Total number of trained numbers."""
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    def init(self, seed: int = 0, X=None) -> dict[str, np.ndarray]:
        """Fresh float64 parameters, the same for the same seed on any machine (numpy's PCG64 is portable).

        Hidden weights use Glorot (tanh, sigmoid) or He (relu) scaling so activations neither vanish nor saturate;
        W gets small random rows (so each w_k has a direction to draw) and b starts at 0, which makes the
        initial loss close to log K. ``X`` (n, 2), when given, is only checked to be 2D input this model accepts.
        """
        seed = _checks.integer(seed, "seed", low=0)
        if X is not None:
            self._check_X(X)
        rng = np.random.default_rng(seed)
        params = {}
        for name, shape in self.param_shapes().items():
            if name.startswith(("b", "c")):
                # ReLU units start slightly on: a pre-activation of exactly 0 sits on the kink, where the
                # gradient is undefined and a finite-difference check cannot agree with backpropagation.
                bias = 0.01 if name.startswith("c") and self.activation == "relu" else 0.0
                params[name] = np.full(shape, bias)
                continue
            fan_out, fan_in = shape
            if name == "W":
                std = 0.5 / np.sqrt(fan_in)
            elif self.activation == "relu":
                std = np.sqrt(2.0 / fan_in)
            else:
                std = np.sqrt(2.0 / (fan_in + fan_out))
            params[name] = rng.normal(0.0, std, size=shape)
        return params

    # ---------------------------------------------------------------------------------------------------------
    # Validation at the boundary
    # ---------------------------------------------------------------------------------------------------------
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        arr = _checks.float_array(X, name, ndims=(2,))
        if arr.shape[1] != 2:
            raise ValueError(f"{name} must have shape (n, 2), got shape {arr.shape}")
        return arr

    def check_params(self, params) -> dict[str, np.ndarray]:
        """Return params as float arrays after checking keys, shapes and finiteness."""
        return _checks.array_dict(params, self.param_shapes(), "params")

    # ---------------------------------------------------------------------------------------------------------
    # Unchecked internals (the trainer calls these on every step)
    # ---------------------------------------------------------------------------------------------------------
    def _features(self, X: np.ndarray) -> np.ndarray:
        return features.apply(self.features, X, self.input_bounds, self.feature_seed)

    def _hidden_and_logits(self, params, Z0: np.ndarray):
        """Pre-activations, activations (tuples, one entry per hidden layer) and logits (n, K)."""
        pre, hidden, h = [], [], Z0
        for name in self._layer_names:
            a = h @ params[f"V{name}"].T  # (n, F) @ (F, H) -> (n, H)
            a += params[f"c{name}"]
            h = _activate(self.activation, a)
            pre.append(a)
            hidden.append(h)
        logits = h @ params["W"].T  # (n, D) @ (D, K) -> (n, K)
        logits += params["b"]
        return tuple(pre), tuple(hidden), logits

    def _forward(self, params, Z0: np.ndarray, temperature: float = 1.0) -> ForwardPass:
        pre, hidden, logits = self._hidden_and_logits(params, Z0)
        return ForwardPass(Z0, pre, hidden, logits, _softmax(logits, temperature))

    def _loss_and_grad(self, params, Z0, targets, l2=0.0, temperature=1.0, label_smoothing=0.0):
        """Loss, grads and the details of this evaluation, from precomputed features Z0. Unchecked.

        Returns (loss, grads, detail) with detail = (forward pass without probs, per-sample losses, P - Y).
        """
        pre, hidden, logits = self._hidden_and_logits(params, Z0)
        h, W = (hidden[-1] if hidden else Z0), params["W"]
        losses, diff, probs = _loss_and_dlogits(logits, targets, temperature, label_smoothing)
        n = Z0.shape[0]
        grad_u = diff * (1.0 / (n * temperature))  # G = (P - Y) / (n T), (n, K)
        loss = float(losses.mean())
        grads = {"W": grad_u.T @ h, "b": grad_u.sum(axis=0)}  # (K, n) @ (n, D) -> (K, D)
        if l2:
            grads["W"] += l2 * W
            loss += 0.5 * l2 * float(np.vdot(W, W))
        grad_h = grad_u @ W if self.hidden else None  # (n, K) @ (K, D) -> (n, D)
        for i in range(len(self.hidden) - 1, -1, -1):
            name = self._layer_names[i]
            grad_a = _activation_grad_inplace(self.activation, grad_h, pre[i], hidden[i])
            below = hidden[i - 1] if i > 0 else Z0
            V = params[f"V{name}"]
            grads[f"V{name}"] = grad_a.T @ below  # (H, n) @ (n, F) -> (H, F)
            grads[f"c{name}"] = grad_a.sum(axis=0)
            if l2:
                grads[f"V{name}"] += l2 * V
                loss += 0.5 * l2 * float(np.vdot(V, V))
            if i > 0:
                grad_h = grad_a @ V  # (n, H) @ (H, F) -> (n, F)
        forward = ForwardPass(Z0, pre, hidden, logits, probs)
        return loss, grads, (forward, losses, diff)

    # ---------------------------------------------------------------------------------------------------------
    # Public API
    # ---------------------------------------------------------------------------------------------------------
    def features_of(self, X) -> np.ndarray:
        """z0 = phi(X), shape (n, F)."""
        return self._features(self._check_X(X))

    def forward(self, params, X, *, temperature: float = 1.0) -> ForwardPass:
        """Run the network on X (n, 2); returns features, hidden activations, logits (n, K) and probs (n, K)."""
        params = self.check_params(params)
        temperature = _checks.positive_float(temperature, "temperature")
        return self._forward(params, self._features(self._check_X(X)), temperature)

    def predict_proba(self, params, X, *, temperature: float = 1.0) -> np.ndarray:
        """p = softmax(f(X) / T), shape (n, K)."""
        return self.forward(params, X, temperature=temperature).probs

    def loss_and_grad(self, params, X, y, *, l2=0.0, temperature=1.0, label_smoothing=0.0):
        """Mean cross-entropy plus ``l2/2 * sum of squared weight matrices``, and its gradient.

        Parameters
        ----------
        params : dict of arrays with the shapes of :meth:`param_shapes`.
        X : array of shape (n, 2).
        y : int labels (n,) or target distributions (n, K).
        l2 : float >= 0, weight decay on W and the V's (never biases).
        temperature : T > 0.  label_smoothing : eps in [0, 1] (for int labels).

        Returns
        -------
        (loss, grads) : a float and a dict with the keys and shapes of params.
        For features="identity", hidden=(): ``grads["W"] == (P - Y).T @ X / n + l2 * W``.
        """
        params = self.check_params(params)
        X = self._check_X(X)
        targets = _check_targets(y, X.shape[0], self.n_classes)
        l2 = _checks.real_number(l2, "l2", low=0.0)
        temperature = _checks.positive_float(temperature, "temperature")
        label_smoothing = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
        if targets.ndim == 2:
            targets, label_smoothing = targets.astype(X.dtype, copy=False), 0.0
        loss, grads, _ = self._loss_and_grad(params, self._features(X), targets, l2, temperature, label_smoothing)
        return loss, grads

    def targets_of(self, labels, label_smoothing: float = 0.0) -> np.ndarray:
        """The target rows y used in the loss for int labels (n,): ``(1 - eps) onehot + eps / K``, shape (n, K)."""
        n_labels = np.shape(labels)[0] if np.ndim(labels) else 1  # a scalar gets the shape message, not IndexError
        labels = _checks.labels(labels, "labels", n_labels, self.n_classes)
        eps = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
        return target_matrix(labels, self.n_classes, eps)
