"""Pictures for the course: the backward graph (graphviz) and plots (matplotlib).

* ``draw_graph(y)`` (alias ``make_dot``, torchviz's name) draws the graph that ``y.backward()``
  walks, the way torchviz draws it: the output in green, one grey box per backward node
  (``MulBackward0``), the leaves that require grad in blue, the tensors saved for backward in
  orange (``show_saved=True``).  Arrows point from inputs toward outputs.  In Jupyter the result
  shows as a picture; ``.source`` is the DOT text, ``.render("graph.png")`` writes a file.
* ``text_graph(y)`` prints the same graph as an indented tree.  ``draw_graph`` falls back on it,
  with one message on stdout, where Graphviz's ``dot`` program is not installed.
* ``step_backward(loss)`` runs backward and shows it step by step (``backward_stepper.py``).
* ``plot_function(f)`` draws ``f`` and its derivatives, computed with ``autograd.grad``;
  ``plot_losses(losses)`` draws a loss curve.  Both return the matplotlib ``Figure`` (``plots.py``).

A leaf module: nothing in the engine imports it, and graphviz and matplotlib are imported only
inside the functions that need them (they are the ``viz`` extra).  Every traversal is a loop over
a queue or a stack, never a recursion, so a graph of a million nodes draws (or is cut at
``max_nodes``) without hitting Python's recursion limit.

>>> import autograd_core as torch
>>> x = torch.ones(2, 2, requires_grad=True)
>>> print(torch.viz.text_graph((x * 3).sum(), params={"x": x}))
SumBackward0
└── MulBackward0
    └── AccumulateGrad  x  [2, 2]  requires_grad
"""
from __future__ import annotations

import html
import os
import re
from collections import deque
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ._drawing import (LEAF_COLOR, MISSING_DOT_MESSAGE, MISSING_PACKAGE_MESSAGE, NODE_COLOR, NOTE_COLOR,
                       OUTPUT_COLOR, SAVED_COLOR, _explain_fallback, _graphviz_module, _names,
                       _why_no_pictures, new_digraph)
from .backward_stepper import BackwardStepper, step_backward
from .function import AccumulateGrad, SavedTensor
from .plots import plot_function, plot_losses
from .saved_variable import PackedSavedTensor
from .tensor import Tensor

__all__ = ["draw_graph", "make_dot", "text_graph", "GraphPicture", "TextGraph", "plot_function",
           "plot_losses", "step_backward", "BackwardStepper"]

# ---------------------------------------------------------------------------- the graph itself
def _roots(tensors) -> list:
    """Flatten draw_graph's arguments: tensors, lists or tuples of them, or graph nodes."""
    flat = []
    stack = list(reversed(tensors))
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, Tensor) or hasattr(item, "next_functions"):
            flat.append(item)
        else:
            raise TypeError(f"draw_graph expects tensors (or grad_fn nodes), got {type(item).__name__}")
    return flat


def _children(node) -> list:
    """The nodes this node's gradient flows into, one per input slot (``None`` slots dropped)."""
    return [(child, index) for child, index in getattr(node, "next_functions", ()) if child is not None]


def _walk(start: list) -> tuple[list, dict]:
    """Every node reachable from ``start`` in breadth-first order, and how many edges reach each.

    A queue, not a recursion: deep graphs (a 10,000-step loop) are walked like shallow ones.
    """
    order = []
    incoming: dict = {}
    queue = deque()
    for node in start:
        incoming[id(node)] = incoming.get(id(node), 0) + 1
        if incoming[id(node)] == 1:
            order.append(node)
            queue.append(node)
    while queue:
        node = queue.popleft()
        for child, _ in _children(node):
            key = id(child)
            incoming[key] = incoming.get(key, 0) + 1
            if incoming[key] == 1:
                order.append(child)
                queue.append(child)
    return order, incoming


def _shape(tensor: Tensor) -> str:
    return "[" + ", ".join(str(n) for n in tensor.shape) + "]"


def _short(tensor: Tensor | None, width: int = 40) -> str:
    """A tensor's values on one short line: ``3.0`` or ``[1., 2., 3.]`` or ``[[1., 2.], ...``."""
    if tensor is None:
        return "None"
    data = np.asarray(tensor._data)
    if data.ndim == 0 or data.size == 1:
        value = data.reshape(()).item()
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    text = np.array2string(data, precision=4, threshold=6, edgeitems=2, separator=", ",
                           max_line_width=10_000, suppress_small=True)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _tensor_extras(tensor: Tensor, show_values: bool, show_grad: bool, show_version: bool) -> list:
    extras = []
    if show_values:
        extras.append(f"value: {_short(tensor)}")
    if show_grad:
        extras.append(f"grad: {_short(tensor._grad)}")     # _grad: reading .grad of a non-leaf warns
    if show_version:
        extras.append(f"_version: {tensor._version}")
    return extras


def _saved_items(node) -> list | None:
    """What a node saved for backward (SavedTensors or numbers), or None once freed."""
    saved = getattr(node, "_saved", [])
    if saved is None:
        return None
    return [item for item in saved if item is not None]


def _saved_title(item: SavedTensor, names: dict) -> str:
    """How a saved tensor is called: its name, ``result`` (the node's own output), or where it came from."""
    tensor = item.tensor
    if id(tensor) in names:
        return names[id(tensor)]
    if item.is_output:
        return "result"
    if tensor.grad_fn is not None:
        return f"output of {type(tensor.grad_fn).__name__}"
    return "leaf" if tensor.requires_grad else "constant"


def _packed_lines(item: PackedSavedTensor) -> list:
    """A tensor saved under ``saved_tensors_hooks``, described by what ``pack_hook`` returned.
    ``unpack_hook`` is not called: it is the user's code (it may read a file, or log), and
    drawing a graph must not run it."""
    packed = item.packed
    lines = [("result" if item.is_output else "saved tensor") + " packed by saved_tensors_hooks",
             f"as {type(packed).__name__}"]
    if isinstance(packed, Tensor):
        lines[-1] += f" {_shape(packed)}"
    return lines


def _stale(item: SavedTensor) -> str | None:
    """A note when the saved tensor was modified in place after it was saved (backward will fail)."""
    now = item.tensor._version
    if now != item.version:
        return f"saved at _version {item.version}, now {now}: modified in place!"
    return None


# ---------------------------------------------------------------------------- the text tree
class TextGraph(str):
    """The graph as an indented tree: a ``str`` that also displays as itself in Jupyter and the REPL."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def text_graph(*tensors, params=None, show_values: bool = False, show_grad: bool = False,
               show_version: bool = False, show_saved: bool = False,
               max_nodes: int | None = 200) -> TextGraph:
    """The backward graph of ``tensors`` as an indented tree, one line per node.

    ``params`` (a dict name -> tensor, e.g. ``dict(model.named_parameters())``) names the leaves.
    A node reached twice (``b = a + a``) is written once, tagged ``#1``, and referred to as
    ``#1 (see above)`` after that, so diamonds stay small.  At most ``max_nodes`` nodes are
    written (``None``: all).

    >>> a = tensor(2., requires_grad=True); b = a + a; c = b + b
    >>> print(text_graph(c, params={"a": a}))
    AddBackward0
    ├── AddBackward0  #1
    │   ├── AccumulateGrad  #2  a  []  requires_grad
    │   └── AccumulateGrad  #2  (see above)
    └── AddBackward0  #1  (see above)
    """
    _check_max_nodes(max_nodes)
    names = _names(params)
    roots = _roots(tensors)
    start = [r.grad_fn if isinstance(r, Tensor) else r for r in roots]
    order, incoming = _walk([node for node in start if node is not None])
    tags: dict = {}                              # id(node) -> "#k" for nodes reached more than once

    def describe(node) -> str:
        parts = [type(node).__name__]
        if incoming.get(id(node), 0) > 1:
            tags.setdefault(id(node), f"#{len(tags) + 1}")
            parts.append(tags[id(node)])
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            if id(leaf) in names:
                parts.append(names[id(leaf)])
            parts += [_shape(leaf), "requires_grad"]
            parts += _tensor_extras(leaf, show_values, show_grad, show_version)
        elif show_saved:
            saved = _saved_items(node)
            if saved is None:
                parts.append("(saved tensors freed)")
            elif saved:
                shown = []
                for item in saved:
                    if isinstance(item, SavedTensor):
                        text = f"{_saved_title(item, names)} {_shape(item.tensor)}"
                        stale = _stale(item)
                        shown.append(text + (f" ({stale})" if stale else ""))
                    elif isinstance(item, PackedSavedTensor):
                        shown.append(" ".join(_packed_lines(item)))
                    else:
                        shown.append(repr(item))
                parts.append("saved: " + ", ".join(shown))
        return "  ".join(parts)

    lines: list[str] = []
    printed: set = set()
    truncated = False
    for root, node in zip(roots, start):
        if lines:
            lines.append("")
        if node is None:                                   # a leaf, or a tensor outside any graph
            words = [names.get(id(root), "tensor"), _shape(root)]
            if root.requires_grad:
                words.append("requires_grad (a leaf: no graph behind it)")
            else:
                words.append("requires_grad=False: no graph was recorded")
            lines.append("  ".join(words + _tensor_extras(root, show_values, show_grad, show_version)))
            continue
        # Depth-first with an explicit stack of (node, prefix for its children, line prefix).
        stack = [(node, "", "")]
        while stack:
            current, child_prefix, line_prefix = stack.pop()
            if id(current) in printed:
                lines.append(f"{line_prefix}{type(current).__name__}  {tags[id(current)]}  (see above)")
                continue
            if max_nodes is not None and len(printed) >= max_nodes:
                truncated = True
                break
            printed.add(id(current))
            line = describe(current)
            if current is node and isinstance(root, Tensor):
                extras = ([names[id(root)]] if id(root) in names else [])
                extras += _tensor_extras(root, show_values, show_grad, show_version)
                line = "  ".join([line] + extras)
            lines.append(line_prefix + line)
            children = _children(current)
            for position in range(len(children) - 1, -1, -1):
                last = position == len(children) - 1
                stack.append((children[position][0],
                              child_prefix + ("    " if last else "│   "),
                              child_prefix + ("└── " if last else "├── ")))
        if truncated:
            break
    if truncated:
        rest = len(order) - len(printed)
        lines.append(f"... {rest:,} more nodes not shown (max_nodes={max_nodes}; "
                     f"{len(order):,} nodes in all)")
    return TextGraph("\n".join(lines))


def _check_max_nodes(max_nodes) -> None:
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")


# ---------------------------------------------------------------------------- the picture
class GraphPicture:
    """A drawing of the backward graph: shows itself in Jupyter, writes PNG/SVG files.

    * ``.source``: the DOT text (what Graphviz draws);
    * ``.text``: the same graph as an indented tree (also what ``repr`` shows);
    * ``.render(path, format=None)``: write ``path`` (format from its suffix, else ``format``);
    * ``.save(path)``: ``.dot``/``.gv`` -> DOT text, ``.txt`` -> the tree, else a rendering;
    * ``.pipe(format="svg")``: the rendering as bytes.

    Where Graphviz's ``dot`` program is missing, the picture shows as the text tree instead and
    ``render`` writes that tree to a ``.txt`` file.
    """

    def __init__(self, source: str | None, make_text: Callable[[], TextGraph],
                 fallback_reason: str | None) -> None:
        self._source = source
        self._make_text = make_text
        self._text: TextGraph | None = None
        self._fallback_reason = fallback_reason
        self._svg: str | None = None

    @property
    def text(self) -> TextGraph:
        """The graph as an indented tree (made on first use: a deep graph's tree is long)."""
        if self._text is None:
            self._text = self._make_text()
        return self._text

    # -- what it is made of
    @property
    def source(self) -> str | None:
        """The DOT text (None only when the graphviz Python package is missing)."""
        return self._source

    @property
    def is_text_fallback(self) -> bool:
        return self._fallback_reason is not None

    def __str__(self) -> str:
        return self._source if self._source is not None else str(self.text)

    def __repr__(self) -> str:
        return str(self.text)

    # -- rendering
    def _use_text(self, reason: str) -> None:
        self._fallback_reason = reason
        _explain_fallback(reason)

    def pipe(self, format: str = "svg") -> bytes | None:
        """The picture rendered by ``dot`` in ``format``, or None (and the text fallback) without it."""
        if self._fallback_reason is not None:
            _explain_fallback(self._fallback_reason)
            return None
        graphviz = _graphviz_module()
        try:
            # quiet=True: dot's own warnings (a missing font, say) must not reach stderr.
            return graphviz.Source(self._source).pipe(format=format, quiet=True)
        except graphviz.ExecutableNotFound:
            self._use_text(MISSING_DOT_MESSAGE)
            return None

    def _repr_svg_(self) -> str | None:
        if self._svg is None and self._fallback_reason is None:
            data = self.pipe("svg")
            self._svg = None if data is None else data.decode("utf-8")
        return self._svg

    def _repr_html_(self) -> str | None:
        # Only for the text fallback: JupyterLab ranks HTML above SVG, so a picture must not send it.
        if self._repr_svg_() is not None:
            return None
        return f"<pre style=\"line-height: 1.25\">{html.escape(str(self.text))}</pre>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        svg = self._repr_svg_()
        if svg is not None:
            return {"image/svg+xml": svg, "text/plain": str(self.text)}
        return {"text/html": self._repr_html_(), "text/plain": str(self.text)}

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self.text))

    # -- files
    def render(self, path: str | os.PathLike = "graph", format: str | None = None) -> str:
        """Write the picture to ``path`` and return the path written.

        The format comes from ``format``, else from the suffix of ``path``, else PNG; a path
        without a suffix gets one (``render("graph", format="svg")`` writes ``graph.svg``).
        Without Graphviz's ``dot``, the text tree is written to ``<path>.txt`` instead.
        """
        path = Path(path)
        if format is None:
            format = path.suffix[1:].lower() or "png"
        if not path.suffix:
            path = path.with_name(f"{path.name}.{format}")
        data = self.pipe(format)
        if data is None:
            path = path.with_suffix(".txt")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(self.text) + "\n", encoding="utf-8")
            print(f"Wrote the graph as text to {path}")
            return str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    def save(self, path: str | os.PathLike) -> str:
        """Write a ``.dot``/``.gv`` (DOT text), a ``.txt`` (the tree) or a rendering (any other suffix)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".dot", ".gv") and self._source is not None:
            path.write_text(self._source, encoding="utf-8")
            return str(path)
        if suffix == ".txt":
            path.write_text(str(self.text) + "\n", encoding="utf-8")
            return str(path)
        return self.render(path)


def draw_graph(*tensors, params=None, show_values: bool = False, show_grad: bool = False,
               show_version: bool = False, show_saved: bool = False,
               max_nodes: int | None = 200) -> GraphPicture:
    """Draw the backward graph behind ``tensors``, as torchviz's ``make_dot`` does.

    * green: the tensors given (the outputs), with their shape;
    * grey: one box per backward node, labelled with the node type (``MulBackward0``);
    * blue: the leaves that require grad (their ``AccumulateGrad`` node), named from ``params``
      (``dict(model.named_parameters())`` or ``{"w": w, "b": b}``), with their shape;
    * orange (``show_saved=True``): the tensors each node saved for backward, dashed to it;
      a node whose saved tensors were freed by ``backward()`` says so.  A tensor saved under
      ``autograd.graph.saved_tensors_hooks`` is drawn as what ``pack_hook`` made of it (a dashed
      orange box); ``unpack_hook`` is not called, since drawing must not run the user's code.

    Arrows point from inputs toward outputs (the forward direction); gradients flow back along
    them.  ``show_values``, ``show_grad`` and ``show_version`` add each tensor's value (short),
    ``.grad`` and ``_version`` to its label.  At most ``max_nodes`` backward nodes are drawn
    (``None``: all); a note says how many more there are.

    >>> x = torch.ones(2, 2, requires_grad=True)
    >>> draw_graph((x * x).mean(), params={"x": x})      # a picture in Jupyter
    >>> draw_graph(y).render("graph.png")
    """
    _check_max_nodes(max_nodes)
    options = dict(params=params, show_values=show_values, show_grad=show_grad,
                   show_version=show_version, show_saved=show_saved, max_nodes=max_nodes)
    roots = _roots(tensors)
    reason = _why_no_pictures()
    source = None if _graphviz_module() is None else _dot_source(roots, **options)
    picture = GraphPicture(source, lambda: text_graph(*roots, **options), reason)
    if reason is not None:
        _explain_fallback(reason)
        picture.text              # the tree is the picture: take it now, as the graph is now
    return picture


make_dot = draw_graph      # torchviz's name, the one blog posts use


def _dot_source(roots: list, *, params, show_values, show_grad, show_version, show_saved,
                max_nodes) -> str:
    import graphviz                        # optional, and only here: see _graphviz_module

    names = _names(params)
    dot = new_digraph(graphviz)

    def label(lines: Iterable[str]) -> str:
        return "\\n".join(graphviz.escape(line) for line in lines)

    def tensor_lines(tensor: Tensor, title: str | None) -> list:
        lines = [title] if title else []
        return lines + [_shape(tensor)] + _tensor_extras(tensor, show_values, show_grad, show_version)

    start = [r.grad_fn if isinstance(r, Tensor) else r for r in roots]
    order, _ = _walk([node for node in start if node is not None])
    drawn = order if max_nodes is None else order[:max_nodes]
    node_id = {id(node): f"n{k}" for k, node in enumerate(drawn)}

    saved_count = 0
    for node in drawn:
        name = node_id[id(node)]
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            dot.node(name, label(tensor_lines(leaf, names.get(id(leaf)))), fillcolor=LEAF_COLOR,
                     tooltip="AccumulateGrad: adds the gradient into .grad of this leaf")
            continue
        lines = [type(node).__name__]
        saved = _saved_items(node) if show_saved else []
        if saved is None:
            lines.append("(saved tensors freed)")
        else:
            numbers = [repr(item) for item in saved if not isinstance(item, (SavedTensor, PackedSavedTensor))]
            if numbers:
                lines.append("saved: " + ", ".join(numbers))
        dot.node(name, label(lines))
        for item in saved or ():
            if not isinstance(item, (SavedTensor, PackedSavedTensor)):
                continue
            saved_name = f"s{saved_count}"
            saved_count += 1
            if isinstance(item, PackedSavedTensor):
                dot.node(saved_name, label(_packed_lines(item)), fillcolor=SAVED_COLOR, style="dashed,filled")
                dot.edge(saved_name, name, style="dashed", dir="none", color="#c07000")
                continue
            lines = tensor_lines(item.tensor, _saved_title(item, names))
            stale = _stale(item)
            if stale:
                lines.append(stale)
            dot.node(saved_name, label(lines), fillcolor=SAVED_COLOR,
                     color="red" if stale else "#555555")
            dot.edge(saved_name, name, style="dashed", dir="none", color="#c07000")

    cut_off = []                                  # drawn nodes with inputs beyond max_nodes
    for node in drawn:
        parent = node_id[id(node)]
        for child, index in _children(node):
            child_name = node_id.get(id(child))
            if child_name is None:
                cut_off.append(parent)
                continue
            if getattr(child, "_num_outputs", 1) > 1:     # say which output of a split, unbind...
                dot.edge(child_name, parent, label=f" output {index}", fontsize="9")
            else:
                dot.edge(child_name, parent)
    if len(drawn) < len(order):
        more = len(order) - len(drawn)
        dot.node("more", label([f"... {more:,} more nodes not drawn",
                                f"(max_nodes={max_nodes}; {len(order):,} in all)"]),
                 fillcolor=NOTE_COLOR, style="dashed,rounded")
        for parent in dict.fromkeys(cut_off):
            dot.edge("more", parent, style="dashed")

    for k, (root, node) in enumerate(zip(roots, start)):
        if not isinstance(root, Tensor):
            continue
        out = f"out{k}"
        if node is None:
            title = names.get(id(root), "leaf" if root.requires_grad else "tensor")
            lines = tensor_lines(root, title)
            if not root.requires_grad:
                lines.append("requires_grad=False: no graph")
            dot.node(out, label(lines), fillcolor=OUTPUT_COLOR if root.requires_grad else NOTE_COLOR)
            continue
        dot.node(out, label(tensor_lines(root, names.get(id(root), "output"))), fillcolor=OUTPUT_COLOR)
        if id(node) in node_id:
            dot.edge(node_id[id(node)], out)
    return dot.source
