"""`./course open` starts JupyterLab on the chapters with the student view; Binder is set up
to give the same view.

The server test runs the README's command itself (its setup is a no-op once `./course test` has
set up .venv), asks the running server for the chapter list, the Validate endpoint and the page
configuration, and stops the server it started.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_tools import coursekit

ROOT = coursekit.REPO
STUDENT_CONFIG = ROOT / "binder" / "jupyter-config"
INSTRUCTOR_PLUGINS = ("formgrader", "create-assignment", "course-list", "assignment-list")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def request(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, token = free_port(), "course-open-test"
    log = tmp_path_factory.mktemp("open") / "jupyter.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [str(ROOT / "course"), "open", "--no-browser", f"--port={port}",
             f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1"],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"},
        )
    running = Server(port, token)
    try:
        deadline = time.monotonic() + 240  # the first run may install the course extra
        while True:
            if process.poll() is not None:
                pytest.fail(f"./course open exited ({process.returncode}):\n{log.read_text()}")
            try:
                if running.request("/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()}")
            time.sleep(0.5)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_jupyterlab_lists_the_chapters(server):
    status, body = server.request("/api/contents")
    assert status == 200
    listed = {item["name"] for item in json.loads(body)["content"]}
    assert "01_tensors_and_leaves" in listed
    assert listed == set(coursekit.chapters(ROOT)), "the root is notebooks/, chapters only"
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
    assert len(result["value"]["failed"]) == len(coursekit.exercises(source))


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
    requirements = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    assert requirements == ["-e .[course]"]
    apt = (binder / "apt.txt").read_text().splitlines()
    packages = [line.partition("#")[0].strip() for line in apt]
    assert "graphviz" in packages
    start = binder / "start"
    assert os.access(start, os.X_OK)
    assert "binder/jupyter-config" in start.read_text() and 'exec "$@"' in start.read_text()
    page = json.loads((STUDENT_CONFIG / "labconfig" / "page_config.json").read_text())
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]


def test_the_readme_has_the_binder_badge_opening_notebooks():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=lab/tree/notebooks\)", readme)
    assert "./course open" in readme and "./course test" in readme


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == "exec ./course test"
    assert all(line.startswith(("set ", "cd ", "exec ")) for line in lines)
