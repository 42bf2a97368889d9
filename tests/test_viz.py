"""``autograd_core.viz``: the graph picture (read back from its DOT text), the text tree and its
fallback when Graphviz's ``dot`` is missing, and the matplotlib plots.

The pictures are checked through ``.source``: a small parser below turns the DOT text into nodes
(id -> attributes) and edges, so each test says which boxes and arrows a learner would see.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import _drawing, viz

graphviz = pytest.importorskip("graphviz")

pytestmark = pytest.mark.filterwarnings("error")     # a warning would reach stderr in a notebook

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")


# ---------------------------------------------------------------------------- reading DOT back
_STATEMENT = re.compile(r"^\s*(\w+)(?: -> (\w+))?(?: \[(.*)\])?\s*$")
_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)')


def _attributes(text: str | None) -> dict:
    attributes = {}
    for key, value in _ATTRIBUTE.findall(text or ""):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        attributes[key] = value.replace("\\n", "\n")
    return attributes


def parse_dot(source: str) -> tuple[dict, list]:
    """``({node id: attributes}, [(tail, head, attributes), ...])`` from a DOT text."""
    nodes, edges = {}, []
    for line in source.splitlines()[1:-1]:
        match = _STATEMENT.match(line)
        assert match, f"unexpected DOT line: {line!r}"
        first, second, attrs = match.groups()
        if second is not None:
            edges.append((first, second, _attributes(attrs)))
        elif first not in ("graph", "node", "edge"):
            assert first not in nodes, f"node {first} declared twice"
            nodes[first] = _attributes(attrs)
    return nodes, edges


def by_label(nodes: dict, first_line: str) -> list:
    """The ids of the nodes whose label starts with the line ``first_line``."""
    return [k for k, a in nodes.items() if a.get("label", k).split("\n")[0] == first_line]


def only(ids: list) -> str:
    assert len(ids) == 1, f"expected exactly one node, found {ids}"
    return ids[0]


def plain_edges(edges: list) -> list:
    """The graph's arrows, without the dashed saved-tensor links."""
    return sorted((a, b) for a, b, attrs in edges if attrs.get("dir") != "none")


@pytest.fixture
def xy():
    x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = torch.tensor([[5., 6.], [7., 8.]], requires_grad=True)
    return x, y


# ---------------------------------------------------------------------------- the picture
def test_sum_of_product_draws_the_torchviz_picture(xy):
    x, y = xy
    picture = viz.draw_graph((x * y).sum(), params={"x": x, "y": y})
    nodes, edges = parse_dot(picture.source)

    total = only(by_label(nodes, "SumBackward0"))
    product = only(by_label(nodes, "MulBackward0"))
    leaf_x, leaf_y = only(by_label(nodes, "x")), only(by_label(nodes, "y"))
    output = only([k for k, a in nodes.items() if a.get("fillcolor") == viz.OUTPUT_COLOR])
    assert len(nodes) == 5, nodes                      # no saved tensors unless asked

    # Arrows go from inputs toward outputs, as torchviz draws them.
    assert plain_edges(edges) == sorted([(leaf_x, product), (leaf_y, product), (product, total),
                                         (total, output)])
    assert nodes[leaf_x]["label"] == "x\n[2, 2]"
    assert nodes[leaf_x]["fillcolor"] == nodes[leaf_y]["fillcolor"] == viz.LEAF_COLOR
    assert nodes[total].get("fillcolor", viz.NODE_COLOR) == viz.NODE_COLOR   # the default: grey
    assert nodes[output]["label"] == "output\n[]"


def test_leaf_labels_come_from_params_in_any_form(xy):
    x, y = xy
    z = (x * y).sum()
    named = parse_dot(viz.make_dot(z, params=[("layer.weight", x), ("layer.bias", y)]).source)[0]
    assert only(by_label(named, "layer.weight")) and only(by_label(named, "layer.bias"))

    unnamed = parse_dot(viz.draw_graph(z).source)[0]
    leaves = [a["label"] for a in unnamed.values() if a.get("fillcolor") == viz.LEAF_COLOR]
    assert leaves == ["[2, 2]", "[2, 2]"]              # no name given: the shape only

    with pytest.raises(TypeError, match="'x'"):
        viz.draw_graph(z, params={"x": 3.0})


def test_make_dot_is_draw_graph():
    assert viz.make_dot is viz.draw_graph


def test_show_saved_adds_the_tensors_mul_saved(xy):
    x, y = xy
    z = (x * y).sum()
    assert not [a for a in parse_dot(viz.draw_graph(z).source)[0].values()
                if a.get("fillcolor") == viz.SAVED_COLOR]

    nodes, edges = parse_dot(viz.draw_graph(z, params={"x": x, "y": y}, show_saved=True).source)
    product = only(by_label(nodes, "MulBackward0"))
    total = only(by_label(nodes, "SumBackward0"))
    saved = {k for k, a in nodes.items() if a.get("fillcolor") == viz.SAVED_COLOR}
    assert sorted(nodes[k]["label"] for k in saved) == ["x\n[2, 2]", "y\n[2, 2]"]
    links = [(a, b) for a, b, attrs in edges if attrs.get("dir") == "none"]
    assert sorted(links) == sorted((k, product) for k in saved)   # both to Mul, none to Sum
    assert all(b != total for _, b in links)


def test_show_saved_says_when_backward_freed_them(xy):
    x, y = xy
    z = (x * y).sum()
    z.backward()
    nodes, _ = parse_dot(viz.draw_graph(z, show_saved=True).source)
    product = only(by_label(nodes, "MulBackward0"))
    assert nodes[product]["label"] == "MulBackward0\n(saved tensors freed)"
    assert not [a for a in nodes.values() if a.get("fillcolor") == viz.SAVED_COLOR]
    assert "MulBackward0  (saved tensors freed)" in viz.text_graph(z, show_saved=True)


def test_show_saved_flags_a_tensor_modified_in_place():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3)
    c = (a * b).sum()
    b.add_(1)                                    # what makes c.backward() fail
    nodes, _ = parse_dot(viz.draw_graph(c, show_saved=True).source)
    stale = [k for k, attrs in nodes.items() if "modified in place" in attrs.get("label", "")]
    assert len(stale) == 1
    assert "saved at _version 0, now 1" in nodes[stale[0]]["label"]
    assert nodes[stale[0]]["color"] == "red"


def test_values_grad_and_version_in_labels(xy):
    x, y = xy
    z = (x * y).sum()
    before = parse_dot(viz.draw_graph(z, params={"x": x}, show_grad=True).source)[0]
    assert before[only(by_label(before, "x"))]["label"] == "x\n[2, 2]\ngrad: None"

    z.backward(retain_graph=True)
    nodes, _ = parse_dot(viz.draw_graph(z, params={"x": x, "loss": z}, show_values=True,
                                        show_grad=True, show_version=True).source)
    assert nodes[only(by_label(nodes, "x"))]["label"] == (
        "x\n[2, 2]\nvalue: [[1., 2.], [3., 4.]]\ngrad: [[5., 6.], [7., 8.]]\n_version: 0")
    # the output is not a leaf: its .grad is None, and reading it must not warn (stderr)
    assert nodes[only(by_label(nodes, "loss"))]["label"] == "loss\n[]\nvalue: 70\ngrad: None\n_version: 0"


def test_the_diamond_draws_each_node_once():
    a = torch.tensor(2., requires_grad=True)
    b = a + a
    c = b + b
    nodes, edges = parse_dot(viz.draw_graph(c, params={"a": a}).source)
    adds = by_label(nodes, "AddBackward0")
    leaf = only(by_label(nodes, "a"))
    assert len(adds) == 2 and len(nodes) == 4          # two Adds, the leaf, the output
    first = only([k for k in adds if (leaf, k) in plain_edges(edges)])
    second = only([k for k in adds if k != first])
    # one arrow per use: a feeds b twice, b feeds c twice
    assert plain_edges(edges).count((leaf, first)) == 2
    assert plain_edges(edges).count((first, second)) == 2

    assert viz.text_graph(c, params={"a": a}) == (
        "AddBackward0\n"
        "├── AddBackward0  #1\n"
        "│   ├── AccumulateGrad  #2  a  []  requires_grad\n"
        "│   └── AccumulateGrad  #2  (see above)\n"
        "└── AddBackward0  #1  (see above)"
    )


def test_text_graph_reads_like_the_course_shows_it():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    out = (y * y * 3).mean()
    text = viz.text_graph(out, params={"x": x})
    assert text == (
        "MeanBackward0\n"
        "└── MulBackward0\n"
        "    └── MulBackward0\n"
        "        ├── AddBackward0  #1\n"
        "        │   └── AccumulateGrad  x  [2, 2]  requires_grad\n"
        "        └── AddBackward0  #1  (see above)"
    )
    assert isinstance(text, str) and repr(text) == str(text)    # displays as the tree, not quoted


def test_leaves_and_tensors_without_a_graph():
    w = torch.ones(3, requires_grad=True)
    plain = torch.ones(3)
    assert viz.text_graph(w, params={"w": w}) == "w  [3]  requires_grad (a leaf: no graph behind it)"
    assert "requires_grad=False" in viz.text_graph(plain)
    nodes, edges = parse_dot(viz.draw_graph(plain).source)
    assert len(nodes) == 1 and not edges
    assert "no graph" in next(iter(nodes.values()))["label"]


def test_several_outputs_share_one_graph(xy):
    x, y = xy
    hidden = x * y
    loss = hidden.sum()
    nodes, edges = parse_dot(viz.draw_graph(loss, hidden, params={"loss": loss, "hidden": hidden}).source)
    product = only(by_label(nodes, "MulBackward0"))
    assert (product, only(by_label(nodes, "hidden"))) in plain_edges(edges)
    assert (only(by_label(nodes, "SumBackward0")), only(by_label(nodes, "loss"))) in plain_edges(edges)


def _chain(length: int):
    x = torch.tensor(1., requires_grad=True)
    y = x
    for _ in range(length):
        y = y + 1.0
    return x, y


def test_ten_thousand_nodes_need_no_recursion():
    _, y = _chain(9_999)                     # 9,999 AddBackward0 and one AccumulateGrad
    nodes, edges = parse_dot(viz.draw_graph(y, max_nodes=None).source)
    assert len(by_label(nodes, "AddBackward0")) == 9_999
    assert len(nodes) == 10_001 and len(edges) == 10_000

    _, deep = _chain(1_500)                  # deeper than the default recursion limit (1,000)
    lines = viz.text_graph(deep, max_nodes=None).splitlines()
    assert len(lines) == 1_501
    assert lines[-1].strip() == "└── AccumulateGrad  []  requires_grad"


def test_max_nodes_cuts_the_picture_and_says_so():
    _, y = _chain(500)
    nodes, edges = parse_dot(viz.draw_graph(y, max_nodes=50).source)
    assert len(by_label(nodes, "AddBackward0")) == 50
    note = nodes["more"]["label"]
    assert "451 more nodes not drawn" in note and "max_nodes=50" in note and "501 in all" in note
    assert ("more", by_label(nodes, "AddBackward0")[-1]) in plain_edges(edges)

    lines = viz.text_graph(y, max_nodes=50).splitlines()
    assert len(lines) == 51
    assert lines[-1] == "... 451 more nodes not shown (max_nodes=50; 501 nodes in all)"

    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(y, max_nodes=0)


# ---------------------------------------------------------------------------- without `dot`
@pytest.fixture
def no_dot(monkeypatch):
    """A machine without Graphviz's dot program, whose learner has not been told yet."""
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    monkeypatch.setattr(_drawing, "_fallback_explained", False)


def test_without_dot_the_text_tree_is_shown_and_the_learner_told_once(no_dot, xy, capfd, tmp_path):
    x, y = xy
    z = (x * y).sum()
    picture = viz.draw_graph(z, params={"x": x, "y": y})
    bundle = picture._repr_mimebundle_()
    again = viz.draw_graph(z * 2)
    again._repr_mimebundle_()
    written = picture.render(tmp_path / "graph.png")

    out, err = capfd.readouterr()
    assert err == ""
    assert out.count(viz.MISSING_DOT_MESSAGE) == 1
    assert "Graphviz's `dot` program is not installed" in out
    assert picture.is_text_fallback
    assert picture._repr_svg_() is None and "image/svg+xml" not in bundle
    assert bundle["text/plain"] == str(picture.text) == repr(picture)
    assert "MulBackward0" in bundle["text/html"] and bundle["text/html"].startswith("<pre")
    assert "AccumulateGrad  x  [2, 2]  requires_grad" in bundle["text/plain"]
    assert written.endswith("graph.txt")
    assert "SumBackward0" in (tmp_path / "graph.txt").read_text()
    assert picture.source.startswith("digraph")        # the DOT text is still there to take away


def test_dot_vanishing_at_render_time_falls_back_too(monkeypatch, xy, capfd):
    monkeypatch.setattr(_drawing, "_fallback_explained", False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: "/usr/bin/dot")

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    x, y = xy
    picture = viz.draw_graph((x * y).sum())
    bundle = picture._repr_mimebundle_()
    picture._repr_mimebundle_()
    out, err = capfd.readouterr()
    assert err == "" and out.count(viz.MISSING_DOT_MESSAGE) == 1
    assert "image/svg+xml" not in bundle and "SumBackward0" in bundle["text/plain"]


@needs_dot
def test_with_dot_the_picture_is_svg_and_files_are_written(xy, capfd, tmp_path):
    x, y = xy
    picture = viz.draw_graph((x * y).sum(), params={"x": x, "y": y}, show_saved=True)
    bundle = picture._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert "<svg" in svg and "MulBackward0" in svg and ">x<" in svg
    assert "text/html" not in bundle and picture._repr_html_() is None   # HTML would outrank SVG
    assert not picture.is_text_fallback

    png = picture.render(tmp_path / "graph.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.render(tmp_path / "graph", format="svg").endswith("graph.svg")
    assert "<svg" in (tmp_path / "graph.svg").read_text()
    picture.save(tmp_path / "graph.dot")
    assert (tmp_path / "graph.dot").read_text() == picture.source
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# ---------------------------------------------------------------------------- plots
@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    open_before = plt.get_fignums()
    yield plt
    assert plt.get_fignums() == open_before     # the helpers leave no figure open in pyplot


def test_plot_function_draws_sin_and_its_derivatives(plt):
    from matplotlib.figure import Figure

    fig = viz.plot_function(torch.sin, (-3, 3), derivatives=1)
    assert isinstance(fig, Figure)
    f_line, d_line = fig.axes[0].get_lines()
    xs = d_line.get_xdata()
    assert xs[0] == -3 and xs[-1] == 3
    np.testing.assert_allclose(f_line.get_ydata(), np.sin(xs), atol=1e-12)
    np.testing.assert_allclose(d_line.get_ydata(), np.cos(xs), atol=1e-12)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["sin(x)", "sin′(x)"]

    lines = viz.plot_function(torch.sin, derivatives=2).axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[2].get_ydata(), -np.sin(lines[2].get_xdata()), atol=1e-12)
    assert len(viz.plot_function(torch.sin, derivatives=0).axes[0].get_lines()) == 1


def test_plot_function_second_derivative_of_a_polynomial_and_a_line(plt):
    lines = viz.plot_function(lambda x: x ** 3 - 2 * x, (0, 2), derivatives=2).axes[0].get_lines()
    xs = lines[0].get_xdata()
    np.testing.assert_allclose(lines[1].get_ydata(), 3 * xs ** 2 - 2, atol=1e-9)
    np.testing.assert_allclose(lines[2].get_ydata(), 6 * xs, atol=1e-9)
    assert lines[0].get_label() == "f(x)"

    straight = viz.plot_function(lambda x: 2 * x + 1, derivatives=2).axes[0].get_lines()
    np.testing.assert_allclose(straight[1].get_ydata(), 2.0)
    np.testing.assert_allclose(straight[2].get_ydata(), 0.0)

    with pytest.raises(TypeError, match="elementwise"):
        viz.plot_function(lambda x: 1.0)


def test_plot_losses(plt):
    from matplotlib.figure import Figure

    fig = viz.plot_losses([2.0, 1.0, 0.5, 0.25])
    assert isinstance(fig, Figure)
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_ydata()) == [2.0, 1.0, 0.5, 0.25]
    assert list(line.get_xdata()) == [0, 1, 2, 3]

    as_tensors = [torch.tensor(v, requires_grad=True) * 1 for v in (3.0, 2.0)]
    (line,) = viz.plot_losses(as_tensors).axes[0].get_lines()
    assert list(line.get_ydata()) == [3.0, 2.0]

    fig = viz.plot_losses({"train": [1.0, 0.5], "validation": [1.2, 0.9]}, log_scale=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["train", "validation"]
    assert ax.get_yscale() == "log"

    own_fig, own_ax = plt.subplots()
    assert viz.plot_losses([1.0, 0.1], ax=own_ax) is own_fig
    assert len(own_ax.get_lines()) == 1
    plt.close(own_fig)


def test_show_saved_draws_tensors_packed_by_saved_tensors_hooks_without_unpacking_them():
    unpacked = []
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: ("on disk", t.shape),
                                                  lambda packed: unpacked.append(packed)):
        y = x.exp() * x                    # exp saves its result, mul saves both inputs
    z = y.sum()
    nodes, edges = parse_dot(viz.draw_graph(z, show_saved=True).source)
    packed = {k: a["label"] for k, a in nodes.items() if a.get("fillcolor") == viz.SAVED_COLOR}
    assert sorted(packed.values()) == ["result packed by saved_tensors_hooks\nas tuple",
                                       "saved tensor packed by saved_tensors_hooks\nas tuple",
                                       "saved tensor packed by saved_tensors_hooks\nas tuple"]
    assert all("dashed" in nodes[k]["style"] for k in packed)
    exp, mul = only(by_label(nodes, "ExpBackward0")), only(by_label(nodes, "MulBackward0"))
    links = sorted(b for a, b, attrs in edges if attrs.get("dir") == "none")
    assert links == sorted([exp, mul, mul])
    text = viz.text_graph(z, show_saved=True)
    assert "ExpBackward0  saved: result packed by saved_tensors_hooks as tuple" in text
    assert unpacked == []                  # drawing never ran unpack_hook
