"""``Linear`` and ``Identity``."""
from __future__ import annotations


from ... import creation
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def weight_and_bias(module: Module, weight_shape: tuple, bias: bool, dtype) -> None:
    """A Linear's or Conv2d's parameters: ``weight`` of ``weight_shape``, ``bias`` (one per output,
    or registered as None), initialised by the module's ``reset_parameters``."""
    module.weight = Parameter(creation.empty(*weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(creation.empty(weight_shape[0], dtype=dtype))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to cut a model's classifier off)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x @ weight^T + bias, with weight (out_features, in_features).

    Initialised as PyTorch's: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and bias ~ U(-1/sqrt(in), 1/sqrt(in)).

    >>> Linear(512, 10)
    Linear(in_features=512, out_features=10, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        weight_and_bias(self, (out_features, in_features), bias, dtype)

    def reset_parameters(self) -> None:
        init._reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
