"""Parity of every catalogue op with real PyTorch: forward values and dtype, ``grad_fn`` names,
printed form, first derivatives, second derivatives (``create_graph=True``), and whether a second
backward through the same graph raises.  Skipped when torch is not installed."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

from op_catalogue import CATALOGUE

pytestmark = pytest.mark.filterwarnings("error")


def _pair(spec, seed=0, dtype="float64"):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in spec.arrays(seed)]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return torch, ours, theirs


def _np(t):
    # force=True: torch hands back a ZeroTensor for some second derivatives (abs), which
    # refuses a plain numpy()
    return None if t is None else t.detach().numpy(force=True)


def _close(ours, theirs, **tolerance):
    assert (ours is None) == (theirs is None), (ours, theirs)
    if ours is not None:
        np.testing.assert_allclose(_np(ours), _np(theirs), **(tolerance or dict(rtol=1e-10, atol=1e-12)))


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_forward_and_node_name(spec):
    torch, ours, theirs = _pair(spec)
    out, expected = spec.call(ag, *ours), spec.call(torch, *theirs)
    assert tuple(out.shape) == tuple(expected.shape)
    assert str(out.dtype) == str(expected.dtype)
    _close(out, expected)
    # type names: torch's name() of C++-only nodes carries a namespace (torch::autograd::CopySlices)
    assert type(expected.grad_fn).__name__ == spec.node, "the catalogue names the wrong node"
    assert type(out.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert out.grad_fn.name() == expected.grad_fn.name()
    assert out.requires_grad and not out.is_leaf


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_repr_in_float32(spec):
    """What a learner sees printed: values, grad_fn, dtype, in PyTorch's format."""
    torch, ours, theirs = _pair(spec, dtype="float32")
    out, expected = spec.call(ag, *ours), spec.call(torch, *theirs)
    assert repr(out) == repr(expected)


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_next_functions_structure(spec):
    """The edges of the node: AccumulateGrad for leaves (with .variable), None for constants."""
    torch, ours, theirs = _pair(spec)
    ours[-1].requires_grad_(False) if len(ours) > 1 else None
    theirs[-1].requires_grad_(False) if len(theirs) > 1 else None

    def structure(fn, leaves, depth=3):
        if fn is None:
            return None
        name = type(fn).__name__         # torch's AccumulateGrad.name() has a C++ namespace
        if depth == 0:
            return name
        if name == "AccumulateGrad":
            return (name, [i for i, t in enumerate(leaves) if t is fn.variable])
        return (name, tuple((structure(f, leaves, depth - 1), nr) for f, nr in fn.next_functions))

    out, expected = spec.call(ag, *ours), spec.call(torch, *theirs)
    assert structure(out.grad_fn, ours) == structure(expected.grad_fn, theirs)


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_first_derivatives(spec):
    torch, ours, theirs = _pair(spec, seed=2)
    out, expected = spec.call(ag, *ours), spec.call(torch, *theirs)
    v = np.random.default_rng(3).standard_normal(tuple(expected.shape)).astype(expected.detach().numpy().dtype)
    grads = ag.autograd.grad(out, ours, ag.tensor(v))
    expected_grads = torch.autograd.grad(expected, theirs, torch.tensor(v))
    for g, e, x in zip(grads, expected_grads, ours):
        _close(g, e)
        assert g.shape == x.shape and g.dtype == x.dtype
        assert not g.requires_grad


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if s.second_order], ids=repr)
def test_second_derivatives(spec):
    torch, ours, theirs = _pair(spec, seed=4)
    rng = np.random.default_rng(5)

    def second(lib, inputs):
        out = spec.call(lib, *inputs)
        v = lib.tensor(rng_v)
        grads = lib.autograd.grad(out, inputs, v, create_graph=True)
        total = sum((g * lib.tensor(u)).sum() for g, u in zip(grads, rng_u) if g.requires_grad)
        if not isinstance(total, (ag.Tensor, torch.Tensor)) or not total.requires_grad:
            return [None] * len(inputs)
        return lib.autograd.grad(total, inputs, allow_unused=True)

    shape = tuple(spec.call(torch, *theirs).shape)
    rng_v = rng.standard_normal(shape)
    rng_u = [rng.standard_normal(tuple(t.shape)) for t in theirs]
    for g, e, x in zip(second(ag, ours), second(torch, theirs), ours):
        zero = np.zeros(tuple(x.shape))
        np.testing.assert_allclose(zero if g is None else _np(g), zero if e is None else _np(e),
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_second_backward_raises_exactly_when_pytorch_does(spec):
    """Saved tensors are freed after backward: a node that saved some cannot run again."""
    torch, ours, theirs = _pair(spec)

    def twice(lib, inputs):
        out = spec.call(lib, *inputs).sum()
        out.backward()
        try:
            out.backward()
        except RuntimeError as error:
            assert str(error).startswith("Trying to backward through the graph a second time")
            return "raises"
        return "runs"

    assert twice(ag, ours) == twice(torch, theirs)


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_gradients_under_create_graph_require_grad_as_in_pytorch(spec):
    """PyTorch records every backward formula, the piecewise-linear ones too (relu's gradient
    depends on its output, abs's on sign(x)), so under create_graph a gradient requires grad
    whenever the formula read an input that does; a Hessian-vector product through it is 0."""
    torch, ours, theirs = _pair(spec, seed=6)

    def requires(lib, inputs):
        out = spec.call(lib, *inputs)
        v = lib.ones_like(out)
        return [g.requires_grad for g in lib.autograd.grad(out, inputs, v, create_graph=True)]

    assert requires(ag, ours) == requires(torch, theirs)
