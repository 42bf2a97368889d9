"""Chapter 1's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, only_if_released, printed, shown
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "01_tensors_and_leaves"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # forgets that a sum of something that requires grad requires grad
    "ex1_requires_grad": ('requires_grad_names = {"q", "s"}', ["'t'", "{'q', 's', 't'}"]),
    # thinks only tensors you typed in are leaves
    "ex2_leaves": ('leaf_names = {"p", "q"}', ["'r'", "'u'", "['p', 'q', 'r', 'u']"]),
    # gets the derivative of 2*b**3 wrong by hand instead of asking autograd
    "ex3_grads_of": (
        "def grads_of(a_value, b_value):\n    return float(2 * a_value), float(6 * b_value)",
        ["(2.0, 6.0)"],
    ),
    # the source article's mistake, and a zero for the data
    "ex4_line_grads": ('predicted_grads = {"x": 0.0, "w": 2.0, "b": 1.0}', ["3.0", "None"]),
    # forgets leaves and retain_grad()
    "ex5_gets_grad": ("def gets_grad(tensor):\n    return tensor.requires_grad",
                      ["is_leaf", "retains_grad"]),
    # turns the kept ones on but never freezes the others
    "ex6_freeze": (
        "def freeze(params, keep):\n    for name in keep:\n"
        "        params[name].requires_grad_(True)",
        ["name in keep"],
    ),
}


def test_the_first_backward_gives_4_and_96(solved):
    text = printed(solved, "y.backward()\nprint(a.grad)")
    assert text == "tensor([4.])\ntensor([96.])\n"


def test_the_mean_example_gives_4_5(solved):
    assert "4.5000" in shown(solved, "out.backward()\nx.grad")


def test_the_line_example_gives_3_not_2(solved):
    assert printed(solved, "y.backward()\nprint(x.grad, w.grad, b.grad)") == (
        "None tensor(3.) tensor(1.)\n")


def test_retain_grad_keeps_an_intermediate_gradient(solved):
    first_lines = "x = torch.ones(2, 2, requires_grad=True)\ny = x + 2\ny.retain_grad()"
    text = printed(solved, first_lines)
    assert text.startswith("True True\ntensor([[0.2500, 0.2500],")


def test_the_graph_is_drawn(solved):
    assert_graph_drawn(next(c for c in solved.cells if "draw_graph(y" in c.source))
