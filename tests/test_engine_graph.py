"""The backward graph and the engine: what a learner can observe about nodes, leaves, gradients,
freeing, ``autograd.grad``, higher order and the functional API.  These run without torch; where
PyTorch is installed the same scenarios are compared with it (``torch = pytest.importorskip``)."""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import autograd_core as ag
from test_engine_errors import _add_one_in_place

pytestmark = pytest.mark.filterwarnings("error")

FREED = "Trying to backward through the graph a second time"


# ---------------------------------------------------------------------------------------------
# The two regression tests every autograd engine needs
# ---------------------------------------------------------------------------------------------
def test_diamond_graph_runs_each_node_once_with_summed_gradients():
    a = ag.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_with_products():
    a = ag.tensor(2.0, requires_grad=True)
    b = a * a                  # used twice below
    c = b * b + b              # a**4 + a**2
    c.backward()
    assert a.grad.item() == 4 * 2.0 ** 3 + 2 * 2.0


def test_graph_10000_nodes_deep():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    assert sys.getrecursionlimit() < 20_000          # a recursive traversal would fail here
    y.backward(retain_graph=True)
    assert np.isclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-9)
    # autograd.grad and create_graph on the same depth
    (g,) = ag.autograd.grad(y * 2, x, retain_graph=True)
    assert np.isclose(g.item(), 2 * 1.0001 ** 10_000, rtol=1e-9)
    del y, g
    gc.collect()                                      # freeing a deep graph does not recurse either


# ---------------------------------------------------------------------------------------------
# Leaves, requires_grad, grad_fn, next_functions
# ---------------------------------------------------------------------------------------------
def test_leaves_and_requires_grad_propagation():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    y = x * c
    z = c * 2
    assert x.is_leaf and c.is_leaf and not y.is_leaf and z.is_leaf
    assert y.requires_grad and not z.requires_grad
    assert x.grad_fn is None and z.grad_fn is None and y.grad_fn.name() == "MulBackward0"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    with ag.no_grad():
        w = x * 2
    assert w.is_leaf and not w.requires_grad


def test_next_functions():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    y = x * c
    (acc, nr), (none, nr2) = y.grad_fn.next_functions
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x and nr == 0
    assert none is None and nr2 == 0
    z = (y + x).sum()
    add = z.grad_fn.next_functions[0][0]
    assert add.name() == "AddBackward0"
    assert add.next_functions[0][0] is y.grad_fn
    assert add.next_functions[1][0] is acc                  # one AccumulateGrad per leaf
    assert repr(acc).startswith("<AccumulateGrad object at 0x")


def test_next_functions_against_torch():
    torch = pytest.importorskip("torch")

    def structure(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, 0.5], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        out = ((x * c + w) ** 2).sum() / 2 - x.exp().mean()

        def walk(fn):
            if fn is None:
                return None
            if type(fn).__name__ == "AccumulateGrad":
                return ("AccumulateGrad", "x" if fn.variable is x else "w")
            return (type(fn).__name__, tuple((walk(f), n) for f, n in fn.next_functions))
        return walk(out.grad_fn)

    assert structure(ag) == structure(torch)


def test_requires_grad_only_settable_on_leaves():
    x = ag.tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    y.detach().requires_grad_()                  # a detached copy is a leaf again
    z = ag.tensor([1.0])
    assert z.requires_grad_() is z and z.requires_grad


# ---------------------------------------------------------------------------------------------
# .grad: accumulation, retain_grad, non-leaf access
# ---------------------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls_and_zero_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]
    assert x.grad is first                       # accumulated in place, as PyTorch does
    x.grad.zero_()
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_retain_grad_on_non_leaf():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y * y
    assert y.retains_grad and not z.retains_grad
    z.sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor"):
        assert z.grad is None
    x.retain_grad()                              # a no-op on leaves
    assert not x.retains_grad


def test_backward_on_a_leaf_and_with_gradient_argument():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(ag.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 2.0]
    s = ag.tensor(2.0, requires_grad=True)
    s.backward()
    assert s.grad.item() == 1.0


# ---------------------------------------------------------------------------------------------
# Freeing saved tensors; retain_graph
# ---------------------------------------------------------------------------------------------
def test_additive_graph_runs_twice_silently():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 2).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_multiplicative_graph_raises_the_second_time():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=FREED) as info:
        y.backward()
    assert "Specify retain_graph=True" in str(info.value)
    assert x.grad.tolist() == [2.0, 4.0]            # the failed pass added nothing


def test_freed_error_raised_only_when_a_freed_node_is_needed():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * x                                    # saves x
    a = h.sum()
    b = (h + 1).sum()
    a.backward()                                 # frees MulBackward0's saved tensors
    with pytest.raises(RuntimeError, match=FREED):
        b.backward()                             # needs MulBackward0 again
    c = ag.tensor([1.0, 2.0], requires_grad=True)
    d = (c + c).sum()
    d.backward()
    e = d * 1                                    # a new node on top of a used additive graph
    e.backward()
    assert c.grad.tolist() == [4.0, 4.0]


def test_saved_tensors_of_a_custom_function_are_freed():
    class Square(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = ag.tensor([3.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.saved_tensors[0] is x
    y.backward()
    with pytest.raises(RuntimeError, match=FREED):
        y.grad_fn.saved_tensors


def test_retain_graph_allows_a_second_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_freeing_matches_torch():
    torch = pytest.importorskip("torch")

    def scenario(lib):
        results = []
        for build in (lambda x: (x + x).sum(), lambda x: (x * x).sum(), lambda x: x.exp().sum(),
                      lambda x: (x.view(2, 1) + 1).sum(), lambda x: x[0] * 2, lambda x: (x ** 2).mean()):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = build(x)
            y.backward()
            try:
                y.backward()
                results.append(("runs", x.grad.tolist()))
            except RuntimeError as error:
                results.append(("raises", str(error)))
        return results

    assert scenario(ag) == scenario(torch)


# ---------------------------------------------------------------------------------------------
# autograd.grad
# ---------------------------------------------------------------------------------------------
def _counting_function():
    class Counted(ag.autograd.Function):
        calls = 0

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            Counted.calls += 1
            return grad * 2

    return Counted


def test_autograd_grad_runs_only_the_part_that_leads_to_inputs():
    Counted = _counting_function()
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    side = Counted.apply(w)                     # a branch that does not lead to x
    out = (x * x).sum() + side.sum()
    (gx,) = ag.autograd.grad(out, x)
    assert gx.tolist() == [2.0, 4.0]
    assert Counted.calls == 0                   # the side branch's node never ran
    assert x.grad is None and w.grad is None    # and no .grad was touched
    (gw,) = ag.autograd.grad(out, w)            # additive root, Counted saved nothing: runs
    assert gw.tolist() == [2.0, 2.0] and Counted.calls == 1


def test_autograd_grad_on_an_intermediate():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = (h * h).sum()
    gh, gx = ag.autograd.grad(out, [h, x])
    assert gh.tolist() == [6.0, 12.0] and gx.tolist() == [18.0, 36.0]
    assert h.grad_fn is not None


def test_autograd_grad_allow_unused():
    x = ag.tensor([1.0], requires_grad=True)
    unused = ag.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used"):
        ag.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0] and gu is None
    gx, gu = ag.autograd.grad(y, [x, unused], materialize_grads=True)
    assert gu.tolist() == [0.0]


def test_autograd_grad_with_grad_outputs_and_multiple_outputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2, x * x
    (g,) = ag.autograd.grad([y1, y2], x, [ag.tensor([1.0, 1.0]), ag.tensor([0.5, 0.5])])
    assert g.tolist() == [3.0, 4.0]


def test_autograd_backward_function_and_inputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([1.0, 1.0], requires_grad=True)
    ag.autograd.backward([(x * w).sum()], inputs=[x])
    assert x.grad.tolist() == [1.0, 1.0] and w.grad is None


# ---------------------------------------------------------------------------------------------
# Higher order
# ---------------------------------------------------------------------------------------------
def test_fourth_derivative_of_x_to_the_fifth():
    x = ag.tensor(2.0, requires_grad=True)
    g = x ** 5
    expected = [5 * 2.0 ** 4, 20 * 2.0 ** 3, 60 * 2.0 ** 2, 120 * 2.0]
    for value in expected:
        (g,) = ag.autograd.grad(g, x, create_graph=True)
        assert g.item() == value
        assert g.requires_grad
    g.backward()
    assert x.grad.item() == 120.0


def test_higher_order_against_torch():
    torch = pytest.importorskip("torch")

    def derivatives(lib):
        x = lib.tensor([0.3, -1.2], dtype=lib.float64, requires_grad=True)
        g = (x.sin() * x.exp() + x.sigmoid() * x ** 3).sum()
        out = []
        for _ in range(4):
            (g,) = lib.autograd.grad(g, x, create_graph=True)
            out.append(g.detach().numpy().copy())
            g = g.sum()
        return np.array(out)

    np.testing.assert_allclose(derivatives(ag), derivatives(torch), rtol=1e-10)


def test_create_graph_backward_keeps_a_differentiable_grad():
    x = ag.tensor(3.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.item() == 27.0 and x.grad.requires_grad
    (g2,) = ag.autograd.grad(x.grad, x)
    assert g2.item() == 18.0


# ---------------------------------------------------------------------------------------------
# autograd.functional against torch
# ---------------------------------------------------------------------------------------------
def _functional_cases(lib):
    x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64)
    y = lib.tensor([1.5, 0.25], dtype=lib.float64)
    v3 = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)
    v2 = lib.tensor([0.3, 0.7], dtype=lib.float64)
    F = lib.autograd.functional

    def f(a):
        return a.exp() * a.sum()

    def g(a, b):
        return (a.unsqueeze(1) * b.unsqueeze(0)).tanh()

    def scalar(a):
        return (a ** 3).sum() + (a.sin() * a).sum()

    def scalar2(a, b):
        return (a.sum() * b ** 2).sum()

    return {
        "jacobian": F.jacobian(f, x),
        "jacobian_tuple": F.jacobian(g, (x, y)),
        "hessian": F.hessian(scalar, x),
        "hessian_tuple": F.hessian(scalar2, (x, y)),
        "vjp": F.vjp(f, x, v3),
        "jvp": F.jvp(f, x, v3),
        "hvp": F.hvp(scalar, x, v3),
        "vjp_tuple": F.vjp(lambda a, b: (a * b.sum()), (x, y), v3),
        "jvp_tuple": F.jvp(lambda a, b: a * b.sum(), (x, y), (v3, v2)),
    }


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [item for v in value for item in _flatten(v)]
    return [value]


@pytest.mark.parametrize("name", list(_functional_cases(ag)))
def test_functional_against_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _flatten(_functional_cases(ag)[name]), _flatten(_functional_cases(torch)[name])
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert not o.requires_grad
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_hessian_of_a_quadratic():
    A = ag.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=ag.float64)
    x = ag.tensor([1.0, -1.0], dtype=ag.float64)
    H = ag.autograd.functional.hessian(lambda t: t @ A @ t / 2, x)
    np.testing.assert_allclose(H.numpy(), A.numpy())
    J = ag.autograd.functional.jacobian(lambda t: A @ t, x)
    np.testing.assert_allclose(J.numpy(), A.numpy())


@pytest.mark.parametrize("lib_name", ["autograd_core", "torch"])
def test_mark_dirty_rebases_the_input_as_pytorch_does(lib_name):
    lib = ag if lib_name == "autograd_core" else pytest.importorskip("torch")
    add_one = _add_one_in_place(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = add_one.apply(y)
    assert z is y and y._version == 1
    assert type(y.grad_fn).__name__ == "AddOneBackward"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    (z * z).sum().backward()
    assert x.grad.tolist() == [12.0, 20.0]          # 2 * 2 * (2x + 1)
    plain = lib.tensor([1.0, 2.0])
    assert add_one.apply(plain) is plain and plain._version == 1 and plain.tolist() == [2.0, 3.0]


def test_package_attributes():
    assert not hasattr(ag, "utils")                   # no submodule by that name: AttributeError
    with pytest.raises(AttributeError):
        ag.utils
    assert ag.printoptions is ag._printing.printoptions
    with ag.printoptions(precision=2):
        assert repr(ag.tensor([1.23456])) == "tensor([1.23])"
    assert repr(ag.tensor([1.23456])) == "tensor([1.2346])"


def test_an_op_saves_its_inputs_and_output_as_the_tensors_they_are():
    from autograd_core.function import Op, constant

    class Converts(Op):
        node_name = "ConvertsBackward0"

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a.astype(np.float64))     # a copy: it would not be in the graph
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return (2 * a * grad,)

    class Squares(Converts):
        node_name = "SquaresBackward0"
        saves = ("self",)                                   # the input, by its role

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(constant(a > 0))          # and a declared constant after it
            return a * a

        @staticmethod
        def backward(ctx, grad):
            a, positive = ctx.saved_tensors
            return (2 * a * grad * positive,)

    x = ag.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"argument 0 is of type ndarray; an Op names the inputs and "
                                        r"output it saves in `saves`, and saves a value it computes as constant"):
        Converts.apply(x)
    assert Converts.apply(x.detach()).tolist() == [1.0, 4.0]     # nothing recorded, nothing saved
    y = Squares.apply(x)
    assert y.grad_fn._saved_self is x
    (first,) = ag.autograd.grad(y.sum(), x, create_graph=True)
    assert first.tolist() == [2.0, 0.0] and first.requires_grad   # saved x is x: differentiable
    (second,) = ag.autograd.grad(first.sum(), x)
    assert second.tolist() == [2.0, 0.0]

    # the output by its role: a float64 result turned float32 by Op.apply is still the output
    n = ag.tensor([1, 2])
    w = ag.tensor([0.5, 0.25], requires_grad=True)
    t = (w * n.exp()).tanh()
    assert t.grad_fn._saved_result.tolist() == t.tolist() and t.grad_fn._saved_result.dtype == ag.float32
    (g,) = ag.autograd.grad(t.sum(), w, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    # what a gradient does not need is not kept: x * c keeps c, not x, when c needs no gradient
    c = ag.tensor([3.0, 4.0])
    product = x * c
    assert product.grad_fn._saved_self is None and product.grad_fn._saved_other is c
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.add_(1)
        product.sum().backward()


def test_in_place_ops_run_through_op_apply_when_not_recorded():
    x = ag.tensor([1, 2, 3])
    assert x.add_(ag.tensor([1.0, 1.0, 1.0])).tolist() == [2, 3, 4] and x._version == 1
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        ag.ones(3).add_(ag.ones(2))                  # Op.apply's shape error, as out of place
    with ag.no_grad():
        w = ag.ones(2, requires_grad=True)
        w.mul_(3)
    assert w.grad_fn is None and w.tolist() == [3.0, 3.0] and w._version == 1


def test_accumulate_grad_takes_a_gradient_nothing_else_holds_and_copies_the_rest():
    made = []

    class Triple(ag.autograd.Function):
        forward = staticmethod(lambda ctx, x: x * 1)

        @staticmethod
        def backward(ctx, grad):
            fresh = grad * 3
            made.append(id(fresh._data))                  # an id: no reference kept
            return fresh

    v = ag.ones(2, requires_grad=True)
    Triple.apply(v).sum().backward()
    assert id(v.grad._data) == made[0] and v.grad.tolist() == [3.0, 3.0]   # taken, not copied
    w = ag.randn(3, 4, requires_grad=True)
    x = ag.randn(5, 3)
    (x @ w).tanh().sum().backward()
    first = w.grad
    (x @ w).tanh().sum().backward()
    assert w.grad is first                                # accumulated in place afterwards
    a, c = ag.ones(3, requires_grad=True), ag.ones(3, requires_grad=True)
    (a + c).sum().backward()                              # one gradient tensor reaches both leaves
    assert not np.shares_memory(a.grad._data, c.grad._data)
    (a + c).sum().backward()
    assert a.grad.tolist() == c.grad.tolist() == [2.0, 2.0, 2.0]
    kept = []
    d = ag.ones(3, requires_grad=True)
    d.register_hook(kept.append)                          # a hook keeps the gradient it saw
    (d * 2).sum().backward()
    (d * 2).sum().backward()
    assert kept[0].tolist() == [2.0, 2.0, 2.0] and d.grad.tolist() == [4.0, 4.0, 4.0]
    g = ag.ones(3)
    e = ag.ones(3, requires_grad=True)
    e.backward(g)                                         # the caller's gradient is copied
    e.backward(g)
    assert g.tolist() == [1.0, 1.0, 1.0] and e.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_powers_gradient_is_recorded_as_pytorch_records_it():
    """pow_backward is grad * (e * x.pow(e - 1)): under create_graph, MulBackward0 over MulBackward1
    over PowBackward0; for e = 0 the gradient is zeros with no history."""
    torch = pytest.importorskip("torch")

    def recorded(lib, exponent):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        (grad,) = lib.autograd.grad((x ** exponent * w).sum(), x, create_graph=True)

        def walk(fn):
            if fn is None or type(fn).__name__ == "AccumulateGrad":
                return None if fn is None else "AccumulateGrad"
            return (type(fn).__name__, tuple(walk(f) for f, _ in fn.next_functions))
        return grad.tolist(), walk(grad.grad_fn)

    for exponent in (0, 1, 2, 3, 0.5):
        assert recorded(ag, exponent) == recorded(torch, exponent), exponent
