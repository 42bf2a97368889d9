"""Shape operations: views and joining (indexing is in ``indexing``).

Views (``is_view = True``) return NumPy views of their input, so they share its memory and, like
PyTorch's views, its version counter.  Their backward puts ``g`` back into the input's shape.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import from_numpy_dtype
from ..function import Function, Op, pass_through, reshape_back


def _infer_shape(shape: tuple, size: int) -> tuple:
    """Resolve one ``-1`` in a target shape, with PyTorch's errors."""
    if list(shape).count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    elif known != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


def maybe_wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` counted from the front (``-1`` is the last dimension), PyTorch's IndexError when it
    is out of range; a 0-d tensor has one dimension to name, ``0`` or ``-1`` (c10's ``maybe_wrap_dim``)."""
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return dim % rank


def wrap_dims(dim, ndim: int) -> tuple:
    """One dimension or several, each wrapped by ``maybe_wrap_dim``, sorted; ``()`` for a 0-d tensor."""
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    wrapped = sorted([maybe_wrap_dim(d, ndim) for d in dims])
    return tuple(wrapped) if ndim else ()


def flatten(tensor, start_dim: int = 0, end_dim: int = -1):
    """The dimensions ``start_dim`` to ``end_dim`` merged into one (a 0-d tensor becomes 1-d)."""
    shape = tensor._data.shape
    if not shape:
        return tensor.reshape(1)
    start, end = maybe_wrap_dim(start_dim, len(shape)), maybe_wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    # reshape: a view when the memory allows one (ViewBackward0, as PyTorch's flatten records it)
    return tensor if start == end else tensor.reshape(shape[:start] + (-1,) + shape[end + 1:])


class View(Op):
    """out = a with a new shape, same memory;   da = g reshaped back"""
    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, shape):
        shape = _infer_shape(shape, a.size)
        try:
            return np.reshape(a, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    backward = reshape_back


class Alias(Op):
    """out = a, as a new view of the same memory (``x[...]``, ``x[:, :]``);   da = g"""
    node_name, is_view = "AliasBackward0", True
    forward, backward = staticmethod(lambda ctx, a: a.view()), pass_through


class Reshape(Op):
    """out = a (a fresh clone) in a new shape: ``reshape`` of a non-contiguous tensor;   da = g reshaped back"""
    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, *, shape):
        return np.reshape(a, _infer_shape(shape, a.size))

    backward = reshape_back


class Squeeze(Op):
    """out = a without its size-1 dimensions;   da = g reshaped back"""
    node_name = "SqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return np.squeeze(a)

    backward = reshape_back


class SqueezeDim(Op):
    """out = a without dimension ``dim`` if it has size 1;   da = g reshaped back"""
    node_name = "SqueezeBackward1"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dim):
        if a.ndim == 0:
            return a.view()
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(d for d in (maybe_wrap_dim(d, a.ndim) for d in dims) if a.shape[d] == 1)
        return np.squeeze(a, axis=dims) if dims else a.view()

    backward = reshape_back


class SqueezeAfterMatmul(SqueezeDim):
    """What ``vector @ matrix`` leaves: the in-place ``squeeze_(0)`` of PyTorch's matmul"""
    node_name = "SqueezeBackward4"


class Unsqueeze(Op):
    """out = a with a new size-1 dimension at ``dim``;   da = g with it removed"""
    node_name = "UnsqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dim):
        ctx.dim = maybe_wrap_dim(dim, a.ndim + 1)
        return np.expand_dims(a, ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return (grad.squeeze(ctx.dim),)


class Transpose(Op):
    """out = a with dimensions dim0 and dim1 swapped;   da = g swapped back"""
    node_name = "TransposeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(a, maybe_wrap_dim(dim0, a.ndim), maybe_wrap_dim(dim1, a.ndim)) if a.ndim else a.view()

    @staticmethod
    def backward(ctx, grad):
        return (grad.transpose(*ctx.dims),)


class T(Op):
    """out = a.t() (a matrix transposed);   da = g.t()"""
    node_name = "TBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.T

    @staticmethod
    def backward(ctx, grad):
        return (grad.t(),)


class Permute(Op):
    """out = a with its dimensions reordered;   da = g with the inverse order"""
    node_name = "PermuteBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dims):
        if len(dims) != a.ndim:
            raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not match the "
                               "length of the desired ordering of dimensions i.e. input.dim() = "
                               f"{a.ndim} is not equal to len(dims) = {len(dims)}")
        dims = tuple(maybe_wrap_dim(d, a.ndim) for d in dims)
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return (grad.permute(*ctx.inverse),)


def _expand_error(value: np.ndarray, target: tuple) -> str | None:
    """PyTorch's message for ``value`` that cannot expand to ``target`` (None if it can), its sizes
    checked from the last to the first as ``inferExpandGeometry`` does; a ``-1`` keeps a size."""
    shape = value.shape
    if len(shape) > len(target):
        return (f"expand(torch.{from_numpy_dtype(value.dtype).legacy_name}{{{list(shape)}}}, size={list(target)}): "
                f"the number of sizes provided ({len(target)}) must be greater or equal to the number of "
                f"dimensions in the tensor ({len(shape)})")
    sizes = (None,) * (len(target) - len(shape)) + shape       # aligned on the right; None: a new one
    for dim in reversed(range(len(target))):
        if target[dim] == -1 and sizes[dim] is None:
            return f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {dim}"
        if sizes[dim] not in (None, 1, target[dim]) and target[dim] != -1:
            return (f"The expanded size of the tensor ({target[dim]}) must match the existing size ({sizes[dim]}) "
                    f"at non-singleton dimension {dim}.  Target sizes: {list(target)}.  Tensor sizes: {list(shape)}")
    return None


class Expand(Op):
    """out = a broadcast to ``shape`` (no copy);   da = g summed back (by the engine's sum_to_shape)"""
    node_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, shape):
        if -1 in shape:                                 # -1: keep the size of a dimension a has
            error = _expand_error(a, shape)
            if error:
                raise RuntimeError(error)
            leading = len(shape) - a.ndim               # the dimensions a gains, in front
            shape = tuple(a.shape[i - leading] if n == -1 else n for i, n in enumerate(shape))
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise RuntimeError(_expand_error(a, shape)) from None

    backward = pass_through


class Repeat(Op):
    """out = a tiled ``repeats`` times;   da = g summed over the tiles"""
    node_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, a, *, repeats):
        if len(repeats) < a.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        ctx.repeats = repeats
        return np.tile(a, repeats)

    @staticmethod
    def backward(ctx, grad):
        shape = (1,) * (len(ctx.repeats) - len(ctx.shape)) + tuple(ctx.shape)
        interleaved = [n for pair in zip(ctx.repeats, shape) for n in pair]
        tiles = tuple(range(0, 2 * len(shape), 2))
        return (grad.reshape(*interleaved).sum(dim=tiles).reshape(ctx.shape),)


class Cat(Op):
    """out = the inputs joined along ``dim``;   each input's grad = its part of g"""
    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        arrays = [np.asarray(a) for a in arrays]
        if any(a.ndim == 0 for a in arrays):
            raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
        dim = maybe_wrap_dim(dim, arrays[0].ndim)
        ctx.dim, ctx.sizes = dim, [a.shape[dim] for a in arrays]
        for number, a in enumerate(arrays):
            for d in range(a.ndim):
                if d != dim and a.ndim == arrays[0].ndim and a.shape[d] != arrays[0].shape[d]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size "
                                       f"{arrays[0].shape[d]} but got size {a.shape[d]} for tensor number "
                                       f"{number} in the list.")
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        parts, start = [], 0
        for size in ctx.sizes:
            parts.append(grad.narrow(ctx.dim, start, size))
            start += size
        return tuple(parts)


class Stack(Op):
    """out = the inputs stacked along a new ``dim``;   each input's grad = g selected at its index"""
    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        arrays = [np.asarray(a) for a in arrays]
        ctx.dim = maybe_wrap_dim(dim, arrays[0].ndim + 1)
        for number, a in enumerate(arrays):
            if a.shape != arrays[0].shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} "
                                   f"at entry 0 and {list(a.shape)} at entry {number}")
        return np.stack(arrays, axis=ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad.select(ctx.dim, i) for i in range(grad.shape[ctx.dim]))


class Unbind(Function):
    """outs[i] = a.select(dim, i), views of a;   da = the outputs' grads stacked along dim (0 for
    an output nothing used).  One node with one output per slice, as PyTorch's UnbindBackward0."""
    node_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a, *, dim):
        ctx.dim = maybe_wrap_dim(dim, a.ndim)
        return tuple(a.select(ctx.dim, i) for i in range(a.shape[ctx.dim]))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(*grads, dim=ctx.dim)
