"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``randn`` ... with PyTorch's defaults.

Python floats give float32 and Python ints give int64; NumPy arrays keep their dtype.  Shapes are
given as ``ones(2, 3)`` or ``ones((2, 3))``.  Random tensors come from one NumPy generator that
``manual_seed`` resets (``random.py``; the numbers differ from PyTorch's, the distributions do not).
"""
from __future__ import annotations

import builtins

import numpy as np

from . import dtypes
from .ops.shape import Cat, Stack
from .random import _generator
from .tensor import Tensor, _shape_args


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(data, bool(requires_grad), None)


def _np_dtype(dtype, default=np.float32):
    return default if dtype is None else dtypes.to_numpy_dtype(dtype)


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    >>> tensor([1., 2.])
    tensor([1., 2.])
    >>> tensor(20, dtype=float64)
    tensor(20., dtype=torch.float64)
    """
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):         # NumPy arrays and scalars keep their dtype
        array = np.array(data)
        dtypes.from_numpy_dtype(array.dtype)                  # refuses types PyTorch has not
    else:
        array = np.array(_unwrap(data))
        if array.dtype == np.float64 and dtype is None:    # dtype=float64: no detour through float32
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "fb":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        array = array.astype(dtypes.to_numpy_dtype(dtype))
    return _leaf(array, requires_grad)


def _unwrap(data):
    """Nested lists may hold 0-d tensors: take their values."""
    if isinstance(data, Tensor):
        return data.item() if data.numel() == 1 and data.dim() == 0 else data._data.tolist()
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    return data


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or dtypes.to_numpy_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``array`` (no copy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, False, None)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.zeros(_shape_args(size), dtype=_np_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.ones(_shape_args(size), dtype=_np_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = dtypes.bool if isinstance(fill_value, builtins.bool) else (
            dtypes.int64 if isinstance(fill_value, builtins.int) else dtypes.float32)
    return _leaf(np.full(_shape_args((size,)), fill_value, dtype=_np_dtype(dtype)), requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``input``'s shape (and dtype, unless given) holding ``fill_value``; the other
    ``*_like`` functions are this with 0 or 1."""
    numpy_dtype = input._data.dtype if dtype is None else dtypes.to_numpy_dtype(dtype)
    return _leaf(np.full(input._data.shape, fill_value, dtype=numpy_dtype), requires_grad)


def zeros_like(input, dtype=None, requires_grad=False) -> Tensor: return full_like(input, 0, dtype, requires_grad)
def ones_like(input, dtype=None, requires_grad=False) -> Tensor: return full_like(input, 1, dtype, requires_grad)
def empty_like(input, dtype=None, requires_grad=False) -> Tensor: return full_like(input, 0, dtype, requires_grad)


def rand(*size, dtype=None, generator=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    data = (generator or _generator()).random(_shape_args(size)).astype(_np_dtype(dtype))
    return _leaf(data, requires_grad)


def randn(*size, dtype=None, generator=None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    data = (generator or _generator()).standard_normal(_shape_args(size)).astype(_np_dtype(dtype))
    return _leaf(data, requires_grad)


def rand_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=None, dtype=None, generator=None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        low, high, size = 0, low, high
    data = (generator or _generator()).integers(low, high, _shape_args((size,)))
    return _leaf(data.astype(_np_dtype(dtype, np.int64)), requires_grad)


def randperm(n: int, dtype=None) -> Tensor:
    return _leaf(_generator().permutation(n).astype(_np_dtype(dtype, np.int64)), False)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` is 0..4; int64 for integer arguments, float32 otherwise."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
    default = np.int64 if integral else np.float32
    return _leaf(np.arange(start, end, step).astype(_np_dtype(dtype, default)), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.linspace(start, end, steps).astype(_np_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.eye(n, m).astype(_np_dtype(dtype)), requires_grad)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension ``dim``."""
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    return Stack.apply(*tensors, dim=dim)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along the existing dimension ``dim``."""
    if len(tensors) == 0:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    return Cat.apply(*tensors, dim=dim)


concat = concatenate = cat
