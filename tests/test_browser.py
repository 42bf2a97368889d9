"""What a student does in JupyterLab, done in a real browser: Debian's Chromium driven by
Playwright against `./course open` (tests/course_server.py starts it in a scratch workspace).

- Run All on chapter 1, and on chapter 3 (which has plots), goes through the whole unsolved
  chapter: every code cell runs, only exercise cells fail, and every picture (SVG and PNG)
  that the chapter draws is drawn;
- answering exercise 1 makes its test pass, and Validate then names every other exercise and
  its points;
- a predict-then-run exercise's explanation is folded until the learner opens it;
- an untouched chapter opens unmodified and closes without asking to save;
- the instructor's tools are absent (no nbgrader menu, /formgrader is 404).

What the page should show is read off the release run of tests/test_chapters.py (the `runs`
fixture: the release executed once by nbgrader's Validator), so nothing here is hard-coded per
chapter. Notebook windowing is off in this JupyterLab (a setting in the scratch settings
folder), so that every cell is in the page without scrolling.

Skipped, with a one-line reason, when Chromium or Playwright is missing (`./course test`
installs Chromium through apt when it runs as root). When a step fails, a screenshot of the
page is kept in test-output/browser/ (git-ignored) and its path printed.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_server import ROOT, course_open
from course_tools import coursekit, translation, validate_names
from course_tools import editions as edition_tools

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (./course test installs it through apt as root)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright is not installed (the test extra has it)")

# Headless, and quiet on a closed network: without the background-networking flags Chromium's
# own connections are refused and slow it down.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = ROOT / "test-output" / "browser"
TIMEOUT_MS = 90_000  # opening a notebook on a loaded 2-core machine can take 20 s
LAB_SETTINGS = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
CHAPTER = "01_tensors_and_leaves"
UNTOUCHED = "02_computational_graph"
PLOTS = "03_backward_and_the_chain_rule"  # graphs (SVG) and a loss plot (PNG)

ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
# Per cell of the open notebook: its prompt, whether it shows an error, and its pictures with
# whether each was drawn (an <img> decoded with a size, or an inline <svg> with a box).
READ_CELLS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    return [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => {
        const prompt = cell.querySelector('.jp-InputArea-prompt');
        const drawn = element => {
            if (element.tagName === 'IMG') return element.complete && element.naturalWidth > 0;
            const box = element.getBoundingClientRect();
            return box.width > 0 && box.height > 0;
        };
        const pictures = kind => [...cell.querySelectorAll(
            kind === 'svg' ? '.jp-RenderedSVG img, .jp-RenderedSVG svg' : '.jp-RenderedImage img'
        )].map(drawn);
        return {
            prompt: prompt ? prompt.textContent.trim() : '',
            error: cell.querySelector("%s") !== null,
            svg: pictures('svg'),
            png: pictures('png'),
        };
    });
}""" % ERROR_OUTPUT.replace('"', '\\"')


READ_PROMPTS = """indices => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
    return indices.map(
        i => (cells[i].querySelector('.jp-InputArea-prompt') || {}).textContent || '');
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with course_open(tmp_path_factory.mktemp("browser"), LAB_SETTINGS) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


@contextlib.contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    """Keep a screenshot of the page when the block fails, and say where."""
    try:
        yield
    except Exception as error:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            note = f"browser screenshot: {path}"
        except Exception as failure:  # the page itself may be gone
            note = f"no browser screenshot ({failure})"
        print(note)
        if hasattr(error, "add_note"):
            error.add_note(note)
        raise


def open_notebook(page, server, chapter: str, layout: str, name: str | None = None) -> None:
    """Open the chapter's notebook (`name`, by default the English one) in the workspace and
    wait for its kernel to be idle. Each test has its own JupyterLab layout, so no tab from
    another test is restored."""
    page.goto(f"{server.base}/lab/workspaces/{layout}/tree/{chapter}/{name or chapter + '.ipynb'}"
              f"?token={server.token}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for()
    page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for()


def wait_for_run(page, indices: list[int], timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Wait until a run is over: the first of the cells at `indices` numbered, none of them
    queued or running ([*]), and the kernel idle, for two seconds in a row (JupyterLab sends
    Run All's cells one after another; a run stopped by an error leaves the rest blank)."""
    deadline = time.monotonic() + timeout_s
    settled_since = None
    while time.monotonic() < deadline:
        prompts = page.evaluate(READ_PROMPTS, indices)
        idle = "Idle" in page.locator("#jp-main-statusbar").inner_text()
        if idle and re.search(r"\[\d+\]", prompts[0]) and not any("*" in p for p in prompts):
            settled_since = settled_since or time.monotonic()
            if time.monotonic() - settled_since >= 2:
                return
        else:
            settled_since = None
        page.wait_for_timeout(250)
    raise AssertionError(f"the run did not end within {timeout_s:.0f} s")


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()


def expected_pictures(nb) -> tuple[int, int]:
    """SVG and PNG pictures an executed notebook shows (a bundle with both shows its SVG)."""
    svg = png = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            svg += "image/svg+xml" in data
            png += "image/png" in data and "image/svg+xml" not in data
    return svg, png


def run_all_reads_the_whole_chapter(page, server, runs, chapter: str,
                                    name: str | None = None) -> list[int]:
    """Open the chapter's workspace copy (`name`: the edition's file), Run All, and check:
    every code cell ran, only exercise cells failed (the same as in the release run), and every
    picture of the release run is on the page, drawn. Returns the indices of the code cells."""
    release = coursekit.read_notebook(server.workspace / chapter / (name or f"{chapter}.ipynb"))
    ran = runs.release(chapter).notebook  # the release as nbgrader's Validator ran it
    code = [i for i, cell in enumerate(release.cells)
            if cell.cell_type == "code" and cell.source.strip()]
    exercise_cells = {i for i, cell in enumerate(release.cells)
                      if coursekit.is_solution_cell(cell) or coursekit.is_test_cell(cell)}
    layout = f"run-all-{name or chapter}".replace(".", "-")  # a dot ends a layout name
    open_notebook(page, server, chapter, layout, name)
    run_all(page)
    wait_for_run(page, code)
    cells = page.evaluate(READ_CELLS)
    assert len(cells) == len(release.cells)
    not_run = [i for i in code if not re.fullmatch(r"\[\d+\]:", cells[i]["prompt"])]
    assert not not_run, (
        f"Run All stopped: code cells {not_run} did not run (the last code cell is "
        f"{code[-1]}); is an exercise cell without the '{coursekit.RUN_ON_TAG}' tag?")
    failed = {i for i, cell in enumerate(cells) if cell["error"]}
    assert failed <= exercise_cells, f"explanation cells {sorted(failed - exercise_cells)} fail"
    assert failed == {i for i, cell in enumerate(ran.cells)
                      if any(o.output_type == "error" for o in cell.get("outputs", []))}
    svg = [drawn for cell in cells for drawn in cell["svg"]]
    png = [drawn for cell in cells for drawn in cell["png"]]
    assert (len(svg), len(png)) == expected_pictures(ran), "pictures shown (SVG, PNG)"
    assert all(svg) and all(png), "a picture is on the page but was not drawn"
    return code


def test_run_all_draws_every_picture_of_a_chapter_with_plots(browser, server, runs):
    assert all(expected_pictures(runs.release(PLOTS).notebook)), f"{PLOTS} draws no SVG or PNG"
    page = browser.new_page()
    with screenshot_on_failure(page, "run-all-plots"):
        run_all_reads_the_whole_chapter(page, server, runs, PLOTS)
    with screenshot_on_failure(page, "step-backward"):
        steps_through_the_chapters_first_backward(page)
    page.close()


def steps_through_the_chapters_first_backward(page) -> None:
    """Chapter 3's first step-through picture (y = a**2 + 2*b**3, after Run All): pressing
    next lights, step by step, the node the engine's own trace says ran. Element ids are made
    in the kernel, so the nodes are compared by the label they show."""
    import autograd_core as torch
    from autograd_core.viz import step_backward

    a = torch.tensor([2.], requires_grad=True)
    b = torch.tensor([4.], requires_grad=True)
    trace = step_backward(a ** 2 + 2 * b ** 3, params={"a": a, "b": b}).trace
    root = page.locator(".sb-root").first
    root.scroll_into_view_if_needed()
    assert root.evaluate("r => r.dataset.current") == ""
    for step in trace.steps:
        root.locator(".sb-next").click()
        current = root.evaluate("r => r.dataset.current")
        assert current, f"step {step.index}: no node is lit"
        shown = root.locator(f"[id='{current}']").first.text_content()
        if step.name != "AccumulateGrad":             # a leaf's node is labelled with the leaf
            assert step.name in shown, f"step {step.index}: lit {shown!r}, ran {step.name}"
    assert root.locator(".sb-next").is_disabled()


def test_a_student_works_through_chapter_1(browser, server, runs):
    page = browser.new_page()
    with screenshot_on_failure(page, "run-all"):
        code = run_all_reads_the_whole_chapter(page, server, runs, CHAPTER)

    with screenshot_on_failure(page, "reveals"):
        reveals_stay_folded_until_opened(page, server)

    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, CHAPTER))
    first = coursekit.exercises(source)[0]
    with screenshot_on_failure(page, "exercise-1"):
        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        last_count = execution_count(page.evaluate(READ_CELLS)[code[-1]])
        cells.nth(first.solution_index).locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source.cells[first.solution_index].source)
        page.keyboard.press("Shift+Enter")
        cells.nth(first.test_index).locator(".jp-InputArea-prompt").click()
        page.keyboard.press("Shift+Enter")
        wait_for_run(page, [first.test_index, first.solution_index])
        after = page.evaluate(READ_CELLS)
        for index in (first.solution_index, first.test_index):
            assert execution_count(after[index]) > last_count, f"cell {index} did not run"
            assert not after[index]["error"], f"cell {index} fails after answering {first.name}"

    with screenshot_on_failure(page, "validate"):
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").get_by_role(
            "button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for()
        text = dialog.inner_text()
        others = coursekit.exercises(source)[1:]
        assert text.count("The following cell failed:") == len(others), text
        for exercise in others:
            assert validate_names.failure_title(exercise.test_id, exercise.points) in text, text
        assert f"Exercise {first.name} " not in text, text
        dialog.get_by_role("button").last.click()
        dialog.wait_for(state="detached")
    page.close()


def reveals_stay_folded_until_opened(page, server, name: str | None = None) -> None:
    """Every explanation of a predict-then-run exercise is on the page, folded: its text is
    hidden until the learner clicks the summary (JupyterLab renders <details> closed)."""
    release = coursekit.read_notebook(server.workspace / CHAPTER / (name or f"{CHAPTER}.ipynb"))
    expected = sum(cell.source.count(coursekit.REVEAL_OPEN) for cell in release.cells
                   if cell.cell_type == "markdown")
    assert expected, f"{CHAPTER} has no predict-then-run explanation to fold"
    details = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown details")
    assert details.count() == expected, "a <details> block was not rendered"
    first = details.first
    first.scroll_into_view_if_needed()
    body = first.locator(":scope > :not(summary)").first
    assert first.evaluate("d => d.open") is False and not body.is_visible(), "shown unfolded"
    first.locator("summary").click()
    assert first.evaluate("d => d.open") is True and body.is_visible(), "does not open"


def test_a_chinese_learner_works_through_chapter_1_in_chinese(browser, tmp_path_factory,
                                                             editions):
    """`./course open --lang zh`: the Chinese chapter 1 runs whole under Run All, its text is
    Chinese, its reveals are folded, and a failing test cell shows its message in Chinese (the
    message the Chinese release run gave, read off the page)."""
    if "zh" not in editions:
        pytest.skip("this course has no Chinese edition")
    runs = editions["zh"][1]
    name = edition_tools.release_name(CHAPTER, "zh")
    with course_open(tmp_path_factory.mktemp("browser-zh"), LAB_SETTINGS,
                     options=("--lang", "zh")) as server:
        page = browser.new_page()
        with screenshot_on_failure(page, "zh-run-all"):
            run_all_reads_the_whole_chapter(page, server, runs, CHAPTER, name)
        with screenshot_on_failure(page, "zh-text"):
            panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            title = panel.locator(".jp-RenderedMarkdown h1").first.inner_text()
            assert translation.CJK.search(title), f"the title is not Chinese: {title!r}"
            ran = runs.release(CHAPTER).notebook
            first_test = next(i for i, cell in enumerate(ran.cells) if coursekit.is_test_cell(cell))
            message = next(o.evalue for o in ran.cells[first_test].outputs
                           if o.output_type == "error")
            assert translation.CJK.search(message), f"the test message is not Chinese: {message!r}"
            shown = panel.locator(".jp-Notebook .jp-Cell").nth(first_test).locator(
                ERROR_OUTPUT).inner_text()
            assert message in shown, f"the page shows {shown!r}, not {message!r}"
        with screenshot_on_failure(page, "zh-reveals"):
            reveals_stay_folded_until_opened(page, server, name)
        page.close()


def execution_count(cell: dict) -> int:
    """The execution count a cell read by READ_CELLS shows ("[12]:" gives 12; none gives 0)."""
    found = re.fullmatch(r"\[(\d+)\]:", cell["prompt"])
    return int(found.group(1)) if found else 0


def test_an_untouched_chapter_closes_without_asking_to_save(browser, server):
    path = server.workspace / UNTOUCHED / f"{UNTOUCHED}.ipynb"
    before = path.read_bytes()
    page = browser.new_page()
    with screenshot_on_failure(page, "untouched"):
        open_notebook(page, server, UNTOUCHED, "untouched")
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        assert UNTOUCHED in tab.inner_text()
        page.wait_for_timeout(1500)  # JupyterLab writes kernel metadata once the kernel is up
        assert "jp-mod-dirty" not in tab.get_attribute("class"), "it opened as modified"
        tab.locator(".lm-TabBar-tabCloseIcon").click()
        page.wait_for_timeout(1500)
        assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").inner_text()
        assert page.locator(".jp-NotebookPanel").count() == 0, "the chapter is still open"
    assert path.read_bytes() == before
    page.close()


def test_the_instructor_tools_are_absent(browser, server):
    page = browser.new_page()
    with screenshot_on_failure(page, "instructor-tools"):
        response = page.goto(f"{server.base}/formgrader?token={server.token}")
        assert response.status == 404
        page.goto(f"{server.base}/lab/workspaces/instructor/tree?token={server.token}")
        menus = page.locator(".lm-MenuBar-itemLabel")
        menus.first.wait_for()
        labels = menus.all_inner_texts()
        assert "Run" in labels and not {"Nbgrader", "Formgrader"} & set(labels), labels
    page.close()
