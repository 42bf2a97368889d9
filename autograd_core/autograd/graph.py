"""``torch.autograd.graph``: the node type of the backward graph, ``saved_tensors_hooks``, and
watching a backward pass.

``record_backward()`` is autograd_core's own addition (PyTorch has no such recorder): it lives here,
beside the node type, because this is where PyTorch keeps the tools that watch what autograd does
while backward runs (``saved_tensors_hooks``, ``register_multi_grad_hook``).
"""
from __future__ import annotations

from ..function import Node, saved_tensors_hooks_stack
from .backward_trace import BackwardTrace, record_backward

__all__ = ["Node", "BackwardTrace", "record_backward", "saved_tensors_hooks"]


class saved_tensors_hooks:
    """Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every tensor an operation
    saves for backward is handed to ``pack_hook``, and what it returns is kept instead; backward
    gets the tensor back from ``unpack_hook(packed)`` (to compress, offload or log saved values).

    >>> with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda a: tensor(a)):
    ...     y = x.exp()                       # exp's result is kept as a NumPy copy
    """

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> None:
        saved_tensors_hooks_stack.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc_info) -> None:
        saved_tensors_hooks_stack.pop()
