"""The sandbox `./course grade` runs every kernel in: what a submission can see, and the limits,
each reported by name.

One small class of the NumPy-only fixture chapter (2, 1 and 3 points), every student solving
every exercise and then doing one thing a sandbox must contain: looking around (`/`, `/proc`,
the engine's files, the repository, `--out`) and leaving 30 detached processes behind, taking
6 GiB, starting processes without end, opening files without end, writing a 100 MiB file. Each
is graded for what ran (6/6 here) and the limit it hit is named.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from course_tools import coursekit, grading, sandbox

FIXTURE = Path(__file__).parent / "fixtures" / "course"
CHAPTER = "00_fixture"

NO_SANDBOX = sandbox.unavailable_reason()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")

PROBE = """
import json, os, subprocess, autograd_core


def try_engine_write():
    try:
        with open(os.path.join(os.path.dirname(autograd_core.__file__), "__init__.py"), "a") as f:
            f.write("# was here")
        return "written"
    except OSError as error:
        return type(error).__name__


print("SANDBOX " + json.dumps({
    "root": sorted(os.listdir("/")), "uid": os.getuid(), "engine": autograd_core.__file__,
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "reachable": [p for p in PATHS if os.path.exists(p)], "engine_write": try_engine_write(),
    "tmp": open("/tmp/scratch", "w").write("x") == 1 and os.statvfs("/tmp").f_blocks
    * os.statvfs("/tmp").f_frsize}))
for _ in range(30):
    subprocess.Popen(["sleep", "4242"], start_new_session=True)
"""

ATTACKS = {  # student: (answer cell, code appended, limit named)
    "hog": ("ex1_double", "hoard = bytearray(6 * 2**30)\n", "memory"),
    "forker": ("ex2_predict_sum",
               "import subprocess\nchildren = [subprocess.Popen(['sleep', '4243']) "
               "for _ in range(400)]\n", "processes"),
    "opener": ("ex3_count_positive", "handles = [open('/dev/null') for _ in range(2000)]\n",
               "open-files"),
    "writer": ("ex3_count_positive",
               "with open('big', 'wb') as handle:\n    handle.write(bytes(100 * 2**20))\n",
               "file-size"),
}


def sleepers() -> list[int]:
    """PIDs of the `sleep 4242` / `sleep 4243` processes the class started, if any survive."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command[:1] == [b"sleep"] and command[1:2] in ([b"4242"], [b"4243"]):
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("sandbox")
    root = coursekit.scratch_course(coursekit.REPO, tmp / "course", [])
    shutil.copytree(FIXTURE / "solutions" / CHAPTER, root / "solutions" / CHAPTER)
    coursekit.generate_releases(root)
    source = coursekit.read_notebook(coursekit.source_notebook(root, CHAPTER))
    release = coursekit.read_notebook(coursekit.release_notebook(root, CHAPTER))
    names = {e.name for e in coursekit.exercises(source)}
    out = tmp / "graded"
    # what exists out here and must not in there (parents of the mounts do, empty)
    secret_paths = [str(folder) for folder in (
        coursekit.REPO / "solutions", coursekit.REPO / "tests", coursekit.REPO / ".git",
        coursekit.REPO / "course_tools", root / "solutions", out, tmp / "class",
        *sorted(Path.home().iterdir())[:5])
        if not any(Path(python).is_relative_to(folder)
                   for python in (sys.prefix, sys.base_prefix))]
    attacks = dict(ATTACKS, prober=("ex1_double", PROBE.replace("PATHS", repr(secret_paths)),
                                          None))
    for student, (answer, code, _) in attacks.items():
        nb = coursekit.solve(release, source, names)
        (cell,) = [c for c in nb.cells if coursekit.grade_id(c) == answer]
        cell.source += "\n" + code
        path = tmp / "class" / student / CHAPTER / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True)
        coursekit.write_notebook(nb, path)
    results = grading.grade(tmp / "class", out, root=root, jobs=2, cell_timeout=20,
                            notebook_timeout=60, log=lambda line: None)
    return {r.student: r for r in results}, out


def test_each_limit_is_named_and_the_work_graded(graded):
    results, out = graded
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    for student, (answer, _, limit) in ATTACKS.items():
        assert results[student].score == 6.0, (student, results[student].problems)
        assert [p.split(":")[0] for p in results[student].problems] == [limit], student
        assert f"({answer})" in summary[student]["problems"], summary[student]
    assert "passed its 2 GiB limit in cell" in summary["hog"]["problems"]


def test_the_kernel_sees_only_its_sandbox(graded):
    results, out = graded
    assert results["prober"].score == 6.0 and results["prober"].problems == []
    ran = coursekit.read_notebook(out / "autograded" / "prober" / CHAPTER / f"{CHAPTER}.ipynb")
    printed = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    seen = json.loads(printed.split("SANDBOX ", 1)[1].splitlines()[0])
    assert seen["reachable"] == []  # the repository, the course, --out, the class, HOME
    assert seen["engine"].startswith(sandbox.ENGINE_MOUNT)
    assert seen["engine_write"] in ("OSError", "PermissionError")  # read-only
    assert seen["pids"] == [1, 2]  # bwrap's init and the kernel: its own PID namespace
    assert seen["uid"] != 0
    assert 0 < seen["tmp"] <= sandbox.Limits.tmp_size  # a writable /tmp of bounded size
    # the system's folders, plus the first folder of the Python and venv paths bound read-only
    # (wherever the clone lives: /work/..., /check/..., /home/...)
    pythons = {Path(prefix).parts[1] for prefix in (sys.prefix, sys.base_prefix)}
    assert set(seen["root"]) <= {"bin", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32",
                                 "opt", "proc", "root", "sbin", "tmp", "usr", "var"} | pythons
    assert sleepers() == []  # the 30 detached processes died with the kernel


def test_without_a_sandbox_grading_stops_and_says_how(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    assert grading.main([str(tmp_path), "--out", str(tmp_path / "graded")]) == 1
    said = capsys.readouterr().err
    assert "bubblewrap (`bwrap`) is not installed" in said
    assert "apt-get install bubblewrap" in said and "--no-sandbox" in said
    assert not (tmp_path / "graded").exists()


def test_memory_sizes_are_read_as_instructors_write_them():
    assert sandbox.parse_byte_size("2G") == sandbox.parse_byte_size("2GiB") == 2 * 2**30
    assert sandbox.parse_byte_size("1500M") == 1500 * 2**20
    assert sandbox.byte_size(sandbox.DEFAULT_MEMORY) == "2 GiB"
    with pytest.raises(ValueError, match="not a size"):
        sandbox.parse_byte_size("lots")
