"""Chapter 8's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises (article 004's engine, the diamond, the freed graph) with PyTorch's
numbers.
"""

from __future__ import annotations

from chapter_harness import assert_stepped, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "08_build_your_own_autograd"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # sums over the added leading dimensions only, forgetting the stretched size-1 ones
    "ex1_sum_to_size": (
        "def sum_to_size(grad, shape):\n"
        "    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))",
        ["array([[", "[[12.]"],
    ),
    # a sign slip: treats b as if it were subtracted
    "ex2_add": (
        "def add(a, b):\n"
        "    return Tensor(a.values + b.values,\n"
        "                  dependency=[(a, lambda grad: grad), (b, lambda grad: -grad)])",
        ["lambda grad: grad)]"],
    ),
    # multiplies each gradient by its own input instead of the other one
    "ex3_mul": (
        "def mul(a, b):\n"
        "    return Tensor(a.values * b.values, dependency=[\n"
        "        (a, lambda grad: grad * a.values), (b, lambda grad: grad * b.values)])",
        ["grad * b.values", "grad * a.values"],
    ),
    # forgets the transposes
    "ex4_matmul": (
        "def matmul(a, b):\n"
        "    return Tensor(a.values @ b.values, dependency=[\n"
        "        (a, lambda grad: grad @ b.values), (b, lambda grad: a.values @ grad)])",
        ["swapaxes", ".T"],
    ),
    # passes the one-number gradient on without giving it a's shape
    "ex5_sum": (
        "def tensor_sum(a):\n"
        "    return Tensor(a.values.sum(), dependency=[(a, lambda grad: grad)])",
        ["ones_like", "broadcast_to"],
    ),
    # the true derivative, not what the naive walk computes
    "ex6_naive_diamond": ("naive_a_grad = 4.0", ["6"]),
    # forgets that a Python number in a product is saved too
    "ex7_second_backward": ('raises_twice = {"mul", "exp"}', ["'scale'", "scale"]),
    # correct sums along every path, but recursive and never frees the graph
    "ex8_run_backward": (
        "def run_backward(root, gradient, retain_graph=False):\n"
        "    def visit(node, grad):\n"
        "        if node.is_leaf:\n"
        "            node.grad = grad if node.grad is None else node.grad + grad\n"
        "            return\n"
        "        for parent, grad_fn in node.dependency:\n"
        "            visit(parent, unbroadcast(grad_fn(grad), parent.shape))\n"
        "    visit(root, gradient)",
        ["pending", "ready.append"],
    ),
}


def test_the_line_example_gives_3_not_2(solved):
    assert printed(solved, "x = torch.tensor(3.0)\nw = torch.tensor(2.0, requires_grad=True)\n"
                           "b = torch.tensor(1.0, requires_grad=True)\ny = x * w + b\nprint(y)") == (
        "tensor(7., grad_fn=<AddBackward0>)\nNone tensor(3.) tensor(1.)\n")


def test_the_naive_walk_gives_6_on_the_diamond_and_pytorch_4(solved):
    assert printed(solved, "print(a.grad)\nta = torch.tensor(1.0") == "6.0\ntensor(4.)\n"


def test_your_engine_gives_4_on_the_diamond_and_3_for_w(solved):
    text = printed(solved, "def backward_with_fallback(")
    assert "diamond: 4.0\nline: None 3.0 1.0 None" in text


def test_the_graph_is_freed_after_backward(solved):
    text = printed(solved, "try:\n    y.backward()\n    print(\"No error")
    assert text.startswith("RuntimeError: Trying to backward through the graph a second")


def test_which_graphs_run_twice(solved):
    text = printed(solved, 'print("\\n".join(f"{name:5} second backward raises')
    raising = {line.split()[0] for line in text.splitlines()
               if line.strip().endswith("True")}
    assert raising == {"mul", "scale", "exp"}


def test_the_network_gets_autograd_cores_gradients_and_learns(solved):
    compared = printed(solved, "params = {name: Tensor(value, requires_grad=True) for name, value "
                               "in start.items()}\nx, y = Tensor(inputs)")
    assert compared.count("same as autograd_core: True") == 4 and "x.grad: None" in compared
    trained = printed(solved, "params = {name: Tensor(value, requires_grad=True) for name, value "
                              "in start.items()}\nlosses = []")
    losses = [float(line.split()[-1]) for line in trained.splitlines()
              if line.strip()]
    assert losses[0] > 1.0 and losses[-1] < 0.03, losses


def test_un_broadcasting_can_be_watched_step_by_step(solved):
    assert_stepped(next(c for c in solved.cells if "step_backward(out, torch.ones(3, 4)" in c.source))
