"""Indexing: ``x[key]`` and ``x[key] = value``, as PyTorch records them.

A basic index (an integer, a slice, ``None``, ``...``) becomes one view op per dimension it
touches (``SelectBackward0``, ``SliceBackward0``, ``UnsqueezeBackward0``); an advanced one (a list,
an integer or boolean tensor) one ``Index`` op that copies.  Writing goes through
``Op.apply_`` with ``CopySlices`` (basic keys) or ``IndexPutBackward0`` (advanced ones).
"""
from __future__ import annotations

import numpy as np

from ..function import Function, Op, constant
from ..grad_mode import _GradMode
from ..tensor import Tensor, _as_array
from .shape import Alias, Cat, Unsqueeze, _expand_error, maybe_wrap_dim


def index(tensor: Tensor, key) -> Tensor:
    """``tensor[key]``: one Select or Slice per basic index, one Index for an advanced key."""
    single_slice = isinstance(key, slice)        # x[a:b] is always a Slice in PyTorch
    key = key if isinstance(key, tuple) else (key,)
    if any(_is_advanced(k) for k in key):
        key = tuple(k._data if isinstance(k, Tensor) else k for k in key)
        return Index.apply(tensor, key=key)
    out, dim = tensor, 0
    for position, k in enumerate(key):
        if k is Ellipsis:       # skip to where the dimensions named after the ``...`` begin
            dim = out._data.ndim - sum(1 for later in key[position + 1:] if later is not None)
        elif k is None:
            out = Unsqueeze.apply(out, dim=dim)
            dim += 1
        elif isinstance(k, slice):
            if single_slice or not _whole(k, out._data.shape[dim]):
                out = Slice.apply(out, dim=dim, slice_=k)
            dim += 1
        else:
            out = Select.apply(out, dim=dim, index=int(k))
    return Alias.apply(tensor) if out is tensor else out      # x[...], x[:, :]


def index_put_(tensor: Tensor, key, value) -> None:
    """``tensor[key] = value``, in place."""
    parts = key if isinstance(key, tuple) else (key,)
    advanced = any(_is_advanced(k) for k in parts)
    if (not advanced and _GradMode.enabled and tensor._requires_grad and tensor.grad_fn is None
            and any(k is not Ellipsis and k != slice(None) for k in parts)):
        # PyTorch writes through a view here (x[0] is a view of x), hence its wording
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if isinstance(key, tuple):
        key = tuple(k._data if isinstance(k, Tensor) and _is_advanced(k) else k for k in key)
    elif isinstance(key, Tensor):
        key = key._data
    (IndexPut if advanced else CopySlices).apply_(tensor, _as_array(value), key=key)


def split(tensor: Tensor, split_size, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be shorter), or of the listed sizes:
    views of ``tensor``, the outputs of one node (PyTorch's ``split`` / ``split_with_sizes``)."""
    dim = maybe_wrap_dim(dim, tensor._data.ndim)
    length = tensor._data.shape[dim]
    if isinstance(split_size, int):
        if split_size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
        if split_size == 0 and length:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
        pieces = max(-(-length // split_size), 1) if split_size else 1
        sizes = [split_size] * (pieces - 1) + [length - split_size * (pieces - 1)]
        return Split.apply(tensor, sizes=sizes, dim=dim)
    if not isinstance(split_size, (list, tuple)):
        raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, "
                        f"not {type(split_size).__name__}")
    sizes = list(split_size)
    for position, n in enumerate(sizes):
        if not isinstance(n, int):
            raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, "
                            f"but found element of type {type(n).__name__} at pos {position}")
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes}")
    if sum(sizes) != length:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size "
                           f"at dimension {dim}), but got split_sizes={sizes}")
    return SplitWithSizes.apply(tensor, sizes=sizes, dim=dim)


def chunk(tensor: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunks`` pieces of equal size along ``dim`` (the last may be smaller, or fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = tensor._data.shape[maybe_wrap_dim(dim, tensor._data.ndim)]
    if length == 0:                              # as PyTorch: ``chunks`` empty pieces
        return split(tensor, [0] * chunks, dim)
    return split(tensor, -(-length // chunks), dim)


class Split(Function):
    """outs = a cut into pieces of ``sizes`` along ``dim`` (views of a);   da = the outputs' grads
    joined along dim (0 for a piece nothing used).  One node with one output per piece, as PyTorch's."""
    node_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, a, *, sizes, dim):
        ctx.dim, starts = dim, np.cumsum([0] + sizes[:-1])
        return tuple(Slice.apply(a, dim=dim, slice_=slice(int(start), int(start) + n)) for start, n in zip(starts, sizes))

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(*grads, dim=ctx.dim)


class SplitWithSizes(Split):
    """``split`` with a list of sizes: the same node, named as PyTorch names it."""
    node_name = "SplitWithSizesBackward0"


def _is_advanced(k) -> bool:
    """An index NumPy calls advanced: a list, an array, or an integer or boolean tensor."""
    if isinstance(k, Tensor):
        return k._data.ndim > 0 or k._data.dtype == np.bool_
    return isinstance(k, (list, np.ndarray, bool))


def _whole(k: slice, size: int) -> bool:
    """A slice that keeps a whole dimension: PyTorch skips it inside a tuple index."""
    return k.start in (None, 0) and (k.stop is None or k.stop >= size) and k.step in (None, 1)


def _embed_back(ctx, grad, key=None) -> tuple:
    """The backward of reading ``a[key]`` (``ctx.key`` unless given): ``g`` placed there in zeros."""
    return (IndexEmbed.apply(grad, shape=ctx.shape, key=ctx.key if key is None else key),)


class Select(Op):
    """out = a[..., index, ...] at dimension ``dim`` (a view);   da = g placed at that index, 0 elsewhere"""
    node_name = "SelectBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dim, index):
        if a.ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        dim = maybe_wrap_dim(dim, a.ndim)
        size = a.shape[dim]
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
        ctx.key = (slice(None),) * dim + (index,)
        return a[ctx.key + (Ellipsis,)]          # the Ellipsis keeps a 0-d result a view, not a copy

    backward = staticmethod(_embed_back)


class Slice(Op):
    """out = a[start:stop:step] along ``dim`` (a view);   da = g placed in the slice, 0 elsewhere"""
    node_name = "SliceBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, *, dim, slice_):
        if slice_.step is not None and slice_.step <= 0:
            raise ValueError("step must be greater than zero")
        ctx.key = (slice(None),) * maybe_wrap_dim(dim, a.ndim) + (slice_,)
        return a[ctx.key]

    backward = staticmethod(_embed_back)


class Index(Op):
    """out = a[key] with lists, arrays or masks (a copy);   da = g added back at the indexed places"""
    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, *, key):
        ctx.key = key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
        # the index arrays are saved tensors, as in PyTorch: freed after backward
        ctx.save_for_backward(*(constant(k) for k in key if isinstance(k, np.ndarray)))
        try:
            return a[key]
        except IndexError as error:
            raise IndexError(str(error).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, grad):
        indices = iter(ctx.saved_tensors)
        key = tuple(next(indices)._data if isinstance(k, np.ndarray) else k for k in ctx.key)
        return _embed_back(ctx, grad, key)


class IndexEmbed(Op):
    """out = zeros(shape) with g added at ``key`` (the backward of indexing);   dg = out's grad[key]"""
    node_name = "IndexBackwardBackward0"

    @staticmethod
    def forward(ctx, g, *, shape, key):
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, key, g)              # add, not assign: an index listed twice gets both
        return out

    @staticmethod
    def backward(ctx, grad):
        return (grad[ctx.key] if not isinstance(ctx.key, tuple) or len(ctx.key) != 1 else grad[ctx.key[0]],)


class CopySlices(Op):
    """out = a with ``value`` written at ``key`` (``a[key] = value``);   da = g with 0 at key,   dvalue = g[key]"""
    node_name = "CopySlices"
    qualified_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, a, value, *, key):
        out = a.copy()
        try:
            out[key] = value
        except ValueError:
            target, value = np.shape(out[key]), np.asarray(value)
            if not any(isinstance(k, (list, np.ndarray)) for k in (key if isinstance(key, tuple) else (key,))):
                raise RuntimeError(_expand_error(value, target)) from None      # a[0] = v: v expands
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot "
                               f"be broadcast to indexing result of shape {list(target)}") from None
        mask = np.ones(a.shape, dtype=bool)
        mask[key] = False
        ctx.mask, ctx.key = mask, key
        return out

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.mask if ctx.needs_input_grad[0] else None,
                grad[ctx.key] if ctx.needs_input_grad[1] else None)


class IndexPut(CopySlices):
    """``a[key] = value`` with a list, array or mask key: the same maths as CopySlices"""
    node_name = "IndexPutBackward0"
