"""Softmax and log-softmax along one dimension, computed stably (the maximum is subtracted first)."""
from __future__ import annotations

import numpy as np

from ..dtypes import as_floating
from ..function import Op


def _shifted_exponentials(ctx, a: np.ndarray, dim: int) -> tuple:
    """``a - max(a)`` along ``dim`` (kept in ``ctx``), its exponentials and their sum: the same
    softmax, without overflow."""
    ctx.dim = dim
    a = as_floating(a)
    shifted = a - a.max(axis=dim, keepdims=True)
    exponentials = np.exp(shifted)
    return shifted, exponentials, exponentials.sum(axis=dim, keepdims=True)


class Softmax(Op):
    """out = exp(x) / sum exp(x) along ``dim``;   dx = out * (g - sum(g * out))"""
    node_name, saves = "SoftmaxBackward0", ("result",)

    @staticmethod
    def forward(ctx, a, *, dim):
        _, exponentials, total = _shifted_exponentials(ctx, a, dim)
        return exponentials / total

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (out * (grad - (grad * out).sum(ctx.dim, keepdim=True)),)


class LogSoftmax(Op):
    """out = x - log(sum exp(x)) along ``dim``;   dx = g - exp(out) * sum(g)"""
    node_name, saves = "LogSoftmaxBackward0", ("result",)

    @staticmethod
    def forward(ctx, a, *, dim):
        shifted, _, total = _shifted_exponentials(ctx, a, dim)
        return shifted - np.log(total)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad - out.exp() * grad.sum(ctx.dim, keepdim=True),)
