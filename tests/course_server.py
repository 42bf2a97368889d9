"""`./course open` started by a test, as a student starts it, in a scratch workspace.

The server runs the README's command itself (its setup is a no-op once `./course test` has set
up .venv) on a free localhost port with a token the test knows; COURSE_WORKSPACE points it at a
scratch copy of the chapters, so a developer's own workspace/ is never touched, and JupyterLab's
settings and layouts live in scratch folders too (a layout saved by an earlier session would
reopen its tabs).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_tools import coursekit

ROOT = coursekit.REPO
TOKEN = "course-open-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running `./course open`: its address, token and workspace."""

    def __init__(self, port: int, token: str, workspace: Path, pid: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.workspace = workspace
        self.pid = pid  # JupyterLab's (./course execs it)

    def environment(self) -> dict[str, str]:
        """The server's environment, which its kernels inherit."""
        data = Path(f"/proc/{self.pid}/environ").read_bytes()
        return dict(item.split("=", 1) for item in data.decode(errors="replace").split("\0")
                    if "=" in item)

    def request(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@contextlib.contextmanager
def course_open(scratch: Path, lab_settings: dict[str, dict] | None = None,
                options: tuple[str, ...] = (), root: Path = ROOT) -> Iterator[Server]:
    """Run `./course open` with its workspace in scratch/workspace until the block ends.
    lab_settings: JupyterLab settings by plugin id, e.g. {"@jupyterlab/notebook-extension:
    tracker": {...}}, written where JupyterLab reads a user's settings. options: more options
    of ./course open (--lang zh); root: the course whose ./course runs (a student edition's
    opens its notebooks/, not a workspace)."""
    workspace, settings, layouts = scratch / "workspace", scratch / "settings", scratch / "layouts"
    for plugin, values in (lab_settings or {}).items():
        package, _, name = plugin.partition(":")
        path = settings / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port = free_port()
    log = scratch / "jupyter.log"
    environment = {key: value for key, value in os.environ.items()
                   if key != "JUPYTER_CONFIG_PATH"}
    environment.update(COURSE_WORKSPACE=str(workspace), JUPYTERLAB_SETTINGS_DIR=str(settings),
                       JUPYTERLAB_WORKSPACES_DIR=str(layouts))
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [str(root / "course"), "open", *options, "--no-browser", f"--port={port}",
             f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1"],
            cwd=root, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            env=environment,
        )
    running = Server(port, TOKEN, workspace, process.pid)
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
