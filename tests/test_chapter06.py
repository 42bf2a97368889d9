"""Chapter 6's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples of articles C and E (docs/coverage.md) with PyTorch's numbers (the sigmoid
example where `.data` gives a zero gradient and `detach()` raises, the `x * x` example where both
give [2, 4], and the `numpy()` error), and the picture of memory and version counters.
"""

from __future__ import annotations

import pytest

from chapter_harness import assert_graph_drawn, assert_plotted, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "06_detach_data_and_inplace"
pytestmark = only_if_released(CHAPTER)

NO_NO_GRAD_EMA = (  # forgets to switch recording off
    "def ema_update_(target_params, online_params, decay):\n"
    "    for target, online in zip(target_params, online_params):\n"
    "        target.mul_(decay).add_(online * (1 - decay))")
ROUND_ONLY = "def straight_through_round(x):\n    return x.round()"  # rounds, loses the gradient
KEEPS_DATA = (  # copies the colleague's function: the .data write stays
    "def squashed_loss(x, w):\n"
    "    h = (x @ w).sigmoid()\n"
    "    h.data.clamp_(0.1, 0.9)\n"
    "    return (h ** 2).sum()")

# the first round of wrong answers: {exercise: (a wrong answer a student might write, strings
# its message must not show)}; the fourth round repeats its predictions
WRONG_ANSWERS_FIRST = {
    # sees the leaf error only, and misses the saved outputs of exp and relu
    "ex1_will_raise": ('will_raise = {"A", "F"}', ["'C'", "'G'", "{'A', 'C', 'F', 'G'}"]),
    # the true derivative of tanh, as if .data had changed nothing
    "ex2_tanh_data": ("predicted_tanh_grad = [0.7864, 0.42]", ["0.75"]),
    # thinks .data shares the version counter, as detach() does
    "ex3_versions": ("predicted_versions = (3, 3, 3, 0)", ["(2, 2, 1, 0)", "2, 2, 1"]),
    # ignores every detach()
    "ex4_predict_grads": ('predicted_grads = {"a": 234.0, "b": 168.0, "c": 36.0, "d": 54.0}',
                          ["117", "78", "None"]),
    "ex5_straight_through": (ROUND_ONLY, ["(x.round() - x).detach()"]),
    "ex6_ema_update": (NO_NO_GRAD_EMA, ["no_grad"]),
    "ex7_squashed_loss": (KEEPS_DATA, [".clamp(0.1, 0.9)\n"]),
}

# {round: {exercise: (answer, secrets)}}
WRONG_ANSWERS = {
    "first": WRONG_ANSWERS_FIRST,
    "second": {
        # counts .data's write as an error too, and misses relu's saved output
        "ex1_will_raise": ('will_raise = {"A", "C", "E", "F"}', ["'G'", "{'A', 'C', 'F', 'G'}"]),
        # a zero gradient, as in the sigmoid example
        "ex2_tanh_data": ("predicted_tanh_grad = [0.0, 0.0]", ["0.75"]),
        # thinks every tensor keeps a counter of its own
        "ex3_versions": ("predicted_versions = (1, 1, 1, 0)", ["(2, 2, 1, 0)", "2, 2, 1"]),
        # gives d a zero where backward never writes a .grad
        "ex4_predict_grads": ('predicted_grads = {"a": 117.0, "b": 78.0, "c": 36.0, "d": 0.0}',
                              ["None"]),
        # replaces x's values through .data: the _version check cannot see it
        "ex5_straight_through": ("def straight_through_round(x):\n"
                                 "    x.data = x.data.round()\n"
                                 "    return x",
                                 ["(x.round() - x).detach()"]),
        # writes through .data: right values, but no counter sees the write
        "ex6_ema_update": (
            "def ema_update_(target_params, online_params, decay):\n"
            "    for target, online in zip(target_params, online_params):\n"
            "        target.data.mul_(decay).add_(online.data * (1 - decay))",
            ["no_grad"],
        ),
        # clamps in place without .data: recorded, but sigmoid's saved output is changed
        "ex7_squashed_loss": ("def squashed_loss(x, w):\n"
                              "    h = (x @ w).sigmoid()\n"
                              "    h.clamp_(0.1, 0.9)\n"
                              "    return (h ** 2).sum()",
                              [".clamp(0.1, 0.9)\n"]),
    },
    "third": {
        # believes only a leaf changed with recording on raises
        "ex1_will_raise": ('will_raise = {"A"}', ["'C'", "'F'", "'G'"]),
        # 1 - y with y = 0.5: forgets the square
        "ex2_tanh_data": ("predicted_tanh_grad = [0.5, 0.5]", ["0.75"]),
        # thinks a new result starts from its input's version
        "ex3_versions": ("predicted_versions = (2, 2, 1, 2)", ["(2, 2, 1, 0)", "e._version is 0"]),
        # treats the detached h as a path for c's gradient too (h * h), and forgets a's factor
        "ex4_predict_grads": ('predicted_grads = {"a": 117.0, "b": 78.0, "c": 72.0, "d": None}',
                              ["36"]),
        # detaches the whole result: right values, no gradient path
        "ex5_straight_through": ("def straight_through_round(x):\n    return x.round().detach()",
                                 ["(x.round() - x).detach()"]),
        # binds the name to a new tensor: the targets never change
        "ex6_ema_update": (
            "def ema_update_(target_params, online_params, decay):\n"
            "    with torch.no_grad():\n"
            "        for target, online in zip(target_params, online_params):\n"
            "            target = decay * target + (1 - decay) * online",
            ["mul_(decay)"],
        ),
        # clamps a detached copy: the value is right, the gradient path is cut
        "ex7_squashed_loss": ("def squashed_loss(x, w):\n"
                              "    h = (x @ w).sigmoid().detach().clamp(0.1, 0.9)\n"
                              "    return (h ** 2).sum()",
                              [".sigmoid().clamp(0.1, 0.9)"]),
    },
    "fourth": {
        "ex1_will_raise": WRONG_ANSWERS_FIRST["ex1_will_raise"],
        "ex2_tanh_data": WRONG_ANSWERS_FIRST["ex2_tanh_data"],
        "ex3_versions": WRONG_ANSWERS_FIRST["ex3_versions"],
        "ex4_predict_grads": WRONG_ANSWERS_FIRST["ex4_predict_grads"],
        # rounds x in place under no_grad: allowed on a leaf, and counted
        "ex5_straight_through": ("def straight_through_round(x):\n"
                                 "    with torch.no_grad():\n"
                                 "        x.round_()\n"
                                 "    return x",
                                 ["(x.round() - x).detach()"]),
        # switches recording off for good
        "ex6_ema_update": (
            "def ema_update_(target_params, online_params, decay):\n"
            "    torch.set_grad_enabled(False)\n"
            "    for target, online in zip(target_params, online_params):\n"
            "        target.mul_(decay).add_(online * (1 - decay))",
            ["with torch.no_grad()"],
        ),
        # the straight-through trick: the clamp's value, the gradient as if it were not there
        "ex7_squashed_loss": ("def squashed_loss(x, w):\n"
                              "    h = (x @ w).sigmoid()\n"
                              "    h = h + (h.clamp(0.1, 0.9) - h).detach()\n"
                              "    return (h ** 2).sum()",
                              [".sigmoid().clamp(0.1, 0.9)"]),
    },
}


def test_numpy_refuses_and_detach_numpy_works(solved):
    text = printed(solved, "x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)\ntry:")
    assert text == ("RuntimeError: Can't call numpy() on Tensor that requires grad. "
                       "Use tensor.detach().numpy() instead.\n")
    assert printed(solved, "array = x.detach().numpy()") == "array([10., 20.])\n"


def test_detach_shares_the_counter_and_data_has_its_own(solved):
    assert printed(solved, "a = torch.tensor([1.0, 2.0])\na_detached = a.detach()") == (
        "tensor([10., 20.]) 1 1 0\n")
    assert printed(solved, "a = torch.ones(3)\nb = a.detach()") == "tensor([5., 4., 4.])\n2 2 1 0\n"


@pytest.mark.parametrize("first_line", ["import matplotlib.pyplot as plt",
                                        "draw_memory_and_counters({\"a\": a, \"b = a.detach()\""])
def test_the_memory_and_counters_are_pictured(solved, first_line):
    assert_plotted(code_cell(solved, first_line))


def test_the_sigmoid_example_data_is_silently_wrong(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.data.zero_()")
    assert text.endswith("tensor([0., 0.])\n"), text


def test_the_sigmoid_example_detach_raises(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.detach().zero_()")
    assert ("[torch.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; expected "
            "version 0 instead.") in text, text


def test_the_square_example_gives_2_and_4_both_ways(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\ny.data.zero_()")
    assert text.count("tensor([2., 4.])") == 2, text


def test_the_graphs_with_saved_tensors_are_drawn(solved):
    cells = [c for c in solved.cells if "show_saved=True" in c.source]
    assert len(cells) == 3
    for cell in cells:
        assert_graph_drawn(cell)
    # the saved inputs of x * x are drawn before backward() frees them
    square = code_cell(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\n"
                               "y.detach().zero_()\nz = y.sum()\ndraw_graph(")
    drawn = "".join(str(output.get("data", {})) for output in square.outputs)
    assert "freed" not in drawn and "_version: 0" in drawn, drawn[:500]
