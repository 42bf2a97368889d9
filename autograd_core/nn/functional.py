"""``nn.functional``: the layers' maths as functions, and the ops that give them their gradients.

Each op is one class, forward and backward side by side, with the maths in a one-line docstring
(``g`` is the gradient flowing in from the output).  Forward passes compute on NumPy arrays;
backward passes compute with Tensor operations, so that ``create_graph=True`` can differentiate
them again.  Convolution and pooling use strided window views of the input
(``sliding_window_view``) and one matrix product (``tensordot``) each: no Python loop visits a
pixel.

The graph nodes carry PyTorch's names: ``ConvolutionBackward0``, ``MaxPool2DWithIndicesBackward0``,
``NativeBatchNormBackward0``, ``AddmmBackward0``, ``LogSoftmaxBackward0``, ``SoftmaxBackward0``,
``NllLossBackward0``, ``MseLossBackward0``, ``AdaptiveAvgPool2DBackward0``.

>>> import autograd_core as torch
>>> import autograd_core.nn.functional as F
>>> x = torch.randn(1, 3, 8, 8, requires_grad=True)
>>> F.conv2d(x, torch.randn(4, 3, 3, 3), padding=1).grad_fn
<ConvolutionBackward0 object at 0x...>
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..function import Op
from ..grad_mode import _GradMode
from ..tensor import Tensor

__all__ = ["relu", "sigmoid", "tanh", "linear", "conv2d", "max_pool2d", "adaptive_avg_pool2d",
           "batch_norm", "softmax", "log_softmax", "nll_loss", "cross_entropy", "mse_loss"]

_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half"}


def _pair(value) -> tuple:
    """``3`` -> ``(3, 3)``; a pair stays as it is (PyTorch's ``_pair``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    return value * 2 if len(value) == 1 else value


def _constant(array: np.ndarray) -> Tensor:
    """A tensor outside the graph, for values a backward formula treats as constants."""
    return Tensor._make(np.asarray(array), False, None)


def _dtype_name(array: np.ndarray) -> str:
    return _NAMES.get(array.dtype.name, array.dtype.name)


# ====================================================================== linear
class Addmm(Op):
    """out = bias + mat1 @ mat2;   dbias = g (the engine sums the rows),   dmat1 = g @ mat2^T,   dmat2 = mat1^T @ g"""
    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        if mat1.dtype != mat2.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{_dtype_name(mat1).capitalize()} and {_dtype_name(mat2).capitalize()}")
        if mat1.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} "
                               f"and {mat2.shape[0]}x{mat2.shape[1]})")
        ctx.save_for_backward(mat1, mat2)
        out = mat1 @ mat2
        out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        return (grad if ctx.needs_input_grad[0] else None,
                grad.mm(mat2.t()) if ctx.needs_input_grad[1] else None,
                mat1.t().mm(grad) if ctx.needs_input_grad[2] else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight^T + bias, over the last dimension of ``x``.

    As in PyTorch, a 2-D input with a bias is one ``addmm`` (node ``AddmmBackward0``); other inputs
    are flattened to 2-D first and viewed back after (``ViewBackward0``).
    """
    if bias is None:
        return input.mm(weight.t()) if input.dim() == 2 else input.matmul(weight.t())
    if input.dim() == 2:
        return Addmm.apply(bias, input, weight.t())
    leading = tuple(input.shape[:-1])
    flat = _view_or_reshape(input, (-1, input.shape[-1]))
    return Addmm.apply(bias, flat, weight.t()).view(*leading, weight.shape[0])


def _view_or_reshape(input: Tensor, shape: tuple) -> Tensor:
    """``reshape`` as PyTorch records it: a view (``ViewBackward0``) when the memory allows one."""
    return input.view(*shape) if input.is_contiguous() else input.reshape(*shape)


# ====================================================================== activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); ``inplace=True`` overwrites ``input`` (node ``ReluBackward0`` either way)."""
    return input.relu_() if inplace else input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))"""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh(x)"""
    return input.tanh()


class Softmax(Op):
    """out = exp(x) / sum exp(x) along ``dim``;   dx = out * (g - sum(g * out))"""
    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, *, dim):
        a = a if a.dtype.kind == "f" else a.astype(np.float32)
        exponentials = np.exp(a - a.max(axis=dim, keepdims=True))      # shifted: no overflow
        out = exponentials / exponentials.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (out * (grad - (grad * out).sum(ctx.dim, keepdim=True)),)


class LogSoftmax(Op):
    """out = x - log(sum exp(x)) along ``dim``;   dx = g - exp(out) * sum(g)"""
    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, *, dim):
        a = a if a.dtype.kind == "f" else a.astype(np.float32)
        shifted = a - a.max(axis=dim, keepdims=True)                    # shifted: no overflow
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad - out.exp() * grad.sum(ctx.dim, keepdim=True),)


def _softmax_dim(input: Tensor, dim: int | None) -> int:
    # PyTorch's legacy choice when no dim is given (it also warns; we stay silent on stderr)
    if dim is None:
        dim = 0 if input.dim() in (0, 1, 3) else 1
    rank = max(input.dim(), 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return dim % rank if input.dim() else 0


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (node ``SoftmaxBackward0``)."""
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(input, dim=_softmax_dim(input, dim))


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x_i - log sum_j exp(x_j) along ``dim``, computed stably (node ``LogSoftmaxBackward0``)."""
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(input, dim=_softmax_dim(input, dim))


# ====================================================================== convolution
def _windows(padded: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """A (N, C, H_out, W_out, kh, kw) strided view: every window the kernel visits, no copy."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    view = sliding_window_view(padded, (span_h, span_w), axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def _pad(input: np.ndarray, padding: tuple, value: float = 0.0, extra: tuple = (0, 0)) -> np.ndarray:
    """Pad the two spatial dimensions (``extra`` adds more on the bottom/right, for ceil_mode)."""
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return input
    return np.pad(input, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), constant_values=value)


def _groups_of(array: np.ndarray, groups: int, axis: int) -> list:
    return np.split(array, groups, axis=axis) if groups > 1 else [array]


def _conv2d_array(input, weight, stride, padding, dilation, groups) -> np.ndarray:
    """out[n, o] = sum over c, i, j of padded[n, c, s*y + d*i, s*x + d*j] * weight[o, c, i, j]"""
    padded = _pad(input, padding)
    parts = []
    for x, w in zip(_groups_of(padded, groups, 1), _groups_of(weight, groups, 0)):
        windows = _windows(x, w.shape[2:], stride, dilation)            # N, C, Ho, Wo, kh, kw
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
    padded = _pad(input, padding)
    parts = []
    for x, g in zip(_groups_of(padded, groups, 1), _groups_of(grad, groups, 1)):
        windows = _windows(x, weight_shape[2:], stride, dilation)       # N, C, Ho, Wo, kh, kw
        parts.append(np.tensordot(g, windows, axes=([0, 2, 3], [0, 2, 3])))   # O, C, kh, kw
    return parts[0] if groups == 1 else np.concatenate(parts, axis=0)


class Convolution(Op):
    """out = x ⋆ w + b (cross-correlation);   dx = conv_transpose(g, w),   dw = x ⋆ g,   db = sum of g"""
    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, *, stride, padding, dilation, groups):
        ctx.save_for_backward(input, weight)
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.input_shape, ctx.weight_shape = input.shape, weight.shape
        out = _conv2d_array(input, weight, stride, padding, dilation, groups)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        grad_input = grad_weight = grad_bias = None
        if needs[0]:
            grad_input = ConvolutionInputGrad.apply(grad, weight, input_shape=ctx.input_shape, **settings)
        if needs[1]:
            grad_weight = ConvolutionWeightGrad.apply(input, grad, weight_shape=ctx.weight_shape, **settings)
        if needs[2]:
            grad_bias = grad.sum((0, 2, 3))
        return grad_input, grad_weight, grad_bias


class ConvolutionInputGrad(Op):
    """out = conv_transpose(g, w), a convolution's dx;   dg = conv(h, w),   dw = h ⋆ g   (h: out's gradient)"""
    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, weight, *, input_shape, stride, padding, dilation, groups):
        ctx.save_for_backward(grad, weight)
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.weight_shape = weight.shape
        return _conv2d_input_grad_array(grad, weight, input_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_grad_input):
        grad, weight = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        # <conv_transpose(g, w), h> = <g, conv(h, w)>: differentiate that in g and in w
        grad_grad = grad_weight = None
        if needs[0]:
            grad_grad = Convolution.apply(grad_grad_input, weight, None, **settings)
        if needs[1]:
            grad_weight = ConvolutionWeightGrad.apply(grad_grad_input, grad, weight_shape=ctx.weight_shape, **settings)
        return grad_grad, grad_weight


class ConvolutionWeightGrad(Op):
    """out = x ⋆ g, a convolution's dw;   dx = conv_transpose(g, k),   dg = conv(x, k)   (k: out's gradient)"""
    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, input, grad, *, weight_shape, stride, padding, dilation, groups):
        ctx.save_for_backward(input, grad)
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.input_shape = input.shape
        return _conv2d_weight_grad_array(input, grad, weight_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_grad_weight):
        input, grad = ctx.saved_tensors
        needs, settings = ctx.needs_input_grad, ctx.settings
        # <x ⋆ g, k> = <g, conv(x, k)>: differentiate that in x and in g
        grad_input = grad_grad = None
        if needs[0]:
            grad_input = ConvolutionInputGrad.apply(grad, grad_grad_weight, input_shape=ctx.input_shape, **settings)
        if needs[1]:
            grad_grad = Convolution.apply(input, grad_grad_weight, None, **settings)
        return grad_input, grad_grad


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C, H, W) with ``weight`` (O, C / groups, kh, kw).

    The output is (N, O, H_out, W_out) with H_out = (H + 2 p - d (kh - 1) - 1) // s + 1.
    A 3-D input (C, H, W) is treated as a batch of one, as PyTorch does.
    """
    if input.dim() == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    if input.dim() != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(input.shape)}")
    if isinstance(padding, str):
        padding = _string_padding(padding, weight, _pair(dilation), _pair(stride))
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    channels = input.shape[1]
    if channels != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{channels} channels instead")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(f"Input type ({_dtype_name(input._data)}) and weight type "
                           f"({_dtype_name(weight._data)}) should be the same")
    padded = [input.shape[2 + k] + 2 * padding[k] for k in range(2)]
    spans = [dilation[k] * (weight.shape[2 + k] - 1) + 1 for k in range(2)]
    if padded[0] < spans[0] or padded[1] < spans[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel "
                           f"size: ({spans[0]} x {spans[1]}). Kernel size can't be greater than actual input size")
    return Convolution.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


def _string_padding(padding: str, weight: Tensor, dilation: tuple, stride: tuple) -> tuple:
    """``padding="valid"`` is no padding; ``"same"`` keeps H and W (odd spans only, stride 1)."""
    if padding == "valid":
        return (0, 0)
    if padding != "same":
        raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    if stride != (1, 1):
        raise ValueError("padding='same' is not supported for strided convolutions")
    totals = [dilation[k] * (weight.shape[2 + k] - 1) for k in range(2)]
    if any(t % 2 for t in totals):
        raise NotImplementedError("autograd_core supports padding='same' only when the padding is "
                                  "the same on both sides (odd kernel sizes)")
    return (totals[0] // 2, totals[1] // 2)


# ====================================================================== pooling
class MaxPool2d(Op):
    """out = max over each window;   dx = g routed to the position of each window's maximum"""
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, input, *, kernel_size, stride, padding, dilation, output_size):
        n, c, h, w = input.shape
        (ho, wo), (kh, kw) = output_size, kernel_size
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        # -inf padding never wins; ceil_mode may need extra room on the bottom/right
        extra = (max((ho - 1) * sh + dh * (kh - 1) + 1 - (h + 2 * ph), 0),
                 max((wo - 1) * sw + dw * (kw - 1) + 1 - (w + 2 * pw), 0))
        fill = -np.inf if input.dtype.kind == "f" else np.iinfo(input.dtype).min
        windows = _windows(_pad(input, padding, fill, extra), kernel_size, stride, dilation)
        windows = windows[:, :, :ho, :wo].reshape(n, c, ho, wo, kh * kw)
        position = windows.argmax(axis=-1)                 # the first maximum, as PyTorch picks
        out = np.take_along_axis(windows, position[..., None], axis=-1)[..., 0]
        row = np.arange(ho).reshape(ho, 1) * sh + (position // kw) * dh - ph
        column = np.arange(wo).reshape(1, wo) * sw + (position % kw) * dw - pw
        ctx.indices = row * w + column                     # into each (H, W) plane, as PyTorch's
        ctx.input_shape = input.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        return (MaxPool2dScatter.apply(grad, indices=ctx.indices, input_shape=ctx.input_shape),)


class MaxPool2dScatter(Op):
    """out = zeros(input shape) with g added at ``indices`` (max pooling's dx);   dg = h gathered at ``indices``"""
    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, *, indices, input_shape):
        n, c, h, w = input_shape
        plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        ctx.flat_indices = plane + indices
        # bincount adds up the gradients of windows that share a maximum (overlapping windows)
        out = np.bincount(ctx.flat_indices.reshape(-1), weights=grad.reshape(-1), minlength=n * c * h * w)
        return out.astype(grad.dtype, copy=False).reshape(input_shape)

    @staticmethod
    def backward(ctx, grad_grad_input):
        return (grad_grad_input.reshape(-1)[_constant(ctx.flat_indices)],)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The maximum of each ``kernel_size`` window; ``stride`` defaults to ``kernel_size``.

    With ``return_indices=True`` also returns where each maximum was, as an index into the flattened
    (H, W) plane (what ``MaxUnpool2d`` would take).
    """
    if input.dim() == 3:
        result = max_pool2d(input.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return (result[0].squeeze(0), result[1].squeeze(0)) if return_indices else result.squeeze(0)
    if input.dim() != 4:
        raise RuntimeError(f"non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _pair(stride)
    padding, dilation = _pair(padding), _pair(dilation)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={padding[0]}, "
                           f"kernel_size={kernel[0]} and dilation={dilation[0]}")
    output_size = tuple(_pool_output_size(input.shape[2 + k], kernel[k], stride[k], padding[k], dilation[k], ceil_mode)
                        for k in range(2))
    if output_size[0] < 1 or output_size[1] < 1:
        raise RuntimeError(f"Given input size: ({input.shape[1]}x{input.shape[2]}x{input.shape[3]}). Calculated "
                           f"output size: ({input.shape[1]}x{output_size[0]}x{output_size[1]}). Output size is too small")
    out = MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                          dilation=dilation, output_size=output_size)
    if not return_indices:
        return out
    # the indices come from the same computation; redo it without recording to read them
    from ..function import FunctionCtx
    ctx = FunctionCtx()
    MaxPool2d.forward(ctx, input._data, kernel_size=kernel, stride=stride, padding=padding,
                      dilation=dilation, output_size=output_size)
    return out, _constant(ctx.indices.astype(np.int64))


def _pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size, including its ceil_mode rule (the last window must start
    inside the input or its left padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _adaptive_matrix(in_size: int, out_size: int) -> np.ndarray:
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


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over PyTorch's adaptive bins so that the output is ``output_size`` (H, W).

    Output size 1 is a mean over H and W (``MeanBackward1``, as PyTorch records it).
    """
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None else tuple(output_size)
    height, width = input.shape[-2:]
    size = (height if size[0] is None else size[0], width if size[1] is None else size[1])
    if size == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    return AdaptiveAvgPool2d.apply(input, rows=_adaptive_matrix(height, size[0]),
                                   columns=_adaptive_matrix(width, size[1]))


# ====================================================================== normalisation
def _channel_axes(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _per_channel(array_or_tensor, ndim: int):
    """Reshape a per-channel vector (C,) to (1, C, 1, ...) so it broadcasts against the input."""
    shape = (1, -1) + (1,) * (ndim - 2)
    if isinstance(array_or_tensor, np.ndarray):
        return array_or_tensor.reshape(shape)
    return array_or_tensor.reshape(*shape)


class BatchNorm(Op):
    """out = (x - mean) / sqrt(var + eps) * w + b;   training: dx = w / sigma * (g - mean(g) - xhat * mean(g * xhat)),
    eval: dx = g * w / sigma;   dw = sum(g * xhat),   db = sum(g)"""
    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, *, running_mean, running_var, training, momentum, eps):
        axes, ndim = _channel_axes(input.ndim), input.ndim
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
        out = (input - _per_channel(mean, ndim)) * _per_channel(invstd.astype(input.dtype, copy=False), ndim)
        if weight is not None:
            out *= _per_channel(weight, ndim)
        if bias is not None:
            out += _per_channel(bias, ndim)
        # the input is saved, not the output, so an in-place ReLU after the layer is safe
        ctx.save_for_backward(input, weight)
        ctx.mean, ctx.invstd, ctx.training, ctx.eps = mean, invstd, training, eps
        return out.astype(input.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        axes, ndim = _channel_axes(input.dim()), input.dim()
        if ctx.training and _GradMode.enabled:
            # create_graph: mean and 1/sigma depend on x, so rebuild them with Tensor operations
            mean = input.mean(axes, keepdim=True)
            centred = input - mean
            invstd = ((centred * centred).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        else:
            mean = _constant(_per_channel(ctx.mean, ndim).astype(input._data.dtype, copy=False))
            centred = input - mean
            invstd = _constant(_per_channel(ctx.invstd, ndim).astype(input._data.dtype, copy=False))
        normalised = centred * invstd
        scaled = grad if weight is None else grad * _per_channel(weight, ndim)
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


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dimension 1) by the batch's statistics (``training=True``, which also
    updates ``running_mean``/``running_var`` in place) or by the running ones (``training=False``)."""
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    out = BatchNorm.apply(input, weight, bias,
                          running_mean=None if running_mean is None else running_mean._data,
                          running_var=None if running_var is None else running_var._data,
                          training=training, momentum=momentum, eps=eps)
    if training and running_mean is not None:    # written in place: bump them as PyTorch does
        running_mean._version_counter.version += 1
        running_var._version_counter.version += 1
    return out


# ====================================================================== losses
_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


class MseLoss(Op):
    """out = mean (or sum) of (x - y)**2;   dx = 2 (x - y) g / n,   dy = -dx"""
    node_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, input, target, *, reduction):
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        difference = input - target
        squared = difference * difference
        ctx.count = squared.size
        return squared.mean() if reduction == "mean" else (squared.sum() if reduction == "sum" else squared)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        scale = 2.0 / ctx.count if ctx.reduction == "mean" else 2.0
        grad_input = (input - target) * grad * scale
        return (grad_input if ctx.needs_input_grad[0] else None,
                -grad_input if ctx.needs_input_grad[1] else None)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)**2) (``reduction="sum"``/``"none"`` too)."""
    _check_reduction(reduction)
    return MseLoss.apply(input, target, reduction=reduction)


class NllLoss(Op):
    """out = -sum_i w[t_i] x[i, t_i] / sum_i w[t_i] (mean);   dx = -w[t_i] g / sum w at [i, t_i], 0 elsewhere"""
    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, input, *, target, weight, reduction, ignore_index):
        unbatched = input.ndim == 1
        scores = input[None] if unbatched else input                    # N, C, d1, ...
        target = np.asarray(target).reshape((1,) if unbatched else np.shape(target))
        classes = scores.shape[1]
        ignored = target == ignore_index
        safe_target = np.where(ignored, 0, target)
        if np.any((safe_target < 0) | (safe_target >= classes)):
            bad = safe_target[(safe_target < 0) | (safe_target >= classes)].flat[0]
            raise IndexError(f"Target {bad} is out of bounds.")
        weights = np.ones(target.shape) if weight is None else weight[safe_target]
        weights = np.where(ignored, 0, weights).astype(input.dtype)
        picked = np.take_along_axis(scores, np.expand_dims(safe_target, 1), axis=1)[:, 0]
        losses = -picked * weights
        denominator = weights.sum() if reduction == "mean" else 1
        # dloss/dscores: -w / denominator at each sample's target class, 0 elsewhere
        coefficient = np.zeros(scores.shape, dtype=input.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):    # every target ignored: nan, as PyTorch
            np.put_along_axis(coefficient, np.expand_dims(safe_target, 1),
                              np.expand_dims(-weights / denominator, 1), axis=1)
            total = losses.sum() / denominator if reduction == "mean" else losses.sum()
        ctx.coefficient = coefficient.reshape(input.shape)
        ctx.reduction = reduction
        if reduction == "none":
            return losses.reshape(()) if unbatched else losses
        return total

    @staticmethod
    def backward(ctx, grad):
        coefficient = _constant(ctx.coefficient)
        if ctx.reduction == "none" and coefficient.dim() > 1:
            grad = grad.unsqueeze(1)                      # one gradient per sample, over its classes
        return (grad * coefficient,)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[i, target[i]], averaged (weighted by ``weight[target[i]]``).

    ``input`` holds log-probabilities (N, C) or (N, C, d1, ...); ``target`` holds class indices.
    """
    _check_reduction(reduction)
    if target.dtype.is_floating_point:
        raise RuntimeError("expected scalar type Long but found Float")
    if input.dim() > 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]}).")
    return NllLoss.apply(input, target=target._data, weight=None if weight is None else weight._data,
                         reduction=reduction, ignore_index=ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target): the loss of raw scores (logits) against class indices.

    ``target`` may also hold class probabilities (a float tensor shaped like ``input``): then the
    loss is -sum_c target_c log_softmax(input)_c per sample.
    """
    _check_reduction(reduction)
    class_dim = 0 if input.dim() == 1 else 1
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing:
        raise NotImplementedError("autograd_core's cross_entropy does not implement label_smoothing")
    if target.dtype.is_floating_point:
        if target.shape != input.shape:
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        products = log_probabilities * target
        if weight is not None:
            products = products * _per_channel(weight, input.dim()) if input.dim() > 1 else products * weight
        losses = -products.sum(class_dim)
        if reduction == "none":
            return losses
        return losses.sum() if reduction == "sum" else losses.sum() / (losses.numel() if input.dim() > 1 else 1)
    return nll_loss(log_probabilities, target, weight, ignore_index, reduction)
