"""Matrix products.  For out = A @ B:  dA = g @ B^T  and  dB = A^T @ g."""
from __future__ import annotations

import numpy as np

from ..dtypes import from_numpy_dtype
from ..function import Op
from ..tensor import Tensor
from .elementwise import Mul
from .shape import SqueezeAfterMatmul


def _check_same_dtype(a: np.ndarray, b: np.ndarray, message: str, names: str = "scalar_name") -> None:
    """A product's operands share one dtype; each op says so in its own PyTorch words, ``message``
    formatted with the two dtypes' names (``Float``, or ``float`` with ``names="cpp_name"``)."""
    if a.dtype != b.dtype:
        raise RuntimeError(message.format(*(getattr(from_numpy_dtype(x.dtype), names) for x in (a, b))))


def _check_multipliable(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")


class Mm(Op):
    """out = A @ B (matrices);   dA = g @ B.t(),   dB = A.t() @ g"""
    node_name = "MmBackward0"
    inputs = saves = ("self", "mat2")
    saves_only_for = {"self": "mat2", "mat2": "self"}      # each is read by the other's gradient

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 2 or b.ndim != 2:
            raise RuntimeError("self must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
        _check_multipliable(a, b)
        _check_same_dtype(a, b, "expected m1 and m2 to have the same dtype, but got: {} != {}", "cpp_name")
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad.mm(b.t()) if ctx.needs_input_grad[0] else None,
                a.t().mm(grad) if ctx.needs_input_grad[1] else None)


class Mv(Op):
    """out = A @ v (matrix times vector);   dA = outer(g, v),   dv = A.t() @ g"""
    node_name = "MvBackward0"
    inputs = saves = ("self", "vec")

    @staticmethod
    def forward(ctx, a, v):
        if a.ndim != 2 or v.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
        if a.shape[1] != v.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
        _check_same_dtype(a, v, "addmv input tensors must have the same dtype, but got {1}, {0}, and {1}")  # mv: addmv into a v-typed vector
        return a @ v

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved_tensors
        return (grad.unsqueeze(1).mm(v.unsqueeze(0)) if ctx.needs_input_grad[0] else None,
                a.t().mv(grad) if ctx.needs_input_grad[1] else None)


class Dot(Op):
    """out = a . b (two vectors);   da = g * b,   db = g * a"""
    node_name = "DotBackward0"
    inputs = saves = ("self", "tensor")

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        _check_same_dtype(a, b, "dot : expected both vectors to have same dtype, but found {} and {}")
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
        return np.dot(a, b)

    backward = staticmethod(Mul.backward)                   # the same formula as a * b


class Bmm(Op):
    """out = A @ B over batches (both at least 2-D, leading dimensions broadcast);
    dA = g @ B^T,   dB = A^T @ g   (the engine sums broadcast batch dimensions back)"""
    node_name = "BmmBackward0"
    inputs = saves = ("self", "mat2")

    @staticmethod
    def forward(ctx, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{a.shape[0]}, {a.shape[-1]}] but got: [{b.shape[0]}, {b.shape[-2]}].")
        _check_same_dtype(a, b, "expected scalar type {} but found {}")
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad.matmul(b.transpose(-1, -2)) if ctx.needs_input_grad[0] else None,
                a.transpose(-1, -2).matmul(grad) if ctx.needs_input_grad[1] else None)


class Addmm(Op):
    """out = bias + mat1 @ mat2;   dbias = g (the engine sums the rows),   dmat1 = g @ mat2^T,   dmat2 = mat1^T @ g"""
    node_name = "AddmmBackward0"
    inputs, saves = ("self", "mat1", "mat2"), ("mat1", "mat2")
    saves_only_for = {"mat1": "mat2", "mat2": "mat1"}

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        _check_same_dtype(bias, mat2, "self and mat2 must have the same dtype, but got {} and {}")
        _check_same_dtype(mat1, mat2, "mat1 and mat2 must have the same dtype, but got {} and {}")
        _check_multipliable(mat1, mat2)
        out = mat1 @ mat2
        out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        return (grad if ctx.needs_input_grad[0] else None,
                grad.mm(mat2.t()) if ctx.needs_input_grad[1] else None,
                mat1.t().mm(grad) if ctx.needs_input_grad[2] else None)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` as PyTorch dispatches it: dot, mv, mm, or a batched product."""
    a, b = input._data.ndim, other._data.ndim
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    if a == 1 and b == 1:
        return Dot.apply(input, other)
    if a == 2 and b == 1:
        return Mv.apply(input, other)
    if a == 2 and b == 2:
        return Mm.apply(input, other)
    if a == 1 and b == 2:
        return SqueezeAfterMatmul.apply(Mm.apply(input.unsqueeze(0), other), dim=0)
    if b == 1:
        return Bmm.apply(input, other.unsqueeze(-1)).squeeze(-1)
    if a == 1:
        return Bmm.apply(input.unsqueeze(0), other).squeeze(-2)
    return Bmm.apply(input, other)
