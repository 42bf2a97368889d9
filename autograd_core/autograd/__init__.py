"""``autograd_core.autograd``: PyTorch's ``torch.autograd`` -- backward, grad, Function, checks.

* ``backward(tensors, grad_tensors)`` accumulates gradients into the leaves' ``.grad``;
* ``grad(outputs, inputs)`` returns the gradients instead, running only the part of the graph that
  leads to ``inputs`` and leaving every ``.grad`` alone;
* ``Function`` is the base for custom operations with their own backward;
* ``gradcheck`` / ``gradgradcheck`` compare a backward with central differences;
* ``functional`` has ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``.
"""
from __future__ import annotations

import contextlib

from ..creation import ones_like, stack, zeros_like
from ..engine import execute
from ..function import Function, FunctionCtx
from ..grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..tensor import Tensor

__all__ = ["backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck",
           "GradcheckError", "function", "functional", "graph", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "once_differentiable", "set_detect_anomaly", "detect_anomaly"]


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, Tensor):
        return (value,)
    return tuple(value)


def _make_grads(outputs: tuple, grads: tuple) -> list:
    """The gradient to start from for each output: given, or 1 for a scalar output."""
    if len(grads) == 0:
        grads = (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    result = []
    for index, (out, grad) in enumerate(zip(outputs, grads)):
        if not out.requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn")
        if grad is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            grad = ones_like(out)
        elif not isinstance(grad, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(grad).__name__}")
        elif grad.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{index}] has a shape of {grad.shape} "
                               f"and output[{index}] has a shape of {out.shape}.")
        elif grad.dtype != out.dtype:
            grad = grad.to(out.dtype)
        result.append(grad)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    ``grad_tensors`` is the vector in the vector-Jacobian product (needed for non-scalar outputs).
    The graph's saved tensors are freed afterwards unless ``retain_graph`` (default:
    ``create_graph``).  With ``inputs``, only those tensors' ``.grad`` is accumulated.
    """
    tensors = _as_tuple(tensors)
    grads = _make_grads(tensors, _as_tuple(grad_tensors if grad_tensors is not None else grad_variables))
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        execute(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    results = execute(tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True)
    for tensor, result in zip(inputs, results):
        if result is None:
            continue
        if tensor.grad_fn is None:
            tensor._grad_accumulator().accumulate(result, create_graph)
        else:
            tensor._grad = result if tensor._grad is None else tensor._grad + result


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple.

    Only the part of the graph between them runs, and no ``.grad`` field changes.  With
    ``create_graph=True`` the results are part of a graph and can be differentiated again.

    >>> x = tensor(2., requires_grad=True)
    >>> grad(x ** 3, x)
    (tensor(12.),)
    """
    outputs = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    if not inputs_tuple:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for t in inputs_tuple:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched_grad(outputs, inputs_tuple, _as_tuple(grad_outputs), retain_graph, create_graph,
                             allow_unused, materialize_grads)
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if allow_unused is None:
        allow_unused = materialize_grads
    results = execute(outputs, grads, retain_graph, create_graph, inputs=inputs_tuple, allow_unused=allow_unused)
    if materialize_grads:       # under create_graph, PyTorch's zeros are leaves that require grad
        results = [zeros_like(t, requires_grad=create_graph) if r is None else r
                   for t, r in zip(inputs_tuple, results)]
    return tuple(results)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched=True``: the first dimension of every grad_output is a batch, and the
    result is one vector-Jacobian product per entry, stacked (PyTorch gets the same with vmap)."""
    batch = grad_outputs[0].shape[0] if grad_outputs and grad_outputs[0] is not None else 0
    rows = [grad(outputs, inputs, [g[i] for g in grad_outputs], retain_graph=retain_graph or i < batch - 1,
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for i in range(batch)]
    return tuple(None if column[0] is None else stack(column) for column in zip(*rows))


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Accepted for PyTorch compatibility; autograd_core's errors already name the node."""
    yield


class set_detect_anomaly(contextlib.nullcontext):
    """Accepted for PyTorch compatibility (see ``detect_anomaly``)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__()


# Last, as in PyTorch's torch/autograd/__init__.py: these submodules call grad() defined above.
from . import function, functional, graph  # noqa: E402
from .function import once_differentiable  # noqa: E402
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
