"""What every picture of the backward graph shares: ``draw_graph`` (viz.py) and ``step_backward``
(backward_stepper.py) draw with the same colours and the same Graphviz settings, name the leaves
the same way, and fall back on text (saying so once) where Graphviz is missing.
"""
from __future__ import annotations

import shutil
from typing import Mapping

from .tensor import Tensor

# torchviz's colours, the ones learners have seen in blog posts about autograd.
OUTPUT_COLOR = "darkolivegreen1"     # the tensors handed to draw_graph
NODE_COLOR = "lightgrey"             # backward nodes (MulBackward0 ...)
LEAF_COLOR = "lightblue"             # leaves that require grad (their AccumulateGrad node)
SAVED_COLOR = "orange"               # tensors saved for backward
NOTE_COLOR = "white"                 # "... more nodes", "no graph"

MISSING_DOT_MESSAGE = (
    "Graphviz's `dot` program is not installed, so here is the graph as text; "
    "run ./course open (or apt-get install graphviz) for pictures."
)
MISSING_PACKAGE_MESSAGE = (
    "The `graphviz` Python package is not installed, so here is the graph as text; "
    "run ./course open (or pip install graphviz) for pictures."
)

# Whether the learner has been told that pictures fall back on text (they are told once).
_fallback_explained = False


def _explain_fallback(message: str) -> None:
    """Say once, on stdout (nbgrader scores a cell 0 when anything reaches stderr)."""
    global _fallback_explained
    if not _fallback_explained:
        _fallback_explained = True
        print(message)


def _graphviz_module():
    try:
        import graphviz                    # optional: pictures fall back to text without it
    except ImportError:
        return None
    return graphviz


def _why_no_pictures() -> str | None:
    """None when pictures can be drawn, else the message that says why not."""
    if _graphviz_module() is None:
        return MISSING_PACKAGE_MESSAGE
    if shutil.which("dot") is None:
        return MISSING_DOT_MESSAGE
    return None


def _names(params) -> dict:
    """``{id(tensor): name}`` from a dict name -> tensor (or an iterable of (name, tensor) pairs)."""
    if params is None:
        return {}
    items = params.items() if isinstance(params, Mapping) else params
    names: dict = {}
    for name, value in items:
        if not isinstance(value, Tensor):
            raise TypeError(f"params must map names to tensors, but {name!r} is a {type(value).__name__}")
        names.setdefault(id(value), str(name))        # a tensor under two names keeps the first
    return names


def new_digraph(graphviz):
    """An empty ``graphviz.Digraph`` with the course's look."""
    dot = graphviz.Digraph(name="autograd_graph")
    dot.attr("graph", rankdir="TB", ranksep="0.25", nodesep="0.3", fontname="Helvetica,Arial,sans-serif",
             fontsize="11")
    dot.attr("node", shape="box", style="filled,rounded", fillcolor=NODE_COLOR, color="#555555",
             fontname="Helvetica,Arial,sans-serif", fontsize="11", height="0.3", margin="0.12,0.05")
    dot.attr("edge", color="#444444", arrowsize="0.7")
    return dot
