"""Parity with real PyTorch on behaviour met in code written elsewhere (tutorials, the autograd
notes, PyTorch's own test habits): custom Functions, hooks, errors, node names, second order.

Each case is one function taking the library (``autograd_core`` or ``torch``) and returning what
it observed; the test runs it with both and compares.  Errors are observed as ``(type name,
message)`` so that the wording is compared too.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core

torch = pytest.importorskip("torch")


def observe(case, lib):
    """What ``case(lib)`` gives, as plain Python values (arrays as nested lists, rounded)."""
    try:
        return plain(case(lib))
    except Exception as error:            # noqa: BLE001 -- the error *is* the observation
        return ("raised", type(error).__name__, str(error).split("\n")[0])


def plain(value):
    if isinstance(value, (autograd_core.Tensor, torch.Tensor)):
        data = value.detach().numpy() if isinstance(value, torch.Tensor) else value.detach()._data
        return ("tensor", np.round(np.asarray(data, dtype=np.float64), 6).tolist(),
                bool(value.requires_grad))
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_same(case):
    ours, theirs = observe(case, autograd_core), observe(case, torch)
    assert ours == theirs, f"autograd_core: {ours}\ntorch:         {theirs}"
    return ours


def float64(lib, values, requires_grad=True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# Custom Functions that return their saved intermediates as extra outputs
# ---------------------------------------------------------------------------------------------
def sinh_function(lib):
    """sinh from exp(x) and exp(-x), both saved and returned as outputs so that backward can be
    differentiated through them (the pattern of PyTorch's double-backward tutorial)."""

    class SinhFromExps(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            up, down = x.exp(), (-x).exp()
            ctx.save_for_backward(up, down)
            return (up - down) / 2, up, down

        @staticmethod
        def backward(ctx, grad_sinh, grad_up, grad_down):
            up, down = ctx.saved_tensors
            return grad_sinh * (up + down) / 2 + grad_up * up - grad_down * down

    return SinhFromExps


def test_saved_outputs_send_second_order_gradients_through_their_own_output():
    def case(lib):
        SinhFromExps = sinh_function(lib)
        x = float64(lib, [-0.7, 0.4, 1.3])
        first, = lib.autograd.grad(SinhFromExps.apply(x)[0].sum(), x, create_graph=True)
        second, = lib.autograd.grad(first.sum(), x)
        return first, second                            # cosh, then sinh

    observed = assert_same(case)
    assert observed[1][1] == np.round(np.sinh([-0.7, 0.4, 1.3]), 6).tolist()


def test_gradgradcheck_of_a_function_returning_its_saved_outputs():
    def case(lib):
        SinhFromExps = sinh_function(lib)
        x = float64(lib, [-0.7, 0.4, 1.3])
        picks = [lambda t: SinhFromExps.apply(t)[0], lambda t: SinhFromExps.apply(t)[1],
                 lambda t: SinhFromExps.apply(t)[0] * SinhFromExps.apply(t)[2]]
        return [(lib.autograd.gradcheck(f, (x,)), lib.autograd.gradgradcheck(f, (x,))) for f in picks]

    assert assert_same(case) == [[True, True]] * 3
