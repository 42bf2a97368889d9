"""What a node keeps of the tensors its forward saved (PyTorch: ``saved_variable.cpp``).

* ``SavedTensor`` -- the tensor with the version it had when saved; unpacking it after an in-place
  write raises PyTorch's "modified by an inplace operation" error;
* ``PackedSavedTensor`` -- what ``autograd.graph.saved_tensors_hooks``' ``pack_hook`` made of it,
  given back by ``unpack_hook``; ``RawSavedTensor`` (``grad_fn._raw_saved_self``) sets such
  hooks on one saved tensor;
* inference tensors (made in ``inference_mode``) are never saved.
"""
from __future__ import annotations

import re

from .grad_mode import _GradMode
from .tensor import Tensor


class SavedTensor:
    """A tensor saved for backward, with the version it had when it was saved."""

    __slots__ = ("tensor", "version", "is_output")

    def __init__(self, tensor, is_output: bool) -> None:
        self.tensor = tensor
        # a tensor written in place has a counter; one without has never been written: version 0
        # (its counter is made, at 0, by the first write or view that needs it)
        counter = tensor._counter
        self.version = 0 if counter is None else counter.version
        self.is_output = is_output

    def unpack(self, node):
        tensor = self.tensor
        counter = tensor._counter                  # None: never written in place, version 0
        if (0 if counter is None else counter.version) != self.version:
            shape = ", ".join(str(n) for n in tensor._data.shape)
            producer = node if self.is_output else tensor.grad_fn      # as it is now, like PyTorch
            where = ""
            if producer is not None:
                forward_name = re.sub(r"Backward\d*$", "", type(producer).__name__)
                where = f", which is output {tensor._output_nr} of {forward_name},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{tensor.type()} [{shape}]]{where} is at version "
                f"{tensor._version_counter.version}; expected version {self.version} instead. Hint: "
                "enable anomaly detection to find the operation that failed to compute its "
                "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )
        if self.is_output and _GradMode.enabled:
            return _output_of(node, tensor, tensor._output_nr, tensor._version_counter)
        return tensor


# (pack_hook, unpack_hook) pairs pushed by ``autograd.graph.saved_tensors_hooks``: the innermost wins.
saved_tensors_hooks_stack: list = []


class PackedSavedTensor:
    """A tensor saved while ``saved_tensors_hooks`` were active: what ``pack_hook`` made of it.
    ``unpack_hook`` gives the tensor back; there is no version check (the hooks own the value)."""

    __slots__ = ("packed", "unpack_hook", "is_output", "output_nr")

    def __init__(self, tensor, is_output: bool, hooks: tuple) -> None:
        pack_hook, self.unpack_hook = hooks
        self.packed = pack_hook(tensor)
        self.is_output, self.output_nr = is_output, tensor._output_nr

    def unpack(self, node):
        tensor = self.unpack_hook(self.packed)
        if not isinstance(tensor, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(tensor).__name__}")
        if self.is_output and _GradMode.enabled:
            return _output_of(node, tensor, self.output_nr)
        return tensor


def _output_of(node, tensor, output_nr: int, counter=None):
    """A saved output unpacked while backward is differentiated: the node's own output again, with
    its output index, so that its gradient flows back through the right output."""
    out = Tensor._make(tensor._data, True, node)
    out._output_nr = output_nr
    if counter is not None:
        out._version_counter = counter
    return out


class RawSavedTensor:
    """``grad_fn._raw_saved_self``: one saved slot of a node.  ``register_hooks(pack, unpack)``
    packs what it holds now and unpacks it when backward reads it, as ``saved_tensors_hooks``
    would have done for this one tensor."""

    def __init__(self, node, index: int) -> None:
        self._node, self._index = node, index

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        if not (callable(pack_hook) and callable(unpack_hook)):
            raise TypeError("register_hooks(): incompatible function arguments: pack_hook and unpack_hook "
                            "must be callables")
        saved = self._node._saved
        if saved is None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate values "
                "of the graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if you need "
                "to access saved variables after calling backward.")
        item = saved[self._index]
        if isinstance(item, PackedSavedTensor):
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. "
                               "Hint: only one pair of hooks is allowed at a time.")
        saved[self._index] = PackedSavedTensor(item.tensor, item.is_output, (pack_hook, unpack_hook))


_SAVED_TYPES = (SavedTensor, PackedSavedTensor)
_INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
    "mode in computation tracked by autograd. To work around this, you can make a clone to get a "
    "normal tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")
_INFERENCE_IN_PLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to "
    "get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
    "more details.")
