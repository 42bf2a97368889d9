"""Graph nodes and ``Function``: how a forward operation leaves a node for the backward pass.

* ``Function`` is PyTorch's ``torch.autograd.Function``: static ``forward(ctx, *inputs)`` and
  ``backward(ctx, *grad_outputs)`` (one gradient per input: the vector-Jacobian product).
  ``apply`` runs forward and, when grad mode is on and an input requires grad, records a node:
  the ``ctx``, holding what forward saved and the edges (``next_functions``) to the inputs' nodes.
* ``Op`` is the engine's own Function (``Mul``, ``Sum`` ...): ``forward`` computes on NumPy arrays;
  ``saves = ("self", "result")`` names what backward reads, as PyTorch's derivatives.yaml does.
  They are saved as the Tensors they are (version-checked, freed after backward, packed by
  ``saved_tensors_hooks``), so ``backward`` uses Tensor ops and can itself be differentiated
  (``create_graph=True``); a value forward computes is saved as ``constant(...)``.  ``Op.apply``
  is the one recording path: the in-place ``Op.apply_`` (``x.mul_(y)``) runs it too.
"""
from __future__ import annotations

import itertools
from functools import cached_property
from sys import getrefcount

import numpy as np

from .grad_mode import _GradMode, no_grad
from .hooks import RemovableHandle, add_hook, move_retained
from .saved_variable import (_INFERENCE_IN_PLACE, _INFERENCE_SAVED, _SAVED_TYPES, PackedSavedTensor,
                             RawSavedTensor, SavedTensor, saved_tensors_hooks_stack)
from .size import broadcast_error
from .tensor import Tensor

_sequence = itertools.count()   # creation order of nodes; the engine runs later nodes first

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Node:
    """A node of the backward graph (``torch.autograd.graph.Node``).  ``next_functions``: one
    ``(node, output_nr)`` per forward input: its producer, a leaf's ``AccumulateGrad``, or ``(None, 0)``."""

    next_functions: tuple = ()
    _sequence_nr = 0
    _num_outputs = 1
    _input_meta: list = []
    _has_hooks = False          # set when a hook or retain_grad is registered on this node

    _qualified_name: str | None = None      # PyTorch's C++-only nodes: "torch::autograd::..."
    _repr_prefix = ""                       # custom Functions print "torch.autograd.function."

    def name(self) -> str:
        return self._qualified_name or type(self).__name__

    def __repr__(self) -> str:
        return f"<{self._repr_prefix}{type(self).__name__} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, hook) -> RemovableHandle:
        """``hook(grad_inputs, grad_outputs)`` runs after this node; it may return new grad_inputs."""
        self._has_hooks = True
        return add_hook(self.__dict__.setdefault("_post_hooks", {}), hook)

    def register_prehook(self, hook) -> RemovableHandle:
        """``hook(grad_outputs)`` runs before this node; it may return new grad_outputs."""
        self._has_hooks = True
        return add_hook(self.__dict__.setdefault("_pre_hooks", {}), hook)


class AccumulateGrad(Node):
    """The node behind a leaf tensor that requires grad: adds the gradient into ``variable.grad``."""

    _qualified_name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable) -> None:
        self.variable = variable
        self._sequence_nr = float("inf")          # runs as soon as it is ready, as in PyTorch

    def __call__(self, *grads) -> tuple:
        """``node(grad)`` by hand, as PyTorch's built-in nodes: adds into ``.grad``, returns ()."""
        if len(grads) != 1:
            raise TypeError(f"expected 1 arguments, got {len(grads)} instead")
        self.accumulate(grads[0], _GradMode.enabled)
        return ()

    def accumulate(self, grad, create_graph: bool) -> None:
        """Add ``grad`` into ``variable.grad``, between this node's own hooks, as PyTorch's
        AccumulateGrad runs: pre-hooks ``hook((grad,))``, the sum, post-hooks ``hook((), (grad,))``,
        then the leaf's ``register_post_accumulate_grad_hook`` hooks ``hook(leaf)``.  (The leaf's
        ``register_hook`` hooks ran before, in the engine, like every tensor's.)"""
        variable = self.variable
        if self._has_hooks:
            for hook in list(self.__dict__.get("_pre_hooks", {}).values()):
                replaced = hook((grad,))
                if replaced is not None:
                    grad = replaced[0]
        old = variable._grad
        if old is None:
            # A fresh gradient gets storage of its own: the incoming one may be a broadcast view,
            # shared with another leaf, or the caller's ``gradient``.  Under create_graph the copy
            # is recorded (``CopyBackwards``) so that ``.grad`` can be differentiated again.  A
            # gradient nothing else holds is taken as it is, as PyTorch's AccumulateGrad "steals" it.
            if create_graph and grad.requires_grad:
                variable._grad = Tensor._make(np.empty_like(grad._data), False, None).copy_(grad)
            elif _unshared(grad):
                variable._grad = grad
            else:
                variable._grad = Tensor._make(np.array(grad._data, copy=True), False, None)
        elif create_graph:
            variable._grad = old + grad
        else:
            old.add_(grad.detach() if grad.requires_grad else grad)    # in place, as PyTorch does
        if self._has_hooks:
            for hook in list(self.__dict__.get("_post_hooks", {}).values()):
                hook((), (grad,))
        for hook in list((variable.__dict__.get("_post_accumulate_hooks") or {}).values()):
            hook(variable)


def _unshared(grad) -> bool:
    """True for a gradient only the engine holds: a plain tensor (no graph) whose array owns its
    memory and belongs to no other tensor (its array: the slot, ``data`` and ``getrefcount``'s
    argument).  The references to the tensor counted are the engine's input buffer,
    ``accumulate``'s and this function's arguments and ``getrefcount``'s own; a hook, a caller or
    another leaf's buffer keeping it adds one."""
    data = grad._data
    return (type(grad) is Tensor and grad.grad_fn is None and not grad._requires_grad
            and type(data) is np.ndarray and data.base is None and data.flags.writeable
            and getrefcount(data) == 3 and getrefcount(grad) <= 4)


class FunctionCtx:
    """The ``ctx`` of a forward pass that records no graph: saving is a no-op."""

    needs_input_grad: tuple = ()

    def save_for_backward(self, *tensors) -> None:
        pass

    def mark_non_differentiable(self, *tensors) -> None:
        pass

    def mark_dirty(self, *tensors) -> None:
        """Say that forward modified these inputs in place (their versions are bumped)."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        pass


class BackwardNode(Node, FunctionCtx):
    """The node that ``Function.apply`` records; it is also the ``ctx`` of forward and backward.

    The fields every node sets are slots (``_new_node`` sets them all); what an op or a user's
    Function puts on ``ctx`` (``ctx.alpha``, ``ctx.my_constant``) lands in the instance dict.
    """

    # _saved: the SavedTensors, None once backward has freed them (the others as on Node and
    # FunctionCtx, whose class-level defaults a slot hides: every node sets all five)
    __slots__ = ("_sequence_nr", "next_functions", "needs_input_grad", "_input_meta", "_saved")
    _num_outputs = 1

    _forward_cls: type = None
    _to_save: tuple = ()                    # save_for_backward's arguments, until apply resolves them
    _builtin = True                         # an op's node: the engine calls its backward directly
    _materialize_grads = True

    @cached_property            # not a property: a custom Function may set ctx.shape itself
    def shape(self) -> tuple:
        """Input 0's shape (``self.sizes()`` in derivatives.yaml), from the node's input metadata."""
        return self._input_meta[0][0]

    def save_for_backward(self, *tensors) -> None:
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = value

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            if "_to_save" in self.__dict__:            # read inside forward: hand back as given
                return tuple(self._to_save)
            raise RuntimeError(_FREED_MESSAGE)
        unpacked = []
        for item in saved:                              # None and numbers are kept as they are
            unpacked.append(item.unpack(self) if type(item) in _SAVED_TYPES else item)
        return tuple(unpacked)

    def _run(self, *grad_outputs):
        """``node(...)`` on a built-in node: the Function's backward, as the engine's
        ``call_function`` runs it (a custom Function's node is run with ``node.apply(...)``)."""
        return self._forward_cls.backward(self, *grad_outputs)


class CustomBackwardNode(BackwardNode):
    """The node of a user's ``Function``: what backward returns is checked as PyTorch does."""

    _builtin = False                        # the engine calls ``apply``, which checks the gradients

    _tensor_inputs: tuple | None = None     # positions of forward's Tensor inputs, when not all are

    def apply(self, *grad_outputs):
        """The Function's backward: one gradient per forward input (extra trailing ``None``s dropped),
        handed on for the Tensor inputs only (a non-Tensor input must get ``None``)."""
        result = self._forward_cls.backward(self, *grad_outputs)
        positions = self._tensor_inputs
        if positions is None:
            if not isinstance(result, tuple):
                return result
            expected = len(self.next_functions)
            if len(result) > expected and all(extra is None for extra in result[expected:]):
                result = result[:expected]
            return result
        result = result if isinstance(result, tuple) else (result,)
        expected = len(self.needs_input_grad)
        if len(result) > expected and all(extra is None for extra in result[expected:]):
            result = result[:expected]
        if len(result) != expected:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {expected}, got {len(result)})")
        for index, grad in enumerate(result):
            if grad is not None and index not in positions:
                raise RuntimeError(f"function {self.name()} returned a gradient different than None at "
                                   f"position {index + 1}, but the corresponding forward input was not a Variable")
        return tuple(result[index] for index in positions)


class Function:
    """Base of differentiable operations (PyTorch: ``torch.autograd.Function``).

    Subclass it, write ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
    methods, and call ``MyFunction.apply(*args)``::

        class MulAdd(Function):                  # x * y + x
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(x, y)
                return x * y + x

            @staticmethod
            def backward(ctx, grad_output):           # one gradient per input
                x, y = ctx.saved_tensors
                return grad_output * (y + 1), grad_output * x

    The node it records is named ``<class name>Backward`` (``MulAddBackward``), as in PyTorch.
    """

    _backward_cls: type = None
    node_name: str | None = None        # ops set PyTorch's node name, e.g. "MulBackward0"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("node_name")
        attributes = {"_forward_cls": cls, "__module__": cls.__module__,
                      "_qualified_name": cls.__dict__.get("qualified_name")}
        if name is None:                    # a user's Function: PyTorch names and prints it so
            name = f"{cls.__name__}Backward"
            attributes["_repr_prefix"] = "torch.autograd.function."
        else:
            # Built-in nodes are callable: ``y.grad_fn(v)`` runs the backward.  A user's Function's
            # node is not (PyTorch: "'CubeBackward' object is not callable"); call ``.apply``.
            attributes["__call__"] = BackwardNode._run
        # PyTorch's ``grad_fn._saved_self`` / ``_raw_saved_self`` ...: what forward saved, by the
        # names an Op declares in ``saves`` (properties of the node class: a node has no
        # ``__getattr__``, which would slow every attribute read of every node).
        for index, saved_name in enumerate(getattr(cls, "saves", ())):
            attributes[f"_saved_{saved_name}"] = property(lambda node, i=index: node.saved_tensors[i])
            attributes[f"_raw_saved_{saved_name}"] = property(lambda node, i=index: RawSavedTensor(node, i))
        # One node class per Function, so that type(y.grad_fn).__name__ == "MulBackward0".
        base = CustomBackwardNode if "_repr_prefix" in attributes else BackwardNode
        cls._backward_cls = type(name, (base,), attributes)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output):
        """New style: ``forward(*args)`` without ctx, then ``setup_context`` saves what it needs."""
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on Tensors under no_grad; record a node when an input requires grad."""
        record = _GradMode.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
        node = _new_node(cls, args) if record else _unrecorded_node(cls, args)
        if record and isinstance(node, CustomBackwardNode) and not all(isinstance(a, Tensor) for a in args):
            _tensor_edges_only(node, args)
        node._saved = []                   # ``saved_tensors`` is empty until forward has returned
        with no_grad():
            if cls.setup_context is Function.setup_context:
                result = cls.forward(node, *args, **kwargs)
            else:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, result)
        outputs = result if isinstance(result, tuple) else (result,)
        dirty = node.__dict__.pop("_dirty", ())
        if dirty:
            _mark_dirty(dirty, outputs, record)
        if not record:
            node.__dict__.pop("_to_save", None)
            node.__dict__.pop("_non_differentiable", None)
            if any(o is a for o in outputs for a in args if isinstance(o, Tensor)):
                with no_grad():                # an input returned as is: a new tensor, as in PyTorch
                    fresh = [o.view_as(o) if any(o is a for a in args) and not any(o is d for d in dirty)
                             else o for o in outputs]
                return tuple(fresh) if isinstance(result, tuple) else fresh[0]
            return result
        non_differentiable = node.__dict__.pop("_non_differentiable", ())
        wrapped = []
        for index, out in enumerate(outputs):
            if not isinstance(out, Tensor):
                wrapped.append(out)
                continue
            if any(out is d for d in dirty):
                pass                       # modified in place: it takes this node as its history
            elif any(out is a for a in args):
                out = out.view_as(out)     # an input returned as is: a new tensor for the graph
            if any(out is nd for nd in non_differentiable) or not out.dtype.is_floating_point:
                wrapped.append(out)
                continue
            out.grad_fn, out._requires_grad, out._output_nr = node, True, index
            wrapped.append(out)
        node._num_outputs = len(outputs)
        node._output_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in outputs]
        _resolve_saved(node, wrapped, node.__dict__.pop("_to_save", ()))
        return tuple(wrapped) if isinstance(result, tuple) else wrapped[0]


def _unrecorded_node(cls, args) -> BackwardNode:
    """The ctx of a call that records nothing: a node of the Function's class, as in PyTorch, with
    ``needs_input_grad`` but no edges; what it is asked to save is dropped."""
    node = _new_object(cls._backward_cls)
    node._sequence_nr, node.next_functions, node._input_meta = 0, (), []
    node.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    return node


def _tensor_edges_only(node: CustomBackwardNode, args) -> None:
    """Edges for the Tensor inputs only, as in PyTorch; ``needs_input_grad`` keeps one flag per input."""
    positions = tuple(index for index, a in enumerate(args) if isinstance(a, Tensor))
    node._tensor_inputs = positions
    node.next_functions = tuple(node.next_functions[index] for index in positions)
    node._input_meta = [node._input_meta[index] for index in positions]


def _mark_dirty(dirty: tuple, outputs: tuple, record: bool) -> None:
    """``ctx.mark_dirty``, as in PyTorch: an input modified in place has its version bumped, must be
    returned, and (when recorded) becomes an output of the node (``Function.apply`` rebases it)."""
    for tensor in dirty:
        if not any(tensor is out for out in outputs):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as output. "
                "The inputs that are modified inplace must all be outputs of the Function.")
        if record and tensor._requires_grad and tensor.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        if record and tensor._base is not None and tensor._base._requires_grad:
            raise NotImplementedError("autograd_core does not record in-place operations on views of "
                                      "tensors that require grad; use an out-of-place operation instead.")
        tensor._version_counter.version += 1


class Op(Function):
    """An engine operation: ``forward`` on NumPy arrays, ``backward`` on Tensors.

    ``apply``'s positional arguments are the inputs (Tensors or numbers), keywords are settings
    passed to ``forward``.  ``is_view``: the output shares input 0's memory and version counter.
    ``keeps_dtype``: forward chooses the dtype (``ToCopy``).  ``saves``: what backward reads, in
    order, by the names in ``inputs`` (PyTorch's), ``"result"`` for the output; then any
    ``constant(...)`` forward saved.  ``saves_only_for = {"self": "other"}`` keeps ``self`` only
    when ``other`` needs a gradient (``x * 3`` keeps 3, not x), as PyTorch does.
    """

    is_view = False
    keeps_dtype = False
    ufunc = None                    # Add, Sub, Mul: the NumPy ufunc an unrecorded in-place op runs
    inputs: tuple = ("self", "other")
    saves: tuple = ()
    saves_only_for: dict = {}
    _save_plan: tuple = ()          # (input index or -1 for the result, index whose grad needs it or -1)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        position = {name: index for index, name in enumerate(cls.inputs)}
        position["result"] = -1
        only_for = cls.saves_only_for
        cls._save_plan = tuple((position[name], position[only_for[name]] if name in only_for else -1)
                               for name in cls.saves)

    @classmethod
    def apply(cls, *args, **kwargs):
        # This is the hot path of every operation: plain loops; an op that records nothing (grad
        # mode off, or no input requiring grad) calls no helper.
        arrays, record = [], False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                record = record or a._requires_grad
            else:
                arrays.append(a)
        if record and _GradMode.enabled:
            node = _new_node(cls, args)
        else:
            record, node = False, FunctionCtx()
        extras = None
        try:                            # most ops take no settings: then no keyword dict is built
            out = cls.forward(node, *arrays, **kwargs) if kwargs else cls.forward(node, *arrays)
        except ValueError as error:
            if "could not be broadcast" not in str(error):
                raise
            raise RuntimeError(broadcast_error(*(np.shape(a) for a in arrays[:2])) or str(error)) from None
        if type(out) is not np.ndarray:
            if type(out) is tuple:          # more outputs, which take no gradient (pooling's indices)
                out, *extras = out
            out = np.asarray(out)           # NumPy hands back scalars for 0-d results
        if out.dtype is _FLOAT64 and not cls.keeps_dtype and not _has_float64(arrays):
            out = out.astype(np.float32)    # PyTorch: ints / Python scalars promote to float32
        result = _new_object(Tensor)       # Tensor._make, inlined: this runs on every operation
        result._data = out
        result._requires_grad = record
        result.grad_fn = node if record else None
        if _GradMode.inference:
            result._inference = True
        if cls.is_view:
            base = args[0]
            result._counter = base._version_counter     # the base's counter, shared
            result._base = base if base._base is None else base._base
        else:
            result._counter = None
        if record:                      # one output: no _output_meta (only several are materialized)
            plan, constants = cls._save_plan, node._to_save   # the declared inputs and output, then
            if constants:           # forward's constants (an attribute, deleted once read: reading
                del node._to_save   # ``node.__dict__`` would build the node's dict on every op)
            if plan or constants:
                needs, saved, tensors = node.needs_input_grad, [], False
                for source, needed in plan:
                    if needed >= 0 and not needs[needed]:
                        saved.append(None)          # only the other input's gradient reads it
                    else:
                        item = result if source < 0 else args[source]
                        saved.append(item)
                        tensors = tensors or isinstance(item, Tensor)
                if tensors or constants:
                    _resolve_saved(node, (result,), saved + list(constants) if constants else saved)
                else:
                    node._saved = saved             # None and numbers (``x * 3`` keeps 3) as they are
        if extras is not None:
            return (result, *(constant(extra) for extra in extras))
        return result

    @classmethod
    def apply_(cls, tensor: Tensor, *others, **settings) -> Tensor:
        """The op in place (``x.mul_(y)``): run ``apply`` and write the result into ``tensor``'s
        storage, bumping its ``_version``.

        In-place ops record through the same ``apply`` as out-of-place ones.  When the write must
        be recorded, the op reads a snapshot of the old values and ``tensor`` takes over the op's
        node as its ``grad_fn``, as PyTorch rebases a tensor modified in place.
        """
        record = False
        if tensor._inference and not _GradMode.inference:
            raise RuntimeError(_INFERENCE_IN_PLACE)
        if _GradMode.enabled:
            if tensor._requires_grad and tensor.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            base = tensor._base
            if base is not None and base._requires_grad and base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
            record = tensor._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)
        if not record and cls.ufunc is not None and len(others) == 1 and settings.get("alpha", 1) == 1:
            # not recorded, same shape or a number (an optimizer's step): NumPy writes in place
            other = others[0]
            value = other._data if isinstance(other, Tensor) else other
            if type(value) in _PYTHON_NUMBERS or value.shape == tensor._data.shape:
                cls.ufunc(tensor._data, value, out=tensor._data, casting="unsafe")
                tensor._version_counter.version += 1
                return tensor
        source = tensor
        if record:
            if base is not None:
                raise RuntimeError("autograd_core does not record in-place operations on views of "
                                   "tensors that require grad; use an out-of-place operation instead.")
            # the op reads a snapshot of the old values: the write below must not change its inputs
            source = Tensor._make(tensor._data.copy(), tensor._requires_grad, tensor.grad_fn)
            source._output_nr = tensor._output_nr
        result = cls.apply(source, *others, **settings)
        values = result._data
        if values.shape != tensor._data.shape:
            try:
                values = np.broadcast_to(values, tensor._data.shape)
            except ValueError:
                raise RuntimeError(f"output with shape {list(tensor._data.shape)} doesn't match the "
                                   f"broadcast shape {list(values.shape)}") from None
        np.copyto(tensor._data, values, casting="unsafe")
        if record:
            if tensor._retains_grad:           # .grad will be the gradient of the new value
                move_retained(tensor, tensor.grad_fn, tensor._output_nr, result.grad_fn)
            tensor.grad_fn, tensor._requires_grad, tensor._output_nr = result.grad_fn, True, 0
        tensor._version_counter.version += 1
        return tensor


# Backward formulas that many ops share: da = g (the engine sums a broadcast g back), and da = g
# put back into the input's shape, ``ctx.shape``.
pass_through = staticmethod(lambda ctx, grad: (grad,))
reshape_back = staticmethod(lambda ctx, grad: (grad.reshape(ctx.shape),))


def constant(array) -> Tensor:
    """A tensor outside the graph, for a value an op computes and saves as a constant (a mask)."""
    return Tensor._make(np.asarray(array), False, None)


_FLOAT64 = np.dtype(np.float64)
_new_object = object.__new__


def _has_float64(arrays) -> bool:
    return any(type(a) is np.ndarray and a.dtype is _FLOAT64 for a in arrays)


def _new_node(cls, args) -> BackwardNode:
    """A node for ``cls``, whose inputs include one that requires grad: one edge per positional
    input, ``needs_input_grad``, and each input's ``(shape, dtype)`` when it needs a gradient
    (``validate_outputs`` checks against it)."""
    edges, needs, meta = [], [], []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a.grad_fn
            edges.append((fn, a._output_nr) if fn is not None else (a._grad_accumulator(), 0))
            needs.append(True)
            data = a._data
            meta.append((data.shape, data.dtype))
        else:
            edges.append(_NO_EDGE)
            needs.append(False)
            meta.append(None)
    node = _new_object(cls._backward_cls)
    node._sequence_nr = next(_sequence)
    node.next_functions, node.needs_input_grad, node._input_meta = tuple(edges), tuple(needs), meta
    node._saved = ()
    return node


_NO_EDGE = (None, 0)
_PYTHON_NUMBERS = (int, float, bool)


def _resolve_saved(node: BackwardNode, outputs, to_save) -> None:
    """What the node saves (``save_for_backward``'s arguments, or an Op's ``saves``) as PyTorch's
    SavedVariables: version-checked, or packed by the innermost ``saved_tensors_hooks``.  Only
    Tensors (an Op's computed value as ``constant(array)``), None and Python numbers are saved."""
    saved = []
    first = outputs[0] if outputs else None
    for position, item in enumerate(to_save):
        if item is None or type(item) in _PYTHON_NUMBERS:   # kept as they are: nothing to check
            saved.append(item)
            continue
        if not isinstance(item, Tensor):
            hint = ("; an Op names the inputs and output it saves in `saves`, and saves a value it "
                    "computes as constant(array)") if issubclass(node._forward_cls, Op) else ""
            raise TypeError("save_for_backward can only save variables, but argument "
                            f"{position} is of type {type(item).__name__}{hint}")
        if item._inference:
            raise RuntimeError(_INFERENCE_SAVED)
        is_output = item is first or (len(outputs) > 1 and any(item is o for o in outputs))
        if saved_tensors_hooks_stack:
            saved.append(PackedSavedTensor(item, is_output, saved_tensors_hooks_stack[-1]))
        elif is_output:
            alias = Tensor._make(item._data, False, None)     # no cycle node -> output -> node
            alias._version_counter = item._version_counter
            alias._output_nr = item._output_nr
            saved.append(SavedTensor(alias, True))
        else:
            saved.append(SavedTensor(item, False))
    node._saved = saved
