"""The ``torch.xxx(tensor, ...)`` functions: each calls the Tensor method of the same name."""
from __future__ import annotations

import numpy as np

from .ops.elementwise import Where
from .tensor import Tensor, _as_array


def _tensor(x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"expected Tensor as element 0 in argument 0, but got {type(x).__name__}")
    return x


def add(input, other, *, alpha=1): return _tensor(input).add(other, alpha=alpha)
def sub(input, other, *, alpha=1): return _tensor(input).sub(other, alpha=alpha)
def mul(input, other): return _tensor(input) * other
def div(input, other): return _tensor(input) / other
def pow(input, exponent): return input ** exponent if isinstance(input, Tensor) else exponent.__rpow__(input)
def neg(input): return _tensor(input).neg()
def reciprocal(input): return _tensor(input).reciprocal()
def exp(input): return _tensor(input).exp()
def log(input): return _tensor(input).log()
def sin(input): return _tensor(input).sin()
def cos(input): return _tensor(input).cos()
def tanh(input): return _tensor(input).tanh()
def sigmoid(input): return _tensor(input).sigmoid()
def relu(input): return _tensor(input).relu()
def sqrt(input): return _tensor(input).sqrt()
def square(input): return _tensor(input).square()
def abs(input): return _tensor(input).abs()
def sign(input): return _tensor(input).sign()
def clamp(input, min=None, max=None): return _tensor(input).clamp(min, max)
clip = clamp
def maximum(input, other): return _tensor(input).maximum(other)
def minimum(input, other): return _tensor(input).minimum(other)
def matmul(input, other): return _tensor(input).matmul(other)
def mm(input, mat2): return _tensor(input).mm(mat2)
def mv(input, vec): return _tensor(input).mv(vec)
def dot(input, other): return _tensor(input).dot(other)
def bmm(input, mat2): return _tensor(input).bmm(mat2)
def outer(input, vec2): return _tensor(input).unsqueeze(1) * vec2.unsqueeze(0)
def sum(input, dim=None, keepdim=False, *, dtype=None): return _tensor(input).sum(dim, keepdim, dtype=dtype)
def mean(input, dim=None, keepdim=False, *, dtype=None): return _tensor(input).mean(dim, keepdim, dtype=dtype)
def var(input, dim=None, unbiased=True, keepdim=False): return _tensor(input).var(dim, unbiased, keepdim)
def std(input, dim=None, unbiased=True, keepdim=False): return _tensor(input).std(dim, unbiased, keepdim)
def norm(input, p=2, dim=None, keepdim=False): return _tensor(input).norm(p, dim, keepdim)
def prod(input, dim=None, keepdim=False, *, dtype=None): return _tensor(input).prod(dim, keepdim, dtype=dtype)
def masked_fill(input, mask, value): return _tensor(input).masked_fill(mask, value)
def max(input, dim=None, keepdim=False): return _tensor(input).max(dim, keepdim)
def min(input, dim=None, keepdim=False): return _tensor(input).min(dim, keepdim)
def argmax(input, dim=None, keepdim=False): return _tensor(input).argmax(dim, keepdim)
def argmin(input, dim=None, keepdim=False): return _tensor(input).argmin(dim, keepdim)
def softmax(input, dim): return _tensor(input).softmax(dim)
def log_softmax(input, dim): return _tensor(input).log_softmax(dim)
def reshape(input, shape): return _tensor(input).reshape(shape)
def flatten(input, start_dim=0, end_dim=-1): return _tensor(input).flatten(start_dim, end_dim)
def squeeze(input, dim=None): return _tensor(input).squeeze(dim)
def unsqueeze(input, dim): return _tensor(input).unsqueeze(dim)
def transpose(input, dim0, dim1): return _tensor(input).transpose(dim0, dim1)
def t(input): return _tensor(input).t()
def permute(input, dims): return _tensor(input).permute(*dims)
def split(tensor, split_size_or_sections, dim=0): return _tensor(tensor).split(split_size_or_sections, dim)
def chunk(input, chunks, dim=0): return _tensor(input).chunk(chunks, dim)
def unbind(input, dim=0): return _tensor(input).unbind(dim)
def clone(input): return _tensor(input).clone()
def detach(input): return _tensor(input).detach()
def numel(input): return _tensor(input).numel()
def is_tensor(obj) -> bool: return isinstance(obj, Tensor)
def is_floating_point(input) -> bool: return _tensor(input).is_floating_point()
def isnan(input): return _tensor(input).isnan()
def equal(input, other) -> bool: return _tensor(input).equal(other)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return _tensor(input).allclose(other, rtol, atol, equal_nan)
# in place, as torch.sin_(x): each calls the Tensor method of the same name
def exp_(input): return _tensor(input).exp_()
def log_(input): return _tensor(input).log_()
def sin_(input): return _tensor(input).sin_()
def cos_(input): return _tensor(input).cos_()
def tanh_(input): return _tensor(input).tanh_()
def sigmoid_(input): return _tensor(input).sigmoid_()
def relu_(input): return _tensor(input).relu_()
def sqrt_(input): return _tensor(input).sqrt_()
def abs_(input): return _tensor(input).abs_()
def neg_(input): return _tensor(input).neg_()
def reciprocal_(input): return _tensor(input).reciprocal_()
def square_(input): return _tensor(input).square_()
def floor_(input): return _tensor(input).floor_()
def round_(input): return _tensor(input).round_()
def zero_(input): return _tensor(input).zero_()
def fill_(input, value): return _tensor(input).fill_(value)
def clamp_(input, min=None, max=None): return _tensor(input).clamp_(min, max)
def eq(input, other): return _tensor(input) == other
def ne(input, other): return _tensor(input) != other
def gt(input, other): return _tensor(input) > other
def ge(input, other): return _tensor(input) >= other
def lt(input, other): return _tensor(input) < other
def le(input, other): return _tensor(input) <= other


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, ``other`` elsewhere (differentiable in both)."""
    if input is None and other is None:
        return tuple(Tensor._make(i, False, None) for i in np.nonzero(condition._data))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("where(): argument 'input' must be Tensor")
    return Where.apply(_as_array(input), _as_array(other), condition=condition._data.astype(bool))
