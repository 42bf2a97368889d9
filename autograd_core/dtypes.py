"""PyTorch's dtype objects (``torch.float32`` ...) over NumPy's dtypes.

A ``dtype`` prints as ``torch.float32`` and compares equal only to itself.  Python floats make
float32 tensors and Python ints make int64 tensors, as in PyTorch.
"""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A tensor element type, printed as ``torch.<name>``.

    It carries the names PyTorch's messages use for it: ``legacy_name`` (``torch.FloatTensor``),
    ``scalar_name`` (``Float``, as in "expected scalar type Float") and ``cpp_name`` (``float``,
    the C++ type some kernels print).  This module is the one table of dtypes and their names.
    """

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "legacy_name",
                 "scalar_name", "cpp_name")

    def __init__(self, name: str, numpy_type, scalar_name: str, cpp_name: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize
        self.scalar_name = scalar_name
        self.legacy_name = scalar_name + "Tensor"
        self.cpp_name = cpp_name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):                       # pickles as the module-level singleton
        return (from_numpy_dtype, (self.numpy.str,))


float16 = half = dtype("float16", np.float16, "Half", "c10::Half")
float32 = float = dtype("float32", np.float32, "Float", "float")
float64 = double = dtype("float64", np.float64, "Double", "double")
uint8 = dtype("uint8", np.uint8, "Byte", "unsigned char")
uint16 = dtype("uint16", np.uint16, "UInt16", "unsigned short")
uint32 = dtype("uint32", np.uint32, "UInt32", "unsigned int")
uint64 = dtype("uint64", np.uint64, "UInt64", "unsigned long")
int8 = dtype("int8", np.int8, "Char", "signed char")
int16 = short = dtype("int16", np.int16, "Short", "short int")
int32 = int = dtype("int32", np.int32, "Int", "int")
int64 = long = dtype("int64", np.int64, "Long", "long int")
bool = dtype("bool", np.bool_, "Bool", "bool")

_ALL = (float16, float32, float64, uint8, uint16, uint32, uint64, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy: d for d in _ALL}


def from_numpy_dtype(np_dtype) -> dtype:
    """The ``torch.dtype`` for a NumPy dtype, or TypeError for types PyTorch has no match for."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool."
        ) from None


def as_floating(array: np.ndarray) -> np.ndarray:
    """The array itself if floating, else as float32: PyTorch's promotion of integer (and bool)
    inputs to floating functions (``exp``, ``softmax``, ``1 / x`` ...)."""
    return array if array.dtype.kind == "f" else array.astype(np.float32)


def to_numpy_dtype(d) -> np.dtype:
    """NumPy's dtype for a ``torch.dtype`` (Python's ``float``, ``int`` and ``bool`` accepted too)."""
    if isinstance(d, dtype):
        return d.numpy
    python_types = {builtins.float: float32, builtins.int: int64, builtins.bool: bool}
    if d in python_types:
        return python_types[d].numpy
    raise TypeError(f"dtype must be a torch.dtype, not {type(d).__name__}")
