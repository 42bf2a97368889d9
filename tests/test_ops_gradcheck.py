"""Every op of the catalogue passes gradcheck (central differences in float64) and gradgradcheck.

These run without PyTorch: ``autograd_core.autograd.gradcheck`` compares the backward formulas with
finite differences of the forward.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.autograd import GradcheckError, gradcheck, gradgradcheck

from op_catalogue import CATALOGUE

pytestmark = pytest.mark.filterwarnings("error")


def _inputs(spec, seed=0):
    return tuple(ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in spec.arrays(seed))


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if "float32_output" not in s.tags], ids=repr)
def test_gradcheck(spec):
    inputs = _inputs(spec)
    assert gradcheck(lambda *xs: spec.call(ag, *xs), inputs)


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if s.second_order], ids=repr)
def test_gradgradcheck(spec):
    inputs = _inputs(spec, seed=1)
    assert gradgradcheck(lambda *xs: spec.call(ag, *xs), inputs)


@pytest.mark.parametrize("spec", CATALOGUE, ids=repr)
def test_node_name(spec):
    """The recorded node carries PyTorch's name (checked against torch in test_ops_parity)."""
    out = spec.call(ag, *_inputs(spec))
    assert out.grad_fn.name().split("::")[-1] == spec.node   # C++-only nodes: torch::autograd::X
    assert type(out.grad_fn).__name__ == spec.node
    assert repr(out.grad_fn).startswith(f"<{spec.node} object at 0x")


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if s.numpy_fn is not None], ids=repr)
def test_forward_matches_numpy(spec):
    arrays = spec.arrays()
    out = spec.call(ag, *(ag.tensor(a, dtype=ag.float64) for a in arrays))
    np.testing.assert_allclose(out.numpy(), spec.numpy_fn(*arrays), rtol=1e-12, atol=1e-12)
    assert out.dtype == ag.float64


def test_gradcheck_catches_a_wrong_backward():
    """gradcheck is not vacuous: a Function with a wrong derivative fails it."""

    class WrongSquare(ag.autograd.Function):
        forward = staticmethod(lambda ctx, x: x * x)
        backward = staticmethod(lambda ctx, grad: grad)        # should be 2 * x * grad

    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    """A backward computed on raw arrays has the right first derivative and a wrong second one."""

    class RawCube(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * ag.tensor(3 * x.detach().numpy() ** 2)     # a constant: no graph

    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    assert gradcheck(RawCube.apply, (x,))
    assert gradgradcheck(RawCube.apply, (x,), raise_exception=False) is False


ZERO_DIM = [s for s in CATALOGUE if s.kind == "unary" and len(s.shapes) == 1 and s.second_order
            and "float32_output" not in s.tags]


@pytest.mark.parametrize("spec", ZERO_DIM, ids=repr)
def test_gradgradcheck_on_0d_tensors(spec):
    """Scalars (0-d tensors) are what the articles differentiate twice: NumPy hands back numpy
    scalars for 0-d results, and an op that saved its output must still see it as its output."""
    x = ag.tensor(spec.arrays(seed=6)[0].reshape(-1)[0], dtype=ag.float64, requires_grad=True)
    assert gradcheck(lambda t: spec.call(ag, t), (x,))
    assert gradgradcheck(lambda t: spec.call(ag, t), (x,))
