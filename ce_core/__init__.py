"""ce_core: the math of Cross-Entropy Playground, in numpy only.

Softmax and cross-entropy with their gradients, a small network f(x) = softmax(W z(x; V) + b), optimizers, toy
datasets, a training loop, gradient checks and the decision grid. Every number the app shows comes from here.
See the README's glossary for the notation (x, z, W, b, u, p, y, T, lr, l2).
"""

from ._malloc import keep_heap_slack
from .datasets import (
    DATASETS,
    make_dataset,
    neighbour_agreement,
    outer_edge_points,
    split_indices,
    standardize,
    train_test_split,
)
from .features import FEATURE_MAPS, feature_names
from .frames import ENDED_DIVERGED, ENDED_LIMIT, Chunk, Frame, FrameSpec, SelectedPoint, capture_frame, play_chunk
from .gradcheck import GradCheck, check_grads, compare_grads, max_relative_error, numerical_grad
from .grid import DecisionGrid, decision_grid
from .history import History, ThinningBuffer, Trajectory, flatten_params, thin_rows, unflatten_params
from .landscape import (
    NORMALIZATIONS,
    coordinate_direction,
    filter_normalize,
    flatten_direction,
    loss_along_path,
    loss_surface,
    off_slice_ratio,
    pca_directions,
    project_trajectory,
    projection_residual,
    random_direction,
    span_for,
)
from .losses import (
    ChainRuleTerms,
    batch_weight_grad,
    chain_rule_terms,
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_with_grad,
    grad_via_jacobian,
)
from .model import ACTIVATIONS, ForwardPass, Model
from .optim import SCHEDULES, SGD, Adam
from .predict import KINDS as QUESTION_KINDS
from .predict import Element, PointRef, Question, Skip, ask, look_ahead
from .race import OPTIMIZER_NAMES, RaceConfig, RaceResult, make_optimizer, run_race
from .softmax import log_softmax, softmax, softmax_jacobian
from .trainer import LastBatch, Snapshot, Trainer, class_grad_norms, divergence_loss_limit

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "ENDED_DIVERGED",
    "ENDED_LIMIT",
    "FEATURE_MAPS",
    "NORMALIZATIONS",
    "OPTIMIZER_NAMES",
    "QUESTION_KINDS",
    "SCHEDULES",
    "SGD",
    "Adam",
    "ChainRuleTerms",
    "Chunk",
    "DecisionGrid",
    "Element",
    "ForwardPass",
    "Frame",
    "FrameSpec",
    "GradCheck",
    "History",
    "LastBatch",
    "Model",
    "PointRef",
    "Question",
    "RaceConfig",
    "RaceResult",
    "SelectedPoint",
    "Skip",
    "Snapshot",
    "ThinningBuffer",
    "Trainer",
    "Trajectory",
    "ask",
    "batch_weight_grad",
    "capture_frame",
    "chain_rule_terms",
    "check_grads",
    "class_grad_norms",
    "compare_grads",
    "coordinate_direction",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_with_grad",
    "decision_grid",
    "divergence_loss_limit",
    "feature_names",
    "filter_normalize",
    "flatten_direction",
    "flatten_params",
    "grad_via_jacobian",
    "log_softmax",
    "look_ahead",
    "loss_along_path",
    "loss_surface",
    "make_dataset",
    "make_optimizer",
    "max_relative_error",
    "neighbour_agreement",
    "numerical_grad",
    "off_slice_ratio",
    "outer_edge_points",
    "pca_directions",
    "play_chunk",
    "project_trajectory",
    "projection_residual",
    "random_direction",
    "run_race",
    "softmax",
    "softmax_jacobian",
    "span_for",
    "split_indices",
    "standardize",
    "thin_rows",
    "train_test_split",
    "unflatten_params",
]

keep_heap_slack()
