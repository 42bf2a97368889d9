"""The backward pass: walk the graph from the outputs to the leaves, in dependency order.

``run_backward`` is the one place where gradients move between nodes.  It

1. finds every node reachable from the roots and counts, for each, how many edges point into it
   (its *dependencies*);
2. runs a node only once all its dependencies have delivered their gradients, summed, into its
   input buffer (Kahn's algorithm: a ready queue, no recursion, so a graph 10,000 nodes deep is
   fine and a node used twice -- ``b = a + a`` -- runs once with both contributions);
3. hands each gradient a node returns to the next node after ``sum_to_shape``: the one place where
   broadcasting is undone and the gradient is cast to its input's dtype;
4. runs every backward formula under ``set_grad_enabled(create_graph)``, so that with
   ``create_graph=True`` the gradients are themselves recorded and can be differentiated again;
5. frees what each node saved once it has run, unless ``retain_graph``.

Among the ready nodes, the one created last runs first, as in PyTorch's engine.
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np

from .function import AccumulateGrad
from .grad_mode import _GradMode
from .tensor import Tensor


def sum_to_shape(grad, shape: tuple):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, to get ``shape``."""
    grad_shape = grad._data.shape
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    if lead < 0 or any(s != 1 and s != g for s, g in zip(shape, grad_shape[lead:])):
        return None                                   # not a broadcast of shape: the caller says so
    stretched = tuple(lead + i for i, s in enumerate(shape) if s == 1 and grad_shape[lead + i] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    if lead:
        grad = grad.sum(dim=tuple(range(lead)))
    return grad


def _validate(node, grad, meta):
    """A gradient a node returned, shaped and typed as the input it is for (``meta``)."""

    if not isinstance(grad, Tensor):
        if isinstance(grad, np.ndarray):
            grad = Tensor._make(grad, False, None)
        else:
            raise TypeError(f"function {node.name()} returned a gradient of type "
                            f"{type(grad).__name__}; expected a Tensor or None")
    shape, dtype = meta
    if grad._data.shape != shape:
        reduced = sum_to_shape(grad, shape)
        if reduced is None:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index "
                f"{node._input_meta.index(meta)} - got "
                f"{list(grad._data.shape)} but expected shape compatible with {list(shape)}"
            )
        grad = reduced
    if grad._data.dtype != dtype:
        from .dtypes import from_numpy_dtype
        grad = grad.to(from_numpy_dtype(dtype))
    return grad


def _graph_dependencies(root_nodes) -> dict:
    """For every node below the roots, the number of edges that point into it."""
    dependencies: dict = {}
    seen = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None:
                dependencies[child] = dependencies.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    return dependencies


def _nodes_that_run(root_nodes, dependencies: dict, captured: dict) -> set:
    """For ``autograd.grad``: the nodes on some path from a root to a captured node.

    A node runs when one of its children is useful (captured, or itself on such a path); a
    captured node whose children are useless only has its incoming gradient read.
    """
    remaining = dict(dependencies)
    order, ready = [], list(root_nodes)
    while ready:                                       # a topological order, parents first
        node = ready.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                remaining[child] -= 1
                if remaining[child] == 0:
                    ready.append(child)
    useful, runs = set(captured), set()
    for node in reversed(order):                        # children before parents
        if any(child in useful for child, _ in node.next_functions):
            runs.add(node)
            useful.add(node)
    return runs


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool,
                 inputs=None, allow_unused: bool = False):
    """Backpropagate ``root_grads`` from the ``roots`` tensors.

    With ``inputs`` (``autograd.grad``), return the gradients reaching those tensors and touch no
    ``.grad``; only the nodes that lead to them run.  Without, accumulate into the leaves' ``.grad``.
    """
    root_edges = [(t.grad_fn, t._output_nr) if t.grad_fn is not None else (t._grad_accumulator(), 0)
                  for t in roots]
    root_nodes = list(dict.fromkeys(node for node, _ in root_edges))
    dependencies = _graph_dependencies(root_nodes)

    captured: dict = {}                                  # node -> [(input index, output nr)]
    runs = None                                          # None: every node runs
    if inputs is not None:
        for index, t in enumerate(inputs):
            node, nr = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (t._grad_accumulator(), 0)
            captured.setdefault(node, []).append((index, nr))
        runs = _nodes_that_run(root_nodes, dependencies, captured)
        # count only the edges that will deliver something: those leaving nodes that run
        dependencies = {}
        for node in runs:
            for child, _ in node.next_functions:
                if child is not None:
                    dependencies[child] = dependencies.get(child, 0) + 1
    results = [None] * (len(inputs) if inputs is not None else 0)

    buffers: dict = {}
    for (node, nr), grad in zip(root_edges, root_grads):
        buffer = buffers.setdefault(node, [None] * node._num_outputs)
        buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad

    tie = itertools.count()
    ready = [(-node._sequence_nr, next(tie), node) for node in root_nodes if dependencies.get(node, 0) == 0]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        while ready:
            node = pop(ready)[2]
            grads = buffers.pop(node, None)
            if grads is not None and node._has_hooks:
                grads = _tensor_hooks(node, grads, create_graph)
            if captured:
                for index, nr in captured.get(node, ()):
                    results[index] = None if grads is None else grads[nr]
                if node not in runs:
                    continue                              # captured only: nothing below is needed
            if grads is None:                             # no gradient reached this node
                outputs = (None,) * len(node.next_functions)
            elif type(node) is AccumulateGrad:
                if grads[0] is not None:
                    node.accumulate(grads[0], create_graph)
                continue
            else:
                outputs = _call_node(node, grads, retain_graph)
            for (child, nr), grad, meta in zip(node.next_functions, outputs, node._input_meta):
                if child is None:
                    continue
                if grad is not None:
                    if type(grad) is not Tensor or grad._data.shape != meta[0] or grad._data.dtype != meta[1]:
                        grad = _validate(node, grad, meta)
                    buffer = buffers.get(child)
                    if buffer is None:
                        buffer = buffers[child] = [None] * child._num_outputs
                    buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
                count = dependencies[child] - 1
                dependencies[child] = count
                if count == 0:
                    push(ready, (-child._sequence_nr, next(tie), child))
    finally:
        _GradMode.enabled = previous_mode

    if inputs is not None:
        for index, grad in enumerate(results):
            if grad is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return results


def _call_node(node, grads: list, retain_graph: bool) -> tuple:
    """Run one node's backward on its (complete) input buffer; free its saved tensors after."""
    if node._num_outputs > 1 and node._materialize_grads and any(g is None for g in grads):
        grads = [Tensor._make(np.zeros(*meta), False, None) if g is None else g   # unused output: 0
                 for g, meta in zip(grads, node._output_meta)]
    if node._has_hooks:
        for hook in node.__dict__.get("_pre_hooks", ()):
            replaced = hook(tuple(grads))
            if replaced is not None:
                grads = list(replaced)
    outputs = node.apply(*grads)
    if type(outputs) is not tuple:
        outputs = (outputs,)
    if len(outputs) != len(node.next_functions):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.next_functions)}, got {len(outputs)})")
    if node._has_hooks:
        for hook in node.__dict__.get("_post_hooks", ()):
            replaced = hook(outputs, tuple(grads))
            if replaced is not None:
                outputs = tuple(replaced)
    if not retain_graph and node._saved:
        node._saved = None                 # free what forward saved (node._release, inlined)
    return outputs


def _tensor_hooks(node, grads: list, create_graph: bool) -> list:
    """Hooks registered on non-leaf tensors (``register_hook``) and ``retain_grad``."""
    hooks = node.__dict__.get("_tensor_hooks")
    retained = node.__dict__.get("_retained")
    if hooks is None and retained is None:
        return grads
    grads = list(grads)
    for nr, functions in (hooks or {}).items():
        for hook in functions:
            if grads[nr] is not None:
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
