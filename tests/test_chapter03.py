"""Chapter 3's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

import pytest

from chapter_harness import (assert_graph_drawn, assert_plotted, assert_stepped,
                            only_if_released, printed)
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "03_backward_and_the_chain_rule"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # breadth-first order: every node once, but a node can come before one that feeds it
    "ex1_topological_order": (
        "from collections import deque\n"
        "def topological_order(root):\n"
        "    order, seen, queue = [], {root}, deque([root])\n"
        "    while queue:\n"
        "        node = queue.popleft()\n"
        "        order.append(node)\n"
        "        for child, _ in node.next_functions:\n"
        "            if child is not None and child not in seen:\n"
        "                seen.add(child)\n"
        "                queue.append(child)\n"
        "    return order",
        ["stack.append((node, True))", "visited.add"],
    ),
    # the naive recursion of section 5: right numbers, but a shared node runs once per path
    "ex2_backward": (
        "def backward(loss):\n"
        "    def visit(node, grad):\n"
        "        if hasattr(node, 'variable'):\n"
        "            leaf = node.variable\n"
        "            leaf.grad = grad if leaf.grad is None else leaf.grad + grad\n"
        "            return\n"
        "        for (child, _), g in zip(node.next_functions, run_node(node, grad)):\n"
        "            if child is not None and g is not None:\n"
        "                visit(child, g)\n"
        "    visit(loss.grad_fn, torch.ones_like(loss))",
        ["dependencies[child]", "-= 1"],
    ),
    # believes that the engine recurses too
    "ex3_predict_deep_graph": (
        'predicted_backward = "RecursionError"\npredicted_count_nodes = "RecursionError"',
        ["'works'", '"works"'],
    ),
    # thinks the second backward through additions replaces .grad
    "ex4_predict_second_backward": (
        'predicted_s = [2.0, 2.0]\npredicted_m = "error"',
        ["[4.0, 4.0]", "4.0"],
    ),
    # thinks backward() overwrites .grad, and that zeroing in place gives a new tensor
    "ex5_predict_accumulation": (
        "predicted_loop = [20.0, 20.0, 20.0]\npredicted_g = 0.0\npredicted_h = 300.0",
        ["40", "60", "[20.0, 40.0, 60.0]"],
    ),
}


def test_no_cell_fails_or_writes_to_stderr(solved):
    for cell in solved.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (cell.source[:80], output.get("evalue"))
            assert output.get("name") != "stderr", (cell.source[:80], output.get("text"))


def test_article_000_gives_4_and_96(solved):
    text = printed(solved, "a = torch.tensor([2.], requires_grad=True)")
    assert text == "tensor([132.], grad_fn=<AddBackward0>)\ntensor([4.]) tensor([96.])\n"


def test_the_walk_by_hand_gives_4_and_96(solved):
    text = printed(solved, "grad_y = torch.ones_like(y)")
    assert "(tensor([4.]),)" in text and "(tensor([96.]),)" in text


def test_article_001_gives_4_5_and_two_gradients_of_2_25(solved):
    assert "4.5000" in printed(solved, "out.backward()\nprint(x.grad)")
    walk = printed(solved, "y = x + 2\nz = y * y * 3\nout = z.mean()\n\nmean_node")
    assert "2.2500" in walk and "4.5000" in walk and "True" in walk


def test_article_002_float64_examples(solved):
    assert printed(solved, "x = torch.tensor(10, requires_grad=True, dtype=torch.float64)\n"
                           "f = x ** 2 + 20") == (
        "tensor(120., dtype=torch.float64, grad_fn=<AddBackward0>)\n"
        "tensor(20., dtype=torch.float64)\n")
    assert printed(solved, "y2.backward()") == (
        "tensor([50., 80.], dtype=torch.float64)\n"
        "tensor([ 70., 100.], dtype=torch.float64)\n"
        "tensor([[1300.],\n        [2800.]], dtype=torch.float64)\n")


def test_the_diamond_gives_4(solved):
    assert printed(solved, "a = torch.tensor(2.0, requires_grad=True)\nb = a + a\nc = b + b\n"
                           "c.backward()") == "tensor(4.)\n"


def test_a_deep_graph_defeats_recursion_but_not_backward(solved):
    text = printed(solved, "try:\n    print(count_nodes(y.grad_fn))")
    assert text.startswith("count_nodes: RecursionError\ntensor(1.22")


def test_a_second_backward_accumulates_or_raises(solved):
    text = printed(solved, "s.backward()\nprint(xs.grad)")
    assert text.startswith("tensor([4., 4.])\nRuntimeError: Trying to backward through the "
                              "graph a second time")
    assert printed(solved, "xm = torch.tensor([1., 2.], requires_grad=True)\nm = (xm * xm).sum()\n"
                           "m.backward(retain_graph=True)") == "tensor([4., 8.])\n"


def test_the_zero_grad_loop_of_article_002(solved):
    cells = [c for c in solved.cells if c.cell_type == "code"
             and c.source.startswith("x = torch.tensor(10, requires_grad=True, dtype=torch.float64)\n"
                                     "for _ in range(3):")]
    assert len(cells) == 2
    accumulating, zeroing = (printed(solved, c.source) for c in cells)
    assert [line.split("(")[1].split(",")[0] for line in accumulating.splitlines()] == ["20.", "40.", "60."]
    assert [line.split("(")[1].split(",")[0] for line in zeroing.splitlines()] == ["20.", "20.", "20."]


def test_the_pictures_are_drawn(solved):
    cells = [c for c in solved.cells if "draw_graph(" in c.source or "plot_losses(" in c.source]
    assert len(cells) >= 4
    for cell in cells:
        if "plot_losses(" in cell.source:
            assert_plotted(cell)
        else:
            assert_graph_drawn(cell)


@pytest.mark.parametrize("call", ["step_backward(y, params", "step_backward(c, params"])
def test_the_engine_can_be_watched_step_by_step(solved, call):
    assert_stepped(next(c for c in solved.cells if call in c.source))
