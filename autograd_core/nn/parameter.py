"""``nn.Parameter``: a Tensor that a Module registers as one of its learnable weights.

A Parameter is a leaf that requires grad by default.  Assigning one to a Module attribute
(``self.weight = Parameter(...)``) is what makes it appear in ``module.parameters()``.

>>> Parameter(ones(2))
Parameter containing:
tensor([1., 1.], requires_grad=True)
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that a Module treats as a learnable weight (PyTorch: ``torch.nn.Parameter``).

    ``Parameter(data)`` shares ``data``'s storage, as PyTorch's does; ``requires_grad`` is True
    unless asked otherwise.  Operations on a Parameter give plain Tensors.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        array = np.zeros((0,), dtype=np.float32) if data is None else data._data
        self = object.__new__(cls)
        self._init(array, False, None)
        if requires_grad:
            # through the property: integer parameters cannot require grad, with PyTorch's error
            self.requires_grad = True
        return self

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass                                   # everything happens in __new__

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data, False, None), requires_grad)


def zero_grad(parameters, set_to_none: bool = True) -> None:
    """Reset each parameter's gradient: to None (the default), or to zeros in place, detached.

    ``Module.zero_grad`` and ``Optimizer.zero_grad`` both come here.
    """
    for param in parameters:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            if param.grad.grad_fn is not None:
                param.grad = param.grad.detach()
            param.grad.requires_grad_(False)
            param.grad.zero_()
