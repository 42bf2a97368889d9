"""``Tensor``: a NumPy array with the autograd fields PyTorch gives it.

The fields a learner meets in PyTorch are all here under their PyTorch names:

* ``data`` -- the values (a NumPy array inside; ``.data`` hands out a tensor sharing them),
* ``requires_grad`` -- whether operations on it are recorded,
* ``grad`` -- the accumulated gradient of a leaf (``None`` until a backward pass reaches it),
* ``grad_fn`` -- the graph node that made it (``None`` for leaves),
* ``is_leaf`` -- made by the user rather than by a recorded operation,
* ``_version`` -- bumped by every in-place operation; ``detach()`` and views share the counter.

Every operator and method is one line that calls an op from ``ops/``.
"""
from __future__ import annotations

import builtins
import warnings
import weakref

import numpy as np

from . import dtypes
from ._printing import tensor_repr
from .grad_mode import _GradMode, no_grad
from .hooks import register_post_accumulate_grad_hook, register_tensor_hook, retain_grad
from .random import _generator
from .size import Size, _shape_args, _VersionCounter

_float = builtins.float
_new_object = object.__new__
_int = builtins.int
_bool = builtins.bool


def _as_array(value):
    """An operand for an op: Tensors pass through, numbers stay Python numbers."""
    if isinstance(value, _OPERANDS):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return Tensor._make(value, False, None)
    raise TypeError(f"unsupported operand type: '{type(value).__name__}'")


class Tensor:
    """A multi-dimensional array that can record the operations made on it.

    >>> x = tensor([[1., 1.], [1., 1.]], requires_grad=True)
    >>> y = x + 2
    >>> y
    tensor([[3., 3.],
            [3., 3.]], grad_fn=<AddBackward0>)
    """

    # Fields every tensor sets are slots; the rarely-set ones default at class level and land in
    # the instance __dict__ only when set, so making a tensor costs four assignments.
    __slots__ = ("_data", "_requires_grad", "grad_fn", "_counter", "__weakref__", "__dict__")
    _grad = None
    _output_nr = 0
    _base = None
    _retains_grad = False
    _hooks = None
    _accumulator = None
    _inference = False
    __array_priority__ = 1000        # so ``ndarray + tensor`` asks the tensor

    def __init__(self, *args) -> None:
        # ``torch.Tensor([1, 2])`` copies data as float32; ``torch.Tensor(2, 3)`` makes that shape.
        if len(args) == 1 and not isinstance(args[0], _int):
            data = np.array(args[0].numpy() if isinstance(args[0], Tensor) else args[0], dtype=np.float32)
        else:
            data = np.zeros(_shape_args(args), dtype=np.float32)
        self._init(data, False, None)

    def _init(self, data: np.ndarray, requires_grad: bool, grad_fn) -> None:
        """The one place a Tensor's fields are set (``Op.apply`` inlines it: the hot path)."""
        self._data = data
        self._requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._counter = None
        if _GradMode.inference:
            self._inference = True

    def is_inference(self) -> bool: return self._inference      # made inside inference_mode()

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn) -> "Tensor":
        """The engine's constructor: wrap an array without copying it."""
        self = _new_object(cls)
        self._init(data, requires_grad, grad_fn)
        return self

    # ----------------------------------------------------------------- autograd fields
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not isinstance(value, _bool):
            raise RuntimeError("requires_grad must be a bool")
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")   # sic, PyTorch
        self._requires_grad = _bool(value)

    @requires_grad.deleter
    def requires_grad(self) -> None: raise RuntimeError("requires_grad must be a bool")   # PyTorch's, sic

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not isinstance(requires_grad, _bool):
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be bool, "
                            f"not {type(requires_grad).__name__}")
        if self.grad_fn is not None and requires_grad:
            return self                    # a computed tensor already requires grad: a no-op
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                "instead. See github.com/pytorch/pytorch/pull/30531 for more information.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a "
                                   f"tensor of size '{list(self.shape)}'. Please ensure that the gradient "
                                   "and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None: self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    # hooks.py says how: retain_grad keeps a non-leaf's .grad; hook(grad) may return a new grad;
    # a post-accumulate hook(leaf) runs after backward has added into the leaf's .grad
    def retain_grad(self) -> None: retain_grad(self)
    def register_hook(self, hook): return register_tensor_hook(self, hook)
    def register_post_accumulate_grad_hook(self, hook): return register_post_accumulate_grad_hook(self, hook)

    def _grad_accumulator(self):
        """The ``AccumulateGrad`` node of this leaf, shared while the graph that uses it lives."""
        accumulator = self._accumulator() if self._accumulator is not None else None
        if accumulator is None:
            accumulator = AccumulateGrad(self)
            accumulator._has_hooks = self._hooks is not None
            self._accumulator = weakref.ref(accumulator)
        return accumulator

    @property
    def _version_counter(self) -> _VersionCounter:
        """The in-place write counter, made on first use (most tensors never need one)."""
        counter = self._counter
        if counter is None:
            counter = self._counter = _VersionCounter()
        return counter

    @_version_counter.setter
    def _version_counter(self, counter: _VersionCounter) -> None:
        self._counter = counter

    @property
    def _version(self) -> int:
        return self._version_counter.version

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        from .autograd import backward      # autograd is a layer above tensor: it imports the engine
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor that shares storage and version counter, outside the graph."""
        out = Tensor._make(self._data.view(), False, None)
        out._version_counter = self._version_counter
        return out

    def detach_(self) -> "Tensor":
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self._requires_grad = None, False
        return self

    @property
    def data(self) -> "Tensor":
        """The same storage as a tensor autograd does not see: no graph, a fresh version counter."""
        return Tensor._make(self._data.view(), False, None)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @data.deleter
    def data(self) -> None: raise RuntimeError("Deleting tensor data is not allowed. Delete tensor instead!")

    # ----------------------------------------------------------------- metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    def dim(self) -> int: return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int: return self._data.size
    def nelement(self) -> int: return self._data.size

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> str:
        return "cpu"

    def is_floating_point(self) -> bool: return self._data.dtype.kind == "f"
    def element_size(self) -> int: return self._data.itemsize
    def is_contiguous(self) -> bool: return self._data.flags.c_contiguous

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int: return self._data.__array_interface__["data"][0]

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __hash__(self) -> int: return id(self)

    def __repr__(self) -> str:
        grad_fn = None if self.grad_fn is None else type(self.grad_fn).__name__
        return tensor_repr(self._data, grad_fn_name=grad_fn,
                           requires_grad=self._requires_grad and self.grad_fn is None)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:      # f"{loss:.3f}" formats a 0-d tensor's number
        return format(self.item() if self._data.ndim == 0 else repr(self), spec)

    # ----------------------------------------------------------------- conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self): return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory (refused while the tensor requires grad)."""
        if self._requires_grad and _GradMode.enabled and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data.copy() if force else self._data

    def __array__(self, dtype=None, copy=None): return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __float__(self) -> float: return _float(self.item())
    def __int__(self) -> int: return _int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return _bool(self._data.reshape(()).item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))              # as PyTorch: the rows share one UnbindBackward0

    def __reduce_ex__(self, protocol): return (Tensor._make, (self._data.copy(), self._requires_grad, None))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        out = type(self).__new__(type(self))
        Tensor._init(out, self._data.copy(), self._requires_grad, None)
        if self._grad is not None:
            out._grad = Tensor._make(self._grad._data.copy(), False, None)
        memo[id(self)] = out
        return out

    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)`` converts; a device (only "cpu" exists here) changes nothing."""
        target = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtypes.dtype):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
        if target is None or target.numpy == self._data.dtype:
            return self
        return ToCopy.apply(self, dtype=target.numpy)

    def type(self, dtype=None):
        """``torch.FloatTensor`` and friends (the names PyTorch's messages use), or a conversion."""
        return "torch." + self.dtype.legacy_name if dtype is None else self.to(dtype)

    def float(self) -> "Tensor": return self.to(dtypes.float32)
    def double(self) -> "Tensor": return self.to(dtypes.float64)
    def half(self) -> "Tensor": return self.to(dtypes.float16)
    def long(self) -> "Tensor": return self.to(dtypes.int64)
    def int(self) -> "Tensor": return self.to(dtypes.int32)
    def bool(self) -> "Tensor": return self.to(dtypes.bool)
    def cpu(self) -> "Tensor": return self
    def contiguous(self) -> "Tensor": return self if self._data.flags.c_contiguous else self.clone()
    def clone(self) -> "Tensor": return Clone.apply(self)
    def type_as(self, other: "Tensor") -> "Tensor": return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, requires_grad=False) -> "Tensor":
        from .creation import tensor        # creation is a layer above tensor: it imports Tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)
    def new_zeros(self, *size, dtype=None) -> "Tensor": return self._new(np.zeros, size, dtype)
    def new_ones(self, *size, dtype=None) -> "Tensor": return self._new(np.ones, size, dtype)

    def _new(self, make, size: tuple, dtype) -> "Tensor":
        return Tensor._make(make(_shape_args(size), dtype=dtype.numpy if dtype else self._data.dtype), False, None)

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other): return Add.apply(self, _as_array(other))
    def __radd__(self, other): return Add.apply(self, _as_array(other))
    def __sub__(self, other): return Sub.apply(self, _as_array(other))
    def __rsub__(self, other): return Rsub.apply(self, other=_as_array(other))
    def __mul__(self, other): return Mul.apply(self, _as_array(other))
    def __rmul__(self, other): return Mul.apply(self, _as_array(other))
    def __truediv__(self, other): return Div.apply(self, _as_array(other))
    def __rtruediv__(self, other): return Reciprocal.apply(self) * other
    def __neg__(self): return Neg.apply(self)
    def __pos__(self): return self
    def __abs__(self): return Abs.apply(self)
    def __matmul__(self, other): return matmul(self, _as_array(other))
    def __rmatmul__(self, other): return _as_array(other).matmul(self)
    def __floordiv__(self, other): return compare(np.floor_divide, self, other)
    def __mod__(self, other): return compare(np.mod, self, other)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return PowTensor.apply(self, exponent)
        return Pow.apply(self, exponent=_as_array(exponent))

    def __rpow__(self, base): return RPow.apply(self, base=_as_array(base))

    def add(self, other, *, alpha=1): return Add.apply(self, _as_array(other), alpha=alpha)
    def sub(self, other, *, alpha=1): return Sub.apply(self, _as_array(other), alpha=alpha)
    def mul(self, other): return self * other
    def div(self, other): return self / other
    def pow(self, exponent): return self ** exponent
    def neg(self): return Neg.apply(self)
    def reciprocal(self): return Reciprocal.apply(self)
    def exp(self): return Exp.apply(self)
    def log(self): return Log.apply(self)
    def sin(self): return Sin.apply(self)
    def cos(self): return Cos.apply(self)
    def tanh(self): return Tanh.apply(self)
    def sigmoid(self): return Sigmoid.apply(self)
    def relu(self): return Relu.apply(self)
    def sqrt(self): return Sqrt.apply(self)
    def abs(self): return Abs.apply(self)
    def square(self): return Pow.apply(self, exponent=2)
    def clamp(self, min=None, max=None): return Clamp.apply(self, min=min, max=max)
    clip = clamp
    def maximum(self, other): return Maximum.apply(self, other)
    def minimum(self, other): return Minimum.apply(self, other)
    def sign(self): return Sign.apply(self)
    def floor(self): return Floor.apply(self)
    def round(self): return Round.apply(self)
    def masked_fill(self, mask, value): return masked_fill(self, mask, value)

    # ----------------------------------------------------------------- comparisons (no gradient)
    def __eq__(self, other): return compare(np.equal, self, other)
    def __ne__(self, other): return compare(np.not_equal, self, other)
    def __lt__(self, other): return compare(np.less, self, other)
    def __le__(self, other): return compare(np.less_equal, self, other)
    def __gt__(self, other): return compare(np.greater, self, other)
    def __ge__(self, other): return compare(np.greater_equal, self, other)
    def __and__(self, other): return compare(np.logical_and if self._data.dtype == np.bool_ else np.bitwise_and, self, other)
    def __or__(self, other): return compare(np.logical_or if self._data.dtype == np.bool_ else np.bitwise_or, self, other)
    def __invert__(self): return compare(np.logical_not if self._data.dtype == np.bool_ else np.invert, self)
    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    def equal(self, other) -> bool: return self.shape == other.shape and _bool(np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return _bool(np.allclose(self._data, other._data if isinstance(other, Tensor) else other, rtol=rtol,
                                 atol=atol, equal_nan=equal_nan))

    def isnan(self): return compare(np.isnan, self)
    def any(self): return compare(np.any, self)
    def all(self): return compare(np.all, self)

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        return Sum.apply(source) if dim is None else SumDim.apply(source, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        if source._data.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point "
                f"or complex dtype. Got: {dtypes.from_numpy_dtype(source._data.dtype).scalar_name}"
            )
        return Mean.apply(source) if dim is None else MeanDim.apply(source, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        return MaxAll.apply(self) if dim is None else max_dim(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        return MinAll.apply(self) if dim is None else min_dim(self, dim, keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None): return prod(self if dtype is None else self.to(dtype), dim, keepdim)

    def argmax(self, dim=None, keepdim=False): return arg_reduce(np.argmax, self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return arg_reduce(np.argmin, self, dim, keepdim)

    def norm(self, p=2, dim=None, keepdim=False): return Norm.apply(self, p=p, dim=dim, keepdim=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        correction = (1 if unbiased else 0) if correction is None else correction
        return Var.apply(self, dim=dim, correction=correction, keepdim=keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        correction = (1 if unbiased else 0) if correction is None else correction
        return Std.apply(self, dim=dim, correction=correction, keepdim=keepdim)

    def softmax(self, dim): return Softmax.apply(self, dim=maybe_wrap_dim(dim, self._data.ndim))
    def log_softmax(self, dim): return LogSoftmax.apply(self, dim=maybe_wrap_dim(dim, self._data.ndim))

    # ----------------------------------------------------------------- linear algebra
    def matmul(self, other): return matmul(self, _as_array(other))
    def mm(self, other): return Mm.apply(self, other)
    def mv(self, other): return Mv.apply(self, other)
    def dot(self, other): return Dot.apply(self, other)
    def bmm(self, other): return Bmm.apply(self, other)

    # ----------------------------------------------------------------- shape
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
            raise NotImplementedError("view(dtype) is not supported by autograd_core")
        return View.apply(self, shape=_shape_args(shape))

    def view_as(self, other): return View.apply(self, shape=tuple(other.shape))

    def reshape(self, *shape):
        # PyTorch: a view when the memory allows one (ViewBackward0), else a copy (UnsafeViewBackward0)
        if self._data.flags.c_contiguous:
            return View.apply(self, shape=_shape_args(shape))
        return Reshape.apply(self.clone(), shape=_shape_args(shape))

    def reshape_as(self, other): return self.reshape(tuple(other.shape))

    def flatten(self, start_dim=0, end_dim=-1): return flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return Squeeze.apply(self) if dim is None else SqueezeDim.apply(self, dim=dim)

    def unsqueeze(self, dim): return Unsqueeze.apply(self, dim=dim)
    def transpose(self, dim0, dim1): return Transpose.apply(self, dim0=dim0, dim1=dim1)
    def swapaxes(self, dim0, dim1): return self.transpose(dim0, dim1)

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        return T.apply(self)

    @property
    def T(self):
        return Permute.apply(self, dims=tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def permute(self, *dims): return Permute.apply(self, dims=_shape_args(dims))

    def expand(self, *sizes): return Expand.apply(self, shape=_shape_args(sizes))

    def expand_as(self, other): return self.expand(tuple(other.shape))
    def repeat(self, *sizes): return Repeat.apply(self, repeats=_shape_args(sizes))
    def chunk(self, chunks, dim=0): return chunk(self, chunks, dim)
    def split(self, split_size, dim=0): return split(self, split_size, dim)
    def narrow(self, dim, start, length): return Slice.apply(self, dim=dim, slice_=slice(start, start + length))
    def unbind(self, dim=0): return Unbind.apply(self, dim=dim)
    def select(self, dim, index): return Select.apply(self, dim=dim, index=index)

    def __getitem__(self, key): return index(self, key)
    def __setitem__(self, key, value) -> None: index_put_(self, key, value)

    # ----------------------------------------------------------------- in place
    def add_(self, other, *, alpha=1): return Add.apply_(self, _as_array(other), alpha=alpha)
    def sub_(self, other, *, alpha=1): return Sub.apply_(self, _as_array(other), alpha=alpha)
    def mul_(self, other): return Mul.apply_(self, _as_array(other))
    def div_(self, other): return Div.apply_(self, _as_array(other))
    def pow_(self, exponent): return Pow.apply_(self, exponent=exponent)
    def clamp_(self, min=None, max=None): return Clamp.apply_(self, min=min, max=max)
    def zero_(self): return Zero.apply_(self, value=0)
    def fill_(self, value): return fill_(self, value)
    def copy_(self, src): return Copy.apply_(self, _as_array(src))
    def masked_fill_(self, mask, value): return masked_fill(self, mask, value, in_place=True)
    def exp_(self): return Exp.apply_(self)
    def log_(self): return Log.apply_(self)
    def sin_(self): return Sin.apply_(self)
    def cos_(self): return Cos.apply_(self)
    def abs_(self): return Abs.apply_(self)
    def reciprocal_(self): return Reciprocal.apply_(self)
    def square_(self): return Pow.apply_(self, exponent=2)
    def sign_(self): return Sign.apply_(self)
    def floor_(self): return Floor.apply_(self)
    def round_(self): return Round.apply_(self)
    def relu_(self): return Relu.apply_(self)
    def sigmoid_(self): return Sigmoid.apply_(self)
    def tanh_(self): return Tanh.apply_(self)
    def neg_(self): return Neg.apply_(self)
    def sqrt_(self): return Sqrt.apply_(self)

    def addcmul_(self, tensor1, tensor2, value=1): return self.add_(tensor1 * tensor2 * value)
    def addcdiv_(self, tensor1, tensor2, value=1): return self.add_(tensor1 / tensor2 * value)
    def lerp_(self, end, weight): return self.add_((end - self) * weight)

    def uniform_(self, a=0.0, b=1.0): return self._fill(_generator().uniform(a, b, self._data.shape))
    def normal_(self, mean=0.0, std=1.0): return self._fill(_generator().normal(mean, std, self._data.shape))

    def _fill(self, values: np.ndarray) -> "Tensor":
        with no_grad():                         # random initialisation is not recorded
            return self.copy_(Tensor._make(values, False, None))

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_


# ---------------------------------------------------------------------- helpers of the methods
_OPERANDS = (Tensor, _int, _float, _bool)       # what _as_array passes on as it is


# The package's one import cycle, declared here.  Tensor's methods call the ops (``x * y`` is
# ``Mul.apply``), and the ops and ``function`` need ``Tensor`` (to wrap what they compute).  So
# this module defines ``Tensor`` first and imports them last: when ``function`` and ``ops/`` load,
# ``Tensor`` already exists.  Loading must start here, not in ``function`` or an op module, which
# is why ``autograd_core/__init__.py`` imports ``tensor`` before anything else.
from .function import AccumulateGrad  # noqa: E402
from .ops.elementwise import (Abs, Add, Clamp, Clone, Copy, Cos, Div, Exp, Floor, Log,  # noqa: E402
                              Maximum, Minimum, Mul, Neg, Pow, PowTensor, Reciprocal, Relu, Round,
                              RPow, Rsub, Sigmoid, Sign, Sin, Sqrt, Sub, Tanh, ToCopy, Zero, compare,
                              fill_, masked_fill)
from .ops.indexing import Select, Slice, chunk, index, index_put_, split  # noqa: E402
from .ops.linalg import Bmm, Dot, Mm, Mv, matmul  # noqa: E402
from .ops.reduction import (MaxAll, Mean, MeanDim, MinAll, Norm, Std, Sum, SumDim, Var,  # noqa: E402
                            arg_reduce, max_dim, min_dim, prod)
from .ops.shape import (Expand, Permute, Repeat, Reshape, Squeeze, SqueezeDim, T, Transpose,  # noqa: E402
                        Unbind, Unsqueeze, View, flatten, maybe_wrap_dim)
from .ops.softmax import LogSoftmax, Softmax  # noqa: E402
