"""Lessons: setups known to work, each with one sentence of what to notice (``?lesson=<key>`` in a link).

A lesson is a set of link values: opening it starts from the defaults, applies the lesson's values, then whatever
else the link says (a teacher's ``present=1`` or ``hide=...``). ``tests/unit/test_lessons.py`` trains every lesson
headless with ce_core and checks the claim its sentence makes. This module imports nothing of the app, so
``settings`` can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lesson:
    """One lesson: its link name, a title for the picker, what to notice, and its settings as link values."""

    key: str
    title: str
    notice: str  # one or two sentences: what to look at and what it shows
    values: dict = field(default_factory=dict)  # setting name -> value, as in a link


LESSONS = (
    Lesson(
        "linear",
        "1 · Straight boundaries: softmax regression on blobs",
        "Each boundary is where two logits tie, u_j = u_k, and u_k = w_k·x + b_k is linear in x: so the regions are "
        "cut by straight lines. Watch the grey arrows w_k turn towards their class; the red step arrows shrink as "
        "the loss falls.",
        {"dataset": "blobs", "K": "3", "lr": "0.5", "fps": "20", "spf": "1"},
    ),
    Lesson(
        "xor-linear",
        "2 · XOR: what a straight line cannot do",
        "No straight line splits XOR's four corners: after 1,000 steps the linear model still gets at least a third "
        "of the points wrong, and the loss stays near log 2 = 0.69, what guessing 50/50 scores.",
        {"dataset": "xor", "K": "2", "lr": "0.5", "fps": "20", "spf": "5"},
    ),
    Lesson(
        "xor-features",
        "3 · XOR with a feature map: degree-2 features",
        "The same linear softmax layer, on z = (x1, x2, x1², x1·x2, x2²): the product x1·x2 tells the corners apart, "
        "and the boundaries bend. The model is still linear in z.",
        {"dataset": "xor", "K": "2", "features": "poly2", "lr": "0.5", "fps": "20", "spf": "5"},
    ),
    Lesson(
        "circles-hidden",
        "4 · Circles: a hidden layer learns its own features",
        "No feature map this time: one hidden layer of 8 tanh units learns features that make the rings separable. "
        "Colour the plane by p of one class to see the closed boundary form.",
        {"dataset": "circles", "K": "2", "layers": "1", "width": "8", "lr": "0.5", "fps": "20", "spf": "5"},
    ),
    Lesson(
        "spiral",
        "5 · Spiral: depth and width",
        "Three interleaved arms need a flexible boundary: two hidden layers of 32 ReLU units with Adam pass 95% "
        "training accuracy in under 1,000 steps. Try one hidden layer instead: after 1,000 steps it is still below "
        "65%.",
        {
            "dataset": "spiral",
            "K": "3",
            "layers": "2",
            "width": "32",
            "act": "relu",
            "opt": "adam",
            "lr": "0.01",
            "fps": "20",
            "spf": "5",
        },
    ),
    Lesson(
        "lr-too-high",
        "6 · A learning rate too high: divergence",
        "At lr = 10 every step overshoots: press Step and watch the loss climb until, within 5 steps, the run stops "
        "as diverged. Reset, set the learning rate to 0.5 in the sidebar, and the same model trains.",
        {"dataset": "moons", "K": "2", "layers": "1", "width": "32", "lr": "10", "fps": "5", "spf": "1"},
    ),
    Lesson(
        "label-smoothing",
        "7 · Label smoothing: a target below 1",
        "With ε = 0.2 the target of the true class is y_y = 1 − ε + ε/K = 0.87, not 1. The selected point sits on "
        "the outer edge of a blob: press Step, and within 20 steps its p_y passes 0.87 and dL/du_y = p_y − y_y turns "
        "positive, so its own gradient now pushes u_y down; yet u_y still rises, as the rest of the batch pushes it "
        "up.",
        {"dataset": "blobs", "K": "3", "smooth": "0.2", "lr": "0.5", "fps": "20", "spf": "2"},
    ),
    Lesson(
        "temperature",
        "8 · Temperature: flatter probabilities, smaller steps",
        "p = softmax(u / T) with T = 3: the probabilities start flatter (the loss near log 3) and every gradient is "
        "divided by T, so training is slower than at T = 1 with the same learning rate. Try T = 0.3 to sharpen.",
        {"dataset": "blobs", "K": "3", "T": "3", "lr": "0.5", "fps": "20", "spf": "1"},
    ),
)
BY_KEY = {lesson.key: lesson for lesson in LESSONS}
KEYS = tuple(BY_KEY)
