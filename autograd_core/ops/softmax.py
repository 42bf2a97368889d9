"""Softmax and log-softmax along one dimension, computed stably (the maximum is subtracted first)."""
from __future__ import annotations

import numpy as np

from ..dtypes import as_floating
from ..function import Op


def _shifted_exponentials(a: np.ndarray, dim: int) -> tuple:
    """``a - max(a)`` and its exponentials: the same softmax, without overflow."""
    a = as_floating(a)
    shifted = a - a.max(axis=dim, keepdims=True)
    return shifted, np.exp(shifted)


class Softmax(Op):
    """out = exp(x) / sum exp(x) along ``dim``;   dx = out * (g - sum(g * out))"""
    node_name = "SoftmaxBackward0"
    saves = ("result",)

    @staticmethod
    def forward(ctx, a, *, dim):
        _, exponentials = _shifted_exponentials(a, dim)
        ctx.dim = dim
        return exponentials / exponentials.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (out * (grad - (grad * out).sum(ctx.dim, keepdim=True)),)


class LogSoftmax(Op):
    """out = x - log(sum exp(x)) along ``dim``;   dx = g - exp(out) * sum(g)"""
    node_name = "LogSoftmaxBackward0"
    saves = ("result",)

    @staticmethod
    def forward(ctx, a, *, dim):
        shifted, exponentials = _shifted_exponentials(a, dim)
        ctx.dim = dim
        return shifted - np.log(exponentials.sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad - out.exp() * grad.sum(ctx.dim, keepdim=True),)
