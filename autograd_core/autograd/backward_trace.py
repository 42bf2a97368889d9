"""A record of what the engine did in a backward pass, step by step, taken only when asked.

Every ``backward()`` or ``autograd.grad()`` run inside ``record_backward()`` hands the engine a
``BackwardTrace``, called at the engine's named points.  For each node run, in the engine's order,
it keeps copies (NumPy arrays) of: the gradients that arrived and their sum (the input buffer);
what backward returned on each edge and what ``validate_outputs`` sent; the pending counts and
ready queue after it; whether its saved tensors were freed; a leaf's or retained ``.grad`` and
what ``autograd.grad`` captured; under ``create_graph``, the nodes the step recorded.

>>> import autograd_core as torch
>>> a = torch.tensor(2., requires_grad=True)
>>> b = a + a
>>> with torch.autograd.graph.record_backward() as trace:
...     (b + b).backward()
>>> [step.name for step in trace.steps]
['AddBackward0', 'AddBackward0', 'AccumulateGrad']
"""
from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .. import engine
from ..function import AccumulateGrad, SavedTensor
from ..tensor import Tensor

__all__ = ["record_backward", "BackwardTrace", "TraceStep", "GraphTaskRecord", "Arrival", "Send"]


def _copy(value) -> np.ndarray | None:
    """A tensor's values, copied (None stays None)."""
    if value is None:
        return None
    data = value._data if isinstance(value, Tensor) else value
    return np.array(data, copy=True)


@dataclass
class Arrival:
    """A gradient that reached a node's input buffer: from ``source`` (None: given to backward)."""

    source: object
    slot: int
    value: np.ndarray


@dataclass
class Send:
    """What a node passed along one edge: as its backward returned it, and as it was sent."""

    target: object                 # the next node, or None for an input that needs no gradient
    slot: int
    returned: np.ndarray | None    # before validate_outputs (un-broadcasting, dtype)
    sent: np.ndarray | None        # after: what reached the target's buffer


@dataclass
class GraphTaskRecord:
    """One pass (PyTorch's GraphTask): its roots, its graph, its state once the roots are queued."""

    index: int
    roots: list                    # the root nodes, in the order given
    root_grads: list               # the gradient given for each root (copied)
    nodes: list                    # every node below the roots, parents first (breadth first)
    dependencies: dict             # node -> pending count, once the roots are queued
    ready: list                    # the ready queue then, the node that runs next first
    will_run: set | None           # autograd.grad: the nodes that run (None: all of them)
    captured: dict                 # node -> [input index]: what autograd.grad returns
    saved: dict                    # node -> descriptions of what it saved (before the pass)
    keep_graph: bool
    create_graph: bool


@dataclass
class TraceStep:
    """One node the engine ran, and the state of the pass right after it."""

    index: int
    task: int
    node: object
    name: str
    arrived: list                  # [Arrival]
    buffer: list                   # the summed input buffer, one array (or None) per slot
    sends: list                    # [Send], one per edge of next_functions
    dependencies: dict             # node -> pending count after this step
    ready: list                    # the ready queue after this step, next first
    saved: list                    # what the node had saved (descriptions)
    saved_freed: bool              # freed by this step (False: nothing saved, or retain_graph)
    leaf_grad: np.ndarray | None = None               # AccumulateGrad: the leaf's .grad after
    retained: list = field(default_factory=list)      # [(tensor, its .grad after)]
    captured: list = field(default_factory=list)      # [(input index, value)] for autograd.grad
    recorded: list = field(default_factory=list)      # create_graph: nodes this step recorded


def _saved_description(node) -> list:
    saved = getattr(node, "_saved", None)
    described = []
    for item in saved or ():
        if isinstance(item, SavedTensor):
            described.append(("result " if item.is_output else "") + str(list(item.tensor._data.shape)))
        elif item is not None:
            described.append(repr(item))
    return described


def _reachable(start, known: set) -> list:
    """Nodes reachable from ``start`` through next_functions that are not in ``known`` (added)."""
    found = []
    queue = deque(node for node in dict.fromkeys(start) if node is not None and node not in known)
    known.update(queue)
    while queue:
        node = queue.popleft()
        found.append(node)
        for child, _ in getattr(node, "next_functions", ()):
            if child is not None and child not in known:
                known.add(child)
                queue.append(child)
    return found


class BackwardTrace:
    """The engine's observer: what ``record_backward`` yields (see the module docstring).

    ``.tasks`` holds one ``GraphTaskRecord`` per pass, ``.steps`` one ``TraceStep`` per node
    run, in the engine's order (a ``create_graph`` pass followed by a backward through its
    gradients makes two tasks).  ``.order`` is the node names in that order.
    """

    def __init__(self) -> None:
        self.tasks: list[GraphTaskRecord] = []
        self.steps: list[TraceStep] = []
        self._task_of: dict = {}           # id(GraphTask) -> GraphTaskRecord
        self._pending: dict = {}           # (task index, node) -> [Arrival]
        self._outputs: dict = {}           # node -> (returned, validated) while it runs
        self._known: dict = {}             # task index -> nodes drawn so far (create_graph)

    @property
    def order(self) -> list[str]:
        return [step.name for step in self.steps]

    # -- the engine calls these (engine.execute, engine.call_function)
    def graph_task_started(self, task, root_edges: list, root_grads: list, captures: dict) -> None:
        roots = list(dict.fromkeys(node for node, _ in root_edges))
        known: set = set()
        nodes = _reachable(roots, known)
        record = GraphTaskRecord(
            index=len(self.tasks), roots=roots, root_grads=[_copy(g) for g in root_grads],
            nodes=nodes, dependencies=self._counts(task, nodes), ready=self._ready(task),
            will_run=None if task.exec_info is None else set(task.exec_info),
            captured={node: [index for index, _ in slots] for node, slots in captures.items()},
            saved={node: _saved_description(node) for node in nodes},
            keep_graph=task.keep_graph, create_graph=task.create_graph)
        self.tasks.append(record)
        self._task_of[id(task)] = record
        self._known[record.index] = known
        for (node, slot), grad in zip(root_edges, root_grads):
            self._pending.setdefault((record.index, node), []).append(Arrival(None, slot, _copy(grad)))

    def outputs_validated(self, node, returned, validated: tuple) -> None:
        returned = returned if type(returned) is tuple else (returned,)
        self._outputs[node] = (returned, validated)

    def node_finished(self, task, node, grads) -> None:
        record = self._task_of[id(task)]
        returned, validated = self._outputs.pop(node, ((), ()))
        sends = []
        ran = grads is not None and (record.will_run is None or node in record.will_run)
        if ran and not isinstance(node, AccumulateGrad):
            for position, (target, slot) in enumerate(node.next_functions):
                before = returned[position] if position < len(returned) else None
                after = validated[position] if position < len(validated) else None
                sends.append(Send(target, slot, _copy(before) if isinstance(before, (Tensor, np.ndarray))
                                  else None, _copy(after)))
                if target is not None and after is not None:
                    self._pending.setdefault((record.index, target), []).append(
                        Arrival(node, slot, _copy(after)))
        saved = record.saved.get(node, [])
        step = TraceStep(
            index=len(self.steps), task=record.index, node=node, name=type(node).__name__,
            arrived=self._pending.pop((record.index, node), []),
            buffer=[_copy(g) for g in grads] if grads is not None else [],
            sends=sends, dependencies=self._counts(task, record.nodes), ready=self._ready(task),
            saved=saved, saved_freed=bool(saved) and getattr(node, "_saved", None) is None)
        if isinstance(node, AccumulateGrad):
            step.leaf_grad = _copy(node.variable._grad)
        for refs in node.__dict__.get("_retained", {}).values():
            for ref in refs:
                tensor = ref()
                if tensor is not None and tensor._grad is not None:
                    step.retained.append((tensor, _copy(tensor._grad)))
        for index in record.captured.get(node, ()):
            step.captured.append((index, _copy(task.captured_vars[index])))
        if task.create_graph:
            step.recorded = self._recorded(record, task, node, validated, returned, step)
        self.steps.append(step)

    # -- helpers
    @staticmethod
    def _counts(task, nodes: list) -> dict:
        dependencies = task.dependencies
        return {node: dependencies[node] for node in nodes if node in dependencies}

    @staticmethod
    def _ready(task) -> list:
        return [entry[2] for entry in sorted(task.ready_queue, key=lambda e: (e[0], e[1]))]

    def _recorded(self, record, task, node, validated, returned, step) -> list:
        """The nodes this step added to the graph (the gradients' own graph, under create_graph)."""
        handles = [t for t in (*returned, *validated) if isinstance(t, Tensor)]
        for target, _ in node.next_functions:
            handles += [t for t in task.not_ready.get(target, ()) or () if isinstance(t, Tensor)]
        if isinstance(node, AccumulateGrad) and node.variable._grad is not None:
            handles.append(node.variable._grad)
        handles += [tensor._grad for tensor, _ in step.retained]
        handles += [t for t in task.captured_vars if isinstance(t, Tensor)]
        return _reachable([t.grad_fn for t in handles if t is not None], self._known[record.index])


@contextlib.contextmanager
def record_backward() -> Iterator[BackwardTrace]:
    """Record every backward pass run inside the block into the ``BackwardTrace`` it yields
    (outside it the engine does no recording work at all)."""
    trace = BackwardTrace()
    previous = engine._recording_observer
    engine._recording_observer = trace
    try:
        yield trace
    finally:
        engine._recording_observer = previous
