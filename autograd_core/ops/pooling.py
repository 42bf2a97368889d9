"""Max pooling and adaptive average pooling over the last two dimensions.

Graph nodes: ``MaxPool2DWithIndicesBackward0`` (and ``MaxPool2DWithIndicesBackwardBackward0`` for
its own backward) and ``AdaptiveAvgPool2DBackward0``.
"""
from __future__ import annotations

import numpy as np

from ..function import Op, constant
from .convolution import pad2d, windows2d


class MaxPool2dWithIndices(Op):
    """out = max over each window (and, not differentiable, where it was);   dx = g routed to the
    position of each window's maximum"""
    node_name, saves = "MaxPool2DWithIndicesBackward0", ("self",)

    @staticmethod
    def forward(ctx, input, *, kernel_size, stride, padding, dilation, output_size):
        n, c, h, w = input.shape
        (ho, wo), (kh, kw) = output_size, kernel_size
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        # -inf padding never wins; ceil_mode may need extra room on the bottom/right
        extra = (max((ho - 1) * sh + dh * (kh - 1) + 1 - (h + 2 * ph), 0),
                 max((wo - 1) * sw + dw * (kw - 1) + 1 - (w + 2 * pw), 0))
        fill = -np.inf if input.dtype.kind == "f" else np.iinfo(input.dtype).min
        windows = windows2d(pad2d(input, padding, fill, extra), kernel_size, stride, dilation)
        windows = windows[:, :, :ho, :wo].reshape(n, c, ho, wo, kh * kw)
        position = windows.argmax(axis=-1)                 # the first maximum, as PyTorch picks
        out = np.take_along_axis(windows, position[..., None], axis=-1)[..., 0]
        row = np.arange(ho).reshape(ho, 1) * sh + (position // kw) * dh - ph
        column = np.arange(wo).reshape(1, wo) * sw + (position % kw) * dw - pw
        ctx.indices = row * w + column                     # into each (H, W) plane, as PyTorch's
        ctx.input_shape = input.shape
        return out, ctx.indices.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (input,) = ctx.saved_tensors
        return (MaxPool2dScatter.apply(grad, input, indices=ctx.indices, input_shape=ctx.input_shape),)


class MaxPool2dScatter(Op):
    """out = zeros(input shape) with g added at ``indices`` (max pooling's dx);   dg = h gathered at
    ``indices``,   dinput = 0 (an input, as in PyTorch, so that under create_graph dx requires grad)"""
    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, input, *, indices, input_shape):
        n, c, h, w = input_shape
        plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        ctx.flat_indices = plane + indices
        # bincount adds up the gradients of windows that share a maximum (overlapping windows)
        out = np.bincount(ctx.flat_indices.reshape(-1), weights=grad.reshape(-1), minlength=n * c * h * w)
        return out.astype(grad.dtype, copy=False).reshape(input_shape)

    @staticmethod
    def backward(ctx, grad_grad_input):
        return (grad_grad_input.reshape(-1)[constant(ctx.flat_indices)],
                constant(np.zeros_like(grad_grad_input._data)))


def adaptive_matrix(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) averaging matrix: row i averages PyTorch's bin
    [floor(i * in / out), ceil((i + 1) * in / out))."""
    matrix = np.zeros((out_size, in_size))
    for i in range(out_size):                  # one row per output bin, not per pixel
        start = (i * in_size) // out_size
        end = -(-((i + 1) * in_size) // out_size)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


class AdaptiveAvgPool2d(Op):
    """out = R @ x @ C^T (R, C averaging matrices over rows and columns);   dx = R^T @ g @ C"""
    node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, input, *, rows, columns):
        ctx.rows, ctx.columns = rows, columns
        rows, columns = rows.astype(input.dtype, copy=False), columns.astype(input.dtype, copy=False)
        return np.matmul(np.matmul(rows, input), columns.T)

    @staticmethod
    def backward(ctx, grad):
        # the adjoint of a linear map sandwiched between two matrices: the same op, transposed
        return (AdaptiveAvgPool2d.apply(grad, rows=ctx.rows.T, columns=ctx.columns.T),)
