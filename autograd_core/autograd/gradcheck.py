"""Check a backward formula against central differences, as ``torch.autograd.gradcheck`` does.

The analytical Jacobian is built row by row from vector-Jacobian products (one backward pass per
output element); the numerical one column by column from ``(f(x + eps) - f(x - eps)) / (2 eps)``
(two forward passes per input element).  Use float64 inputs: in float32 the differences drown in
rounding error.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..creation import zeros_like
from ..tensor import Tensor
from . import grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _outputs_tuple(value) -> tuple:
    return (value,) if isinstance(value, Tensor) else tuple(v for v in value if isinstance(v, Tensor))


def _differentiable(inputs: tuple) -> list:
    return [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _numerical_jacobians(fn, inputs: tuple, eps: float) -> list:
    """jacobians[out][inp] of shape (out.numel(), inp.numel()), by central differences."""
    # Grad mode stays on, as in PyTorch: gradgradcheck differentiates a function that itself
    # calls autograd.grad, which needs the graph.
    outputs = _outputs_tuple(fn(*inputs))
    result = [[np.zeros((o.numel(), t.numel())) for _, t in _differentiable(inputs)] for o in outputs]
    for column_block, (_, t) in enumerate(_differentiable(inputs)):
        flat = t._data.reshape(-1)                 # a view: writing to it perturbs the input
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs_tuple(fn(*inputs))]
            flat[j] = original - eps
            minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs_tuple(fn(*inputs))]
            flat[j] = original
            for k in range(len(outputs)):
                result[k][column_block][:, j] = (plus[k] - minus[k]) / (2 * eps)
    return result


def _analytical_jacobians(fn, inputs: tuple) -> list:
    """jacobians[out][inp], one row per output element, from ``autograd.grad`` (a VJP each)."""
    outputs = _outputs_tuple(fn(*inputs))
    wrt = [t for _, t in _differentiable(inputs)]
    result = [[np.zeros((o.numel(), t.numel())) for t in wrt] for o in outputs]
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for row in range(out.numel()):
            v = zeros_like(out)
            v._data.reshape(-1)[row] = 1
            grads = grad(out, wrt, v, retain_graph=True, allow_unused=True)
            for block, g in enumerate(grads):
                if g is not None:
                    result[k][block][row] = g._data.reshape(-1)
    return result


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **unused) -> bool:
    """True when ``func``'s backward agrees with central differences for every input and output.

    >>> x = tensor([1., 2.], dtype=float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = _differentiable(inputs)
    if not differentiable:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of the them have requires_grad=True.")
    for index, t in differentiable:
        if t.dtype.name != "float64":
            warnings.warn(
                f"Input #{index} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double precision "
                "floating point or complex. ", UserWarning, stacklevel=2)
    numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    for k, (num_row, ana_row) in enumerate(zip(numerical, analytical)):
        for block, (num, ana) in enumerate(zip(num_row, ana_row)):
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {differentiable[block][0]},\n"
                    f"numerical:{Tensor._make(num, False, None)}\n"
                    f"analytical:{Tensor._make(ana, False, None)}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **unused) -> bool:
    """gradcheck of the backward itself: are second derivatives (``create_graph``) right?"""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outputs = _outputs_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype), True, None) for o in outputs)
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n_inputs = len(inputs)
    wrt_positions = [i for i, _ in _differentiable(inputs)]

    def first_derivatives(*args):
        ins, vs = args[:n_inputs], args[n_inputs:]
        outs = _outputs_tuple(func(*ins))
        wrt = [ins[i] for i in wrt_positions]
        grads = grad(outs, wrt, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
