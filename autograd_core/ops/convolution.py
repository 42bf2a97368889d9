"""2-D convolution, and the two ops its backward is made of (so that it can be differentiated again).

Each uses strided window views of the input (``sliding_window_view``) and one matrix product
(``tensordot``): no Python loop visits a pixel.  Graph nodes: ``ConvolutionBackward0`` and
``ConvolutionBackwardBackward0``.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..function import Op


def windows2d(padded: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """A (N, C, H_out, W_out, kh, kw) strided view: every window the kernel visits, no copy."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    view = sliding_window_view(padded, (span_h, span_w), axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def pad2d(input: np.ndarray, padding: tuple, value: float = 0.0, extra: tuple = (0, 0)) -> np.ndarray:
    """Pad the two spatial dimensions (``extra`` adds more on the bottom/right, for ceil_mode)."""
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return input
    return np.pad(input, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), constant_values=value)


def _groups_of(array: np.ndarray, groups: int, axis: int) -> list:
    return np.split(array, groups, axis=axis) if groups > 1 else [array]


def _conv2d_array(input, weight, stride, padding, dilation, groups) -> np.ndarray:
    """out[n, o] = sum over c, i, j of padded[n, c, s*y + d*i, s*x + d*j] * weight[o, c, i, j]"""
    padded = pad2d(input, padding)
    parts = []
    for x, w in zip(_groups_of(padded, groups, 1), _groups_of(weight, groups, 0)):
        windows = windows2d(x, w.shape[2:], stride, dilation)            # N, C, Ho, Wo, kh, kw
        parts.append(np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])))   # N, Ho, Wo, O
    out = parts[0] if groups == 1 else np.concatenate(parts, axis=3)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def _conv2d_input_grad_array(grad, weight, input_shape, stride, padding, dilation, groups) -> np.ndarray:
    """The adjoint of the convolution in its input: every output gradient is spread back over
    the window it came from, weighted by the kernel (a "transposed convolution")."""
    n, c, h, w = input_shape
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    kh, kw = weight.shape[2:]
    ho, wo = grad.shape[2:]
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=np.result_type(grad, weight))
    channel_parts = _groups_of(padded, groups, 1)        # views: writes land in ``padded``
    for target, g, k in zip(channel_parts, _groups_of(grad, groups, 1), _groups_of(weight, groups, 0)):
        # C, kh, kw, N, Ho, Wo: for one kernel offset (i, j) a contiguous (C, N, Ho, Wo) block
        columns = np.tensordot(k, g, axes=([0], [1]))
        target_by_channel = target.transpose(1, 0, 2, 3)
        for i in range(kh):                              # a loop over kernel offsets, not pixels
            for j in range(kw):
                target_by_channel[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh,
                                  j * dw: j * dw + sw * (wo - 1) + 1: sw] += columns[:, i, j]
    return padded[:, :, ph: ph + h, pw: pw + w]


def _conv2d_weight_grad_array(input, grad, weight_shape, stride, padding, dilation, groups) -> np.ndarray:
    """The adjoint of the convolution in its weight: each kernel entry collects input * g over
    all the windows it touched."""
    padded = pad2d(input, padding)
    parts = []
    for x, g in zip(_groups_of(padded, groups, 1), _groups_of(grad, groups, 1)):
        windows = windows2d(x, weight_shape[2:], stride, dilation)       # N, C, Ho, Wo, kh, kw
        parts.append(np.tensordot(g, windows, axes=([0, 2, 3], [0, 2, 3])))   # O, C, kh, kw
    return parts[0] if groups == 1 else np.concatenate(parts, axis=0)


class Convolution(Op):
    """out = x ⋆ w + b (cross-correlation);   dx = conv_transpose(g, w),   dw = x ⋆ g,   db = sum of g

    ``settings``: stride, padding, dilation, groups, passed on as they are to the ops of backward."""
    node_name = "ConvolutionBackward0"
    inputs, saves = ("input", "weight", "bias"), ("input", "weight")

    @staticmethod
    def forward(ctx, input, weight, bias, **settings):
        ctx.settings, ctx.input_shape, ctx.weight_shape = settings, input.shape, weight.shape
        out = _conv2d_array(input, weight, **settings)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        return (ConvolutionInputGrad.apply(grad, weight, input_shape=ctx.input_shape, **settings) if needs[0] else None,
                ConvolutionWeightGrad.apply(input, grad, weight_shape=ctx.weight_shape, **settings) if needs[1] else None,
                grad.sum((0, 2, 3)) if needs[2] else None)


class ConvolutionInputGrad(Op):
    """out = conv_transpose(g, w), a convolution's dx;   dg = conv(h, w),   dw = h ⋆ g   (h: out's gradient)
    -- from <conv_transpose(g, w), h> = <g, conv(h, w)>, differentiated in g and in w"""
    node_name = "ConvolutionBackwardBackward0"
    inputs = saves = ("grad_output", "weight")

    @staticmethod
    def forward(ctx, grad, weight, *, input_shape, **settings):
        ctx.settings, ctx.weight_shape = settings, weight.shape
        return _conv2d_input_grad_array(grad, weight, input_shape, **settings)

    @staticmethod
    def backward(ctx, h):
        grad, weight = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        return (Convolution.apply(h, weight, None, **settings) if needs[0] else None,
                ConvolutionWeightGrad.apply(h, grad, weight_shape=ctx.weight_shape, **settings) if needs[1] else None)


class ConvolutionWeightGrad(Op):
    """out = x ⋆ g, a convolution's dw;   dx = conv_transpose(g, k),   dg = conv(x, k)   (k: out's gradient)
    -- from <x ⋆ g, k> = <g, conv(x, k)>, differentiated in x and in g"""
    node_name = "ConvolutionBackwardBackward0"
    inputs = saves = ("input", "grad_output")

    @staticmethod
    def forward(ctx, input, grad, *, weight_shape, **settings):
        ctx.settings, ctx.input_shape = settings, input.shape
        return _conv2d_weight_grad_array(input, grad, weight_shape, **settings)

    @staticmethod
    def backward(ctx, k):
        input, grad = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        return (ConvolutionInputGrad.apply(grad, k, input_shape=ctx.input_shape, **settings) if needs[0] else None,
                Convolution.apply(input, k, None, **settings) if needs[1] else None)
