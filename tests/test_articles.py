"""Every autograd example of the five source articles, run on ``autograd_core``.

Each example below is written in our own words (variable names follow the articles so that learners
recognise them). It receives the module as ``torch``; the text under ``stdout=`` is what real
PyTorch 2.13.0 printed for the very same function, with memory addresses replaced by ``0x...``.

Three tests use the catalogue:

* ``test_example`` runs each example on ``autograd_core`` and compares with the literal text. It
  needs nothing but ``autograd_core``. It also requires that the example left grad mode on and that
  the engine wrote nothing to stderr and raised no warning (nbgrader scores a cell 0 when anything
  reaches stderr; PyTorch itself warns in some of these examples, we do not want to).
* ``test_pytorch_prints_the_literal`` (only where ``torch`` is installed) runs each example on real
  PyTorch and compares with the same literal text, so the expectations cannot drift from PyTorch.
* ``test_parity_with_pytorch`` (idem) runs both libraries and compares them with each other: stdout,
  exception class and the first sentence of the error message.

Left out on purpose: the torchvision ResNet-18 lines of articles 000 and 003 (forward pass, SGD
step, freezing the parameters, replacing ``model.fc``); they belong to the ``nn``/``models`` tests.

Where an article's code cannot run as printed (``torch.ones_likes``, a ``y`` that was never
assigned) or uses random numbers, the example says how it departs from the article and why.
"""

from __future__ import annotations

import importlib

import pytest

from article_examples import (
    Catalogue,
    Example,
    check_against_each_other,
    check_against_literal,
    run,
)

catalogue = Catalogue()
example = catalogue.example


# --------------------------------------------------------------------------------------------------
# Article 000: "Pytorch自动求导原理介绍" (Datawhale), section 2, the small experiments.
# --------------------------------------------------------------------------------------------------


@example(
    "000",
    (
        "ones((2, 2)) with and without requires_grad: the default is False, the repr says "
        "requires_grad=True"
    ),
    stdout="""\
tensor([[1., 1.],
        [1., 1.]])
False
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
True
""",
)
def ones_with_and_without_requires_grad(torch):
    x1 = torch.ones((2, 2))
    print(x1)
    print(x1.requires_grad)  # off unless asked for
    x2 = torch.ones((2, 2), requires_grad=True)
    print(x2)
    print(x2.requires_grad)


@example(
    "000",
    "y2 = x2 + 1 inherits requires_grad and gets an AddBackward0 node",
    stdout="""\
True
tensor([[2., 2.],
        [2., 2.]], grad_fn=<AddBackward0>)
False
""",
)
def result_of_tracked_tensor_requires_grad(torch):
    # The article's prose says "x + 2" but its code adds 1; we follow the code.
    x2 = torch.ones((2, 2), requires_grad=True)
    y2 = x2 + 1
    print(y2.requires_grad)
    print(y2)
    print(y2.is_leaf)


@example(
    "000",
    "y = a**2 + 2*b**3 at a=2, b=4: backward gives a.grad = 2a = 4 and b.grad = 6b^2 = 96",
    stdout="""\
tensor([132.], grad_fn=<AddBackward0>)
tensor([4.])
tensor([96.])
""",
)
def square_plus_twice_cube(torch):
    a = torch.tensor([2.0], requires_grad=True)
    b = torch.tensor([4.0], requires_grad=True)
    y = a**2 + 2 * b**3
    print(y)
    y.backward()  # y holds one element, so no gradient argument is needed
    print(a.grad)
    print(b.grad)


# --------------------------------------------------------------------------------------------------
# Article 001: "pytorch 入门笔记 -02- 自动求导" (ld246), the 60-minute-blitz autograd walk-through.
# --------------------------------------------------------------------------------------------------


@example(
    "001",
    "ones(2, 2, requires_grad=True) prints with requires_grad=True",
    stdout="""\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
""",
)
def ones_requires_grad(torch):
    x = torch.ones(2, 2, requires_grad=True)  # shape as separate ints this time
    print(x)


@example(
    "001",
    (
        "y = x + 2: the repr carries grad_fn=<AddBackward0>, y.grad_fn prints as <AddBackward0 "
        "object at 0x...>"
    ),
    stdout="""\
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)
<AddBackward0 object at 0x...>
None
""",
)
def add_two_records_grad_fn(torch):
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    print(y)
    print(y.grad_fn)
    print(x.grad_fn)  # a tensor made by the user has no creator


@example(
    "001",
    "z = y * y * 3 and out = z.mean(): 27 everywhere, MulBackward0 and MeanBackward0",
    stdout="""\
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
""",
)
def product_then_mean(torch):
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    print(z, out)


@example(
    "001",
    "requires_grad_(True) switches tracking on in place; (a * a).sum() then has a SumBackward0",
    stdout="""\
False
None
True
<SumBackward0 object at 0x...>
""",
)
def requires_grad_in_place(torch):
    # The article draws a = randn(2, 2); nothing printed depends on the values, the seed only makes
    # the run repeatable (autograd_core's generator differs from PyTorch's anyway).
    torch.manual_seed(0)
    a = torch.randn(2, 2)
    a = (a * 3) / (a - 1)
    print(a.requires_grad)
    print(a.grad_fn)
    a.requires_grad_(True)
    print(a.requires_grad)
    b = (a * a).sum()
    print(b.grad_fn)


@example(
    "001",
    "out.backward() gives d(out)/dx = 3(x + 2)/2 = 4.5 in every entry",
    stdout="""\
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])
""",
)
def mean_backward_gives_four_and_a_half(torch):
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()  # out is a scalar: same as out.backward(torch.tensor(1.))
    print(x.grad)


@example(
    "001",
    (
        "doubling loop until the norm reaches 1000, then y.backward(v) gives the vector-Jacobian "
        "product v * 2048"
    ),
    stdout="""\
11
tensor([1810.9065,  344.1436,  -78.7548], grad_fn=<MulBackward0>)
tensor([2.0480e+02, 2.0480e+03, 2.0480e-01])
""",
)
def vector_jacobian_product_doubling(torch):
    # The article starts from x = randn(3), which neither library can reproduce. Its loop doubled
    # x eleven times (y = 2048 * x) and printed y = [1810.9065, 344.1436, -78.7548], so we start
    # from that y divided by 2048: dividing by a power of two is exact in float32, so the loop runs
    # the same eleven doublings and prints the article's numbers.
    x = (torch.tensor([1810.9065, 344.1436, -78.7548]) / 2048).requires_grad_()
    y = x * 2
    doublings = 1
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
        if doublings > 200:  # our guard, not the article's: a broken norm() must not hang the suite
            raise AssertionError("y.data.norm() never reached 1000")
    print(doublings)
    print(y)
    gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(gradients)  # y is not a scalar: we must say which v to multiply J by
    print(x.grad)


@example(
    "001",
    "x ** 2 requires grad, except inside torch.no_grad()",
    stdout="""\
True
True
False
True
""",
)
def no_grad_stops_tracking(torch):
    # The article reuses its random x; any x that requires grad will do.
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    print(x.requires_grad)
    print((x**2).requires_grad)
    with torch.no_grad():
        print((x**2).requires_grad)
    print(torch.is_grad_enabled())  # the context manager put grad mode back


# --------------------------------------------------------------------------------------------------
# Article 002: "自动微分模块" (examples eg1 ... eg4 and the numpy() note).
# --------------------------------------------------------------------------------------------------


@example(
    "002",
    "eg1: f = x**2 + 20 at x = 10 in float64, df/dx = 20",
    stdout="""\
tensor(120., dtype=torch.float64, grad_fn=<AddBackward0>)
tensor(20., dtype=torch.float64)
""",
)
def eg1_square_plus_twenty_float64(torch):
    x = torch.tensor(10, requires_grad=True, dtype=torch.float64)  # int data, float dtype
    f = x**2 + 20
    print(f)
    f.backward()
    print(x.grad)


@example(
    "002",
    (
        "eg2: y1 = x1**2 + x2**2 + x1*x2 in float64, y2 = y1 @ x3, backward: [50, 80], [70, 100] "
        "and x3.grad = y1"
    ),
    stdout="""\
tensor([1300., 2800.], dtype=torch.float64, grad_fn=<AddBackward0>)
tensor([50., 80.], dtype=torch.float64)
tensor([ 70., 100.], dtype=torch.float64)
tensor([[1300.],
        [2800.]], dtype=torch.float64)
""",
)
def eg2_two_variables_through_matmul(torch):
    x1 = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
    x2 = torch.tensor([30, 40], requires_grad=True, dtype=torch.float64)
    x3 = torch.tensor([[1], [1]], requires_grad=True, dtype=torch.float64)
    y1 = x1**2 + x2**2 + x1 * x2
    print(y1)
    y2 = y1 @ x3  # (2,) @ (2, 1) -> shape (1,): one element, so backward() needs no argument
    y2.backward()
    print(x1.grad)  # 2*x1 + x2
    print(x2.grad)  # 2*x2 + x1
    print(x3.grad)  # the article does not print it: d(y1 . x3)/dx3 = y1, as a column


@example(
    "002",
    (
        "eg3: three ways to switch grad off (no_grad block, @no_grad() decorator, "
        "set_grad_enabled(False)); grad mode restored"
    ),
    stdout="""\
tensor(120., dtype=torch.float64)
False
True
inside the decorated function: False
tensor(120., dtype=torch.float64) False
after the call: True
False
False
after set_grad_enabled(True): True
""",
)
def eg3_three_ways_to_disable_grad(torch):
    # 1. A with-block: the result is a new tensor that does not require grad (x is rebound to it,
    #    as in the article, and is then a leaf).
    x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
    with torch.no_grad():
        x = x**2 + 20
    print(x)
    print(x.requires_grad)
    print(x.is_leaf)

    # 2. The decorator. The article would call it on the rebound x, which no longer requires grad
    #    and so would prove nothing; we pass a fresh leaf that does.
    @torch.no_grad()
    def funccc(x):
        print("inside the decorated function:", torch.is_grad_enabled())
        return x**2 + 20

    leaf = torch.tensor(10, requires_grad=True, dtype=torch.float64)
    result = funccc(leaf)
    print(result, result.requires_grad)
    print("after the call:", torch.is_grad_enabled())

    # 3. A plain call that switches grad mode off for everything that follows, until switched back.
    #    The article never switches it back; we must, or every later cell would stop tracking.
    torch.set_grad_enabled(False)
    try:
        y = leaf**2 + 20
        print(y.requires_grad)
        print(torch.is_grad_enabled())
    finally:
        torch.set_grad_enabled(True)
    print("after set_grad_enabled(True):", torch.is_grad_enabled())


@example(
    "002",
    (
        "eg4: zeroing x.grad before each backward keeps it at 20; without zeroing it accumulates "
        "20, 40, 60"
    ),
    stdout="""\
tensor(20., dtype=torch.float64)
tensor(20., dtype=torch.float64)
tensor(20., dtype=torch.float64)
tensor(20., dtype=torch.float64)
tensor(40., dtype=torch.float64)
tensor(60., dtype=torch.float64)
""",
)
def eg4_zero_the_gradient_in_a_loop(torch):
    # The article loops 100 times over the x of eg1; three turns show the same thing.
    x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
    for _ in range(3):
        y1 = x**2 + 20
        y2 = y1.mean()
        if x.grad is not None:
            x.grad.data.zero_()
        y2.backward()
        print(x.grad)

    # The contrast the article describes but does not run: without zeroing, backward adds up.
    x.grad = None
    for _ in range(3):
        (x**2 + 20).mean().backward()
        print(x.grad)


@example(
    "002",
    (
        "backward twice accumulates; param.grad.zero_() or param.grad = None resets (the article's "
        "manual zero_grad)"
    ),
    stdout="""\
tensor(6.) tensor([1., 1., 1.])
tensor(12.) tensor([2., 2., 2.])
tensor(0.) tensor([0., 0., 0.])
tensor(6.) tensor([1., 1., 1.])
None None
tensor(6.) tensor([1., 1., 1.])
""",
)
def manual_zero_grad_of_parameters(torch):
    # The article's training-loop note: .grad accumulates (.grad += new gradient) until it is reset
    # with optimizer.zero_grad() or, by hand, param.grad = None / param.grad.zero_() for each
    # parameter. Here the "model" is y = w * x + b: one weight broadcast over three inputs, one
    # bias per input.
    x = torch.tensor([1.0, 2.0, 3.0])
    w = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    parameters = [w, b]

    def loss():
        return (w * x + b).sum()

    loss().backward()
    print(w.grad, b.grad)
    loss().backward()
    print(w.grad, b.grad)  # accumulated: twice the gradient
    for param in parameters:
        param.grad.zero_()
    print(w.grad, b.grad)
    loss().backward()
    print(w.grad, b.grad)
    for param in parameters:
        param.grad = None
    print(w.grad, b.grad)
    loss().backward()
    print(w.grad, b.grad)


@example(
    "002",
    "numpy() on a tensor that requires grad raises PyTorch's RuntimeError",
    stdout="",
    raises=RuntimeError,
    message="Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
)
def numpy_refused_when_requires_grad(torch):
    x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
    x.numpy()


@example(
    "002",
    "x.detach().numpy() works; the detached tensor is a leaf without grad and shares x's data",
    stdout="""\
array([10., 20.])
False True
tensor([11., 20.], dtype=torch.float64, requires_grad=True)
""",
)
def detach_then_numpy(torch):
    x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
    array = x.detach().numpy()
    print(repr(array))
    detached = x.detach()
    print(detached.requires_grad, detached.is_leaf)
    array[0] = 11  # the article: the detached tensor shares its data with x
    print(x)


# --------------------------------------------------------------------------------------------------
# Article 003: "自动求导机制介绍" (Chinese translation of "A Gentle Introduction to torch.autograd").
# --------------------------------------------------------------------------------------------------


@example(
    "003",
    "Q = 3a^3 - b^2, Q.backward(gradient=[1, 1]): 9a^2 == a.grad and -2b == b.grad",
    stdout="""\
tensor([-12.,  65.], grad_fn=<SubBackward0>)
tensor([True, True])
tensor([True, True])
tensor([36., 81.]) tensor([-12.,  -8.])
""",
)
def q_with_external_gradient(torch):
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    print(Q)
    external_grad = torch.tensor([1.0, 1.0])  # dQ/dQ, one entry per element of Q
    Q.backward(gradient=external_grad)
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)
    print(a.grad, b.grad)


@example(
    "003",
    "Q.sum().backward() gives the same gradients as Q.backward(gradient=ones)",
    stdout="""\
tensor(53., grad_fn=<SumBackward0>)
tensor([36., 81.]) tensor([-12.,  -8.])
""",
)
def q_summed_then_backward(torch):
    # The article's "equivalently, aggregate Q into a scalar" remark, run.
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    total = Q.sum()
    print(total)
    total.backward()
    print(a.grad, b.grad)


@example(
    "003",
    "a = x + y needs no gradient, b = x + z does because z requires grad",
    stdout="""\
Does `a` require gradients? : False
Does `b` require gradients?: True
None
<AddBackward0 object at 0x...>
""",
)
def output_requires_grad_if_any_input_does(torch):
    # rand(5, 5) as in the article: only requires_grad is printed, so the values do not matter;
    # the seed just makes the run repeatable.
    torch.manual_seed(0)
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients? : {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    print(a.grad_fn)
    print(b.grad_fn)


# --------------------------------------------------------------------------------------------------
# Article 004: "PyTorch 梯度" (backward vs autograd.grad, higher order, vector outputs, no_grad,
# .data vs .detach()).
# --------------------------------------------------------------------------------------------------


# The article's two running examples, which several of its snippets start from.


def line(torch):
    """y = x * w + b with the data x = 3 and the parameters w = 2 and b = 1 (which require grad):
    returns x, w, b, y."""
    x = torch.tensor(3.0)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    return x, w, b, x * w + b


def x_times_x_times_y(torch):
    """z = x * x * y at x = 2 and y = 3, both requiring grad: dz/dx = 2xy = 12, d2z/dx2 = 2y = 6.
    Returns x, y, z."""
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    return x, y, x * x * y


@example(
    "004",
    (
        "y = x*w + b with x = 3: backward gives w.grad = x = 3 (the article's comment says 2.0, "
        "wrongly) and b.grad = 1"
    ),
    stdout="""\
tensor(3.) tensor(1.)
""",
)
def linear_backward(torch):
    x, w, b, y = line(torch)
    y.backward()
    # dy/dw = x = 3. The article's comment reads "2.0, 1.0": 2.0 is the value of w, not its
    # gradient.
    print(w.grad, b.grad)


@example(
    "004",
    "torch.autograd.grad(y, [w, b]) returns (3, 1) and leaves w.grad and b.grad at None",
    stdout="""\
tensor(3.) tensor(1.)
None None
""",
)
def linear_autograd_grad(torch):
    x, w, b, y = line(torch)
    w_grad, b_grad = torch.autograd.grad(y, [w, b])
    print(w_grad, b_grad)  # again 3, not the article's 2.0
    print(w.grad, b.grad)  # grad() returns the gradients instead of storing them


@example(
    "004",
    "grad(y, w, retain_graph=True) then grad(y, b): (3,) and (1,)",
    stdout="""\
tensor(3.) tensor(1.)
""",
)
def linear_retain_graph_then_second_grad(torch):
    x, w, b, y = line(torch)
    w_grad = torch.autograd.grad(y, w, retain_graph=True)
    b_grad = torch.autograd.grad(y, b)
    print(w_grad[0], b_grad[0])


@example(
    "004",
    (
        "without retain_graph: grad(y, b) still runs (AddBackward0 saved nothing), "
        "a second grad(y, w) raises"
    ),
    stdout="""\
(tensor(3.),)
(tensor(1.),)
""",
    raises=RuntimeError,
    message=(
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        "calling backward."
    ),
)
def linear_graph_is_freed_without_retain_graph(torch):
    # The article says the second call needs retain_graph=True. Precisely: the first grad() frees
    # what MulBackward0 saved (x, to compute dy/dw). The path to b goes through AddBackward0 only,
    # which saved nothing, so grad(y, b) still works; it is going through MulBackward0 again that
    # fails.
    x, w, b, y = line(torch)
    print(torch.autograd.grad(y, w))
    print(torch.autograd.grad(y, b))
    torch.autograd.grad(y, w)


@example(
    "004",
    "z = x*x*y: differentiating grad_x again without create_graph raises (grad_x has no grad_fn)",
    stdout="""\
(tensor(12.),)
False
""",
    raises=RuntimeError,
    message="element 0 of tensors does not require grad and does not have a grad_fn",
)
def second_order_without_create_graph_fails(torch):
    x, y, z = x_times_x_times_y(torch)
    grad_x = torch.autograd.grad(z, x, retain_graph=True)
    print(grad_x)
    print(grad_x[0].requires_grad)  # retain_graph keeps the graph, it does not record a new one
    torch.autograd.grad(grad_x, x)


@example(
    "004",
    "z = x*x*y with create_graph=True: dz/dx = 2xy = 12 is differentiable, d2z/dx2 = 2y = 6",
    stdout="""\
(tensor(12., grad_fn=<AddBackward0>),)
(tensor(6.),)
""",
)
def second_order_with_autograd_grad(torch):
    x, y, z = x_times_x_times_y(torch)
    grad_x = torch.autograd.grad(z, x, create_graph=True)
    grad_xx = torch.autograd.grad(grad_x, x)
    print(grad_x)
    print(grad_xx)


@example(
    "004",
    "z.backward(create_graph=True) then grad(x.grad, x): 12 and 6",
    stdout="""\
tensor(12., grad_fn=<CopyBackwards>) tensor(6.)
""",
)
def second_order_with_backward(torch):
    x, y, z = x_times_x_times_y(torch)
    z.backward(create_graph=True)  # x.grad now carries a graph of its own
    grad_xx = torch.autograd.grad(x.grad, x)
    print(x.grad, grad_xx[0])


@example(
    "004",
    "z.backward(create_graph=True), x.grad = 12, then x.grad.backward() accumulates 6 into it: 18",
    stdout="""\
tensor(12., grad_fn=<CopyBackwards>)
tensor(18., grad_fn=<CopyBackwards>)
""",
)
def second_backward_accumulates(torch):
    x, y, z = x_times_x_times_y(torch)
    z.backward(create_graph=True)
    print(x.grad)
    x.grad.backward()  # d(2xy)/dx = 2y = 6, added to the 12 already there
    print(x.grad)


@example(
    "004",
    "zeroing x.grad through .data before x.grad.backward() leaves 6",
    stdout="""\
tensor(12., grad_fn=<CopyBackwards>)
tensor(0., grad_fn=<CopyBackwards>)
tensor(6., grad_fn=<CopyBackwards>)
""",
)
def zero_then_second_backward(torch):
    x, y, z = x_times_x_times_y(torch)
    z.backward(create_graph=True)
    print(x.grad)
    x.grad.data.zero_()  # wipes the value, keeps the graph that computed it
    print(x.grad)
    x.grad.backward()
    print(x.grad)


@example(
    "004",
    "y = x * x is a vector: y.backward() without a gradient raises",
    stdout="",
    raises=RuntimeError,
    message="grad can be implicitly created only for scalar outputs",
)
def vector_backward_needs_a_gradient(torch):
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward()


@example(
    "004",
    "y.backward(torch.ones_like(y)) gives 2x = [4, 6]",
    stdout="""\
tensor([4., 6.])
""",
)
def vector_backward_with_ones(torch):
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x * x
    # The article writes torch.ones_likes(y), a typo that raises AttributeError in PyTorch too;
    # ones_like is what it means.
    y.backward(torch.ones_like(y))
    print(x.grad)


@example(
    "004",
    "y.backward([0.4, 0.6]) weighs the two outputs: [1.6, 3.6]",
    stdout="""\
tensor([1.6000, 3.6000])
""",
)
def vector_backward_with_weights(torch):
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(torch.tensor([0.4, 0.6]))
    print(x.grad)


@example(
    "004",
    (
        "x += 1 under no_grad changes the leaf in place (version 1) and y = x * x does not require "
        "grad"
    ),
    stdout="""\
tensor([3., 4.], requires_grad=True)
1
False
""",
)
def no_grad_block_with_in_place_add(torch):
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    with torch.no_grad():
        x += 1  # allowed on a leaf that requires grad only because grad mode is off
        y = x * x
    print(x)
    print(x._version)
    print(y.requires_grad)


@example(
    "004",
    "the same with @torch.no_grad() on a function",
    stdout="""\
tensor([3., 4.], requires_grad=True)
1
False
""",
)
def no_grad_decorator_with_in_place_add(torch):
    x = torch.tensor([2.0, 3.0], requires_grad=True)

    @torch.no_grad()
    def f(x):
        x += 1
        return x * x

    # The article calls f(x) without keeping the result and then prints y.requires_grad, so y is
    # undefined there; keeping the result in y is what it means.
    y = f(x)
    print(x)
    print(x._version)
    print(y.requires_grad)


@example(
    "004",
    (
        "y = sigmoid(x), y.data.zero_(): autograd does not see it and silently returns a wrong "
        "gradient [0, 0]"
    ),
    stdout="""\
tensor([0., 0.], grad_fn=<SigmoidBackward0>)
0
tensor([0., 0.])
""",
)
def sigmoid_data_zero_is_silently_wrong(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y_ = y.data
    y_.zero_()
    print(y)  # .data shares y's storage...
    print(y._version)  # ...but not its version counter, so nothing tells autograd
    z = y.sum()
    z.backward()
    print(x.grad)  # sigmoid' = y * (1 - y) computed from the zeroed y: 0, not 0.1966, 0.1050


@example(
    "004",
    (
        "y = sigmoid(x), y.detach().zero_(): backward raises the 'modified by an inplace operation'"
        " error"
    ),
    stdout="""\
tensor([0., 0.], grad_fn=<SigmoidBackward0>)
1
""",
    raises=RuntimeError,
    # PyTorch goes on with " Hint: enable anomaly detection ... set_detect_anomaly(...)"; we hold
    # autograd_core to the first sentence only.
    message=(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; "
        "expected version 0 instead."
    ),
    match="prefix",
)
def sigmoid_detach_zero_raises(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y_ = y.detach()
    y_.zero_()
    print(y)
    print(y._version)  # detach() shares the version counter: the change is on record
    z = y.sum()
    z.backward()


@example(
    "004",
    "y = x * x, y.data.zero_(): the gradient 2x does not use y, so it is right: [2, 4]",
    stdout="""\
tensor([0., 0.], grad_fn=<MulBackward0>)
tensor([2., 4.])
""",
)
def square_data_zero_is_harmless(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y_ = y.data
    y_.zero_()
    print(y)
    z = y.sum()
    z.backward()
    print(x.grad)


@example(
    "004",
    "y = x * x, y.detach().zero_(): MulBackward0 saved x, not y, so no error and [2, 4]",
    stdout="""\
tensor([0., 0.], grad_fn=<MulBackward0>)
1
tensor([2., 4.])
""",
)
def square_detach_zero_is_harmless(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y_ = y.detach()
    y_.zero_()
    print(y)
    print(y._version)  # bumped, but nothing saved y, so the check never fires
    z = y.sum()
    z.backward()
    print(x.grad)


# --------------------------------------------------------------------------------------------------
# The tests.
# --------------------------------------------------------------------------------------------------

EXAMPLES = catalogue.examples
IDS = [e.id for e in EXAMPLES]


@pytest.fixture(scope="module")
def core():
    """``autograd_core``; an ImportError here means the engine is not there yet."""
    return importlib.import_module("autograd_core")


def _fail(example: Example, problems: list[str], library: str) -> None:
    pytest.fail(
        f"{library} on example {example.id} ({example.summary}):\n\n" + "\n\n".join(problems),
        pytrace=False,
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_example(example: Example, core) -> None:
    """autograd_core prints what PyTorch 2.13.0 printed, raises what it raised, and stays quiet."""
    outcome = run(example.fn, core)
    problems = check_against_literal(example, outcome)
    if outcome.grad_enabled_after is False:
        problems.append("grad mode was left off after the example")
    if outcome.stderr:
        problems.append(f"autograd_core wrote to stderr:\n{outcome.stderr}")
    if outcome.warnings:
        problems.append("autograd_core warned:\n" + "\n".join(outcome.warnings))
    if problems:
        _fail(example, problems, "autograd_core")


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_pytorch_prints_the_literal(example: Example) -> None:
    """The literal expectations above are what real PyTorch prints today."""
    torch = pytest.importorskip("torch")
    outcome = run(example.fn, torch)
    problems = check_against_literal(example, outcome)
    if outcome.grad_enabled_after is False:
        problems.append("grad mode was left off after the example")
    if problems:
        _fail(example, problems, f"torch {torch.__version__}")


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_parity_with_pytorch(example: Example, core) -> None:
    """autograd_core and real PyTorch print the same thing and fail the same way."""
    torch = pytest.importorskip("torch")
    reference = run(example.fn, torch)
    candidate = run(example.fn, core)
    problems = check_against_each_other(reference, candidate)
    if problems:
        _fail(example, problems, "autograd_core vs torch")


def test_catalogue_covers_every_article() -> None:
    """Each of the five articles contributes examples, and ids are unique."""
    assert sorted({e.article for e in EXAMPLES}) == ["000", "001", "002", "003", "004"]
    assert len(IDS) == len(set(IDS))
    # Every error example names what it expects, and only those do.
    for e in EXAMPLES:
        assert (e.error_type is None) == (e.error_message is None), e.id


def test_checks_are_not_vacuous() -> None:
    """The comparison helpers do notice a changed line, a missing error and a wrong message."""
    from article_examples import Outcome

    linear = next(e for e in EXAMPLES if e.slug == "linear-backward")
    assert check_against_literal(linear, Outcome(stdout="tensor(3.) tensor(1.)\n")) == []
    # The article's wrong comment would be caught.
    assert check_against_literal(linear, Outcome(stdout="tensor(2.) tensor(1.)\n"))
    assert check_against_literal(
        linear, Outcome(stdout=linear.stdout, error=RuntimeError("boom"))
    )

    scalar = next(e for e in EXAMPLES if e.slug == "vector-backward-needs-a-gradient")
    assert check_against_literal(scalar, Outcome(stdout="")) != []  # nothing raised
    assert check_against_literal(
        scalar, Outcome(stdout="", error=ValueError(scalar.error_message))
    )  # wrong class
    assert check_against_literal(
        scalar, Outcome(stdout="", error=RuntimeError("grad can be implicitly created"))
    )  # truncated message

    inplace = next(e for e in EXAMPLES if e.slug == "sigmoid-detach-zero-raises")
    hinted = RuntimeError(inplace.error_message + " Hint: whatever the library suggests.")
    assert check_against_literal(inplace, Outcome(stdout=inplace.stdout, error=hinted)) == []

    reference = Outcome(stdout="x\n", error=RuntimeError("First sentence. Hint: torch only."))
    same_first = Outcome(stdout="x\n", error=RuntimeError("First sentence. Another hint."))
    assert check_against_each_other(reference, same_first) == []
    assert check_against_each_other(reference, Outcome(stdout="x\n"))
    assert check_against_each_other(reference, Outcome(stdout="y\n", error=reference.error))
