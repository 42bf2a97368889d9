"""Reductions.  A reduction's backward spreads ``g`` back over the elements it reduced."""
from __future__ import annotations

import numpy as np

from ..dtypes import as_floating
from ..function import Op, constant
from ..tensor import Tensor
from .elementwise import _where
from .shape import maybe_wrap_dim, wrap_dims


def _reduced(ctx, a: np.ndarray, dim, keepdim: bool) -> tuple:
    """The dims a reduction runs over (all for ``dim=None``), kept for ``_expand_back``."""
    ctx.keepdim, ctx.dims = keepdim, tuple(range(a.ndim)) if dim is None else wrap_dims(dim, a.ndim)
    return ctx.dims


def _count(a: np.ndarray, dims: tuple) -> int:
    """How many elements of ``a`` each output of a reduction over ``dims`` reduces."""
    return int(np.prod([a.shape[d] for d in dims]))


def _int64_for_integers(a: np.ndarray):
    """The dtype of a sum or product: int64 for integer and bool inputs, as in PyTorch."""
    return np.int64 if a.dtype.kind in "biu" else None


def _expand_back(grad, shape, dims: tuple, keepdim: bool):
    """Undo a reduction over ``dims``: put the reduced axes back, then broadcast to ``shape``."""
    if not keepdim:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


class Sum(Op):
    """out = sum of all a;   da = g broadcast to a's shape"""
    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.sum(dtype=_int64_for_integers(a))

    @staticmethod
    def backward(ctx, grad):
        return (grad.expand(ctx.shape),)


class SumDim(Op):
    """out = sum of a over ``dim``;   da = g broadcast back over ``dim``"""
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, *, dim, keepdim=False):
        dims = _reduced(ctx, a, dim, keepdim)
        return a.sum(axis=dims, keepdims=keepdim, dtype=_int64_for_integers(a))

    @staticmethod
    def backward(ctx, grad):
        return (_expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim),)


class Mean(Op):
    """out = mean of all a;   da = g / n broadcast to a's shape"""
    node_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.count = max(a.size, 1)      # n, counted once here, not per backward
        return a.mean()

    @staticmethod
    def backward(ctx, grad):
        return (grad.expand(ctx.shape) / ctx.count,)


class MeanDim(Op):
    """out = mean of a over ``dim``;   da = g / n broadcast back over ``dim``"""
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, *, dim, keepdim=False):
        dims = _reduced(ctx, a, dim, keepdim)
        ctx.count = _count(a, dims)
        return a.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return (_expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim) / ctx.count,)


class Prod(Op):
    """out = product of all a;   da = g * (product of the other elements)"""
    node_name, saves = "ProdBackward0", ("self", "result")

    @staticmethod
    def forward(ctx, a):
        return np.asarray(np.prod(a, dtype=_int64_for_integers(a)))

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        flat = a.reshape(-1)
        return (grad * _product_of_others(flat, out.reshape(1), 0).reshape(a.shape),)


class ProdDim(Op):
    """out = product of a over ``dim``;   da = g * (product of the other elements along dim)"""
    node_name, saves = "ProdBackward1", ("self", "result")

    @staticmethod
    def forward(ctx, a, *, dim, keepdim=False):
        ctx.dim, ctx.keepdim = maybe_wrap_dim(dim, a.ndim), keepdim
        return np.prod(a, axis=ctx.dim, keepdims=keepdim, dtype=_int64_for_integers(a))

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if not ctx.keepdim:
            grad, out = grad.unsqueeze(ctx.dim), out.unsqueeze(ctx.dim)
        return (grad * _product_of_others(a, out, ctx.dim),)


def prod(tensor: Tensor, dim, keepdim: bool) -> Tensor:
    """``tensor.prod()`` (ProdBackward0) or ``tensor.prod(dim)`` (ProdBackward1)."""
    return Prod.apply(tensor) if dim is None else ProdDim.apply(tensor, dim=dim, keepdim=keepdim)


def _product_of_others(a, out, dim: int):
    """For each element of ``a``, the product of the others along ``dim`` (``out``: the product,
    keepdim).  Without zeros that is out / a; with zeros, each element's product is taken afresh
    with that element replaced by 1 (n products of n: fine at a course's sizes).  Tensor ops
    both ways, so the result can be differentiated again."""
    if not (a._data == 0).any():
        return out / a
    n = a.shape[dim]
    last = a.transpose(dim, -1)                               # (..., n)
    rows = last.unsqueeze(-2).expand(*last.shape[:-1], n, n)  # (..., n, n): row i is a copy
    ones_on_diagonal = _where(np.eye(n, dtype=bool), 1.0, rows)
    return ProdDim.apply(ones_on_diagonal, dim=-1).transpose(dim, -1)


class MaxAll(Op):
    """out = max of all a;   da = g shared evenly among the elements equal to the max"""
    node_name, saves = "MaxBackward1", ("self", "result")
    _name, _function = "max", staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a):
        if a.size == 0:
            raise RuntimeError(f"{cls._name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return np.asarray(cls._function(a))

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        winners = a._data == out._data
        return (grad * (winners / winners.sum()).astype(grad._data.dtype),)


class MinAll(MaxAll):
    """out = min of all a;   da = g shared evenly among the elements equal to the min"""
    node_name = "MinBackward1"
    _name, _function = "min", staticmethod(np.min)


class MaxDim(Op):
    """out = max of a over ``dim`` (and, not differentiable, where it is);   da = g at the position
    of each max (the first one on ties)"""
    node_name = "MaxBackward0"
    _arg = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, *, dim, keepdim=False):
        dim = ctx.dim = maybe_wrap_dim(dim, a.ndim)
        ctx.keepdim = keepdim
        rows = a.reshape(a.shape or (1,))              # a 0-d tensor: one row of one element
        index = np.expand_dims(cls._arg(rows, axis=dim), dim)
        mask = np.zeros(rows.shape, dtype=bool)
        np.put_along_axis(mask, index, True, axis=dim)
        ctx.save_for_backward(constant(mask.reshape(a.shape)))  # PyTorch saves the indices (freed after backward)
        out = np.take_along_axis(rows, index, axis=dim)
        if not (keepdim and a.ndim):
            out, index = np.squeeze(out, dim), np.squeeze(index, dim)
        return out, index.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        dims = (ctx.dim,) if len(ctx.shape) else ()
        return (_expand_back(grad, ctx.shape, dims, ctx.keepdim) * mask,)


class MinDim(MaxDim):
    """out = min of a over ``dim``;   da = g at the position of each min (the first one on ties)"""
    node_name = "MinBackward0"
    _arg = staticmethod(np.argmin)


class Var(Op):
    """out = sum((a - mean)**2) / (n - correction);   da = g * 2 * (a - mean) / (n - correction)"""
    node_name, saves = "VarBackward0", ("self",)

    @staticmethod
    def forward(ctx, a, *, dim=None, correction=1, keepdim=False):
        dims = _reduced(ctx, a, dim, keepdim)
        ctx.divisor = _count(a, dims) - correction
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.var(as_floating(a), axis=dims, ddof=correction, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        centred = a - a.mean(ctx.dims, keepdim=True)
        return (_expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim) * centred * (2 / ctx.divisor),)


class Std(Op):
    """out = sqrt(var(a));   da = g * (a - mean) / ((n - correction) * out)"""
    node_name, saves = "StdBackward0", ("self", "result")

    @staticmethod
    def forward(ctx, a, *, dim=None, correction=1, keepdim=False):
        return np.sqrt(Var.forward(ctx, a, dim=dim, correction=correction, keepdim=keepdim))

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        centred = a - a.mean(ctx.dims, keepdim=True)
        g = _expand_back(grad / out, ctx.shape, ctx.dims, ctx.keepdim)
        return (g * centred * (1 / ctx.divisor),)


class Norm(Op):
    """out = (sum |a|**p) ** (1/p);   da = g * a * |a|**(p-2) / out**(p-1)  (p = 2: g * a / out)"""
    node_name, saves = "LinalgVectorNormBackward0", ("self", "result")

    @staticmethod
    def forward(ctx, a, *, p=2, dim=None, keepdim=False):
        p = ctx.p = float(p)
        dims = _reduced(ctx, a, dim, keepdim)
        absolute = np.abs(as_floating(a))
        if p == np.inf:
            out = absolute.max(axis=dims, keepdims=keepdim)
        elif p == 2:
            out = np.sqrt((absolute * absolute).sum(axis=dims, keepdims=keepdim))
        elif p == 1:
            out = absolute.sum(axis=dims, keepdims=keepdim)
        else:
            out = (absolute ** p).sum(axis=dims, keepdims=keepdim) ** (1 / p)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        g = _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)
        norm = _expand_back(out, ctx.shape, ctx.dims, ctx.keepdim)
        p = ctx.p
        if p == 1:
            return (g * a.sign(),)
        if p == np.inf:
            winners = np.abs(a._data) == norm._data
            share = winners / winners.sum(axis=ctx.dims, keepdims=True)
            return (g * a.sign() * share.astype(a._data.dtype),)
        zero = norm._data == 0                       # the norm's kink at 0: PyTorch gives 0 there
        safe_norm = _where(zero, 1.0, norm)
        if p == 2:
            return (_where(zero, 0.0, g * a / safe_norm),)
        return (_where(zero, 0.0, g * a * a.abs() ** (p - 2) / safe_norm ** (p - 1)),)


def max_dim(input: Tensor, dim: int, keepdim: bool = False) -> "_ValuesIndices":
    """``input.max(dim)``: the maxima (differentiable) and where they are."""
    return _ValuesIndices("max", *MaxDim.apply(input, dim=dim, keepdim=keepdim))


def min_dim(input: Tensor, dim: int, keepdim: bool = False) -> "_ValuesIndices":
    """``input.min(dim)``: the minima (differentiable) and where they are."""
    return _ValuesIndices("min", *MinDim.apply(input, dim=dim, keepdim=keepdim))


def arg_reduce(func, tensor: Tensor, dim, keepdim) -> Tensor:
    """Where the maximum (``np.argmax``) or minimum is along ``dim`` (of the flattened tensor for
    ``dim=None``): int64, outside the graph."""
    data = tensor._data
    if dim is None:
        out = np.asarray(func(data), dtype=np.int64)
        return constant(out.reshape((1,) * data.ndim) if keepdim else out)
    try:
        return constant(np.asarray(func(data, axis=dim, keepdims=keepdim), dtype=np.int64))
    except IndexError:                  # NumPy's AxisError: raise PyTorch's error instead
        maybe_wrap_dim(dim, data.ndim)
        raise


class _ValuesIndices(tuple):
    """What ``max(dim)`` and ``min(dim)`` return: ``(values, indices)`` with those names."""

    def __new__(cls, name: str, values: Tensor, indices: Tensor):
        self = super().__new__(cls, (values, indices))
        self._name = name
        return self

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"
