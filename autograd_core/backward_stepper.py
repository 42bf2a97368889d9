"""``viz.step_backward``: watch the engine run backward, one node at a time, in the notebook.

``step_backward(loss)`` runs ``loss.backward()`` inside ``autograd.graph.record_backward()`` and
shows the graph (``draw_graph``'s colours and labels) with controls -- previous, next, play and a
slider -- that step through the engine's own trace: the node running, the gradients that arrived
for it and their sum, what it sends down each edge before and after un-broadcasting, the pending
dependency counts and the ready queue, whether its saved tensors were freed, and the ``.grad``
filled at the leaves.  ``mode="grad"`` runs ``autograd.grad(outputs, inputs)`` instead (the nodes
that do not run stay dim); ``create_graph=True`` makes the nodes recorded by backward appear at
the step that records them.  ``BackwardStepper(trace)`` shows any trace recorded by hand.

The output is one piece of HTML: the SVG picture (or, without Graphviz's ``dot``, a list of
boxes), a static strip that lists every step, and a script that replaces the strip with the
controls.  Nothing is loaded from the network and nothing talks to the kernel, so it works in
JupyterLab, Notebook 7, Binder and exported HTML; where scripts do not run (GitHub's preview, an
untrusted notebook) the strip is what the reader sees.  Big graphs: drag to pan, the +/- buttons
(or Ctrl + wheel) to zoom, "follow" keeps the running node in view; the arrow keys step too.
"""
from __future__ import annotations

import html
import json
import os
import re
import uuid
from pathlib import Path
from typing import Sequence

import numpy as np

from . import autograd
from ._drawing import (LEAF_COLOR, OUTPUT_COLOR, _explain_fallback, _graphviz_module, _names,
                       _why_no_pictures, new_digraph)
from .autograd.backward_trace import BackwardTrace, TraceStep, record_backward
from .function import AccumulateGrad
from .tensor import Tensor

__all__ = ["step_backward", "BackwardStepper"]

RECORDED_COLOR = "thistle"          # nodes recorded during backward (create_graph=True)
_MAX_VALUE_WIDTH = 60
_MAX_LISTED = 12                    # pending counts listed in the panel; the rest are in the picture


def _values(array: np.ndarray | None) -> str:
    """An array on one short line, with its shape when it is not a scalar."""
    if array is None:
        return "None"
    if array.ndim == 0 or array.size == 1:
        return f"{array.reshape(()).item():.4g}"
    text = np.array2string(array, precision=4, threshold=8, edgeitems=2, separator=", ",
                           max_line_width=10_000, suppress_small=True)
    text = re.sub(r"\s+", " ", text)
    if len(text) > _MAX_VALUE_WIDTH:
        text = text[: _MAX_VALUE_WIDTH - 3] + "..."
    return f"{text} {list(array.shape)}"


class BackwardStepper:
    """A recorded backward pass, shown as a picture with step-through controls.

    * ``.trace``: the ``BackwardTrace`` (the engine's record of the pass);
    * ``.html``: the self-contained HTML (what Jupyter shows);
    * ``.save(path)``: a whole HTML page, to open in a browser;
    * ``.result``: what ``autograd.grad`` returned (``mode="grad"``), else None.
    """

    def __init__(self, trace: BackwardTrace, params=None, result=None) -> None:
        if not trace.steps:
            raise ValueError("the trace holds no steps: run backward() or autograd.grad() inside "
                             "autograd.graph.record_backward()")
        self.trace = trace
        self.result = result
        self._names = _names(params)
        self._prefix = "sb" + uuid.uuid4().hex[:10]
        self._ids: dict = {}                   # node -> element id
        self._titles: dict = {}                # node -> "AddBackward0 #2", "AccumulateGrad (a)"
        self._recorded_at: dict = {}           # node -> step index at which create_graph made it
        self._collect_nodes()
        self._html: str | None = None

    # ------------------------------------------------------------------ nodes and their names
    def _collect_nodes(self) -> None:
        for step in self.trace.steps:
            for node in step.recorded:
                self._recorded_at.setdefault(node, step.index)
        everything = [node for task in self.trace.tasks for node in task.nodes]
        nodes = list(dict.fromkeys(everything + list(self._recorded_at)))
        counts: dict = {}
        for node in nodes:
            counts[type(node).__name__] = counts.get(type(node).__name__, 0) + 1
        seen: dict = {}
        for position, node in enumerate(nodes):
            self._ids[node] = f"{self._prefix}_n{position}"
            kind = type(node).__name__
            seen[kind] = seen.get(kind, 0) + 1
            if isinstance(node, AccumulateGrad):
                name = self._names.get(id(node.variable))
                self._titles[node] = f"{kind} ({name})" if name else (
                    f"{kind} #{seen[kind]}" if counts[kind] > 1 else kind)
            else:
                self._titles[node] = f"{kind} #{seen[kind]}" if counts[kind] > 1 else kind
        self._nodes = nodes

    def title(self, node) -> str:
        """How the panel calls ``node``: ``AddBackward0 #2`` (the tag drawn beside it), ``AccumulateGrad (a)``."""
        return "(no gradient needed)" if node is None else self._titles.get(node, type(node).__name__)

    def element_id(self, node) -> str:
        """The id of ``node``'s element in the HTML (an SVG group, or a box without Graphviz)."""
        return self._ids[node]

    def _leaf_name(self, node) -> str:
        name = self._names.get(id(node.variable)) if isinstance(node, AccumulateGrad) else None
        return name or "leaf"

    # ------------------------------------------------------------------ the picture
    def _edges(self) -> list:
        """``(edge id, child, parent)`` for every edge between drawn nodes (forward direction)."""
        edges = []
        for node in self._nodes:
            for child, _ in getattr(node, "next_functions", ()):
                if child is not None and child in self._ids:
                    edges.append((f"{self._prefix}_e{len(edges)}", child, node))
        return edges

    def _node_label(self, node) -> list:
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            title = self._names.get(id(leaf))
            return ([title] if title else []) + ["[" + ", ".join(str(n) for n in leaf.shape) + "]"]
        return [type(node).__name__]

    def _outputs(self) -> list:
        """``(element id, root node, label lines)``: the green box above each pass's roots."""
        boxes = []
        for task in self.trace.tasks:
            for root, grad in zip(task.roots, task.root_grads):
                shape = "[" + ", ".join(str(n) for n in np.shape(grad)) + "]"
                title = "output" if task.index == 0 else f"output of pass {task.index + 1}"
                boxes.append((f"{self._prefix}_out{len(boxes)}", root, [title, shape]))
        return boxes

    def _svg(self) -> str | None:
        graphviz = _graphviz_module()
        if graphviz is None or _why_no_pictures() is not None:
            return None
        dot = new_digraph(graphviz)
        dot.attr("graph", bgcolor="transparent")
        for node in self._nodes:
            options = {"id": self._ids[node], "tooltip": self.title(node)}
            if isinstance(node, AccumulateGrad):
                options["fillcolor"] = LEAF_COLOR
            elif node in self._recorded_at:
                options.update(fillcolor=RECORDED_COLOR, style="filled,rounded,dashed")
            if self._titles[node].count("#"):
                options["xlabel"] = self._titles[node].rsplit(" ", 1)[1]
            dot.node(self._ids[node], "\\n".join(graphviz.escape(l) for l in self._node_label(node)),
                     **options)
        for edge_id, child, parent in self._edges():
            dot.edge(self._ids[child], self._ids[parent], id=edge_id)
        for box_id, root, lines in self._outputs():
            dot.node(box_id, "\\n".join(lines), id=box_id, fillcolor=OUTPUT_COLOR)
            dot.edge(self._ids[root], box_id, id=box_id + "_edge")
        try:
            svg = graphviz.Source(dot.source).pipe(format="svg", quiet=True).decode("utf-8")
        except graphviz.ExecutableNotFound:
            return None
        svg = svg[svg.index("<svg"):]                       # no XML prolog, DOCTYPE or comments
        return re.sub(r"<!--.*?-->", "", svg, flags=re.S)

    def _boxes(self) -> str:
        """The picture without Graphviz: one box per node, its inputs named below it."""
        colours = {True: LEAF_COLOR, False: "lightgrey"}
        rows = []
        for box_id, root, lines in self._outputs():
            rows.append(f'<div class="sb-box" id="{box_id}" style="background:{_css(OUTPUT_COLOR)}">'
                        f'{html.escape(" ".join(lines))} &larr; {html.escape(self.title(root))}</div>')
        for node in self._nodes:
            colour = RECORDED_COLOR if node in self._recorded_at else colours[isinstance(node, AccumulateGrad)]
            inputs = [self.title(child) for child, _ in node.next_functions if child is not None]
            below = f'<span class="sb-inputs"> &larr; {html.escape(", ".join(inputs))}</span>' if inputs else ""
            rows.append(f'<div class="sb-box" id="{self._ids[node]}" style="background:{_css(colour)}">'
                        f'{html.escape(self.title(node))} {html.escape(" ".join(self._node_label(node)[-1:]) if isinstance(node, AccumulateGrad) else "")}'
                        f'{below}</div>')
        return '<div class="sb-boxes">' + "".join(rows) + "</div>"

    # ------------------------------------------------------------------ what each step says
    def _start_html(self, task) -> str:
        roots = "".join(f"<li>{html.escape(self.title(root))}: {html.escape(_values(grad))}</li>"
                        for root, grad in zip(task.roots, task.root_grads))
        parts = [f"<p><b>Pass {task.index + 1} starts</b>"
                 + (" (autograd.grad: only the nodes that lead to the inputs run)" if task.will_run is not None else "")
                 + (" with create_graph=True" if task.create_graph else "")
                 + (", retain_graph=True" if task.keep_graph else "") + ".</p>",
                 f"<p>Gradient given for each root:</p><ul>{roots}</ul>",
                 self._queue_html(task.dependencies, task.ready)]
        return "".join(parts)

    def _queue_html(self, dependencies: dict, ready: list) -> str:
        pending = [f"{html.escape(self.title(node))}: {count}" for node, count in dependencies.items() if count]
        if len(pending) > _MAX_LISTED:           # a big graph: the "waits n" labels show them all
            pending = pending[:_MAX_LISTED] + [f"and {len(pending) - _MAX_LISTED} more"]
        queue = [html.escape(self.title(node)) for node in ready]
        return ("<p><b>Pending dependencies</b>: " + (", ".join(pending) or "none") + "<br>"
                "<b>Ready queue</b> (next first): " + (", ".join(queue) or "empty") + "</p>")

    def _step_html(self, step: TraceStep) -> str:
        task = self.trace.tasks[step.task]
        out = [f"<p><b>Runs {html.escape(self.title(step.node))}</b>"
               + (f" (pass {step.task + 1})" if len(self.trace.tasks) > 1 else "") + "</p>"]
        arrived = "".join(
            f"<li>from {html.escape('backward() (the gradient given)' if a.source is None else self.title(a.source))}"
            f"{f' into slot {a.slot}' if len(step.buffer) > 1 else ''}: {html.escape(_values(a.value))}</li>"
            for a in step.arrived)
        out.append(f"<p>Gradients that arrived:</p><ul>{arrived or '<li>none</li>'}</ul>")
        buffer = ", ".join(_values(g) for g in step.buffer) or "empty"
        out.append(f"<p>Their sum, the input buffer it runs on: <code>{html.escape(buffer)}</code></p>")
        if step.sends:
            rows = []
            for send in step.sends:
                if send.target is None:
                    continue
                note = ""
                if send.returned is not None and send.sent is not None and send.returned.shape != send.sent.shape:
                    note = (f" <i>(un-broadcast: {list(send.returned.shape)} summed to "
                            f"{list(send.sent.shape)})</i>")
                rows.append(f"<tr><td>{html.escape(self.title(send.target))}</td>"
                            f"<td><code>{html.escape(_values(send.returned))}</code></td>"
                            f"<td><code>{html.escape(_values(send.sent))}</code>{note}</td></tr>")
            out.append("<table class=\"sb-sends\"><tr><th>sends to</th><th>backward returned</th>"
                       "<th>after validate_outputs</th></tr>" + "".join(rows) + "</table>")
        if step.saved:
            fate = "freed" if step.saved_freed else "kept (retain_graph=True)"
            count = f"{len(step.saved)} tensor{'s' if len(step.saved) > 1 else ''}"
            shapes = ", ".join("[] (a scalar)" if item.endswith("[]") else item for item in step.saved)
            out.append(f"<p>Saved for backward: {count} ({html.escape(shapes)}): <b>{fate}</b></p>")
        if step.leaf_grad is not None:
            out.append(f"<p><b>{html.escape(self._leaf_name(step.node))}.grad</b> is now "
                       f"<code>{html.escape(_values(step.leaf_grad))}</code></p>")
        for tensor, value in step.retained:
            out.append(f"<p>retain_grad: {html.escape(self._names.get(id(tensor), 'the tensor'))}.grad is now "
                       f"<code>{html.escape(_values(value))}</code></p>")
        for index, value in step.captured:
            out.append(f"<p>autograd.grad's result {index} is <code>{html.escape(_values(value))}</code></p>")
        if step.recorded:
            made = ", ".join(self.title(node) for node in step.recorded)
            out.append(f"<p>create_graph recorded: {html.escape(made)}</p>")
        if task.will_run is not None and step.node not in task.will_run:
            out.append("<p>(captured only: nothing below it is needed)</p>" if step.captured else
                       "<p>(leads to none of the inputs: popped from the queue, but it does not run)</p>")
        out.append(self._queue_html(step.dependencies, step.ready))
        return "".join(out)

    # ------------------------------------------------------------------ states for the script
    def _frames(self) -> list:
        """One frame per position of the slider: the pass start(s) and each step."""
        frames = []
        edges = self._edges()
        done: list = []
        shown = [self._ids[n] for n, at in self._recorded_at.items() if at < 0]
        steps_by_task: dict = {}
        for step in self.trace.steps:
            steps_by_task.setdefault(step.task, []).append(step)
        for task in self.trace.tasks:
            dim = [] if task.will_run is None else [self._ids[n] for n in task.nodes
                                                     if n not in task.will_run and n not in task.captured]
            frames.append(self._frame(None, f"Pass {task.index + 1}: before the first node",
                                      self._start_html(task), task.dependencies, task.ready, done, [],
                                      shown, dim))
            for step in steps_by_task.get(task.index, []):
                done = done + [self._ids[step.node]]
                shown = shown + [self._ids[n] for n in step.recorded]
                targets = {send.target for send in step.sends if send.sent is not None}
                lit = [edge_id for edge_id, child, parent in edges if parent is step.node and child in targets]
                title = f"Step {step.index + 1} of {len(self.trace.steps)}: {self.title(step.node)}"
                frames.append(self._frame(step, title, self._step_html(step), step.dependencies, step.ready,
                                          done, lit, shown, dim))
        return frames

    def _frame(self, step, title, body, dependencies, ready, done, lit, shown, dim) -> dict:
        return {"step": None if step is None else step.index,
                "node": None if step is None else self._ids[step.node],
                "title": title, "html": body,
                "counts": {self._ids[n]: c for n, c in dependencies.items() if n in self._ids},
                "ready": [self._ids[n] for n in ready if n in self._ids],
                "done": list(done), "edges": lit, "shown": list(shown), "dim": dim}

    # ------------------------------------------------------------------ HTML
    @property
    def html(self) -> str:
        if self._html is None:
            self._html = self._render()
        return self._html

    def _render(self) -> str:
        svg = self._svg()
        reason = _why_no_pictures()
        if svg is None and reason is not None:
            _explain_fallback(reason)
        picture = svg if svg is not None else self._boxes()
        frames = self._frames()
        strip = "".join(f'<li class="sb-strip-step"><h4>{html.escape(f["title"])}</h4>{f["html"]}</li>'
                        for f in frames)
        recorded = [self._ids[n] for n in self._recorded_at]
        data = {"prefix": self._prefix, "frames": frames, "recorded": recorded}
        # "</" inside a script would end it early: JSON escapes it as "<\/".
        payload = json.dumps(data).replace("</", "<\\/")
        return (f'<div class="sb-root" id="{self._prefix}">'
                f"<style>{_CSS.replace('ROOT', '#' + self._prefix)}</style>"
                f'<div class="sb-picture">{picture}</div>'
                f'<ol class="sb-strip">{strip}</ol>'
                f'<script type="application/json" class="sb-data">{payload}</script>'
                f"<script>{_SCRIPT.replace('ROOT_ID', self._prefix)}</script>"
                "</div>")

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        """Outside a notebook: the steps, one line each."""
        count = len(self.trace.steps)
        lines = [f"step_backward: {count} step{'s' if count > 1 else ''}"]
        for step in self.trace.steps:
            will_run = self.trace.tasks[step.task].will_run
            if will_run is not None and step.node not in will_run and not step.captured:
                what = "is taken from the queue but does not run (it leads to none of the inputs)"
            else:
                what = "runs on " + (", ".join(_values(g) for g in step.buffer) or "no gradient")
            lines.append(f"  {step.index + 1}. {self.title(step.node)} {what}")
        return "\n".join(lines)

    def save(self, path: str | os.PathLike) -> str:
        """Write a whole HTML page (open it in any browser, no network needed); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>step_backward'
                        f"</title></head><body>{self.html}</body></html>\n", encoding="utf-8")
        return str(path)


def _css(colour: str) -> str:
    return {"darkolivegreen1": "#caff70", "lightblue": "#add8e6", "lightgrey": "#d3d3d3",
            "thistle": "#d8bfd8", "white": "#ffffff"}.get(colour, colour)


def step_backward(tensors: Tensor | Sequence[Tensor], gradient=None, retain_graph: bool | None = None,
                  create_graph: bool = False, inputs=None, *, mode: str = "backward",
                  params=None) -> BackwardStepper:
    """Run the backward pass and show it step by step, from the engine's own trace.

    Takes ``backward()``'s arguments: ``gradient`` for a non-scalar output, ``retain_graph``,
    ``create_graph``, ``inputs``.  ``mode="grad"`` runs ``autograd.grad(tensors, inputs,
    grad_outputs=gradient, ...)`` instead: no ``.grad`` changes, only the nodes that lead to
    ``inputs`` run, and ``.result`` holds what ``grad`` returned.  ``params`` names the leaves, as
    in ``draw_graph``.  The pass really runs: after a plain ``step_backward(loss)`` the leaves'
    ``.grad`` are what ``loss.backward()`` gives.

    >>> a = torch.tensor(2., requires_grad=True)
    >>> b = a + a; c = b + b
    >>> torch.viz.step_backward(c, params={"a": a, "b": b})     # a picture with controls
    """
    if mode not in ("backward", "grad"):
        raise ValueError(f"mode must be 'backward' or 'grad', got {mode!r}")
    if mode == "grad" and inputs is None:
        raise ValueError("mode='grad' needs inputs: the tensors to differentiate with respect to")
    result = None
    with record_backward() as trace:
        if mode == "grad":
            result = autograd.grad(tensors, inputs, grad_outputs=gradient, retain_graph=retain_graph,
                                   create_graph=create_graph)
        else:
            autograd.backward(tensors, gradient, retain_graph=retain_graph, create_graph=create_graph,
                              inputs=inputs)
    return BackwardStepper(trace, params=params, result=result)


_CSS = """
ROOT { font-family: Helvetica, Arial, sans-serif; font-size: 13px; }
ROOT .sb-picture { max-height: 560px; overflow: auto; border: 1px solid #ddd; }
ROOT .sb-picture.sb-live { overflow: hidden; cursor: grab; max-height: none; }
ROOT .sb-picture svg { display: block; margin: 0 auto; }
ROOT .sb-boxes { padding: 6px; }
ROOT .sb-box { margin: 3px 0; padding: 3px 8px; border: 1px solid #555; border-radius: 6px; width: max-content; }
ROOT .sb-inputs { color: #555; font-size: 12px; }
ROOT .sb-strip h4 { margin: 10px 0 4px; }
ROOT .sb-controls { margin: 6px 0; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
ROOT .sb-controls input[type=range] { flex: 1; min-width: 160px; }
ROOT .sb-panel { border-left: 3px solid #d62728; padding: 2px 10px; }
ROOT table.sb-sends { border-collapse: collapse; }
ROOT table.sb-sends td, ROOT table.sb-sends th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
ROOT g.sb-current path, ROOT g.sb-current polygon { stroke: #d62728; stroke-width: 4px; }
ROOT g.sb-ready path, ROOT g.sb-ready polygon { stroke: #1f77b4; stroke-width: 3px; stroke-dasharray: 5 3; }
ROOT .sb-done { opacity: 0.55; }
ROOT .sb-dim { opacity: 0.2; }
ROOT .sb-hidden { display: none; }
ROOT g.sb-lit path { stroke: #d62728; stroke-width: 3px; }
ROOT g.sb-lit polygon { stroke: #d62728; fill: #d62728; }
ROOT div.sb-current { outline: 3px solid #d62728; }
ROOT div.sb-ready { outline: 2px dashed #1f77b4; }
ROOT .sb-badge { font-size: 11px; font-weight: bold; fill: #1f77b4; }
"""

# The controls: built by the script, so that without scripts only the picture and the strip show.
_SCRIPT = r"""
(function () {
  // The script's own .sb-root (JupyterLab may run it before the output is in the document).
  var here = document.currentScript;
  var root = (here && here.closest(".sb-root")) || document.getElementById("ROOT_ID");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector(".sb-data").textContent);
  var frames = data.frames, picture = root.querySelector(".sb-picture");
  var svg = picture.querySelector("svg"), strip = root.querySelector(".sb-strip");
  strip.style.display = "none";
  var bar = document.createElement("div"); bar.className = "sb-controls";
  function button(label, name) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = label;
    b.className = "sb-" + name; bar.appendChild(b); return b;
  }
  var previous = button("\u25C0 previous", "previous"), next = button("next \u25B6", "next");
  var play = button("play", "play");
  var slider = document.createElement("input"); slider.type = "range"; slider.min = 0;
  slider.max = frames.length - 1; slider.value = 0; slider.className = "sb-slider"; bar.appendChild(slider);
  var where = document.createElement("span"); where.className = "sb-where"; bar.appendChild(where);
  var zoomIn = button("+", "zoom-in"), zoomOut = button("\u2212", "zoom-out"), fit = button("fit", "fit");
  var followBox = document.createElement("label");
  followBox.innerHTML = '<input type="checkbox" class="sb-follow" checked> follow';
  bar.appendChild(followBox);
  var panel = document.createElement("div"); panel.className = "sb-panel";
  root.insertBefore(bar, picture);
  root.insertBefore(panel, strip);
  if (!svg) { [zoomIn, zoomOut, fit, followBox].forEach(function (e) { e.style.display = "none"; }); }

  // Pan and zoom through the viewBox: drag to pan, Ctrl + wheel or the buttons to zoom.
  var box = null, full = null;
  if (svg) {
    picture.classList.add("sb-live");
    full = svg.viewBox.baseVal;
    full = {x: full.x, y: full.y, w: full.width, h: full.height};
    // Natural size (1pt = 4/3 px) when it fits the width, else scaled to the width; at most
    // 460 px high, showing the top: the picture is then panned, and "follow" moves with the steps.
    var width = picture.clientWidth || 800, scale = Math.min(4 / 3, width / full.w);
    var height = Math.min(full.h * scale, 460);
    box = {x: full.x + (full.w - width / scale) / 2, y: full.y, w: width / scale, h: height / scale};
    svg.setAttribute("width", "100%"); svg.setAttribute("height", height + "px");
    svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
    applyBox();
  }
  function applyBox() { svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" ")); }
  function zoom(factor, cx, cy) {
    if (cx === undefined) { cx = box.x + box.w / 2; cy = box.y + box.h / 2; }
    box.x = cx - (cx - box.x) * factor; box.y = cy - (cy - box.y) * factor;
    box.w *= factor; box.h *= factor; applyBox();
  }
  if (svg) {
    zoomIn.onclick = function () { zoom(0.7); };
    zoomOut.onclick = function () { zoom(1 / 0.7); };
    fit.onclick = function () { box = {x: full.x, y: full.y, w: full.w, h: full.h}; applyBox(); };
    picture.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault(); zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15);
    }, {passive: false});
    var drag = null;
    picture.addEventListener("mousedown", function (event) {
      drag = {x: event.clientX, y: event.clientY, bx: box.x, by: box.y};
    });
    window.addEventListener("mouseup", function () { drag = null; });
    window.addEventListener("mousemove", function (event) {
      if (!drag) { return; }
      var scale = box.w / picture.clientWidth;
      box.x = drag.bx - (event.clientX - drag.x) * scale; box.y = drag.by - (event.clientY - drag.y) * scale;
      applyBox();
    });
  }
  function follow(id) {
    if (!svg || !root.querySelector(".sb-follow").checked || !id) { return; }
    var element = svg.getElementById ? svg.getElementById(id) : root.querySelector("#" + id);
    if (!element) { return; }
    var b = element.getBBox(), m = element.getCTM(), s = svg.getCTM();
    if (!m || !s) { return; }
    var local = s.inverse().multiply(m);
    var cx = local.a * (b.x + b.width / 2) + local.e, cy = local.d * (b.y + b.height / 2) + local.f;
    if (cx < box.x || cx > box.x + box.w || cy < box.y || cy > box.y + box.h) {
      box.x = cx - box.w / 2; box.y = cy - box.h / 2; applyBox();
    }
  }

  var nodes = {};
  root.querySelectorAll("[id^='ROOT_ID_n']").forEach(function (element) { nodes[element.id] = element; });
  var edges = root.querySelectorAll("[id^='ROOT_ID_e']");
  function badge(element, count) {
    var old = element.querySelector(".sb-badge"); if (old) { old.remove(); }
    if (!count || element.tagName.toLowerCase() !== "g") { return; }
    var shape = element.querySelector("path, polygon"); if (!shape) { return; }
    var b = shape.getBBox();
    var text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    text.setAttribute("x", b.x + b.width + 3); text.setAttribute("y", b.y + 9);
    text.setAttribute("class", "sb-badge"); text.textContent = "waits " + count;
    element.appendChild(text);
  }
  var current = 0, timer = null;
  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index));
    var frame = frames[current];
    Object.keys(nodes).forEach(function (id) {
      var element = nodes[id], list = element.classList;
      list.toggle("sb-current", id === frame.node);
      list.toggle("sb-ready", frame.ready.indexOf(id) >= 0);
      list.toggle("sb-done", frame.done.indexOf(id) >= 0 && id !== frame.node);
      list.toggle("sb-dim", frame.dim.indexOf(id) >= 0);
      list.toggle("sb-hidden", data.recorded.indexOf(id) >= 0 && frame.shown.indexOf(id) < 0);
      badge(element, frame.counts[id]);
    });
    edges.forEach(function (element) { element.classList.toggle("sb-lit", frame.edges.indexOf(element.id) >= 0); });
    hideEdgesOfHidden();
    root.dataset.current = frame.node || "";
    root.dataset.frame = current;
    panel.innerHTML = "<h4>" + frame.title.replace(/[&<>]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]; }) + "</h4>" + frame.html;
    slider.value = current; where.textContent = (current + 1) + " / " + frames.length;
    previous.disabled = current === 0; next.disabled = current === frames.length - 1;
    follow(frame.node);
  }
  function hideEdgesOfHidden() {
    if (!svg) { return; }
    edges.forEach(function (element) {
      var title = element.querySelector("title"); if (!title) { return; }
      var ends = title.textContent.split("->");
      var hidden = ends.some(function (end) {
        var node = nodes[end.trim()]; return node && node.classList.contains("sb-hidden");
      });
      element.classList.toggle("sb-hidden", hidden);
    });
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "play"; } }
  root.tabIndex = 0;                   // focus the picture, then the arrow keys step too
  root.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault(); stop(); show(current + (event.key === "ArrowRight" ? 1 : -1));
    }
  });
  previous.onclick = function () { stop(); show(current - 1); };
  next.onclick = function () { stop(); show(current + 1); };
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (current === frames.length - 1) { show(0); }
    play.textContent = "pause";
    timer = setInterval(function () { if (current >= frames.length - 1) { stop(); } else { show(current + 1); } }, 1200);
  };
  show(0);
})();
"""
