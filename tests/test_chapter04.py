"""Chapter 4's own checks (tests/test_chapters.py runs the generic ones).

Plausible wrong answers to each exercise, in rounds, must fail the visible tests with a message
that says what was expected and gives a hint, without printing the answer, and fail the hidden
tests on their own; and the chapter must show the worked examples of its source articles with
PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, assert_plotted, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "04_vector_jacobian_products"
pytestmark = only_if_released(CHAPTER)


def _jacobian_rows(append: str = "x.grad", clear: str = "        x.grad = None\n",
                   retain: str = ", retain_graph=True", stack: str = "torch.stack(rows)") -> str:
    """A jacobian_rows with one of its steps changed."""
    return ("def jacobian_rows(f, x):\n"
            "    x = x.detach().requires_grad_()\n"
            "    y = f(x)\n"
            "    rows = []\n"
            "    for i in range(y.numel()):\n"
            "        v = torch.zeros_like(y)\n"
            "        v[i] = 1.0\n"
            f"{clear}"
            f"        y.backward(v{retain})\n"
            f"        rows.append({append})\n"
            f"    return {stack}")


def _per_example(backward: str) -> str:
    """A per_example_grads with its backward step replaced."""
    return ("def per_example_grads(f, X):\n"
            "    X = X.detach().requires_grad_()\n"
            "    out = f(X)\n"
            f"    {backward}\n"
            "    return X.grad")


# round -> exercise -> (a wrong answer a student might write, strings its message must not show)
WRONG_ANSWERS = {
    "first": {
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
        # multiplies from the input end: v @ J_1 @ ... @ J_k
        "ex5_chain_vjp": (
            "def chain_vjp(jacobians, v):\n"
            "    for jacobian in jacobians:\n"
            "        v = v @ jacobian\n"
            "    return v",
            ["reversed", "13."],
        ),
        # never clears x.grad, so each row holds the sum of the rows so far
        "ex6_jacobian_rows": (_jacobian_rows(append="x.grad.clone()", clear=""),
                              ["x.grad = None", "zero_()"]),
        # the gradient of the mean over the batch
        "ex7_per_example_grads": (_per_example("out.mean().backward()"), ["ones_like"]),
    },
    "second": {
        # thinks backward() sums the derivatives into one number
        "ex1_predict_vector_backward": ('prediction_1 = "B"', ["'C'", '"C"']),
        # the sum of the rows, as if v were ones
        "ex2_predict_vjp": ("prediction_2 = [4.0, 6.0]", ["[1.0, 2.0]", "[1., 2.]"]),
        # forgets the weight 3 of the third loss
        "ex3_pick_gradient": ("v_pick = torch.tensor([0.5, 0.5, 1.0])", ["3.0", "3.0000"]),
        # divides by the length of the first dimension, not by the number of elements
        "ex4_vector_for_mean": (
            "def vector_for_mean(y):\n    return torch.full_like(y.detach(), 1.0 / len(y))",
            ["0.2500", "numel"],
        ),
        # multiplies the Jacobians by a column vector: J @ v, a Jacobian-vector product
        "ex5_chain_vjp": (
            "def chain_vjp(jacobians, v):\n"
            "    for jacobian in reversed(jacobians):\n"
            "        v = jacobian @ v\n"
            "    return v",
            ["13."],
        ),
        # no retain_graph: the second backward finds the saved tensors freed
        "ex6_jacobian_rows": (_jacobian_rows(retain=""), ["x.grad = None"]),
        # one backward per example, with one-hot vectors
        "ex7_per_example_grads": (
            "def per_example_grads(f, X):\n"
            "    X = X.detach().requires_grad_()\n"
            "    out = f(X)\n"
            "    rows = []\n"
            "    for i in range(out.numel()):\n"
            "        v = torch.zeros_like(out)\n"
            "        v[i] = 1.0\n"
            "        X.grad = None\n"
            "        out.backward(v, retain_graph=True)\n"
            "        rows.append(X.grad[i])\n"
            "    return torch.stack(rows)",
            ["ones_like"],
        ),
    },
    "third": {
        # the mathematician's answer: the Jacobian lands in x.grad
        "ex1_predict_vector_backward": ('prediction_1 = "D"', ["'C'", '"C"']),
        # reads off y's first element instead of its gradient
        "ex2_predict_vjp": ("prediction_2 = [8.0, 0.0]", ["[1.0, 2.0]", "[1., 2.]"]),
        # the plain sum
        "ex3_pick_gradient": ("v_pick = torch.ones(3)", ["0.5", "3.0"]),
        # returns the mean itself, a scalar
        "ex4_vector_for_mean": (
            "def vector_for_mean(y):\n    return y.mean()",
            ["0.2500", "numel"],
        ),
        # applies only the last Jacobian
        "ex5_chain_vjp": (
            "def chain_vjp(jacobians, v):\n    return v @ jacobians[-1]",
            ["reversed", "13."],
        ),
        # stacks the rows as columns
        "ex6_jacobian_rows": (_jacobian_rows(stack="torch.stack(rows, dim=1)"),
                              ["dim=0", "x.grad = None"]),
        # forgets that a vector output needs a gradient
        "ex7_per_example_grads": (_per_example("out.backward()"), ["ones_like"]),
    },
    "fourth": {
        # writes the error's name instead of a letter
        "ex1_predict_vector_backward": ('prediction_1 = "RuntimeError"', ["is 'C'", 'prediction_1 = "C"']),
        # the product with v = [1, 0] taken on x instead of on the Jacobian
        "ex2_predict_vjp": ("prediction_2 = [2.0, 0.0]", ["[1.0, 2.0]", "[1., 2.]"]),
        # the weights of a mean of all three
        "ex3_pick_gradient": ("v_pick = torch.tensor([1 / 3, 1 / 3, 1 / 3])", ["0.5", "3.0"]),
        # scales y's values instead of building weights
        "ex4_vector_for_mean": (
            "def vector_for_mean(y):\n    return y / y.numel()",
            ["0.2500", "numel", "detach"],
        ),
        # returns the product of the Jacobians, never multiplying by v
        "ex5_chain_vjp": (
            "def chain_vjp(jacobians, v):\n"
            "    product = jacobians[-1]\n"
            "    for jacobian in reversed(jacobians[:-1]):\n"
            "        product = product @ jacobian\n"
            "    return product",
            ["reversed", "13."],
        ),
        # runs f again for every row
        "ex6_jacobian_rows": (
            "def jacobian_rows(f, x):\n"
            "    rows = []\n"
            "    for i in range(f(x).numel()):\n"
            "        leaf = x.detach().requires_grad_()\n"
            "        f(leaf)[i].backward()\n"
            "        rows.append(leaf.grad)\n"
            "    return torch.stack(rows)",
            ["x.grad = None"],
        ),
        # calls f on one example at a time
        "ex7_per_example_grads": (
            "def per_example_grads(f, X):\n"
            "    rows = []\n"
            "    for i in range(X.shape[0]):\n"
            "        row = X[i:i + 1].detach().requires_grad_()\n"
            "        f(row).sum().backward()\n"
            "        rows.append(row.grad[0])\n"
            "    return torch.stack(rows)",
            ["ones_like"],
        ),
    },
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


def test_the_vectors_passed_back_are_the_jacobian_products(solved):
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt"))
    assert printed(solved, "print(torch.allclose(h2.grad") == "True\nTrue\n"
    assert printed(solved, "try:\n    from_chain").endswith("\nTrue\n")


def test_the_pictures_are_drawn(solved):
    assert_graph_drawn(code_cell(solved, "from autograd_core.viz import draw_graph"))
    pictures = [c for c in solved.cells
                if c.cell_type == "code" and "\nshow_vjp(J, " in "\n" + c.source]
    assert len(pictures) == 2
    for cell in pictures:
        assert_plotted(cell)
