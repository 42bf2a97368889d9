"""Batch normalisation (``NativeBatchNormBackward0``): per channel, over the batch and spatial dims."""
from __future__ import annotations

import numpy as np

from ..function import Op, constant
from ..grad_mode import _GradMode


def channel_axes(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def per_channel(array_or_tensor, ndim: int):
    """Reshape a per-channel vector (C,) to (1, C, 1, ...) so it broadcasts against the input."""
    return array_or_tensor.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNorm(Op):
    """out = (x - mean) / sqrt(var + eps) * w + b;   training: dx = w / sigma * (g - mean(g) - xhat * mean(g * xhat)),
    eval: dx = g * w / sigma;   dw = sum(g * xhat),   db = sum(g)"""
    node_name = "NativeBatchNormBackward0"
    # the input is saved, not the output, so an in-place ReLU after the layer is safe
    inputs, saves = ("input", "weight", "bias"), ("input", "weight")

    @staticmethod
    def forward(ctx, input, weight, bias, *, running_mean, running_var, training, momentum, eps):
        axes, ndim = channel_axes(input.ndim), input.ndim
        if training:
            mean = input.mean(axis=axes)
            var = input.var(axis=axes)                       # biased: the one that normalises
            if running_mean is not None:
                count = input.size // input.shape[1]
                # PyTorch keeps the *unbiased* variance in its running statistics
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += momentum * var * (count / max(count - 1, 1))
        else:
            mean, var = running_mean.copy(), running_var      # a copy: later updates must not leak in
        invstd = 1 / np.sqrt(var + eps)
        out = (input - per_channel(mean, ndim)) * per_channel(invstd.astype(input.dtype, copy=False), ndim)
        if weight is not None:
            out *= per_channel(weight, ndim)
        if bias is not None:
            out += per_channel(bias, ndim)
        ctx.mean, ctx.invstd, ctx.training, ctx.eps = mean, invstd, training, eps
        return out.astype(input.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        axes, ndim = channel_axes(input.dim()), input.dim()
        if ctx.training and _GradMode.enabled:
            # create_graph: mean and 1/sigma depend on x, so rebuild them with Tensor operations
            centred = input - input.mean(axes, keepdim=True)
            invstd = ((centred * centred).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        else:
            centred = input - constant(per_channel(ctx.mean, ndim).astype(input._data.dtype, copy=False))
            invstd = constant(per_channel(ctx.invstd, ndim).astype(input._data.dtype, copy=False))
        normalised = centred * invstd
        scaled = grad if weight is None else grad * per_channel(weight, ndim)
        grad_input = None
        if ctx.needs_input_grad[0]:
            if ctx.training:
                grad_input = invstd * (scaled - scaled.mean(axes, keepdim=True)
                                       - normalised * (scaled * normalised).mean(axes, keepdim=True))
            else:
                grad_input = scaled * invstd
        return (grad_input,
                (grad * normalised).sum(axes) if ctx.needs_input_grad[1] else None,
                grad.sum(axes) if ctx.needs_input_grad[2] else None)
