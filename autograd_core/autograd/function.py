"""``torch.autograd.function``: the module of ``Function``, ``FunctionCtx`` and the
``once_differentiable`` decorator for a backward that cannot itself be differentiated."""
from __future__ import annotations

import functools

from ..function import Function, FunctionCtx
from ..grad_mode import _GradMode, no_grad
from ..tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class DelayedError(Function):
    """Passes its inputs through; its node raises when a backward pass reaches it."""
    node_name = "Error"
    qualified_name = "torch::autograd::Error"

    @staticmethod
    def forward(ctx, *tensors):
        return tensors

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """Run ``backward`` with grad mode off, as PyTorch does.  Under ``create_graph``, when a
    gradient flowing in requires grad, the results still require grad but hang from a node that
    raises ``trying to differentiate twice ...`` if a later backward pass reaches it."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            outputs = backward(ctx, *grad_outputs)
        if not _GradMode.enabled or not any(isinstance(g, Tensor) and g.requires_grad for g in grad_outputs):
            return outputs
        single = not isinstance(outputs, tuple)
        # Fresh leaves that require grad, so that the error node is recorded (PyTorch does the same).
        fakes = [o.detach().requires_grad_(True) if isinstance(o, Tensor) else o
                 for o in ((outputs,) if single else outputs)]
        wrapped = DelayedError.apply(*fakes)
        return wrapped[0] if single else wrapped

    return wrapper
