"""Chapter 7's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples of its source article (E, 《PyTorch 梯度》) with PyTorch's numbers.
"""

from __future__ import annotations


import pytest

from chapter_harness import assert_plotted, assert_stepped, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "07_higher_order_gradients"
pytestmark = only_if_released(CHAPTER)

# Three rounds of wrong answers; in each, exercise -> (a wrong answer a student might write,
# strings its failure message must not show).
NO_CREATE_GRAPH_PENALTY = (
    "def penalty_gradient(f, w, x):\n"
    "    w = w.detach().requires_grad_(True)\n"
    "    x = x.detach().requires_grad_(True)\n"
    "    (g,) = torch.autograd.grad(f(w, x), x)\n"
    "    return torch.autograd.grad((g**2).sum(), w)[0]"
)
NTH = (
    "def nth_derivative(f, x_value, n):\n"
    "    x = torch.tensor(x_value, dtype=torch.float64, requires_grad=True)\n"
    "    derivative = f(x)\n"
    "    for _ in range(n):\n"
    "        if not derivative.requires_grad:\n"
    "            return 0.0\n"
    "        (derivative,) = torch.autograd.grad(derivative, x{create_graph})\n"
    "    return {returned}"
)
WRONG_ANSWERS = {
    "first": {
        # the belief that without retain_graph any second call fails (2 predictions off)
        "ex1_second_call": (
            'raises = {"a": True, "b": False, "c": True, "d": True, "e": True}',
            ["'c': False", "'d': False"],
        ),
        # thinks the second backward replaces .grad instead of adding to it
        "ex2_accumulated": ('predicted = {"x": 6.0, "y": 4.0}', ["18", "8.0"]),
        # forgets create_graph=True: the gradient with respect to x has no grad_fn
        "ex3_penalty_gradient": (NO_CREATE_GRAPH_PENALTY, ["(g**2).sum()"]),
        # never checks whether a derivative still requires grad
        "ex4_nth_derivative": (
            "def nth_derivative(f, x_value, n):\n"
            "    x = torch.tensor(x_value, dtype=torch.float64, requires_grad=True)\n"
            "    derivative = f(x)\n"
            "    for _ in range(n):\n"
            "        (derivative,) = torch.autograd.grad(derivative, x, create_graph=True)\n"
            "    return derivative.item()",
            ["requires_grad:", "return 0.0\n"],
        ),
        # differentiates the sum of the gradient instead of its dot product with v
        "ex5_hessian_vector_product": (
            "def hessian_vector_product(f, x, v):\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
            "    (product,) = torch.autograd.grad(gradient.sum(), x)\n"
            "    return product",
            ["3.0000, 3.0000, 1.5000", "(gradient * v)"],
        ),
        # takes a gradient-descent step (step size 1) instead of a Newton step
        "ex6_newton_step": (
            "def newton_step(f, x):\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (g,) = torch.autograd.grad(f(x), x)\n"
            "    return (x - g).detach()",
            ["linalg.solve(hessian"],
        ),
    },
    "second": {
        # thinks a call for w only leaves backward() its whole graph (1 prediction off)
        "ex1_second_call": (
            'raises = {"a": True, "b": False, "c": False, "d": False, "e": False}',
            ["'e': True"],
        ),
        # thinks x.grad.backward() changes x.grad only: y.grad keeps its 4
        "ex2_accumulated": ('predicted = {"x": 18.0, "y": 4.0}', ["8.0", "'y': 8"]),
        # differentiates the penalty with respect to x instead of w
        "ex3_penalty_gradient": (
            "def penalty_gradient(f, w, x):\n"
            "    w = w.detach().requires_grad_(True)\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (g,) = torch.autograd.grad(f(w, x), x, create_graph=True)\n"
            "    return torch.autograd.grad((g**2).sum(), x)[0]",
            ["(g**2).sum(), w"],
        ),
        # forgets create_graph=True, so the second derivative cannot be taken
        "ex4_nth_derivative": (NTH.format(create_graph="", returned="derivative.item()"),
                               ["create_graph=True)\n"]),
        # forgets create_graph=True in the first call
        "ex5_hessian_vector_product": (
            "def hessian_vector_product(f, x, v):\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (gradient,) = torch.autograd.grad(f(x), x)\n"
            "    (product,) = torch.autograd.grad((gradient * v).sum(), x)\n"
            "    return product",
            ["3.0000, 3.0000, 1.5000"],
        ),
        # Newton coordinate by coordinate: divides the gradient by the Hessian's diagonal
        "ex6_newton_step": (
            "def newton_step(f, x):\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (g,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
            "    diagonal = torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0][i]\n"
            "                            for i in range(x.shape[0])])\n"
            "    return (x - g / diagonal).detach()",
            ["linalg.solve(hessian"],
        ),
    },
    "third": {
        # thinks every second call fails, retain_graph or not (3 predictions off)
        "ex1_second_call": (
            'raises = {"a": True, "b": True, "c": True, "d": True, "e": True}',
            ["'b': False", "'c': False"],
        ),
        # thinks backward() of x.grad cannot change x.grad itself
        "ex2_accumulated": ('predicted = {"x": 12.0, "y": 8.0}', ["18", "'x': 18"]),
        # backward() twice: .grad mixes the first derivative into the penalty's gradient
        "ex3_penalty_gradient": (
            "def penalty_gradient(f, w, x):\n"
            "    w = w.detach().requires_grad_(True)\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    f(w, x).backward(create_graph=True)\n"
            "    (x.grad**2).sum().backward()\n"
            "    return w.grad.detach()",
            ["autograd.grad((g"],
        ),
        # forgets .item(): returns a tensor
        "ex4_nth_derivative": (NTH.format(create_graph=", create_graph=True",
                                          returned="derivative.detach()"), [".item()\n"]),
        # makes x itself require grad instead of a new leaf
        "ex5_hessian_vector_product": (
            "def hessian_vector_product(f, x, v):\n"
            "    x.requires_grad_(True)\n"
            "    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
            "    (product,) = torch.autograd.grad((gradient * v).sum(), x)\n"
            "    return product",
            ["3.0000, 3.0000, 1.5000"],
        ),
        # builds the rows without retain_graph: the second row finds the graph freed
        "ex6_newton_step": (
            "import numpy\n"
            "def newton_step(f, x):\n"
            "    x = x.detach().requires_grad_(True)\n"
            "    (g,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
            "    rows = [torch.autograd.grad(g[i], x)[0] for i in range(x.shape[0])]\n"
            "    step = numpy.linalg.solve(torch.stack(rows).detach().numpy(),\n"
            "                              g.detach().numpy())\n"
            "    return x.detach() - torch.tensor(step)",
            ["retain_graph=True)[0]"],
        ),
    },
}


def test_the_line_gives_3_and_1_not_2(solved):
    text = printed(solved, "x = torch.tensor(3.0)\nw = torch.tensor(2.0, requires_grad=True)"
                           "\nb = torch.tensor(1.0, requires_grad=True)\ny = x * w + b\n"
                           "y.backward()")
    assert text == "tensor(3.) tensor(1.)\n"


def test_autograd_grad_returns_and_leaves_grad_alone(solved):
    text = printed(solved, "x = torch.tensor(3.0)\nw = torch.tensor(2.0, requires_grad=True)"
                           "\nb = torch.tensor(1.0, requires_grad=True)\ny = x * w + b\n"
                           "w_grad, b_grad")
    assert text == "tensor(3.) tensor(1.)\nNone None\n"


def test_autograd_grad_twice_with_retain_graph(solved):
    assert printed(solved, "x, w, b, y = make_line()\n(w_grad,) = torch.autograd.grad(") == (
        "tensor(3.) tensor(1.)\n")
    text = printed(solved, "# Now run them:")
    assert text == ("a RuntimeError: Trying to backward through the graph a second time\n"
                    "b fine\nc fine\nd fine\n"
                    "e RuntimeError: Trying to backward through the graph a second time\n"), text


def test_create_graph_gives_12_then_6(solved):
    text = printed(solved, "x = torch.tensor(2.0, requires_grad=True)\n"
                           "y = torch.tensor(3.0, requires_grad=True)\nz = x * x * y\n"
                           "grad_x = torch.autograd.grad(z, x, retain_graph=True)")
    assert "element 0 of tensors does not require grad and does not have a grad_fn" in text
    assert printed(solved, "z = x * x * y\n(grad_x,) = torch.autograd.grad(z, x, "
                           "create_graph=True)\nprint(grad_x)") == (
        "tensor(12., grad_fn=<AddBackward0>)\ntensor(6.)\n")


def test_backward_with_create_graph_then_zeroing(solved):
    assert printed(solved, "x.grad.backward()\nprint(x.grad, y.grad)") == (
        "tensor(18., grad_fn=<CopyBackwards>) tensor(8., grad_fn=<CopyBackwards>)\n")
    zeroed = printed(solved, "x = torch.tensor(2.0, requires_grad=True)\n"
                             "y = torch.tensor(3.0, requires_grad=True)\nz = x * x * y\n"
                             "z.backward(create_graph=True)\nprint(x.grad)\nx.grad.data.zero_()")
    assert zeroed == ("tensor(12., grad_fn=<CopyBackwards>)\n"
                      "tensor(0., grad_fn=<CopyBackwards>)\n"
                      "tensor(6., grad_fn=<CopyBackwards>)\n")


def test_the_derivatives_of_x_to_the_fifth(solved):
    text = printed(solved, "x = torch.tensor(2.0, requires_grad=True)\nderivative = x**5")
    for value in ("80.", "160.", "240.", "120.", "6 tensor(0.)"):
        assert value in text, text


def test_newton_converges_to_ln_2(solved):
    text = printed(solved, "import math\n\n\ndef exp_minus_2x")
    assert "step 5: x = 0.6931471815   |x - ln 2| = 8.91e-10" in text, text


@pytest.mark.parametrize("call", ["step_backward(x * x * y", "plot_function(f", "plot_losses(errors"])
def test_the_pictures_are_drawn(solved, call):
    cell = next(c for c in solved.cells if call in c.source)
    if call.startswith("step_backward"):
        assert_stepped(cell)
    else:
        assert_plotted(cell)
