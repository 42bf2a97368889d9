"""``RemovableHandle``: what every ``register_*hook`` returns (PyTorch: ``torch.utils.hooks``),
and where a tensor's hooks are registered (``register_hook``, ``retain_grad`` ...).

Hooks live in a dictionary keyed by the handle's id, in registration order; ``handle.remove()``
takes that one hook out again.  Tensors, graph nodes and ``nn.Module`` all use it.
"""
from __future__ import annotations

import itertools
import weakref


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


# ---------------------------------------------------------------------- a tensor's hooks
def register_tensor_hook(tensor, hook) -> RemovableHandle:
    """``tensor.register_hook(hook)``: a non-leaf's hooks live on its node, a leaf's on the leaf
    (its ``AccumulateGrad`` may be made afresh); the engine runs both before the node."""
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is None:
        if tensor._hooks is None:
            tensor._hooks = {}
        tensor._grad_accumulator()._has_hooks = True
        return add_hook(tensor._hooks, hook)
    return add_hook(node_hooks(tensor.grad_fn, "_tensor_hooks", tensor._output_nr, {}), hook)


def register_post_accumulate_grad_hook(tensor, hook) -> RemovableHandle:
    """``hook(leaf)`` after backward has added into the leaf's ``.grad`` (leaves only)."""
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    return add_hook(tensor.__dict__.setdefault("_post_accumulate_hooks", {}), hook)


def move_retained(tensor, old_node, old_nr: int, new_node) -> None:
    """An in-place op gave ``tensor`` a new node: its ``retain_grad`` moves there (PyTorch too)."""
    retained = old_node.__dict__.get("_retained", {}).get(old_nr, [])
    retained[:] = [ref for ref in retained if ref() is not tensor]
    node_hooks(new_node, "_retained", 0).append(weakref.ref(tensor))


def retain_grad(tensor) -> None:
    """``tensor.retain_grad()``: its node fills ``.grad`` through a weak reference (no cycle)."""
    if tensor.grad_fn is None:
        if not tensor._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        return
    if not tensor._retains_grad:
        tensor._retains_grad = True
        node_hooks(tensor.grad_fn, "_retained", tensor._output_nr).append(weakref.ref(tensor))
