"""PyTorch's dtype objects (``torch.float32`` ...) over NumPy's dtypes.

A ``dtype`` prints as ``torch.float32`` and compares equal only to itself.  Python floats make
float32 tensors and Python ints make int64 tensors, as in PyTorch.
"""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A tensor element type, printed as ``torch.<name>``."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "legacy_name")

    def __init__(self, name: str, numpy_type, legacy_name: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize
        self.legacy_name = legacy_name          # the name in error messages: torch.FloatTensor

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):                       # pickles as the module-level singleton
        return (from_numpy_dtype, (self.numpy.str,))


float16 = half = dtype("float16", np.float16, "HalfTensor")
float32 = float = dtype("float32", np.float32, "FloatTensor")
float64 = double = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = short = dtype("int16", np.int16, "ShortTensor")
int32 = int = dtype("int32", np.int32, "IntTensor")
int64 = long = dtype("int64", np.int64, "LongTensor")
bool = dtype("bool", np.bool_, "BoolTensor")

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy: d for d in _ALL}


def from_numpy_dtype(np_dtype) -> dtype:
    """The ``torch.dtype`` for a NumPy dtype, or TypeError for types PyTorch has no match for."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy_dtype(d) -> np.dtype:
    """NumPy's dtype for a ``torch.dtype`` (Python's ``float``, ``int`` and ``bool`` accepted too)."""
    if isinstance(d, dtype):
        return d.numpy
    python_types = {builtins.float: float32, builtins.int: int64, builtins.bool: bool}
    if d in python_types:
        return python_types[d].numpy
    raise TypeError(f"dtype must be a torch.dtype, not {type(d).__name__}")
