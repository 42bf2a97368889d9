"""``torch.autograd.graph``: the node type of the backward graph, and ``saved_tensors_hooks``."""
from __future__ import annotations

from ..function import Node, saved_tensors_hooks_stack

__all__ = ["Node", "saved_tensors_hooks"]


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
