"""Tensor semantics a learner meets: grad modes, detach and .data, in-place operations and version
counters, custom Functions, printing, dtypes, metadata, indexing and ``__setitem__``."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import autograd_core as ag

pytestmark = pytest.mark.filterwarnings("error")
@pytest.fixture(autouse=True)
def _grad_mode_is_restored():
    """Every test starts with grad mode on, and a test that leaves it off fails (not the next one)."""
    assert ag.is_grad_enabled()
    yield
    enabled = ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    assert enabled, "the test left grad mode off"


MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


# ---------------------------------------------------------------------------------------------
# Grad modes
# ---------------------------------------------------------------------------------------------
def test_no_grad_and_enable_grad_as_context_managers():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            z = x * 2
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn.name() == "MulBackward0"


def test_grad_mode_decorators():
    x = ag.tensor([1.0], requires_grad=True)

    @ag.no_grad()
    def with_parentheses(t):
        return t * 2

    @ag.no_grad
    def without_parentheses(t):
        return t * 2

    @ag.enable_grad()
    def enabled(t):
        return t * 2

    @ag.set_grad_enabled(False)
    def disabled(t):
        return t * 2

    assert ag.is_grad_enabled()                     # decorating switched nothing
    assert not with_parentheses(x).requires_grad
    assert not without_parentheses(x).requires_grad
    assert without_parentheses.__name__ == "without_parentheses"
    assert not disabled(x).requires_grad
    with ag.no_grad():
        assert enabled(x).requires_grad
    assert ag.is_grad_enabled()


def test_set_grad_enabled_plain_call_and_context_manager():
    x = ag.tensor([1.0], requires_grad=True)
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled() and not (x * 2).requires_grad
        ag.set_grad_enabled(True)
        assert ag.is_grad_enabled()
        with ag.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert ag.is_grad_enabled()
        is_train = False
        with ag.set_grad_enabled(is_train):
            assert not ag.is_grad_enabled()
        with ag.no_grad():
            with ag.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)


def test_grad_mode_restored_on_exceptions():
    @ag.no_grad()
    def fails():
        raise ValueError("boom")

    for make_context in (ag.no_grad, lambda: ag.set_grad_enabled(False)):
        with pytest.raises(ValueError):
            with make_context():
                raise ValueError("boom")
        assert ag.is_grad_enabled()
    with pytest.raises(ValueError):
        fails()
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with pytest.raises(ValueError):
            with ag.enable_grad():
                raise ValueError("boom")
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_no_grad_context_object_is_reusable():
    context = ag.no_grad()
    with context:
        with context:
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


# ---------------------------------------------------------------------------------------------
# detach() and .data
# ---------------------------------------------------------------------------------------------
def test_detach_shares_storage_and_version_counter():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d.add_(1)                                     # allowed: d does not require grad
    assert x.tolist() == [2.0, 3.0]
    assert x._version == 1 and d._version == 1
    assert np.shares_memory(d.numpy(), x.detach().numpy())


def test_data_shares_storage_but_not_the_version_counter():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad
    d.mul_(2)
    assert x.tolist() == [2.0, 4.0]
    assert d._version == 1 and x._version == 0
    x.data = ag.tensor([5.0, 6.0])                # .data can be set
    assert x.tolist() == [5.0, 6.0] and x.requires_grad


def test_sigmoid_examples_version_checks():
    """The article examples: .data goes unnoticed (wrong gradient), .detach() is caught."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.data.zero_()
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]          # sigmoid' = y (1 - y) computed from the zeroed y

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        y.sum().backward()
    message = str(info.value)
    assert "[torch.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; expected version 0 instead." in message


def test_version_errors_against_torch():
    torch = pytest.importorskip("torch")

    def scenarios(lib):
        out = []
        cases = [
            lambda x: (x.sigmoid(), lambda y: y.detach().zero_()),
            lambda x: (x.exp(), lambda y: y.add_(1)),
            lambda x: (x * 1, lambda y: y.mul_(2)),              # Mul saved its input, not y
            lambda x: (x.tanh(), lambda y: y.data.zero_()),
        ]
        for case in cases:
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y, modify = case(x)
            z = (y * y).sum()                                   # saves y
            modify(y)
            try:
                z.backward()
                out.append(("runs", [round(v, 5) for v in x.grad.tolist()]))
            except RuntimeError as error:
                out.append(("raises", str(error)))
        leaf = lib.tensor([1.0, 2.0], requires_grad=True)
        z = (leaf * leaf).sum()
        with lib.no_grad():
            leaf.add_(1)
        try:
            z.backward()
        except RuntimeError as error:
            out.append(("raises", str(error)))
        return out

    assert scenarios(ag) == scenarios(torch)


# ---------------------------------------------------------------------------------------------
# In place
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation", [
    lambda t: t.add_(1), lambda t: t.sub_(1), lambda t: t.mul_(2), lambda t: t.div_(2),
    lambda t: t.zero_(), lambda t: t.fill_(3), lambda t: t.copy_(ag.ones(3)),
    lambda t: t.clamp_(0, 1), lambda t: t.__iadd__(1), lambda t: t.__isub__(1),
    lambda t: t.__imul__(2), lambda t: t.__itruediv__(2), lambda t: t.__setitem__(0, 5.0),
], ids=["add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_", "+=", "-=", "*=", "/=",
        "setitem"])
def test_in_place_operations_bump_the_version(operation):
    t = ag.tensor([1.0, 2.0, 3.0])
    view = t[1:]
    returned = operation(t)
    assert t._version == 1 and view._version == 1
    if returned is not None:
        assert returned is t
    operation(t)
    assert t._version == 2


def test_in_place_values_against_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        t = lib.tensor([1.0, -2.0, 3.0])
        t.add_(1)
        t.sub_(lib.tensor([0.5, 0.5, 0.5]), alpha=2)
        t.mul_(3)
        t.div_(2)
        t += 1
        t -= 0.5
        t *= 2
        t /= 4
        t.clamp_(-1, 2)
        u = lib.zeros(3)
        u.copy_(t)
        u[1] = 7
        u[lib.tensor([True, False, True])] = 0.25
        return t.tolist() + u.tolist() + [t._version, u._version]

    assert run(ag) == run(torch)


def test_in_place_on_a_leaf_that_requires_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
        x += 1
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0] = 3.0
    with ag.no_grad():
        x.sub_(0.5)                              # how an optimiser updates a parameter
        x[1] = 9.0
    assert x.tolist() == [0.5, 9.0] and x.requires_grad and x.is_leaf and x._version == 2


def test_in_place_on_a_non_leaf_is_recorded():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    y.mul_(ag.tensor([3.0, 5.0]))
    assert y.grad_fn.name() == "MulBackward0" and y.tolist() == [9.0, 25.0]
    y.sum().backward()
    assert x.grad.tolist() == [2 * 3.0, 2 * 5.0]


# ---------------------------------------------------------------------------------------------
# __setitem__ and indexing against torch
# ---------------------------------------------------------------------------------------------
SETITEM_CASES = {
    "int": lambda lib, a, v: a.__setitem__(1, v[0]),
    "slice": lambda lib, a, v: a.__setitem__(slice(0, 2), v[:2]),
    "column": lambda lib, a, v: a.__setitem__((slice(None), 1), v[:, 0]),
    "scalar": lambda lib, a, v: a.__setitem__((0, 1), 5.0),
    "mask": lambda lib, a, v: a.__setitem__(a > 0, 0.0),
    "list": lambda lib, a, v: a.__setitem__([0, 2], v[:2]),
    "broadcast": lambda lib, a, v: a.__setitem__(slice(1, 3), v[0, :2]),
}


@pytest.mark.parametrize("case", list(SETITEM_CASES))
def test_setitem_gradients_against_torch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a_np, v_np = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def run(lib):
        x = lib.tensor(a_np, requires_grad=True)
        v = lib.tensor(v_np, requires_grad=True)
        a = x * 1
        SETITEM_CASES[case](lib, a, v)
        (a * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        return a, x.grad, v.grad

    (a, gx, gv), (ta, tgx, tgv) = run(ag), run(torch)
    np.testing.assert_allclose(a.detach().numpy(), ta.detach().numpy())
    assert type(a.grad_fn).__name__ == type(ta.grad_fn).__name__
    assert type(a.grad_fn).__name__ == ("IndexPutBackward0" if case in ("mask", "list") else "CopySlices")
    np.testing.assert_allclose(gx.numpy(), tgx.numpy())
    assert (gv is None) == (tgv is None)
    if gv is not None:
        np.testing.assert_allclose(gv.numpy(), tgv.numpy())


INDEX_KEYS = {
    "x[0]": 0, "x[-1]": -1, "x[:, 1]": (slice(None), 1), "x[1:]": slice(1, None),
    "x[::2]": slice(None, None, 2), "x[[0, 2]]": [0, 2], "x[None]": None, "x[...]": Ellipsis,
    "x[..., 1]": (Ellipsis, 1), "x[0, None, 1:]": (0, None, slice(1, None)), "x[1, 2]": (1, 2),
    "x[:, None, :]": (slice(None), None, slice(None)), "x[[0, 1], [2, 0]]": ([0, 1], [2, 0]),
    "x[[1, 1]]": [1, 1],
}


@pytest.mark.parametrize("name", list(INDEX_KEYS))
def test_indexing_against_torch(name):
    torch = pytest.importorskip("torch")
    key = INDEX_KEYS[name]
    values = np.arange(12.0).reshape(3, 4) / 7

    def run(lib):
        x = lib.tensor(values, requires_grad=True)
        out = x[key]
        (out * out).sum().backward()
        return out, x.grad

    (out, grad), (expected, expected_grad) = run(ag), run(torch)
    assert repr(out) == repr(expected)
    np.testing.assert_allclose(grad.numpy(), expected_grad.numpy())


def test_mask_indexing_against_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, -2.0], [-3.0, 4.0]])
    results = []
    for lib in (ag, torch):
        x = lib.tensor(values, requires_grad=True)
        out = x[x > 0]
        out.sum().backward()
        results.append((repr(out), x.grad.tolist(), repr(x > 0)))
    assert results[0] == results[1]


# ---------------------------------------------------------------------------------------------
# Custom autograd.Function
# ---------------------------------------------------------------------------------------------
class MulAdd(ag.autograd.Function):
    """out = x * y + z, with needs_input_grad telling backward what to compute."""

    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y)
        ctx.seen = ctx.needs_input_grad
        return x * y + z

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad * y if ctx.needs_input_grad[0] else None,
                grad * x if ctx.needs_input_grad[1] else None,
                grad if ctx.needs_input_grad[2] else None)


def test_custom_function():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0, 4.0])
    z = ag.tensor([0.5, 0.5], requires_grad=True)
    out = MulAdd.apply(x, y, z)
    assert out.tolist() == [3.5, 8.5]
    assert out.grad_fn.name() == "MulAddBackward" and type(out.grad_fn).__name__ == "MulAddBackward"
    assert repr(out) == "tensor([3.5000, 8.5000], grad_fn=<MulAddBackward>)"
    assert out.grad_fn.needs_input_grad == (True, False, True)
    assert out.grad_fn.seen == (True, False, True)
    assert out.grad_fn.next_functions[1] == (None, 0)
    assert out.grad_fn.next_functions[0][0].variable is x
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and y.grad is None and z.grad.tolist() == [1.0, 1.0]


def test_custom_function_gradcheck_and_gradgradcheck():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([3.0, -4.0], dtype=ag.float64, requires_grad=True)
    z = ag.tensor([0.5, 0.5], dtype=ag.float64, requires_grad=True)
    assert ag.autograd.gradcheck(MulAdd.apply, (x, y, z))
    assert ag.autograd.gradgradcheck(MulAdd.apply, (x, y, z))


def test_custom_function_under_no_grad_records_nothing():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        out = MulAdd.apply(x, x, x)
    assert out.grad_fn is None and not out.requires_grad


def test_custom_function_against_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                (result,) = ctx.saved_tensors
                return grad_output * result

        x = lib.tensor([0.5, 1.0], requires_grad=True)
        out = Exp.apply(x)
        (out * 2).sum().backward()
        return repr(out), repr(x.grad), out.grad_fn.name()

    assert run(ag) == run(torch)


# ---------------------------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------------------------
REPR_CASES = [
    "lib.ones(2, 2, requires_grad=True) + 2",
    "lib.tensor(20, dtype=lib.float64)",
    "lib.tensor([1.6, 3.6])",
    "lib.tensor([1.0, 2.0], requires_grad=True)",
    "lib.tensor(2.0, requires_grad=True) * 3",
    "lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)",
    "lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True).sum()",
    "lib.tensor([1, 2, 3])",
    "lib.tensor([1.0, 2.0]) > 1.5",
    "lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).mean()",
    "lib.tensor([1.0, 2.0], requires_grad=True).detach()",
    "lib.ones(2, 3).shape",
    "lib.ones(2, 3).size()",
    "lib.Size([2, 3])",
    "lib.Size([])",
    "lib.tensor([1.0, 2.0], requires_grad=True).max(0)",
    "lib.tensor(3) / 2",
    "lib.tensor([1e-5, 1e5], requires_grad=True)",
    "lib.tensor([1.0, 2.0], requires_grad=True).float32 if False else lib.float32",
]


@pytest.mark.parametrize("expression", REPR_CASES)
def test_repr_against_torch(expression):
    torch = pytest.importorskip("torch")
    assert repr(eval(expression, {"lib": ag})) == repr(eval(expression, {"lib": torch}))


def test_repr_literals():
    x = ag.ones(2, 2, requires_grad=True)
    assert repr(x + 2) == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert repr(ag.tensor(20, dtype=ag.float64)) == "tensor(20., dtype=torch.float64)"
    assert repr(ag.tensor([1.6, 3.6])) == "tensor([1.6000, 3.6000])"
    assert repr(ag.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(ag.Size([2, 3])) == "torch.Size([2, 3])"
    assert str(x.sum()) == "tensor(4., grad_fn=<SumBackward0>)"


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------
DTYPE_CASES = [
    "lib.tensor(1.5)", "lib.tensor(3)", "lib.tensor([1, 2]) / lib.tensor([2, 2])", "lib.tensor(3) / 2",
    "lib.tensor([1.0], dtype=lib.float64) * 2.5", "lib.tensor([1.0], dtype=lib.float64) + lib.tensor([1.0])",
    "lib.tensor([1, 2]) * 2.5", "lib.tensor([1, 2]) + lib.tensor([0.5])", "lib.tensor([1, 2]).sum()",
    "lib.tensor([1, 2]).float()", "lib.tensor([1.5]).double()", "lib.tensor([1.5]).long()",
    "lib.tensor([1, 2]).exp()", "lib.tensor([True, False])", "lib.tensor([1.0]) > 0",
    "lib.arange(3)", "lib.arange(0.0, 1.0, 0.5)", "lib.zeros(2)", "lib.ones(2, dtype=lib.int64)",
    "lib.tensor(np.array([1.0]))", "lib.tensor(np.float64(2.0))", "lib.from_numpy(np.ones(2, dtype=np.float32))",
    "lib.tensor([1.5]).sum(dtype=lib.float64)", "lib.tensor([2, 3]) ** 2", "lib.tensor([2.0]) ** lib.tensor([2])",
    "lib.tensor([1, 2]) // 2", "lib.full((2,), 3)", "lib.full((2,), 3.0)", "2 ** lib.tensor([2, 3])",
    "2.5 ** lib.tensor([2, 3])", "lib.tensor([1.0, 2.0], requires_grad=True).double()",
]


@pytest.mark.parametrize("expression", DTYPE_CASES)
def test_dtype_rules_against_torch(expression):
    torch = pytest.importorskip("torch")
    ours, theirs = eval(expression, {"lib": ag, "np": np}), eval(expression, {"lib": torch, "np": np})
    assert str(ours.dtype) == str(theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_dtype_rules():
    assert ag.tensor(1.5).dtype == ag.float32 and ag.tensor(1.5).dtype is ag.float
    assert ag.tensor(3).dtype == ag.int64 and ag.tensor(3).dtype is ag.long
    assert (ag.tensor([1, 2]) / ag.tensor([2, 2])).dtype == ag.float32
    assert (ag.tensor([1.0], dtype=ag.float64) * 2).dtype == ag.float64
    assert ag.tensor([0.1], dtype=ag.float64).item() == 0.1            # no detour through float32
    assert ag.tensor([1.0]).double().dtype is ag.double
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        ag.tensor([1, 2]).requires_grad_()


def test_gradients_keep_the_dtype_of_their_input():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype == ag.float64 and w.grad.dtype == ag.float32
    y = ag.tensor([1.0, 2.0], requires_grad=True)
    y.double().sum().backward()
    assert y.grad.dtype == ag.float32


# ---------------------------------------------------------------------------------------------
# Metadata, comparisons, conversions
# ---------------------------------------------------------------------------------------------
def test_metadata():
    x = ag.zeros(2, 3)
    assert x.shape == (2, 3) and isinstance(x.shape, ag.Size) and repr(x.shape) == "torch.Size([2, 3])"
    assert x.size() == ag.Size([2, 3]) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6 and x.shape.numel() == 6
    assert x.T.shape == (3, 2) and x.t().shape == (3, 2)
    assert ag.ones((2, 2)).shape == ag.ones(2, 2).shape == ag.ones([2, 2]).shape
    assert ag.tensor(5.0).shape == () and ag.tensor(5.0).dim() == 0 and ag.tensor(5.0).numel() == 1
    assert len(ag.zeros(4, 2)) == 4


def test_comparisons_give_bool_tensors():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2, x > ag.tensor([0.0, 5.0, 1.0])):
        assert result.dtype == ag.bool and not result.requires_grad and result.grad_fn is None
    assert (x > 1.5).tolist() == [False, True, True]
    assert ag.equal(x.detach(), ag.tensor([1.0, 2.0, 3.0])) is True
    assert ag.allclose(x.detach(), ag.tensor([1.0, 2.0, 3.0 + 1e-9]))


def test_numpy_refusal_and_sharing():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x.numpy()
    assert str(info.value) == "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    array = x.detach().numpy()
    array[0] = 10.0
    assert x.tolist() == [10.0, 2.0]
    y = ag.from_numpy(np.ones(2))
    y.numpy()[1] = 5.0
    assert y.tolist() == [1.0, 5.0]
    assert x.sum().item() == 12.0 and isinstance(x.sum().item(), float)


# ---------------------------------------------------------------------------------------------
# Nothing on stderr in normal use
# ---------------------------------------------------------------------------------------------
SESSION = """
import autograd_core as torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
w = torch.tensor([0.5, -0.5, 1.0], requires_grad=True)
for step in range(3):
    y = (x * w).sigmoid().log().sum() / x.norm() + (x @ w) ** 2 + x.max() - x.mean(0)
    y.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
z = torch.tensor([0.0, 1.0], requires_grad=True)
(z.log() * 0).sum().backward()          # log(0): -inf, no NumPy warning
print((z / 0).detach(), torch.tensor([1., 0.]) / torch.tensor([0., 0.]), torch.tensor(-1.).sqrt())
print(x.grad, x.detach().numpy(), x.data, float(x.sum().detach()), x[0].item())
g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
g.sum().backward()
print(torch.autograd.functional.hessian(lambda t: (t ** 3).sum(), x.detach()))
print(x[x > 1], x.exp().sigmoid(), torch.tensor([1e30, -1e30]).sigmoid(), torch.tensor([100.]).exp() * 0)
"""


def test_a_typical_session_writes_nothing_to_stderr():
    result = subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(SESSION)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "grad_fn" not in result.stdout.split("\n")[0]
