"""Chapter 1's own checks (tests/test_chapters.py runs the generic ones).

Plausible wrong answers to each exercise, in rounds, must fail the visible tests with a message
that says what was expected and gives a hint, without printing the answer, and fail the hidden
tests on their own; and the chapter must show the worked examples it promises, with PyTorch's
numbers.
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, assert_plotted, code_cell, only_if_released, printed, shown
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "01_tensors_and_leaves"
pytestmark = only_if_released(CHAPTER)


def _nudge(slopes: str, dtype: str = ", dtype=torch.float64") -> str:
    """A nudge_grads whose y is computed on tensors of the given dtype, returning `slopes`."""
    return ("def nudge_grads(a_value, b_value, h):\n"
            "    def y(a, b):\n"
            f"        return (torch.tensor(a{dtype})**2 + 2 * torch.tensor(b{dtype})**3).item()\n"
            f"    return {slopes}")


TWO_SIDED = ("(y(a_value + h, b_value) - y(a_value - h, b_value)) / (2 * h), "
             "(y(a_value, b_value + h) - y(a_value, b_value - h)) / (2 * h)")


def _gap(nudged: str, total: str = "max(gaps)", dtype: str = ", dtype=torch.float64") -> str:
    """A worst_nudge_gap that estimates element i's slope with `nudged` (using up, down, base)."""
    return ("def worst_nudge_gap(f, x, h):\n"
            "    values = x.tolist()\n"
            f"    leaf = torch.tensor(values{dtype}, requires_grad=True)\n"
            "    f(leaf).backward()\n"
            "    value = lambda v: f(torch.tensor(v" + dtype + ")).item()\n"
            "    gaps = []\n"
            "    for i in range(len(values)):\n"
            "        up, down = list(values), list(values)\n"
            "        up[i] += h\n"
            "        down[i] -= h\n"
            "        everything_up = [v + h for v in values]\n"
            "        everything_down = [v - h for v in values]\n"
            f"        gaps.append(abs(leaf.grad[i].item() - {nudged}))\n"
            f"    return {total}")


# round -> exercise -> (a wrong answer a student might write, strings its message must not show)
WRONG_ANSWERS = {
    "first": {
        # forgets that a sum of something that requires grad requires grad
        "ex1_requires_grad": ('requires_grad_names = {"q", "s"}', ["'t'", "{'q', 's', 't'}"]),
        # thinks only tensors you typed in are leaves
        "ex2_leaves": ('leaf_names = {"p", "q"}', ["'r'", "'u'", "['p', 'q', 'r', 'u']"]),
        # copies the cell above: autograd's exact derivatives instead of a nudge
        "ex3_nudge_grads": (
            "def nudge_grads(a_value, b_value, h):\n"
            "    a = torch.tensor(a_value, requires_grad=True)\n"
            "    b = torch.tensor(b_value, requires_grad=True)\n"
            "    (a**2 + 2 * b**3).backward()\n"
            "    return a.grad.item(), b.grad.item()",
            ["96.5"],
        ),
        # the source article's mistake (the value of w), and a zero for the data
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
        # a one-sided nudge
        "ex7_worst_nudge_gap": (_gap("(value(up) - value(values)) / h"), ["0.01", "max(gaps)"]),
    },
    "second": {
        # thinks every computed tensor requires grad
        "ex1_requires_grad": ('requires_grad_names = {"q", "r", "s", "t", "u"}', ["['q', 's', 't']"]),
        # forgets u, computed from r alone
        "ex2_leaves": ('leaf_names = {"p", "q", "r"}', ["'u'"]),
        # float32, torch.tensor's default: the nudge of 1e-6 drowns in rounding
        "ex3_nudge_grads": (_nudge(TWO_SIDED, dtype=""), ["float64)", "96.5"]),
        # the value of w, with the data left out correctly
        "ex4_line_grads": ('predicted_grads = {"x": None, "w": 2.0, "b": 1.0}', ["3.0"]),
        # thinks every leaf gets a gradient
        "ex5_gets_grad": ("def gets_grad(tensor):\n    return tensor.is_leaf",
                          ["requires_grad and", "retains_grad"]),
        # freezes the others but never turns the kept ones on
        "ex6_freeze": (
            "def freeze(params, keep):\n"
            "    for name, tensor in params.items():\n"
            "        if name not in keep:\n"
            "            tensor.requires_grad_(False)",
            ["name in keep"],
        ),
        # adds the gaps of all elements
        "ex7_worst_nudge_gap": (_gap("(value(up) - value(down)) / (2 * h)", total="sum(gaps)"),
                                ["0.01", "max(gaps)"]),
    },
    "third": {
        # only the tensor that asked
        "ex1_requires_grad": ('requires_grad_names = {"q"}', ["'s'", "'t'"]),
        # thinks a tensor that requires grad cannot be a leaf
        "ex2_leaves": ('leaf_names = {"p", "r", "u"}', ["'q'"]),
        # divides by h, though the nudged points are 2h apart
        "ex3_nudge_grads": (_nudge("(y(a_value + h, b_value) - y(a_value - h, b_value)) / h, "
                                   "(y(a_value, b_value + h) - y(a_value, b_value - h)) / h"),
                            ["96.5", "(2 * h)"]),
        # gives x the derivative with respect to x, as if it required grad
        "ex4_line_grads": ('predicted_grads = {"x": 2.0, "w": 3.0, "b": 1.0}', ["None"]),
        # forgets retain_grad()
        "ex5_gets_grad": ("def gets_grad(tensor):\n    return tensor.requires_grad and tensor.is_leaf",
                          ["retains_grad"]),
        # returns the dict instead of None
        "ex6_freeze": (
            "def freeze(params, keep):\n"
            "    for name, tensor in params.items():\n"
            "        tensor.requires_grad_(name in keep)\n"
            "    return params",
            ["name in keep"],
        ),
        # nudges every element at once
        "ex7_worst_nudge_gap": (
            _gap("(value(everything_up) - value(everything_down)) / (2 * h)"),
            ["0.01", "max(gaps)"]),
    },
    "fourth": {
        # leaves out q, which was created rather than computed
        "ex1_requires_grad": ('requires_grad_names = {"s", "t"}', ["'q'"]),
        # thinks nothing is a non-leaf before backward()
        "ex2_leaves": ('leaf_names = {"p", "q", "r", "s", "t", "u"}', ["['p', 'q', 'r', 'u']"]),
        # nudges a and b together
        "ex3_nudge_grads": (_nudge("(lambda both: (both, both))((y(a_value + h, b_value + h) - "
                                   "y(a_value - h, b_value - h)) / (2 * h))"),
                            ["96.5", "b_value)"]),
        # treats b as a constant term, whose derivative is 0
        "ex4_line_grads": ('predicted_grads = {"x": None, "w": 3.0, "b": 0.0}', ["1.0"]),
        # reads .grad, which backward() has not filled yet
        "ex5_gets_grad": ("def gets_grad(tensor):\n    return tensor.grad is not None",
                          ["is_leaf", "retains_grad"]),
        # puts new tensors in the dict
        "ex6_freeze": (
            "def freeze(params, keep):\n"
            "    for name in params:\n"
            "        params[name] = torch.tensor(params[name].tolist(), "
            "requires_grad=name in keep)",
            ["requires_grad_(name in keep)"],
        ),
        # copies x to float32, torch.tensor's default
        "ex7_worst_nudge_gap": (_gap("(value(up) - value(down)) / (2 * h)", dtype=""),
                                ["0.01", "max(gaps)"]),
    },
}


def test_requires_grad_later_gives_a_sum_node(solved):
    # chapter 2 points back to this cell for "no node until an input requires grad"
    assert printed(solved, "e = torch.randn(2, 2)") == (
        "False True\nTrue\n<SumBackward0 object at 0x...>\n")


def test_the_first_backward_gives_4_and_96(solved):
    text = printed(solved, "y.backward()\nprint(a.grad)")
    assert text == "tensor([4.])\ntensor([96.])\n"


def test_the_nudge_is_drawn_and_confirms_4_and_96(solved):
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt"))
    assert printed(solved, "try:\n    estimates") == "nudged: [4.0, 96.0]  autograd: [4.0, 96.0]\n"


def test_float32_rounds_and_float64_keeps_its_dtype(solved):
    assert printed(solved, "print(torch.tensor(0.1).item())") == (
        "0.10000000149011612\n0.1\ntensor(20., dtype=torch.float64)\n")


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
