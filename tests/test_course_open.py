"""`./course open` starts JupyterLab on the student's own copy of the chapters with the student
view; Binder is set up to give the same view.

The server test runs the README's command itself (tests/course_server.py), in a scratch
workspace, asks the running server for the chapter list, the Validate endpoint and the page
configuration, and stops the server it started. tests/test_workspace.py checks how the workspace
is made and updated; tests/test_browser.py does what a student does, in Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_server import ROOT, course_open
from course_tools import coursekit, validate_names

STUDENT_CONFIG = ROOT / "binder" / "jupyter-config"
INSTRUCTOR_PLUGINS = ("formgrader", "create-assignment", "course-list", "assignment-list")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with course_open(tmp_path_factory.mktemp("open")) as running:
        yield running


def test_jupyterlab_lists_the_chapters(server):
    status, body = server.request("/api/contents")
    assert status == 200
    listed = {item["name"] for item in json.loads(body)["content"]}
    assert "01_tensors_and_leaves" in listed
    assert listed == set(coursekit.chapters(ROOT)), "the root is the workspace, chapters only"
    assert (server.workspace / "01_tensors_and_leaves" / "01_tensors_and_leaves.ipynb").is_file()
    status, body = server.request("/api/contents/01_tensors_and_leaves")
    assert [item["name"] for item in json.loads(body)["content"]] == [
        "01_tensors_and_leaves.ipynb"]


def test_the_validate_button_works(server):
    # what the toolbar's Validate button posts; the unsolved release fails every exercise
    path = "01_tensors_and_leaves/01_tensors_and_leaves.ipynb"
    status, body = server.request(f"/assignments/validate?path={path}", method="POST")
    assert status == 200
    result = json.loads(body)
    assert result["success"] is True, result
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, "01_tensors_and_leaves"))
    failed = result["value"]["failed"]
    assert len(failed) == len(coursekit.exercises(source))
    # each failure names its exercise and points (course_tools/validate_names.py)
    for exercise, cell in zip(coursekit.exercises(source), failed):
        title = validate_names.failure_title(exercise.test_id, exercise.points)
        assert title in cell["raw_error"]


def test_the_chinese_edition_is_chosen_remembered_and_validated(tmp_path_factory):
    """`./course open --lang zh`: the workspace gets the Chinese notebooks, the kernels the
    language (COURSE_LANG), Validate works on them; the next `./course open` remembers."""
    chapter = "01_tensors_and_leaves"
    scratch = tmp_path_factory.mktemp("open-zh")
    with course_open(scratch, options=("--lang", "zh")) as server:
        status, body = server.request(f"/api/contents/{chapter}")
        assert [item["name"] for item in json.loads(body)["content"]] == [f"{chapter}.zh.ipynb"]
        assert server.environment()["COURSE_LANG"] == "zh"
        status, body = server.request(
            f"/assignments/validate?path={chapter}/{chapter}.zh.ipynb", method="POST")
        result = json.loads(body)
        assert result["success"] is True, result
        source = coursekit.read_notebook(coursekit.source_notebook(ROOT, chapter))
        assert len(result["value"]["failed"]) == len(coursekit.exercises(source))
    with course_open(scratch) as server:
        assert server.environment()["COURSE_LANG"] == "zh", "the choice is remembered"
        assert not (server.workspace / chapter / f"{chapter}.ipynb").exists()
    with course_open(scratch, options=("--lang=en",)) as server:
        assert server.environment()["COURSE_LANG"] == "en"
        listed = sorted(item["name"] for item in json.loads(
            server.request(f"/api/contents/{chapter}")[1])["content"])
        assert listed == [f"{chapter}.ipynb", f"{chapter}.zh.ipynb"], "switching keeps both"


def test_the_student_view_has_validate_and_no_instructor_tools(server):
    status, body = server.request("/lab")
    assert status == 200
    config = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                       body, re.S)
    disabled = json.loads(config.group(1))["disabledExtensions"]
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    for plugin in INSTRUCTOR_PLUGINS:
        assert f"@jupyter/nbgrader:{plugin}" in disabled
    assert server.request("/formgrader")[0] == 404


def test_binder_builds_the_same_environment():
    binder = ROOT / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    # the Python a release's language_info names is Binder's
    assert coursekit.RELEASE_PYTHON_VERSION == "3.11"
    requirements = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    assert requirements == ["-e .[course]"]
    apt = (binder / "apt.txt").read_text().splitlines()
    packages = [line.partition("#")[0].strip() for line in apt]
    assert "graphviz" in packages
    start = binder / "start"
    assert os.access(start, os.X_OK)
    assert "binder/jupyter-config" in start.read_text() and 'exec "$@"' in start.read_text()
    assert "python -m course_tools.workspace" in start.read_text()
    assert "--lang all" in start.read_text(), "Binder opens either edition"
    assert (STUDENT_CONFIG / "nbgrader_config.py").is_file()
    page = json.loads((STUDENT_CONFIG / "labconfig" / "page_config.json").read_text())
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]


def test_binder_start_gives_both_editions_and_remembers_no_choice(tmp_path):
    chapter = "01_tensors_and_leaves"
    shutil.copytree(ROOT / coursekit.RELEASE_DIR / chapter,
                    tmp_path / coursekit.RELEASE_DIR / chapter)
    environment = dict(os.environ, REPO_DIR=str(tmp_path),
                       PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    ran = subprocess.run([str(ROOT / "binder" / "start"), "true"], env=environment,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(p.name for p in (tmp_path / "workspace" / chapter).glob("*.ipynb")) == [
        f"{chapter}.ipynb", f"{chapter}.zh.ipynb"]
    assert not (tmp_path / "workspace" / ".course" / "language").exists()


def test_the_readme_has_the_binder_badge_opening_notebooks():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=lab/tree/workspace\)", readme)
    assert "./course open" in readme and "./course test" in readme


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == "exec ./course test"
    assert all(line.startswith(("set ", "cd ", "exec ")) for line in lines)
