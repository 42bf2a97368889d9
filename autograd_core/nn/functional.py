"""``nn.functional``: the layers' maths as functions (PyTorch: ``torch.nn.functional``).

Each function checks its arguments with PyTorch's errors and calls one op; the ops themselves
(forward and backward side by side) live in ``autograd_core/ops/``: ``linalg`` (``Addmm``),
``activation``, ``softmax``, ``convolution``, ``pooling``, ``normalization`` and ``loss``.

>>> import autograd_core as torch
>>> import autograd_core.nn.functional as F
>>> x = torch.randn(1, 3, 8, 8, requires_grad=True)
>>> F.conv2d(x, torch.randn(4, 3, 3, 3), padding=1).grad_fn
<ConvolutionBackward0 object at 0x...>
"""
from __future__ import annotations

import numpy as np

from ..dtypes import from_numpy_dtype
from ..grad_mode import _GradMode
from ..ops.activation import Hardtanh, LeakyRelu, LeakyReluInPlace
from ..ops.convolution import Convolution
from ..ops.linalg import Addmm
from ..ops.loss import BinaryCrossEntropyWithLogits, MseLoss, NllLoss
from ..ops.normalization import BatchNorm, per_channel
from ..ops.pooling import AdaptiveAvgPool2d, MaxPool2dWithIndices, adaptive_matrix
from ..ops.shape import maybe_wrap_dim
from ..random import _generator
from ..ops.softmax import LogSoftmax, Softmax
from ..tensor import Tensor

__all__ = ["relu", "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "relu6", "sigmoid", "tanh", "linear",
           "conv2d", "max_pool2d", "adaptive_avg_pool2d", "batch_norm", "softmax", "log_softmax", "nll_loss",
           "cross_entropy", "mse_loss", "binary_cross_entropy_with_logits", "dropout"]


def _pair(value) -> tuple:
    """``3`` -> ``(3, 3)``; a pair stays as it is (PyTorch's ``_pair``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    return value * 2 if len(value) == 1 else value


# ====================================================================== linear
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
    flat = input.reshape(-1, input.shape[-1])       # a view when the memory allows (ViewBackward0)
    return Addmm.apply(bias, flat, weight.t()).view(*leading, weight.shape[0])


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


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (node ``LeakyReluBackward0``; ``LeakyReluBackward1``
    in place, which reads the result)."""
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.number)):
        raise TypeError("leaky_relu(): argument 'negative_slope' (position 2) must be Number, not "
                        f"{type(negative_slope).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"leaky_relu_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    if inplace:
        return LeakyReluInPlace.apply_(input, negative_slope=negative_slope)
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val] (node ``HardtanhBackward0``).  Unlike ``clamp``, the
    gradient at a bound is 0: it flows only strictly inside."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return Hardtanh.apply_(input, min_val=min_val, max_val=max_val)
    return Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` in place."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh`` in place."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh`` between 0 and 6, as PyTorch computes it."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _softmax_dim(input: Tensor, dim: int | None) -> int:
    # PyTorch's legacy choice when no dim is given (it also warns; we stay silent on stderr)
    if dim is None:
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return maybe_wrap_dim(dim, input.dim())


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
        raise RuntimeError(f"Input type ({from_numpy_dtype(input._data.dtype).cpp_name}) and weight type "
                           f"({from_numpy_dtype(weight._data.dtype).cpp_name}) should be the same")
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
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
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
    out, indices = MaxPool2dWithIndices.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                                              dilation=dilation, output_size=output_size)
    return (out, indices) if return_indices else out


def _pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size, including its ceil_mode rule (the last window must start
    inside the input or its left padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


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
    return AdaptiveAvgPool2d.apply(input, rows=adaptive_matrix(height, size[0]),
                                   columns=adaptive_matrix(width, size[1]))


# ====================================================================== normalisation
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


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)**2) (``reduction="sum"``/``"none"`` too)."""
    _check_reduction(reduction)
    return MseLoss.apply(input, target, reduction=reduction)


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
            products = products * per_channel(weight, input.dim()) if input.dim() > 1 else products * weight
        losses = -products.sum(class_dim)
        if reduction == "none":
            return losses
        return losses.sum() if reduction == "sum" else losses.sum() / (losses.numel() if input.dim() > 1 else 1)
    return nll_loss(log_probabilities, target, weight, ignore_index, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """-[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], weighted and averaged, computed from the
    logits x without overflow.  ``pos_weight`` p weighs the positive examples."""
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    for name, value in (("weight", weight), ("pos_weight", pos_weight)):
        if value is not None and value.requires_grad and _GradMode.enabled:
            raise RuntimeError(f"The function 'binary_cross_entropy_with_logits' is not differentiable "
                               f"with respect to argument '{name}'. This input cannot have requires_grad True.")
    return BinaryCrossEntropyWithLogits.apply(
        input, target, weight=None if weight is None else weight._data,
        pos_weight=None if pos_weight is None else pos_weight._data, reduction=reduction)


# ====================================================================== dropout
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability p and scale the others by 1 / (1 - p), so
    that the expected value is unchanged; outside training, the input itself."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    keep = _generator().random(tuple(input.shape)) >= p
    scale = np.asarray(keep * (1.0 / (1.0 - p) if p < 1.0 else 0.0), dtype=input._data.dtype)
    mask = Tensor._make(scale, False, None)
    return input.mul_(mask) if inplace else input * mask          # MulBackward0, as PyTorch on CPU
