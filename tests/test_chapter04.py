"""Chapter 4's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples of its source articles with PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, assert_plotted, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "04_vector_jacobian_products"
pytestmark = only_if_released(CHAPTER)


# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # believes backward() quietly starts from ones, as if y.sum() had been called
    "ex1_predict_vector_backward": ('prediction_1 = "A"', ["'C'", '"C"']),
    # the source article's layout: takes the column of the Jacobian (J v) instead of the row
    "ex2_predict_vjp": ("prediction_2 = [1.0, 3.0]", ["[1.0, 2.0]", "[1., 2.]"]),
    # forgets to halve the first two losses
    "ex3_pick_gradient": ("v_pick = torch.tensor([1.0, 1.0, 3.0])", ["0.5", "0.5000"]),
    # the gradient of the sum, not of the mean
    "ex4_vector_for_mean": (
        "def vector_for_mean(y):\n    return torch.ones_like(y)",
        ["0.2500", "numel", "0.5000, 1.0000"],
    ),
    # counts only the doublings inside the while loop
    "ex5_doubling_grad": (
        "def doubling_grad(x, v):\n"
        "    y, k = x.detach(), 0\n"
        "    while (y * 2).norm() < 1000:\n"
        "        y, k = y * 2, k + 1\n"
        "    return v * 2.0 ** k",
        ["2048", "2.0480e+02"],
    ),
    # never clears x.grad, so each row holds the sum of the rows so far
    "ex6_jacobian_rows": (
        "def jacobian_rows(f, x):\n"
        "    x = x.detach().requires_grad_()\n"
        "    y = f(x)\n"
        "    rows = []\n"
        "    for i in range(y.numel()):\n"
        "        v = torch.zeros_like(y)\n"
        "        v[i] = 1.0\n"
        "        y.backward(v, retain_graph=True)\n"
        "        rows.append(x.grad.clone())\n"
        "    return torch.stack(rows)",
        ["x.grad = None", "zero_()"],
    ),
}


def test_a_vector_backward_without_gradient_raises(solved):
    assert printed(solved, "try:\n    y.backward()\n") == (
        "RuntimeError: grad can be implicitly created only for scalar outputs\nNone\n")


def test_ones_and_weights_give_the_articles_numbers(solved):
    assert printed(solved, "x = torch.tensor([2., 3.], requires_grad=True)\ny = x * x\n"
                           "y.backward(torch.ones_like(y))") == "tensor([4., 6.])\n"
    assert printed(solved, "x = torch.tensor([2., 3.], requires_grad=True)\ny = x * x\n"
                           "y.backward(torch.tensor([0.4, 0.6]))") == "tensor([1.6000, 3.6000])\n"


def test_the_tutorial_check_prints_true_true(solved):
    assert printed(solved, "print(9 * a**2 == a.grad)") == (
        "tensor([True, True])\ntensor([True, True])\n")
    assert printed(solved, "external_grad = torch.tensor([1., 1.])") == (
        "tensor([36., 81.])\ntensor([-12.,  -8.])\n")


def test_the_doubling_loop_reproduces_the_article(solved):
    assert printed(solved, "x = (torch.tensor([1810.9065, 344.1436, -78.7548]) / 2048)") == (
        "tensor([ 0.8842,  0.1680, -0.0385], requires_grad=True)\n"
        "tensor([1810.9065,  344.1436,  -78.7548], grad_fn=<MulBackward0>)\n11\n")
    assert printed(solved, "gradients = torch.tensor([0.1, 1.0, 0.0001]") == (
        "tensor([2.0480e+02, 2.0480e+03, 2.0480e-01])\n")


def test_the_pictures_are_drawn(solved):
    assert_graph_drawn(code_cell(solved, "from autograd_core.viz import draw_graph"))
    pictures = [c for c in solved.cells
                if c.cell_type == "code" and "\nshow_vjp(J, " in "\n" + c.source]
    assert len(pictures) == 2
    for cell in pictures:
        assert_plotted(cell)
