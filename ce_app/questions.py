"""The words of a prediction question: its text, its choices and one sentence of why, from ce_core's numbers.

``ce_core.predict`` answers a question by looking ahead and returns ids and numbers; this module puts them into
sentences. Everything returned is plain text: class names can come from an uploaded file, so pass each string
through ``ce_app.text.plain`` before an element that renders Markdown. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ce_core import predict
from ce_core.predict import Element, PointRef, Question, Skip

from . import numbers

# A short title per kind, for a picker of questions.
TITLES = {
    "p_y_direction": "Will p_y rise or fall?",
    "dldu_sign": "Will dL/du_y be positive?",
    "largest_move": "Which w_k moves most?",
    "region_growth": "Which region grows most?",
    "loss_below": "Will the loss be below a value?",
    "in_batch": "Is the point in the next batch?",
    "loss_trend": "Will the loss fall, rise or diverge?",
    "point_correct": "Will the point be classified correctly?",
}


@dataclass(frozen=True)
class Worded:
    """A question ready to show: what to ask, the choices, and what the reveal says."""

    kind: str  # ce_core.predict kind id
    text: str  # the question, with the numbers the student sees now
    choices: tuple  # ((choice id, label), ...) in the order to show
    answer: str  # the right choice id
    why: str  # one sentence for the reveal, from the numbers after the steps
    element: Element  # the part of the stage that tells


# ---------------------------------------------------------------------------------------------------------------
# Numbers in sentences: the app's one number format (ce_app/numbers.py), as the stage writes them
# ---------------------------------------------------------------------------------------------------------------
def number(value: float, digits: int = 3) -> str:
    """``value`` in at most ``digits`` significant digits (``numbers.fmt``); '–' when not finite."""
    return numbers.fmt(value, digits)


def signed(value: float, digits: int = 3) -> str:
    """A change with its sign always shown: +0.016, −0.2 (a real minus sign)."""
    text = number(value, digits)
    return "+" + text if value > 0 else text


def percent(share: float) -> str:
    """A share of 0..1 as a percentage with one decimal (``numbers.percent``)."""
    return numbers.percent(share)


def _name(class_names, k: int) -> str:
    return str(class_names[k]) if class_names is not None and k < len(class_names) else str(k)


def _span(steps: int) -> str:
    return "1 step" if steps == 1 else f"{numbers.integer(steps)} steps"


def _after(steps: int) -> str:
    return "the next step" if steps == 1 else f"the next {_span(steps)}"


# ---------------------------------------------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------------------------------------------
def _p_y_direction(n: dict, names) -> tuple[str, tuple, str]:
    text = (f"Point {n['row']} (class {_name(names, n['label'])}) has p_y = {number(n['p_before'])}. "
            f"After {_after(n['steps'])}, will p_y rise or fall?")  # fmt: skip
    why = f"p_y went from {number(n['p_before'])} to {number(n['p_after'])} ({signed(n['change'])})"
    if n["steps"] == 1 and n["in_batch"]:
        why += f"; the point was in this step's batch, where its dL/du_y = {signed(n['dldu_before'])}"
        why += " asked for a larger u_y" if n["dldu_before"] < 0 else " asked for a smaller u_y"
    elif n["steps"] == 1:
        why += "; the point was not in this step's batch: it moved because it shares the weights that moved"
    if n["sign_changed"]:
        why += f", and dL/du_y changed sign ({signed(n['dldu_before'])} to {signed(n['dldu_after'])})"
    return text, (("rise", "It rises"), ("fall", "It falls")), why + "."


def _dldu_sign(n: dict, names) -> tuple[str, tuple, str]:
    text = (f"Point {n['row']}: p_y is {number(n['p_before'])} and its target y_y is {number(n['target'])}. "
            f"After {_after(n['steps'])}, is dL/du_y = (p_y − y_y)/T positive or negative?")  # fmt: skip
    above = n["dldu_after"] > 0
    after = "the step" if n["steps"] == 1 else _span(n["steps"])
    why = (f"After {after} p_y = {number(n['p_after'])} is {'above' if above else 'below'} its target "
           f"{number(n['target'])}, so dL/du_y = {signed(n['dldu_after'])}")  # fmt: skip
    why += (": this point's own gradient now asks for a smaller u_y." if above
            else ": this point's own gradient still asks for a larger u_y.")  # fmt: skip
    return text, (("positive", "Positive"), ("negative", "Negative")), why


def _class_choices(n_classes: int, names) -> tuple:
    return tuple((str(k), f"class {_name(names, k)}") for k in range(n_classes))


def _largest_move(n: dict, names) -> tuple[str, tuple, str]:
    text = f"Which class's weight vector w_k will move most in {_after(n['steps'])}?"
    first, second, moves, grads = n["first"], n["second"], n["moves"], n["grad_norms"]
    why = (f"w_{_name(names, first)} moves {number(moves[first])}, the most; w_{_name(names, second)} moves "
           f"{number(moves[second])} (this batch's |dJ/dw_k|: {number(grads[first])} and "
           f"{number(grads[second])}).")  # fmt: skip
    return text, _class_choices(len(moves), names), why


def _region_growth(n: dict, names) -> tuple[str, tuple, str]:
    text = f"Which class's region will grow most in {_after(n['steps'])}?"
    first, second = n["first"], n["second"]
    why = (f"Class {_name(names, first)}'s region goes from {percent(n['shares_before'][first])} to "
           f"{percent(n['shares_after'][first])} of the plane, the largest gain; class {_name(names, second)} "
           f"changes by {signed(100 * n['gains'][second], 2)} percentage points.")  # fmt: skip
    return text, _class_choices(len(n["gains"]), names), why


def _loss_below(n: dict, names) -> tuple[str, tuple, str]:
    text = (f"The training loss is {number(n['before'])}. Will it be below {number(n['threshold'], 4)} after "
            f"{_after(n['steps'])}?")  # fmt: skip
    below = n["after"] < n["threshold"]
    why = (f"After {_span(n['steps'])} the training loss is {number(n['after'])}, "
           f"{'below' if below else 'not below'} {number(n['threshold'], 4)}.")  # fmt: skip
    return text, (("yes", "Yes, below"), ("no", "No")), why


def _in_batch(n: dict, names) -> tuple[str, tuple, str]:
    text = (f"Is point {n['row']} in the next step's mini-batch ({numbers.integer(n['batch_size'])} of the "
            f"{numbers.integer(n['n_train'])} training points)?")  # fmt: skip
    why = (f"Point {n['row']} was {'in' if n['answer'] == 'in' else 'not in'} the batch; its u_y moved "
           f"{signed(n['du_y'])}. The u_y of points in the batch moved by {number(n['mean_du_in'])} on average, of the "
           f"others by {number(n['mean_du_out'])}: every point moves, since they all share the weights.")  # fmt: skip
    return text, (("in", "In the batch"), ("out", "Not in it")), why


def _loss_trend(n: dict, names) -> tuple[str, tuple, str]:
    at_lr = f" at lr = {number(n['lr'])}" if n.get("lr_changed") else ""
    text = (f"The training loss is {number(n['before'])}. Will {_after(n['steps'])}{at_lr} lower it, raise it, "
            "or make the run diverge?")  # fmt: skip
    if n["reason"]:
        why = f"The run diverged after {_span(n['steps_run'])}: {n['reason']}."
    else:
        why = f"Over {_span(n['steps'])} the training loss went from {number(n['before'])} to {number(n['after'])}."
    choices = (("lower", "Lower"), ("higher", "Higher"), ("diverge", "The run diverges"))
    return text, choices, why


def _point_correct(n: dict, names) -> tuple[str, tuple, str]:
    text = (f"Point {n['row']} (class {_name(names, n['label'])}) is predicted as class "
            f"{_name(names, n['predicted_before'])} now. After {_after(n['steps'])}, will it be classified as its "
            "own class?")  # fmt: skip
    right = n["margin_after"] > 0
    why = (f"After {_span(n['steps'])} its p_y is {number(n['p_y_after'])}: predicted as class "
           f"{_name(names, n['predicted_after'])}, {'right' if right else 'wrong'}, by a margin of "
           f"{number(abs(n['margin_after']))} over the next class.")  # fmt: skip
    return text, (("yes", "Yes"), ("no", "No")), why


_WORDS = {
    "p_y_direction": _p_y_direction,
    "dldu_sign": _dldu_sign,
    "largest_move": _largest_move,
    "region_growth": _region_growth,
    "loss_below": _loss_below,
    "in_batch": _in_batch,
    "loss_trend": _loss_trend,
    "point_correct": _point_correct,
}


def word(question: Question, class_names=None) -> Worded:
    """The question's text, choice labels and why sentence (``class_names[k]`` names class k; default its number)."""
    numbers = {**question.numbers, "answer": question.answer}
    text, choices, why = _WORDS[question.kind](numbers, class_names)
    return Worded(question.kind, text, choices, question.answer, why, question.element)


def look_at(element: Element, class_names=None) -> str:
    """Where the answer shows on the stage, in words: the part the reveal highlights."""
    k, name = element.index, _name(class_names, element.index or 0)
    words = {
        "bar": f"the p bar of class {name}",
        "row": f"class {name}'s row of the table (dL/du_k)",
        "arrow": f"the weight arrow w_k of class {name}",
        "region": f"class {name}'s region of the plane",
        "curve": "the training loss",
        "batch": f"the box around point {k} (the last mini-batch)",
        "point": f"point {k} on the plane",
    }
    return words.get(element.kind, "the stage")


# ---------------------------------------------------------------------------------------------------------------
# Skips
# ---------------------------------------------------------------------------------------------------------------
def skip_reason(skip: Skip) -> str:
    """One sentence saying why a question was not asked."""
    n, kind = skip.numbers, skip.kind
    if skip.reason == predict.DIVERGED:
        return "The run has diverged: nothing moves until you reset it."
    if skip.reason == predict.DIVERGES:
        return (f"The run diverges within {_after(n['steps'])}, so this is not what will show; ask whether the "
                "loss falls instead.")  # fmt: skip
    if skip.reason == predict.TEST_POINT:
        return f"Point {n['row']} is a test point: it is never in a batch."
    if skip.reason == predict.FULL_BATCH:
        return "Every training point is in every batch: the batch is the whole training set."
    if kind == "largest_move":
        return f"The two largest moves differ by {percent(n['gap'])}: a coin toss."
    if kind == "region_growth" and skip.reason == predict.TOO_SMALL:
        return f"No region gains even {percent(n['tie'])} of the plane in {_span(n['steps'])}: nothing to see."
    if kind == "region_growth":
        gap = 100 * (n["gains"][n["first"]] - n["gains"][n["second"]])
        return f"The two largest gains differ by {number(gap, 2)} points of the plane: a coin toss."
    if kind == "p_y_direction":
        return f"p_y changes by only {signed(n['change'])}: too small to see, a coin toss."
    if kind == "dldu_sign":
        return (f"p_y ends at {number(n['p_after'], 4)}, within {number(n['tie'])} of its target "
                f"{number(n['target'], 4)}: the sign is a coin toss.")  # fmt: skip
    if kind == "loss_below":
        return (f"The loss ends at {number(n['after'], 4)}, within {percent(n['tie'])} of {number(n['threshold'])}: "
                "a coin toss.")  # fmt: skip
    if kind == "loss_trend":
        return (f"The loss barely moves ({number(n['before'], 4)} to {number(n['after'], 4)}): up or down is a "
                "coin toss.")  # fmt: skip
    if kind == "point_correct":
        return f"The point ends on a boundary (p_y within {number(n['tie'])} of another class): a coin toss."
    return "This question does not apply now."


# ---------------------------------------------------------------------------------------------------------------
# The point a question is about
# ---------------------------------------------------------------------------------------------------------------
def point_ref(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, row: int) -> PointRef:
    """Row ``row`` of the app's dataset (X (n, 2), y (n,)), with its place among the training rows ``train_idx``
    (sorted, as ``state.Dataset.train_idx``) or None for a held-out point."""
    position = int(np.searchsorted(train_idx, row))
    train_index = position if position < len(train_idx) and train_idx[position] == row else None
    return PointRef(int(row), (float(X[row, 0]), float(X[row, 1])), int(y[row]), train_index)
