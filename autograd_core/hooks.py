"""``RemovableHandle``: what every ``register_*hook`` returns (PyTorch: ``torch.utils.hooks``).

Hooks live in a dictionary keyed by the handle's id, in registration order; ``handle.remove()``
takes that one hook out again.  Tensors, graph nodes and ``nn.Module`` all use it.
"""
from __future__ import annotations

import itertools


class RemovableHandle:
    """A handle that removes the hook it was returned for: ``handle.remove()``."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict) -> None:
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._next_id)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()


def add_hook(hooks_dict: dict, hook) -> RemovableHandle:
    """Register ``hook`` in ``hooks_dict`` and return the handle that removes it."""
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = hook
    return handle


def node_hooks(node, kind: str, output_nr: int, empty=None):
    """What a graph node keeps for its output ``output_nr`` under ``kind`` (``"_tensor_hooks"``:
    the non-leaf tensor's hooks; ``"_retained"``: tensors that ``retain_grad``), made on first use.
    The engine looks at them only on nodes with ``_has_hooks`` set."""
    node._has_hooks = True
    return node.__dict__.setdefault(kind, {}).setdefault(output_nr, [] if empty is None else empty)
