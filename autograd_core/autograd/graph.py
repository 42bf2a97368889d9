"""``torch.autograd.graph``: the node type of the backward graph, ``saved_tensors_hooks``, and
watching a backward pass.

``record_backward()`` is autograd_core's own addition (PyTorch has no such recorder): it lives here,
beside the node type, because this is where PyTorch keeps the tools that watch what autograd does
while backward runs (``saved_tensors_hooks``, ``register_multi_grad_hook``).
"""
from __future__ import annotations

import contextlib

from ..function import Node, saved_tensors_hooks_stack
from .backward_trace import BackwardTrace, record_backward

__all__ = ["Node", "BackwardTrace", "record_backward", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks"]

_disabled: list = []        # the messages of the disable_saved_tensors_hooks blocks we are in


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
        if _disabled:
            raise RuntimeError(_disabled[-1])
        saved_tensors_hooks_stack.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc_info) -> None:
        saved_tensors_hooks_stack.pop()


class save_on_cpu(saved_tensors_hooks):
    """Keep what is saved for backward in CPU memory (it is offloaded from the GPU in PyTorch).
    Every tensor here already lives there, so, as PyTorch does for a CPU tensor, the tensor itself
    is kept, without the version check: an in-place change before backward goes unnoticed.
    ``pin_memory=True`` keeps a copy instead."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(tensor):
            return tensor.detach().clone() if pin_memory else tensor

        super().__init__(pack, lambda packed: packed)


class disable_saved_tensors_hooks(contextlib.ContextDecorator):
    """Inside it, ``saved_tensors_hooks`` (and ``save_on_cpu``) raise ``RuntimeError(error_message)``;
    entering it while such hooks are active raises the same."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        if saved_tensors_hooks_stack:
            raise RuntimeError(self.error_message)
        _disabled.append(self.error_message)

    def __exit__(self, *exc_info) -> None:
        _disabled.pop()
