"""``autograd.graph.record_backward`` and ``viz.step_backward``: the trace is the engine's truth.

For each example the chapters step through (the diamond, ``a**2 + 2*b**3``, a broadcasting
``x @ W + b``, ``create_graph``, ``autograd.grad``), the trace is checked against what the engine
did, seen another way: hooks on every node record the order in which nodes really run and the
input buffer each one receives; a plain ``backward()`` on a fresh copy of the graph gives the
``.grad`` the trace must end with; PyTorch, when installed, gives the same order of node names.
Then the HTML: self-contained, with the static strip; and, in Chromium, the controls.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import _drawing, backward_stepper, viz
from autograd_core.autograd.graph import record_backward
from autograd_core.function import AccumulateGrad

pytestmark = pytest.mark.filterwarnings("error")


# ---------------------------------------------------------------------------- the examples
@dataclass
class Example:
    """A graph built by ``build(lib)`` (autograd_core or PyTorch), and how backward is called."""

    build: Callable          # lib -> (output, {leaf name: leaf})
    gradient: Callable | None = None      # lib -> the gradient for a non-scalar output
    mode: str = "backward"
    inputs: tuple = ()
    retain_graph: bool | None = None
    create_graph: bool = False


def _diamond(lib):
    a = lib.tensor(2.0, requires_grad=True)
    b = a + a
    b.retain_grad()
    return b + b, {"a": a}


def _polynomial(lib):
    a = lib.tensor(2.0, requires_grad=True)
    b = lib.tensor(3.0, requires_grad=True)
    return a ** 2 + 2 * b ** 3, {"a": a, "b": b}


def _broadcast(lib):
    x = lib.tensor(np.arange(6.0).reshape(3, 2) / 4, requires_grad=True)
    W = lib.tensor(np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 1.5, -1.0, 2.0]]), requires_grad=True)
    b = lib.tensor(np.array([0.1, 0.2, 0.3, 0.4]), requires_grad=True)
    return x @ W + b, {"x": x, "W": W, "b": b}


def _cube(lib):
    x = lib.tensor(1.5, requires_grad=True)
    return x ** 3 * 2, {"x": x}


EXAMPLES = {
    "diamond": Example(_diamond),
    "polynomial": Example(_polynomial),
    "broadcast": Example(_broadcast, gradient=lambda lib: lib.tensor(np.arange(12.0).reshape(3, 4))),
    "broadcast_retain": Example(_broadcast, gradient=lambda lib: lib.ones(3, 4, dtype=lib.float64),
                                retain_graph=True),
    "create_graph": Example(_cube, create_graph=True),
    "grad_of_a": Example(_polynomial, mode="grad", inputs=("a",)),
}


def _run(example: Example, lib, output, leaves, observe: bool):
    gradient = example.gradient(lib) if example.gradient else None
    if example.mode == "grad":
        inputs = [leaves[name] for name in example.inputs]
        if observe:
            return viz.step_backward(output, gradient, inputs=inputs, mode="grad", params=leaves,
                                     create_graph=example.create_graph)
        return lib.autograd.grad(output, inputs, grad_outputs=gradient, create_graph=example.create_graph)
    if observe:
        return viz.step_backward(output, gradient, retain_graph=example.retain_graph,
                                 create_graph=example.create_graph, params=leaves)
    output.backward(gradient, retain_graph=example.retain_graph, create_graph=example.create_graph)
    return None


def _watch(output) -> list:
    """Hooks on every node of the graph: ``[(node, its input buffer as arrays)]`` in run order."""
    seen, stack, log = set(), [output.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            node.variable.register_hook(lambda grad, node=node: log.append((node, [grad.detach().numpy().copy()])))
        else:
            node.register_prehook(lambda grads, node=node: log.append(
                (node, [None if g is None else g.detach().numpy().copy() for g in grads])))
        stack.extend(child for child, _ in node.next_functions)
    return log


@pytest.fixture(params=list(EXAMPLES), scope="module")
def stepped(request):
    """``(example, stepper, hook log, leaves)`` with hooks watching the same pass."""
    example = EXAMPLES[request.param]
    output, leaves = example.build(torch)
    log = _watch(output)
    stepper = _run(example, torch, output, leaves, observe=True)
    return example, stepper, log, leaves


# ---------------------------------------------------------------------------- the trace
def test_the_trace_follows_the_engines_real_order(stepped):
    example, stepper, log, _ = stepped
    task = stepper.trace.tasks[0]
    ran = [step.node for step in stepper.trace.steps
           if task.will_run is None or step.node in task.will_run]
    hooked = [node for node, _ in log]
    if example.mode == "grad":
        # autograd.grad captures the inputs' gradients instead of running AccumulateGrad; their
        # tensor hooks still run (as in PyTorch), so compare the nodes that really run
        ran = [node for node in ran if not isinstance(node, AccumulateGrad)]
        hooked = [node for node in hooked if not isinstance(node, AccumulateGrad)]
    assert ran == hooked
    assert len(set(map(id, ran))) == len(ran), "a node ran twice"


def test_each_buffer_is_the_sum_of_what_arrived_and_what_the_node_received(stepped):
    _, stepper, log, _ = stepped
    received = {id(node): grads for node, grads in log}
    sent_to: dict = {}
    for step in stepper.trace.steps:
        arrived_here = sent_to.pop(id(step.node), [])
        for slot, buffer in enumerate(step.buffer):
            parts = [a.value for a in step.arrived if a.slot == slot]
            np.testing.assert_allclose(sum(parts), buffer, err_msg=f"{step.name}: buffer != sum of arrivals")
        # every arrival is exactly what an earlier step sent (or the gradient given to backward)
        from_steps = sorted(np.asarray(a.value).tobytes() for a in step.arrived if a.source is not None)
        assert from_steps == sorted(v.tobytes() for v in arrived_here)
        if id(step.node) in received and step.buffer:
            for got, buffer in zip(received[id(step.node)], step.buffer):
                np.testing.assert_allclose(got, buffer, err_msg=f"{step.name} ran on another buffer")
        for send in step.sends:
            if send.target is not None and send.sent is not None:
                sent_to.setdefault(id(send.target), []).append(send.sent)


def test_un_broadcasting_is_shown_before_and_after():
    output, leaves = _broadcast(torch)
    stepper = viz.step_backward(output.sum(), params=leaves)
    add = next(step for step in stepper.trace.steps if step.name == "AddBackward0")
    shapes = {id(send.target): (send.returned.shape, send.sent.shape) for send in add.sends}
    bias_node = leaves["b"].grad_fn or next(
        send.target for send in add.sends if getattr(send.target, "variable", None) is leaves["b"])
    assert shapes[id(bias_node)] == ((3, 4), (4,))
    np.testing.assert_allclose(add.sends[1].sent, add.sends[1].returned.sum(axis=0))
    assert "un-broadcast: [3, 4] summed to [4]" in stepper.html


def test_the_leaves_end_with_what_a_plain_backward_gives(stepped):
    example, stepper, _, leaves = stepped
    fresh_output, fresh_leaves = example.build(torch)
    plain = _run(example, torch, fresh_output, fresh_leaves, observe=False)
    last_grad = {}
    for step in stepper.trace.steps:
        if step.leaf_grad is not None:
            last_grad[id(step.node.variable)] = step.leaf_grad
    if example.mode == "grad":
        captured = {index: value for step in stepper.trace.steps for index, value in step.captured}
        for index, expected in enumerate(plain):
            np.testing.assert_allclose(captured[index], expected.detach().numpy())
            np.testing.assert_allclose(stepper.result[index].detach().numpy(), expected.detach().numpy())
        assert all(leaf.grad is None for leaf in leaves.values()), "autograd.grad touched .grad"
        return
    for name, leaf in leaves.items():
        expected = fresh_leaves[name].grad.detach().numpy()
        np.testing.assert_allclose(last_grad[id(leaf)], expected, err_msg=name)
        np.testing.assert_allclose(leaf.grad.detach().numpy(), expected, err_msg=name)


def test_the_order_of_node_names_is_pytorchs(stepped):
    real_torch = pytest.importorskip("torch")
    example, stepper, _, _ = stepped
    output, leaves = example.build(real_torch)
    names, seen, stack = [], set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        node.register_prehook(lambda grads, node=node: names.append(node.name().split("::")[-1]))
        stack.extend(child for child, _ in node.next_functions)
    with warnings.catch_warnings():           # PyTorch warns about backward(create_graph=True)
        warnings.simplefilter("ignore", UserWarning)
        _run(example, real_torch, output, leaves, observe=False)
    task = stepper.trace.tasks[0]
    ours = [step.name for step in stepper.trace.steps if task.will_run is None or step.node in task.will_run
            or step.captured]
    if example.mode == "grad":
        ours = [name for name in ours if name != "AccumulateGrad"]
        names = [name for name in names if name != "AccumulateGrad"]
    assert ours == names


def test_dependencies_and_the_ready_queue_follow_kahns_algorithm():
    output, leaves = _diamond(torch)
    stepper = viz.step_backward(output, params=leaves)
    task = stepper.trace.tasks[0]
    accumulate = leaves["a"].grad_fn or task.nodes[-1]
    assert task.ready == [task.roots[0]]
    first, second, last = stepper.trace.steps
    assert first.dependencies[second.node] == 0 and first.ready == [second.node]
    assert first.dependencies[accumulate] == 2           # two edges from b = a + a into a
    assert second.dependencies[accumulate] == 0 and second.ready == [accumulate]
    assert [a.source for a in second.arrived] == [first.node, first.node]    # c = b + b: twice
    assert last.leaf_grad == 4.0 and last.ready == []


def test_saved_tensors_are_freed_unless_retain_graph():
    for retain, fate in ((None, "freed"), (True, "kept (retain_graph=True)")):
        output, leaves = _broadcast(torch)
        stepper = viz.step_backward(output.sum(), retain_graph=retain, params=leaves)
        mm = next(step for step in stepper.trace.steps if step.name == "MmBackward0")
        assert mm.saved == ["[3, 2]", "[2, 4]"]
        assert mm.saved_freed is (retain is None)
        assert (mm.node._saved is None) is (retain is None)
        assert f"<b>{fate}</b>" in stepper.html


def test_create_graph_shows_the_nodes_it_records_and_the_second_pass():
    x = torch.tensor(1.5, requires_grad=True)
    with record_backward() as trace:
        (first,) = torch.autograd.grad(x ** 3, x, create_graph=True)
        first.backward()
    assert len(trace.tasks) == 2
    recorded = [node for step in trace.steps if step.task == 0 for node in step.recorded]
    assert first.grad_fn in recorded                         # 3 x**2 is itself a graph
    second = [step for step in trace.steps if step.task == 1]
    assert second[0].node is first.grad_fn and x.grad.item() == pytest.approx(6 * 1.5)
    stepper = viz.BackwardStepper(trace, params={"x": x})
    assert "create_graph recorded" in stepper.html and "Pass 2 starts" in stepper.html


def test_grad_mode_runs_only_the_nodes_that_lead_to_the_inputs():
    output, leaves = _polynomial(torch)
    stepper = viz.step_backward(output, inputs=[leaves["a"]], mode="grad", params=leaves)
    task = stepper.trace.tasks[0]
    names_run = sorted(type(node).__name__ for node in task.will_run)
    assert names_run == ["AddBackward0", "PowBackward0"]
    assert stepper.result[0].item() == 4.0
    skipped = [step for step in stepper.trace.steps if step.node not in task.will_run and not step.captured]
    assert [step.name for step in skipped] == ["MulBackward0"] and skipped[0].sends == []


def test_nothing_is_recorded_outside_the_block():
    a = torch.tensor(2.0, requires_grad=True)
    with record_backward() as trace:
        (a * 3).backward()
    (a * 3).backward()
    assert trace.order == ["MulBackward0", "AccumulateGrad"]
    assert torch.engine._recording_observer is None


def test_bad_arguments_say_what_is_wrong():
    a = torch.tensor(2.0, requires_grad=True)
    with pytest.raises(ValueError, match="mode='grad' needs inputs"):
        viz.step_backward(a * 2, mode="grad")
    with pytest.raises(ValueError, match="mode must be"):
        viz.step_backward(a * 2, mode="forward")
    with pytest.raises(ValueError, match="no steps"):
        viz.BackwardStepper(torch.autograd.graph.BackwardTrace())


# ---------------------------------------------------------------------------- the HTML
_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _assert_self_contained(page: str) -> None:
    assert not re.search(r"\b(src|href)\s*=", page), "the HTML loads something"
    assert "@import" not in page and "url(" not in page
    for address in re.findall(r"https?://[^\s\"'<>)]*", page):
        assert address in _NAMESPACES, f"the HTML names {address}"


def test_the_html_is_self_contained_and_holds_the_static_strip(stepped):
    _, stepper, _, _ = stepped
    page = stepper.html
    _assert_self_contained(page)
    strip = re.search(r'<ol class="sb-strip">(.*?)</ol><script', page, re.S).group(1)
    items = re.findall(r'<li class="sb-strip-step"><h4>(.*?)</h4>', strip)
    assert len(items) == len(stepper.trace.steps) + len(stepper.trace.tasks)
    for step in stepper.trace.steps:
        assert f"Step {step.index + 1} of {len(stepper.trace.steps)}: {stepper.title(step.node)}" in items
    if shutil.which("dot") and viz._graphviz_module():
        assert "<svg" in page and all(stepper.element_id(step.node) in page for step in stepper.trace.steps)


def test_without_dot_the_picture_is_a_list_of_boxes(monkeypatch, capsys):
    monkeypatch.setattr(backward_stepper, "_why_no_pictures", lambda: viz.MISSING_DOT_MESSAGE)
    monkeypatch.setattr(_drawing, "_fallback_explained", False)
    output, leaves = _diamond(torch)
    stepper = viz.step_backward(output, params=leaves)
    page = stepper.html
    assert "<svg" not in page and 'class="sb-boxes"' in page
    assert all(f'id="{stepper.element_id(step.node)}"' in page for step in stepper.trace.steps)
    assert "Graphviz's `dot` program is not installed" in capsys.readouterr().out
    _assert_self_contained(page)


def _resnet_block_stepper():
    torch.manual_seed(0)
    block = torch.models.resnet18().layer1[0]
    loss = block(torch.randn(1, 64, 4, 4)).sum()
    return viz.step_backward(loss, params=dict(block.named_parameters()))


def test_a_resnet_block_is_stepped_node_by_node():
    stepper = _resnet_block_stepper()
    assert len(stepper.trace.steps) == len({id(step.node) for step in stepper.trace.steps}) >= 14
    assert "AccumulateGrad (conv1.weight)" in stepper.html
    assert re.search(r"Pending dependencies</b>: ([^<]*, ){12}and \d+ more<", stepper.html)


# ---------------------------------------------------------------------------- in a browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=_FLAGS)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors
        context.close()


def _current(page) -> str:
    return page.eval_on_selector(".sb-root", "root => root.dataset.current")


def _highlighted(page) -> list:
    return page.eval_on_selector_all(".sb-current", "elements => elements.map(e => e.id)")


@pytest.mark.parametrize("name", ["diamond", "grad_of_a", "create_graph"])
def test_the_controls_step_through_the_trace_in_chromium(browser_page, name, tmp_path):
    page, errors = browser_page
    example = EXAMPLES[name]
    output, leaves = example.build(torch)
    stepper = _run(example, torch, output, leaves, observe=True)
    page.goto((Path(stepper.save(tmp_path / f"{name}.html"))).as_uri())
    assert page.eval_on_selector(".sb-strip", "strip => getComputedStyle(strip).display") == "none"
    expected = [None]                                   # the slider's positions: start, then each step
    for step in stepper.trace.steps:
        if step.task != stepper.trace.steps[step.index - 1].task and step.index:
            expected.append(None)                       # a second pass starts
        expected.append(stepper.element_id(step.node))
    labels = {stepper.element_id(step.node): step.name for step in stepper.trace.steps}
    recorded_by: dict = {}                                # create_graph: element id -> its step
    for step in stepper.trace.steps:
        for node in step.recorded:
            recorded_by.setdefault(stepper.element_id(node), step.index)
    if name == "create_graph":
        assert recorded_by, "create_graph recorded nothing"
    step_index = -1
    for position, node_id in enumerate(expected):
        if position:
            page.click(".sb-next")
        step_index += node_id is not None
        assert _current(page) == (node_id or "")
        assert _highlighted(page) == ([node_id] if node_id else [])
        hidden = set(page.eval_on_selector_all(".sb-hidden", "elements => elements.map(e => e.id)"))
        assert {i for i, at in recorded_by.items() if at > step_index or node_id is None} <= hidden
        assert not {i for i, at in recorded_by.items() if at <= step_index and node_id} & hidden
        if node_id and not name.startswith("grad"):
            text = page.eval_on_selector(f"#{node_id}", "e => e.textContent")
            assert labels[node_id] in text or "AccumulateGrad" == labels[node_id]
    assert page.is_disabled(".sb-next")
    page.click(".sb-previous")
    assert _current(page) == (expected[-2] or "")
    page.fill(".sb-slider", "1")
    assert _current(page) == expected[1]
    page.focus(".sb-root")
    page.keyboard.press("ArrowRight")
    assert _current(page) == (expected[2] or "")
    if name != "diamond":
        return                                          # play: once is enough (1.2 s a frame)
    page.fill(".sb-slider", "0")
    page.click(".sb-play")
    page.wait_for_function("() => document.querySelector('.sb-root').dataset.frame == "
                           f"'{len(expected) - 1}'", timeout=2_000 * len(expected))
    assert _current(page) == expected[-1] and errors == []


def test_a_big_graph_pans_zooms_and_follows_the_running_node(browser_page, tmp_path):
    page, errors = browser_page
    stepper = _resnet_block_stepper()
    page.goto(Path(stepper.save(tmp_path / "block.html")).as_uri())

    def view_box() -> list:
        return [float(v) for v in page.get_attribute(".sb-picture svg", "viewBox").split()]

    start = view_box()
    page.click(".sb-zoom-in")
    zoomed = view_box()
    assert zoomed[2] < start[2] and zoomed[3] < start[3]
    box = page.locator(".sb-picture").bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.up()
    panned = view_box()
    assert panned[0] > zoomed[0] and panned[1] > zoomed[1] and panned[2:] == zoomed[2:]
    page.fill(".sb-slider", str(len(stepper.trace.steps)))     # the last step: a leaf far below
    followed = view_box()
    assert followed[:2] != panned[:2] and errors == []
    page.click(".sb-fit")
    assert view_box()[3] > followed[3]                         # the whole height: all of it


def test_where_scripts_do_not_run_the_static_strip_shows_every_step(browser_page, tmp_path):
    page, errors = browser_page
    output, leaves = _polynomial(torch)
    stepper = viz.step_backward(output, params=leaves)
    # What GitHub's preview (or an untrusted notebook) shows: the same HTML without its scripts.
    page_html = re.sub(r"<script>.*?</script>", "", stepper.html, flags=re.S)
    path = tmp_path / "no_script.html"
    path.write_text(f"<!DOCTYPE html><html><body>{page_html}</body></html>", encoding="utf-8")
    page.goto(path.as_uri())
    assert page.locator(".sb-controls").count() == 0
    assert page.is_visible(".sb-strip") and page.is_visible(".sb-picture svg, .sb-boxes")
    shown = page.locator(".sb-strip-step h4").all_inner_texts()
    assert shown[1:] == [f"Step {step.index + 1} of {len(stepper.trace.steps)}: {stepper.title(step.node)}"
                         for step in stepper.trace.steps]
    assert errors == []
