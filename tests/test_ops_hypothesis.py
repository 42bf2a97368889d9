"""Property tests over random shapes: broadcasting binary ops, reductions over random dims with
``keepdim``, and shape ops.  Gradients are checked against hand-written NumPy derivatives (so these
run without torch), and shape ops against PyTorch too when it is installed."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autograd_core as ag

from op_catalogue import BY_NAME, DOMAINS, of_kind

pytestmark = pytest.mark.filterwarnings("error")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2 ** 32 - 1)


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """NumPy's version of the engine's sum_to_shape, written independently."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# d out / d a and d out / d b, elementwise, for the binary ops of the catalogue
PARTIALS = {
    "add": (lambda a, b: np.ones_like(a * b), lambda a, b: np.ones_like(a * b)),
    "sub": (lambda a, b: np.ones_like(a * b), lambda a, b: -np.ones_like(a * b)),
    "mul": (lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    "div": (lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b ** 2),
    "pow_tensor": (lambda a, b: b * a ** (b - 1), lambda a, b: a ** b * np.log(a)),
    "maximum": (lambda a, b: (a > b) + 0.5 * (a == b), lambda a, b: (b > a) + 0.5 * (a == b)),
    "minimum": (lambda a, b: (a < b) + 0.5 * (a == b), lambda a, b: (b < a) + 0.5 * (a == b)),
}


def test_every_binary_op_has_partials():
    assert {spec.name for spec in of_kind("binary")} == set(PARTIALS)


@pytest.mark.parametrize("spec", of_kind("binary"), ids=repr)
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=seeds, dtype=st.sampled_from(["float32", "float64"]))
def test_binary_op_broadcasting(spec, shapes, seed, dtype):
    rng = np.random.default_rng(seed)
    (shape_a, shape_b), out_shape = shapes.input_shapes, shapes.result_shape
    a_np = np.asarray(DOMAINS[spec.domains[0]](rng, shape_a), dtype=dtype)
    b_np = np.asarray(DOMAINS[spec.domains[1]](rng, shape_b), dtype=dtype)
    w = np.asarray(rng.standard_normal(out_shape), dtype=dtype)
    a, b = ag.tensor(a_np, requires_grad=True), ag.tensor(b_np, requires_grad=True)

    out = spec.call(ag, a, b)
    assert out.shape == ag.Size(out_shape) and out.dtype == a.dtype
    np.testing.assert_allclose(out.numpy(force=True), spec.numpy_fn(a_np, b_np), rtol=1e-5)
    (out * ag.tensor(w)).sum().backward()

    da, db = (p(a_np.astype(np.float64), b_np.astype(np.float64)) for p in PARTIALS[spec.name])
    tolerance = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    assert a.grad.dtype == a.dtype and b.grad.dtype == b.dtype
    np.testing.assert_allclose(a.grad.numpy(), unbroadcast(w * da, shape_a), **tolerance)
    np.testing.assert_allclose(b.grad.numpy(), unbroadcast(w * db, shape_b), **tolerance)


@st.composite
def shape_and_dims(draw, min_dims=1):
    shape = draw(array_shapes(min_dims=min_dims, max_dims=4, min_side=1, max_side=4))
    dims = draw(st.one_of(
        st.integers(-len(shape), len(shape) - 1),
        st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True).map(tuple)))
    return shape, dims


def _positive_dims(dims, ndim):
    return tuple(sorted(d % ndim for d in ((dims,) if isinstance(dims, int) else dims)))


@SETTINGS
@given(case=shape_and_dims(), keepdim=st.booleans(), seed=seeds,
       reduction=st.sampled_from(["sum", "mean", "var"]))
def test_reductions_over_random_dims(case, keepdim, seed, reduction):
    shape, dims = case
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(shape)
    x = ag.tensor(x_np, requires_grad=True)
    axes = _positive_dims(dims, len(shape))
    count = int(np.prod([shape[d] for d in axes]))
    if reduction == "var" and count < 2:
        return                                        # one element: variance divides by zero

    out = getattr(x, reduction)(dims, keepdim=keepdim)
    expected = {"sum": np.sum, "mean": np.mean, "var": lambda *a, **k: np.var(*a, ddof=1, **k)}[reduction](
        x_np, axis=axes, keepdims=keepdim)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    assert out.grad_fn.name() == {"sum": "SumBackward1", "mean": "MeanBackward1", "var": "VarBackward0"}[reduction]

    w = rng.standard_normal(expected.shape)
    (out * ag.tensor(w)).sum().backward()
    w_back = w if keepdim else np.expand_dims(w, axes)
    if reduction == "sum":
        grad = np.broadcast_to(w_back, shape)
    elif reduction == "mean":
        grad = np.broadcast_to(w_back, shape) / count
    else:
        grad = w_back * 2 * (x_np - x_np.mean(axis=axes, keepdims=True)) / (count - 1)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), data=st.data(),
       keepdim=st.booleans(), seed=seeds, which=st.sampled_from(["max", "min"]))
def test_max_min_over_a_random_dim(shape, data, keepdim, seed, which):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    x_np = rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape)   # no ties
    x = ag.tensor(x_np, requires_grad=True)
    values, indices = getattr(x, which)(dim, keepdim=keepdim)
    arg = (np.argmax if which == "max" else np.argmin)(x_np, axis=dim)
    expected = np.take_along_axis(x_np, np.expand_dims(arg, dim), dim)
    np.testing.assert_array_equal(values.detach().numpy(), expected if keepdim else np.squeeze(expected, dim))
    np.testing.assert_array_equal(indices.numpy(), np.expand_dims(arg, dim) if keepdim else arg)
    assert indices.dtype == ag.int64

    w = rng.standard_normal(values.shape)
    (values * ag.tensor(w)).sum().backward()
    grad = np.zeros(shape)
    np.put_along_axis(grad, np.expand_dims(arg, dim), w if keepdim else np.expand_dims(w, dim), dim)
    np.testing.assert_array_equal(x.grad.numpy(), grad)


# -- shape ops: a random shape op, checked by the adjoint identity and against torch
@st.composite
def shape_op(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    kind = draw(st.sampled_from(["permute", "transpose", "reshape", "reshape_permuted", "unsqueeze",
                                 "squeeze", "expand", "flatten", "slice", "select", "T"]))
    if kind == "permute":
        order = draw(st.permutations(range(ndim)))
        return shape, kind, lambda t: t.permute(*order)
    if kind == "transpose":
        d0, d1 = draw(st.integers(-ndim, ndim - 1)), draw(st.integers(-ndim, ndim - 1))
        return shape, kind, lambda t: t.transpose(d0, d1)
    if kind.startswith("reshape"):
        size = int(np.prod(shape))
        first = draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
        if kind == "reshape":
            return shape, kind, lambda t: t.reshape(first, -1)
        return shape, kind, lambda t: t.permute(*reversed(range(ndim))).reshape(first, -1)
    if kind == "unsqueeze":
        d = draw(st.integers(-ndim - 1, ndim))
        return shape, kind, lambda t: t.unsqueeze(d)
    if kind == "squeeze":
        d = draw(st.integers(-ndim, ndim - 1))
        return shape, kind, lambda t: t.squeeze(d)
    if kind == "expand":
        return shape, kind, lambda t: t.expand(2, *[(3 if n == 1 else n) for n in shape])
    if kind == "flatten":
        start = draw(st.integers(0, ndim - 1))
        return shape, kind, lambda t: t.flatten(start)
    if kind == "slice":
        d = draw(st.integers(0, ndim - 1))
        start = draw(st.integers(0, shape[d] - 1))
        step = draw(st.integers(1, 3))
        key = (slice(None),) * d + (slice(start, None, step),)
        return shape, kind, lambda t: t[key]
    if kind == "select":
        d = draw(st.integers(0, ndim - 1))
        i = draw(st.integers(-shape[d], shape[d] - 1))
        return shape, kind, lambda t: t.select(d, i)
    # x.T on a tensor that is not 2-D is deprecated in PyTorch (it warns): a matrix here
    return (shape + (2,))[:2] if ndim != 2 else shape, kind, lambda t: t.T


@SETTINGS
@given(case=shape_op(), seed=seeds)
def test_shape_op_gradient_is_the_adjoint(case, seed):
    """For a linear map L, the gradient of <w, L(x)> is L^T w: <L^T w, v> = <w, L(v)> for any v."""
    shape, kind, op = case
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal(shape), requires_grad=True)
    out = op(x)
    w = rng.standard_normal(tuple(out.shape))
    (out * ag.tensor(w)).sum().backward()
    v = rng.standard_normal(shape)
    assert np.isclose(np.sum(x.grad.numpy() * v), np.sum(w * op(ag.tensor(v)).numpy()), rtol=1e-10, atol=1e-10)
    # views share memory and the version counter with their base, as in PyTorch
    if kind in ("permute", "transpose", "unsqueeze", "squeeze", "expand", "slice", "select", "T"):
        base = ag.tensor(rng.standard_normal(shape))
        view = op(base)
        assert np.shares_memory(view.numpy(), base.numpy()) or view.numel() == 0
        assert view._version == base._version


@SETTINGS
@given(case=shape_op(), seed=seeds)
def test_shape_op_against_torch(case, seed):
    torch = pytest.importorskip("torch")
    shape, kind, op = case
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(shape)
    x, tx = ag.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out, expected = op(x), op(tx)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    if kind != "reshape_permuted":
        # (PyTorch names a reshape of a non-contiguous tensor that needs no copy
        # ReshapeAliasBackward0; autograd_core copies: UnsafeViewBackward0)
        assert type(out.grad_fn).__name__ == type(expected.grad_fn).__name__
    w = rng.standard_normal(tuple(expected.shape))
    out.backward(ag.tensor(w))
    expected.backward(torch.tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3), seed=seeds)
def test_matmul_against_torch(shapes, seed):
    """``@`` dispatches to dot, mv, mm or a batched product with broadcast batch dimensions."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    k = int(rng.integers(1, 4))
    shape_a, shape_b = shape_a[:-1] + (k,), (shape_b[:-2] + (k, shape_b[-1])) if len(shape_b) > 1 else (k,)
    a_np, b_np = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    a, b = ag.tensor(a_np, requires_grad=True), ag.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    out, expected = a @ b, ta @ tb
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(tuple(expected.shape))
    out.backward(ag.tensor(w))
    expected.backward(torch.tensor(w))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)
