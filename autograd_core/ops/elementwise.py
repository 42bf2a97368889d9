"""Pointwise operations.  Each docstring gives the forward maths and the vector-Jacobian product,
with ``g`` the gradient flowing in from the output."""
from __future__ import annotations

import numpy as np

from ..dtypes import as_floating, from_numpy_dtype
from ..function import Op, constant, pass_through
from ..size import broadcast_error
from ..tensor import Tensor


def _quietly(function, **errors):
    """The forward of an op that is one NumPy function of its inputs; ``errors`` (``divide="ignore"``)
    silences NumPy's warnings where PyTorch quietly gives inf or nan (``1 / 0``, ``0 ** -1``)."""
    def forward(ctx, *arrays):
        with np.errstate(**errors):
            return function(*arrays)
    return staticmethod(forward)


def _on_floats(function, **errors):
    """The forward of a one-input op: ``function`` of the input, integers made floating first (as
    PyTorch gives ``exp(int_tensor)`` a float32 result); ``errors`` as in ``_quietly``, inlined here."""
    if not errors:
        return staticmethod(lambda ctx, a: function(as_floating(a)))

    def forward(ctx, a):
        with np.errstate(**errors):
            return function(as_floating(a))
    return staticmethod(forward)


class Add(Op):
    """out = a + alpha * b;   da = g,   db = alpha * g"""
    node_name, ufunc, _sign = "AddBackward0", np.add, 1

    @classmethod
    def forward(cls, ctx, a, b, *, alpha=1):
        ctx.alpha = cls._sign * alpha                   # the factor db carries: -alpha for Sub
        return cls.ufunc(a, b) if alpha == 1 else cls.ufunc(a, alpha * b)

    @staticmethod
    def backward(ctx, grad):
        alpha = ctx.alpha
        if not ctx.needs_input_grad[1]:
            return grad, None
        return grad, (grad if alpha == 1 else -grad if alpha == -1 else grad * alpha)


class Sub(Add):
    """out = a - alpha * b;   da = g,   db = -alpha * g"""
    node_name, ufunc, _sign = "SubBackward0", np.subtract, -1


class Rsub(Op):
    """out = other - a  (``1 - x``);   da = -g"""
    node_name = "RsubBackward1"
    forward = staticmethod(lambda ctx, a, *, other: other - a)
    backward = staticmethod(lambda ctx, grad: (-grad,))


class Mul(Op):
    """out = a * b;   da = g * b,   db = g * a"""
    node_name, ufunc = "MulBackward0", np.multiply
    saves = ("self", "other")
    saves_only_for = {"self": "other", "other": "self"}

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class MulScalar(Op):
    """out = a * s  (s a number: ATen's ``mul.Scalar``, which backward formulas call);   da = g * s"""
    node_name, inputs = "MulBackward1", ("self",)

    @staticmethod
    def forward(ctx, a, *, other):
        ctx.other = other
        return a * other

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.other,)


class Div(Op):
    """out = a / b;   da = g / b,   db = -g * a / b**2"""
    node_name, saves = "DivBackward0", ("self", "other")
    saves_only_for = {"self": "other"}
    forward = _quietly(np.true_divide, divide="ignore", invalid="ignore")

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad / b if ctx.needs_input_grad[0] else None,
                -grad * a / (b * b) if ctx.needs_input_grad[1] else None)


class Reciprocal(Op):
    """out = 1 / a;   da = -g * out**2"""
    node_name, saves = "ReciprocalBackward0", ("result",)
    forward = _on_floats(np.reciprocal, divide="ignore")
    backward = staticmethod(lambda ctx, grad: (-grad * ctx.saved_tensors[0] * ctx.saved_tensors[0],))


class Neg(Op):
    """out = -a;   da = -g"""
    node_name = "NegBackward0"
    forward = staticmethod(lambda ctx, a: np.negative(a))
    backward = staticmethod(lambda ctx, grad: (-grad,))


class Pow(Op):
    """out = a ** e  (e a number);   da = g * e * a**(e - 1)"""
    node_name, saves = "PowBackward0", ("self",)

    @staticmethod
    def forward(ctx, a, *, exponent):
        if a.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.exponent = exponent
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(a, exponent) if a.dtype.kind == "f" or exponent >= 0 else np.power(as_floating(a), exponent)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:                          # a constant: zeros with no history, as PyTorch's
            return (constant(np.zeros_like(a._data)),)
        # PyTorch's pow_backward, grad * (e * a.pow(e - 1)), recorded as it records it (MulBackward1
        # over PowBackward0 under create_graph); even a ** 1 is recorded, so x**5 has six derivatives
        return (grad * MulScalar.apply(a ** (e - 1), other=e),)


class PowTensor(Op):
    """out = a ** b  (both tensors);   da = g * b * a**(b - 1),   db = g * out * log(a)"""
    node_name = "PowBackward1"
    inputs, saves = ("self", "exponent"), ("self", "exponent", "result")

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype.kind in "iu" and b.dtype.kind in "iu":
            return _integer_power(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            # where a == 0 and b >= 0 the derivative in b is 0 (PyTorch masks the log(0) there)
            grad_b = _where(((a == 0) & (b >= 0))._data, 0.0, grad * out * a.log())
        return grad_a, grad_b


def _integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integers to integer powers as PyTorch's ``powi``: a negative exponent gives ``a ** (b % 2)``
    for a base of 1 or -1 (1, or -1 for an odd exponent), 0 for any other base (NumPy refuses them)."""
    out = np.power(a, np.maximum(b, 0))
    if (b < 0).any():
        out = np.where(b < 0, np.where(np.abs(a) == 1, np.power(a, b % 2), 0), out).astype(out.dtype)
    return out


class RPow(Op):
    """out = base ** a  (``2 ** x``, base a number);   da = g * out * ln(base)"""
    node_name, saves = "PowBackward2", ("result",)

    @staticmethod
    def forward(ctx, a, *, base):
        if a.dtype.kind != "f":          # 2 ** int_tensor stays integer; 2.5 ** int_tensor is float32
            out = np.power(base, a) if isinstance(base, int) else np.power(float(base), a)
        else:
            out = np.power(a.dtype.type(base), a)
        ctx.log_base = float(np.log(base)) if base > 0 else float("nan")
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * out * ctx.log_base,)


class Exp(Op):
    """out = exp(a);   da = g * out"""
    node_name, saves = "ExpBackward0", ("result",)
    forward = _on_floats(np.exp, over="ignore")
    backward = staticmethod(lambda ctx, grad: (grad * ctx.saved_tensors[0],))


class Log(Op):
    """out = log(a);   da = g / a"""
    node_name, saves = "LogBackward0", ("self",)
    forward = _on_floats(np.log, divide="ignore", invalid="ignore")
    backward = staticmethod(lambda ctx, grad: (grad / ctx.saved_tensors[0],))


class Sin(Op):
    """out = sin(a);   da = g * cos(a)"""
    node_name, saves = "SinBackward0", ("self",)
    forward = _on_floats(np.sin)
    backward = staticmethod(lambda ctx, grad: (grad * ctx.saved_tensors[0].cos(),))


class Cos(Op):
    """out = cos(a);   da = -g * sin(a)"""
    node_name, saves = "CosBackward0", ("self",)
    forward = _on_floats(np.cos)
    backward = staticmethod(lambda ctx, grad: (-grad * ctx.saved_tensors[0].sin(),))


class Tanh(Op):
    """out = tanh(a);   da = g * (1 - out**2)   (one op, ``TanhBackward``, as PyTorch's tanh_backward)"""
    node_name, saves = "TanhBackward0", ("result",)
    forward = _on_floats(np.tanh)
    backward = staticmethod(lambda ctx, grad: (TanhBackward.apply(grad, ctx.saved_tensors[0]),))


class TanhBackward(Op):
    """tanh's backward as one op, recorded like PyTorch's ``tanh_backward`` (three NumPy operations,
    not three recorded ops; under create_graph its node is TanhBackwardBackward0, as in PyTorch):
    out = g * (1 - y**2);   dg = g' * (1 - y**2),   dy = -2 * g' * g * y"""
    node_name = "TanhBackwardBackward0"
    inputs = saves = ("grad_output", "output")
    saves_only_for = {"grad_output": "output"}

    @staticmethod
    def forward(ctx, grad, out):
        return grad * (1 - out * out)

    @staticmethod
    def backward(ctx, grad):
        grad_output, out = ctx.saved_tensors
        return (TanhBackward.apply(grad, out) if ctx.needs_input_grad[0] else None,
                -2 * grad * grad_output * out if ctx.needs_input_grad[1] else None)


class Sigmoid(Op):
    """out = 1 / (1 + exp(-a));   da = g * out * (1 - out)"""
    node_name, saves = "SigmoidBackward0", ("result",)

    @staticmethod
    def forward(ctx, a):
        a = as_floating(a)
        # exp of a negative number only, so that large |a| neither overflows nor warns
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * out * (1 - out),)


class Relu(Op):
    """out = max(a, 0);   da = g * (out > 0)"""
    node_name, saves = "ReluBackward0", ("result",)
    forward = staticmethod(lambda ctx, a: np.maximum(a, 0))
    backward = staticmethod(lambda ctx, grad: (ThresholdBackward.apply(grad, ctx.saved_tensors[0]),))


class ThresholdBackward(Op):
    """relu's backward, recorded like PyTorch's so that its gradient requires grad under
    create_graph:  out = g * (result > 0);   dg = g' * (result > 0),   dresult = 0"""
    node_name = "ThresholdBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, result):
        mask = result > 0
        ctx.save_for_backward(constant(mask))
        return grad * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, constant(np.zeros_like(grad._data))


class Sqrt(Op):
    """out = sqrt(a);   da = g / (2 * out)"""
    node_name, saves = "SqrtBackward0", ("result",)
    forward = _on_floats(np.sqrt, invalid="ignore")
    backward = staticmethod(lambda ctx, grad: (grad / (2 * ctx.saved_tensors[0]),))


class Abs(Op):
    """out = |a|;   da = g * sign(a)"""
    node_name, saves = "AbsBackward0", ("self",)
    forward = staticmethod(lambda ctx, a: np.abs(a))
    backward = staticmethod(lambda ctx, grad: (grad * ctx.saved_tensors[0].sign(),))


class Clamp(Op):
    """out = min(max(a, min), max);   da = g where min <= a <= max, else 0"""
    node_name, saves = "ClampBackward1", ("self",)

    @staticmethod
    def forward(ctx, a, *, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.bounds = (min, max)
        return np.clip(a, min, max)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a._data >= low
        if high is not None:
            inside &= a._data <= high
        return (grad * inside,)


class Sign(Op):
    """out = sign(a);   da = 0 (flat almost everywhere)"""
    node_name = "SignBackward0"
    forward = staticmethod(lambda ctx, a: np.sign(a))
    backward = staticmethod(lambda ctx, grad: (grad * 0,))


class Round(Sign):
    """out = round(a) (halves to even);   da = 0"""
    node_name = "RoundBackward0"
    forward = staticmethod(lambda ctx, a: np.round(a))


class Floor(Sign):
    """out = floor(a);   da = 0"""
    node_name = "FloorBackward0"
    forward = staticmethod(lambda ctx, a: np.floor(a))


class Maximum(Op):
    """out = max(a, b);   g goes to the larger input, split in half on ties"""
    node_name, saves = "MaximumBackward0", ("self", "other")
    _function, _loses = staticmethod(np.maximum), staticmethod(np.less)   # a loses where a < b

    @classmethod
    def forward(cls, ctx, a, b):
        return cls._function(a, b)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = (t._data for t in ctx.saved_tensors)
        share = np.where(a == b, 0.5, 1.0).astype(grad._data.dtype)       # PyTorch's rule
        return grad * np.where(cls._loses(a, b), 0, share), grad * np.where(cls._loses(b, a), 0, share)


class Minimum(Maximum):
    """out = min(a, b);   g goes to the smaller input, split in half on ties"""
    node_name = "MinimumBackward0"
    _function, _loses = staticmethod(np.minimum), staticmethod(np.greater)


class Where(Op):
    """out = a where condition else b;   da = g where condition,   db = g elsewhere"""
    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, a, b, *, condition):
        ctx.save_for_backward(constant(condition))   # saved (and freed) as PyTorch does
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition = ctx.saved_tensors[0]._data
        zero = 0.0
        return (_where(condition, grad, zero) if ctx.needs_input_grad[0] else None,
                _where(condition, zero, grad) if ctx.needs_input_grad[1] else None)


class ToCopy(Op):
    """out = a converted to another dtype;   da = g converted back"""
    node_name = "ToCopyBackward0"
    keeps_dtype = True

    @staticmethod
    def forward(ctx, a, *, dtype):
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad.to(from_numpy_dtype(ctx.input_dtype)),)


class Clone(Op):
    """out = a copy of a;   da = g"""
    node_name, forward, backward = "CloneBackward0", staticmethod(lambda ctx, a: a.copy()), pass_through


class Fill(Op):
    """out = value everywhere (``fill_`` with a number, ``zero_``);   da = 0"""
    node_name = "FillBackward2"
    forward = staticmethod(lambda ctx, a, *, value: np.full_like(a, value))
    backward = staticmethod(Sign.backward)


class Zero(Fill):
    """out = 0 everywhere (``zero_``);   da = 0"""
    node_name = "ZeroBackward0"


class Copy(Op):
    """out = src broadcast to a's shape (``copy_``);   da = 0,   dsrc = g"""
    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a, src):
        return np.broadcast_to(np.asarray(src, dtype=a.dtype), a.shape).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad


class MaskedFill(Op):
    """out = value where mask, else a;   da = g where not mask, 0 where filled"""
    node_name = "MaskedFillBackward0"

    @staticmethod
    def forward(ctx, a, *, mask, value):
        ctx.save_for_backward(constant(mask))
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        return (_where(ctx.saved_tensors[0]._data, 0.0, grad),)


class MaskedFillTensor(Op):
    """out = a 0-d tensor's value where mask, else a;   da = g where not mask,   dvalue = sum of g where mask"""
    node_name = "MaskedFillBackward1"

    @staticmethod
    def forward(ctx, a, value, *, mask):
        ctx.save_for_backward(constant(mask))
        return np.where(mask, value.astype(a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        mask = ctx.saved_tensors[0]._data
        return _where(mask, 0.0, grad), _where(mask, grad, 0.0).sum()


def masked_fill(tensor: Tensor, mask: Tensor, value, in_place: bool = False) -> Tensor:
    """``tensor.masked_fill(mask, value)``: PyTorch's checks, then the op for a number or a 0-d tensor."""
    if not isinstance(mask, Tensor) or not isinstance(value, (Tensor, int, float)):
        got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in (mask, value))
        raise TypeError(f"masked_fill{'_' if in_place else ''}() received an invalid combination of "
                        f"arguments - got ({got}), but expected one of:\n * (Tensor mask, Tensor value)\n"
                        " * (Tensor mask, Number value)")
    shapes = (tensor._data.shape, mask._data.shape) if in_place else (mask._data.shape, tensor._data.shape)
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(broadcast_error(*shapes)) from None
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{from_numpy_dtype(mask._data.dtype).cpp_name}")
    if not isinstance(value, Tensor):
        op, args, settings = MaskedFill, (), {"mask": mask._data, "value": value}
    elif value.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value.ndim} dimension(s).")
    else:
        op, args, settings = MaskedFillTensor, (value,), {"mask": mask._data}
    return op.apply_(tensor, *args, **settings) if in_place else op.apply(tensor, *args, **settings)


class FillTensor(Copy):
    """out = a 0-d tensor's value everywhere (``fill_(value_tensor)``);   da = 0,   dvalue = sum(g)"""
    node_name = "FillBackward3"


def fill_(tensor: Tensor, value) -> Tensor:
    """``tensor.fill_(value)``: a number (FillBackward2) or a 0-d tensor (FillBackward3)."""
    if not isinstance(value, Tensor):
        return Fill.apply_(tensor, value=float(value))
    if value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    return FillTensor.apply_(tensor, value)


# ---------------------------------------------------------------------- no gradient
def compare(function, *operands) -> Tensor:
    """A comparison, logical or integer function (``==``, ``&``, ``//``, ``isnan`` ...): its
    result takes no gradient, so it is computed directly, outside the graph."""
    arrays = [o._data if isinstance(o, Tensor) else o for o in operands]
    with np.errstate(invalid="ignore", divide="ignore"):
        return constant(function(*arrays))


# ---------------------------------------------------------------------- helpers
def _where(condition: np.ndarray, a, b):
    """``where`` on Tensors for backward formulas (differentiable in a and b)."""
    a = a if isinstance(a, Tensor) else Tensor._make(np.asarray(a, dtype=_dtype_of(b)), False, None)
    b = b if isinstance(b, Tensor) else Tensor._make(np.asarray(b, dtype=_dtype_of(a)), False, None)
    return Where.apply(a, b, condition=condition)


def _dtype_of(x):
    return x._data.dtype if hasattr(x, "_data") else np.float32
