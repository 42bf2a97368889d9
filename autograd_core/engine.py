"""The backward pass: walk the graph from the outputs to the leaves, in dependency order.

The functions carry the names of PyTorch's ``torch/csrc/autograd/engine.cpp``, so that the two
can be read side by side:

* ``execute`` -- one backward pass (``Engine::execute`` and its ``thread_main`` loop): a
  ``GraphTask`` holds its state, a ready queue holds the nodes whose gradients are complete;
* ``compute_dependencies`` -- for each node below the roots, how many edges point into it;
* ``GraphTask.init_to_execute`` -- for ``autograd.grad(inputs=...)``: which nodes need to run;
* ``evaluate_function`` -- run one ready node and hand its gradients to the next nodes' input
  buffers; a node becomes ready when its dependency count reaches zero (Kahn's algorithm: no
  recursion, so a graph 10,000 nodes deep is fine, and a node used twice -- ``b = a + a`` -- runs
  once with both contributions summed);
* ``call_function`` -- pre-hooks, the node's backward, ``validate_outputs``, post-hooks;
* ``validate_outputs`` -- the one place where broadcasting is undone (``sum_to_shape``) and a
  gradient is cast to its input's dtype.

Every backward formula runs under ``set_grad_enabled(create_graph)``, so that with
``create_graph=True`` the gradients are themselves recorded and can be differentiated again.  What
a node saved is freed once it has run, unless ``retain_graph``.  Among the ready nodes, the one
created last runs first, as in PyTorch's engine.

Observing a pass: ``autograd.graph.record_backward()`` (or ``execute(..., observer=...)``) hands
an observer to the pass, which calls it at three named points -- ``graph_task_started`` once the
dependencies are counted and the roots are queued, ``outputs_validated`` when a node's backward
has returned (before and after ``validate_outputs``), ``node_finished`` when a node's gradients
have been delivered.  Without an observer the loop below is the plain one, and ``call_function``
checks one local that is None: nothing else is done for the picture.
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np

from .dtypes import from_numpy_dtype
from .function import AccumulateGrad
from .grad_mode import _GradMode
from .tensor import Tensor


def sum_to_shape(grad, shape: tuple):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, to get ``shape``."""
    grad_shape = grad._data.shape
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    if lead < 0:
        return None                                   # not a broadcast of shape: the caller says so
    stretched = []                                    # dimensions of size 1 that broadcasting grew
    for i, size in enumerate(shape, lead):
        if size != grad_shape[i]:
            if size != 1:
                return None
            stretched.append(i)
    if stretched:
        grad = grad.sum(dim=tuple(stretched), keepdim=True)
    if lead:
        grad = grad.sum(dim=tuple(range(lead)))
    return grad


def _edge_of(tensor) -> tuple:
    """The ``(node, output_nr)`` a tensor's gradient flows into (PyTorch's ``gradient_edge``)."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    return tensor._grad_accumulator(), 0


class GraphTask:
    """The state of one backward pass (PyTorch's ``GraphTask``)."""

    __slots__ = ("keep_graph", "create_graph", "dependencies", "not_ready", "exec_info",
                 "captured_vars", "ready_queue", "_tie", "observer")

    def __init__(self, keep_graph: bool, create_graph: bool) -> None:
        self.keep_graph = keep_graph
        self.create_graph = create_graph
        self.dependencies: dict = {}       # node -> edges into it that have not delivered yet
        self.not_ready: dict = {}          # node -> its input buffer, one slot per output
        self.exec_info: set | None = None  # None: every node runs; else only these
        self.captured_vars: list = []      # autograd.grad's results, by input index
        self.ready_queue: list = []        # (-sequence_nr, tie, node): the latest node first
        self._tie = itertools.count()
        self.observer = None               # see autograd.graph.record_backward

    def push_ready(self, node) -> None:
        heapq.heappush(self.ready_queue, (-node._sequence_nr, next(self._tie), node))

    def init_to_execute(self, root_nodes, captures: dict) -> None:
        """Mark the nodes on some path from a root to a captured node: only those run.

        A captured node whose children lead nowhere useful only has its incoming gradient read.
        The dependency counts are recomputed to count only the edges that will deliver something:
        those leaving nodes that run.
        """
        remaining = dict(self.dependencies)
        order, stack = [], list(root_nodes)
        while stack:                                       # a topological order, parents first
            node = stack.pop()
            order.append(node)
            for child, _ in node.next_functions:
                if child is not None:
                    remaining[child] -= 1
                    if remaining[child] == 0:
                        stack.append(child)
        useful, needed = set(captures), set()
        for node in reversed(order):                        # children before parents
            if any(child in useful for child, _ in node.next_functions):
                needed.add(node)
                useful.add(node)
        self.exec_info = needed
        self.dependencies = compute_dependencies(needed, follow=False)


def compute_dependencies(root_nodes, follow: bool = True) -> dict:
    """For every node below ``root_nodes``, the number of edges that point into it.

    With ``follow=False`` only the edges leaving ``root_nodes`` themselves are counted.
    """
    dependencies: dict = {}
    roots = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:                           # met for the first time: its own edges are counted next
                dependencies[child] = 1
                if follow and child not in roots:
                    stack.append(child)
    return dependencies


# The observer that autograd.graph.record_backward() installs for every pass run inside it.
_recording_observer = None


def execute(roots, root_grads, keep_graph: bool, create_graph: bool, inputs=None,
            allow_unused: bool = False, observer=None) -> list:
    """Backpropagate ``root_grads`` from the ``roots`` tensors (PyTorch's ``Engine::execute``).

    With ``inputs`` (``autograd.grad``), return the gradients reaching those tensors and touch no
    ``.grad``; only the nodes that lead to them run.  Without, accumulate into the leaves' ``.grad``.
    ``observer`` (default: the one ``record_backward`` installed) is told what the pass does.
    """
    task = GraphTask(keep_graph, create_graph)
    task.observer = observer = observer if observer is not None else _recording_observer
    root_edges = [_edge_of(t) for t in roots]
    root_nodes = list(dict.fromkeys(node for node, _ in root_edges))
    task.dependencies = compute_dependencies(root_nodes)
    captures: dict = {}                                   # node -> [(input index, output nr)]
    if inputs is not None:
        for index, tensor in enumerate(inputs):
            node, nr = _edge_of(tensor)
            captures.setdefault(node, []).append((index, nr))
        task.init_to_execute(root_nodes, captures)
        task.captured_vars = [None] * len(inputs)

    for (node, nr), grad in zip(root_edges, root_grads):
        buffer = task.not_ready.setdefault(node, [None] * node._num_outputs)
        buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
    for node in root_nodes:
        if task.dependencies.get(node, 0) == 0:
            task.push_ready(node)

    if observer is not None:
        observer.graph_task_started(task, root_edges, root_grads, captures)
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        ready, pop = task.ready_queue, heapq.heappop
        if observer is None:
            while ready:                                  # PyTorch's thread_main
                node = pop(ready)[2]
                evaluate_function(task, node, task.not_ready.pop(node, None), captures)
        else:
            while ready:                                  # the same, told to the observer
                node = pop(ready)[2]
                grads = task.not_ready.pop(node, None)
                evaluate_function(task, node, grads, captures, observer)
                observer.node_finished(task, node, grads)
    finally:
        _GradMode.enabled = previous_mode

    if inputs is not None and not allow_unused:
        for index, grad in enumerate(task.captured_vars):
            if grad is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return task.captured_vars


def evaluate_function(task: GraphTask, node, grads: list | None, captures: dict,
                      observer=None) -> None:
    """Run ``node`` on its complete input buffer and pass what it returns down its edges."""
    if captures and node not in task.exec_info and node not in captures:
        return          # leads to no input asked for: PyTorch never schedules it, so no hook of it runs
    if grads is not None and node._has_hooks:
        grads = _call_tensor_pre_hooks(node, grads, task.create_graph)
    if captures:
        for index, nr in captures.get(node, ()):
            task.captured_vars[index] = None if grads is None else grads[nr]
        if node not in task.exec_info:
            return                                         # captured only: nothing below is needed
    if grads is None:                                      # no gradient reached this node
        outputs = (None,) * len(node.next_functions)
    elif type(node) is AccumulateGrad:
        if grads[0] is not None:
            node.accumulate(grads[0], task.create_graph)
        return
    else:
        outputs = call_function(node, grads, observer)
        if not task.keep_graph and node._saved:
            node._saved = None                             # PyTorch's release_variables()

    dependencies, not_ready = task.dependencies, task.not_ready
    for (child, nr), grad in zip(node.next_functions, outputs):
        if child is None:
            continue
        if grad is not None:                               # into the child's input buffer
            buffer = not_ready.get(child)
            if buffer is None:
                buffer = not_ready[child] = [None] * child._num_outputs
                buffer[nr] = grad
            elif buffer[nr] is None:
                buffer[nr] = grad
            else:
                buffer[nr] = buffer[nr] + grad             # gradients into one output are summed
        count = dependencies[child] - 1
        dependencies[child] = count
        if count == 0:                                     # ready: task.push_ready, inlined
            heapq.heappush(task.ready_queue, (-child._sequence_nr, next(task._tie), child))


def call_function(node, grads: list, observer=None) -> tuple:
    """Pre-hooks, the node's backward, ``validate_outputs``, post-hooks (PyTorch's ``call_function``)."""
    if node._num_outputs > 1 and node._materialize_grads and any(g is None for g in grads):
        # an unused output's gradient is 0; a non-Tensor output's (meta None) stays None
        grads = [Tensor._make(np.zeros(*meta), False, None) if g is None and meta else g
                 for g, meta in zip(grads, node._output_meta)]
    if node._has_hooks:
        for hook in list(node.__dict__.get("_pre_hooks", {}).values()):
            replaced = hook(tuple(grads))
            if replaced is not None:
                grads = list(replaced)
    # the node's backward (C++ ``Node::apply``): an op's formula is called as it is; a user's
    # Function's node runs ``apply``, which checks the gradients its backward returned
    returned = node._forward_cls.backward(node, *grads) if node._builtin else node.apply(*grads)
    outputs = validate_outputs(node, returned if type(returned) is tuple else (returned,))
    if node._has_hooks:
        for hook in list(node.__dict__.get("_post_hooks", {}).values()):
            replaced = hook(outputs, tuple(grads))
            if replaced is not None:
                outputs = validate_outputs(node, tuple(replaced))
    if observer is not None:
        observer.outputs_validated(node, returned, outputs)
    return outputs


def validate_outputs(node, grads: tuple) -> tuple:
    """Each gradient ``node`` returned, summed to its input's shape and cast to its dtype.

    The one place where broadcasting is undone: an op may return a gradient shaped like its
    output, and ``sum_to_shape`` takes it back to the input's shape.
    """
    metas = node._input_meta
    if len(grads) != len(metas):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(metas)}, got {len(grads)})")
    for grad, meta in zip(grads, metas):                   # the common case: nothing to do
        # (a dtype is compared by identity here: NumPy hands out one object per builtin dtype, and
        # an equal dtype that is another object only takes the slow path, which compares by value)
        if grad is not None and meta is not None and (
                type(grad) is not Tensor or grad._data.shape != meta[0] or grad._data.dtype is not meta[1]):
            return tuple([_validate(node, index, grad, meta) for index, (grad, meta) in enumerate(zip(grads, metas))])
    return grads


def _validate(node, index: int, grad, meta):
    """One gradient made to match its input: an array wrapped, broadcasting summed away, the dtype cast."""
    if grad is None or meta is None:
        return grad
    shape, dtype = meta
    if not isinstance(grad, Tensor):
        if not isinstance(grad, np.ndarray):
            raise TypeError(f"function {node.name()} returned a gradient of type "
                            f"{type(grad).__name__}; expected a Tensor or None")
        grad = Tensor._make(grad, False, None)
    if grad._data.shape != shape:
        reduced = sum_to_shape(grad, shape)
        if reduced is None:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad._data.shape)} but expected shape compatible with {list(shape)}"
            )
        grad = reduced
    if grad._data.dtype != dtype:
        grad = grad.to(from_numpy_dtype(dtype))
    return grad


def _call_tensor_pre_hooks(node, grads: list, create_graph: bool) -> list:
    """Tensors' hooks (``register_hook``: a non-leaf's on its node, a leaf's before its
    AccumulateGrad, so that ``grad()`` sees them too) and ``retain_grad``."""
    hooks = node.__dict__.get("_tensor_hooks")
    if type(node) is AccumulateGrad and node.variable._hooks:
        hooks = {0: node.variable._hooks}               # a leaf's hooks live on the leaf
    retained = node.__dict__.get("_retained")
    if hooks is None and retained is None:
        return grads
    grads = list(grads)
    for nr, functions in (hooks or {}).items():
        for hook in list(functions.values()):
            # an output nothing used gets None when another output of its node did get a gradient
            replaced = hook(grads[nr])
            if replaced is not None:
                grads[nr] = replaced
    for nr, refs in (retained or {}).items():
        grad = grads[nr]
        for ref in refs:
            tensor = ref()
            if tensor is None or grad is None or tensor.grad_fn is not node:
                continue
            fresh = grad if create_graph else Tensor._make(grad._data.copy(), False, None)
            tensor._grad = fresh if tensor._grad is None else tensor._grad + fresh
    return grads
