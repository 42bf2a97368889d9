"""The piecewise-linear activations of ``nn.functional`` beyond ``relu`` (which lives with the
pointwise ops): ``leaky_relu`` and ``hardtanh`` (``relu6`` is hardtanh between 0 and 6).

Each backward is itself an op, recorded as PyTorch records ``leaky_relu_backward`` and
``hardtanh_backward``: under ``create_graph=True`` the gradient requires grad, and its own
gradient (a Hessian-vector product through these ops) is 0 where the kinks are not hit.
"""
from __future__ import annotations

import numpy as np

from ..function import Op, constant
from .elementwise import _where


class LeakyRelu(Op):
    """out = a where a > 0, else slope * a;   da = g where a > 0, else slope * g"""
    node_name, saves = "LeakyReluBackward0", ("self",)

    @staticmethod
    def forward(ctx, a, *, negative_slope):
        ctx.negative_slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (LeakyReluBackward.apply(grad, a, negative_slope=ctx.negative_slope),)


class LeakyReluInPlace(LeakyRelu):
    """``leaky_relu_``: the same maths, read from the result (its sign is the input's when the
    slope is positive; PyTorch refuses a negative slope in its backward)"""
    node_name, saves = "LeakyReluBackward1", ("result",)      # forward: LeakyRelu's

    @staticmethod
    def backward(ctx, grad):
        if ctx.negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
                "supported. This is caused by calling in-place forward function with a negative slope, "
                "please call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch "
                "if you do require supporting in-place leakRelu backward calculation with negative slope")
        return LeakyRelu.backward(ctx, grad)


class LeakyReluBackward(Op):
    """leaky_relu's backward, recorded as PyTorch records it (so its gradient requires grad under
    create_graph):  out = g where a > 0, else slope * g;   dg = the same of g',   da = 0"""
    node_name = "LeakyReluBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, a, *, negative_slope):
        mask = a > 0
        ctx.save_for_backward(constant(mask))
        ctx.negative_slope = negative_slope
        return np.where(mask, grad, grad * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return _where(mask._data, grad, grad * ctx.negative_slope), constant(np.zeros_like(grad._data))


class Hardtanh(Op):
    """out = min(max(a, low), high);   da = g strictly between low and high, else 0 (unlike
    clamp, whose gradient at a bound is g)"""
    node_name, saves = "HardtanhBackward0", ("self",)

    @staticmethod
    def forward(ctx, a, *, min_val, max_val):
        ctx.bounds = (min_val, max_val)
        return np.clip(a, min_val, max_val).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (HardtanhBackward.apply(grad, a, bounds=ctx.bounds),)


class HardtanhBackward(Op):
    """hardtanh's backward, recorded as PyTorch records it:  out = g where low < a < high, else 0;
    dg = the same of g',   da = 0"""
    node_name = "HardtanhBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, a, *, bounds):
        inside = (a > bounds[0]) & (a < bounds[1])
        ctx.save_for_backward(constant(inside))
        return np.where(inside, grad, np.zeros((), dtype=grad.dtype))

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside, constant(np.zeros_like(grad._data))
