"""``SGD``: stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Callable, Iterable

from ..grad_mode import no_grad
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD, update for update.  For each parameter p with gradient g:

        g = -g                                  if maximize
        g = g + weight_decay * p                if weight_decay
        b = g (first step), else b = momentum * b + (1 - dampening) * g     if momentum
        g = g + momentum * b if nesterov, else g = b                       if momentum
        p = p - lr * g

    The momentum buffer b lives in ``optimizer.state[p]["momentum_buffer"]``.

    >>> optimizer = SGD(model.parameters(), lr=1e-2, momentum=0.9)
    >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable or fused:
            raise NotImplementedError("autograd_core's SGD has neither a differentiable nor a fused mode")
        # foreach, differentiable and fused are kept so that param_groups look like PyTorch's
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for param in group["params"]:
                if param.grad is None:              # frozen, or not reached by backward
                    continue
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                if momentum != 0:
                    state = self.state[param]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = grad.clone().detach()
                    else:
                        buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                    grad = grad + momentum * buffer if nesterov else buffer
                param.add_(grad, alpha=-lr)
        return loss
