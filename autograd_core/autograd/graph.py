"""``torch.autograd.graph``: the node type of the backward graph, and watching a backward pass.

``record_backward()`` is autograd_core's own addition (PyTorch has no such recorder): it lives here,
beside the node type, because this is where PyTorch keeps the tools that watch what autograd does
while backward runs (``saved_tensors_hooks``, ``register_multi_grad_hook``).
"""
from ..function import Node
from .backward_trace import BackwardTrace, record_backward

__all__ = ["Node", "BackwardTrace", "record_backward"]
