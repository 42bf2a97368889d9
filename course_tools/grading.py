"""Grade a whole class with nbgrader: `./course grade SUBMISSIONS [options]`.

    ./course grade submissions.zip --out graded/ --jobs 2 --cell-timeout 30 --notebook-timeout 120

SUBMISSIONS is a folder or a zip file, in either of two layouts (both may be mixed):

    <student>/<chapter>/<chapter>.ipynb      nbgrader's `submitted/` layout (the folder itself,
                                             or a folder holding `submitted/`)
    <student>_<chapter>.ipynb                a flat export from a learning platform, one file
                                             per student and chapter, mapped by file name

Everything written goes under --out, which becomes an ordinary nbgrader course directory
(nbgrader_config.py, solutions/, notebooks/, gradebook.db, submitted/, autograded/, feedback/)
plus `received/` (every input file, byte for byte), `logs/`, `grades.csv` (nbgrader's CSV
export) and `summary.csv` / `summary.txt` (per student and chapter: score and problems). The
input is only read.

How it is built, and why
------------------------
*Parallelism.* nbgrader's gradebook is one SQLite file, and autograde writes to it all along
(students, submissions, grades, comments). SQLite takes one writer at a time and nbgrader
neither waits nor retries, so autograde processes sharing a gradebook risk "database is
locked" failures midway through a submission. So each student-chapter is graded by a worker process in
its own scratch course (the chapter's source, a copy of a gradebook in which generate_assignment
already registered the chapters, and that one submission), with nbgrader's Python API
(`NbGraderAPI.autograde` and `.generate_feedback`). The parent process is the only writer of the
main gradebook: it copies each worker's grades into it as results come in, then exports the CSV
with nbgrader's `CsvExportPlugin`. Workers are forked (nbgrader is already imported, so a
worker starts in milliseconds), at most --jobs at a time (default: one per CPU). A worker is
a process of its own so that it can be killed: a submission nothing else can stop costs that
student the chapter, never anybody else's grade.

*Time limits.* nbgrader's `Execute` preprocessor is replaced by `BudgetedExecute`: every cell
gets --cell-timeout seconds (then the kernel is interrupted, the cell records a
CellTimeoutError, and the notebook goes on), and the notebook as a whole --notebook-timeout
seconds: a cell never gets more than what is left, and once the budget is spent the remaining
cells are not run (they record a NotebookTimeout error). So a hanging submission is scored for
what ran. A kernel that ignores the interrupt (SIGINT handled or ignored) blocks every later
cell until the budget runs out; `raise_on_iopub_timeout` is off so that this does not abort the
notebook. Last resort: the parent kills a worker (and its kernel) that has not finished
--notebook-timeout + 60 s after it started; that student-chapter scores 0, reported "killed".

*Faults.* Before anything runs, the parent reads each submission: not JSON or not a notebook
-> "malformed", 0; none of the chapter's graded cells -> "wrong-notebook", 0. It compares
every test cell with the release the students got (nbgrader's checksum of the cell): a test
cell deleted or edited -> "tampered". nbgrader's `OverwriteCells` restores edited test cells
from the gradebook's copy of the source (it does that for every test cell anyway, to put the
hidden tests back), and with `add_missing_cells` it puts deleted ones back too, so tampering
never earns points; a test cell whose nbgrader metadata was changed gets the release's
metadata back first, so that nbgrader still grades it. A kernel that dies (`os._exit`, a
segfault, SIGKILL) -> "kernel-died" and 0, as nbgrader itself does; the cell that was running
is named.

*Renamed notebooks* (`01_x (1).ipynb`, `Copy of 01_x.ipynb`, `alice_01_x-Copy1.ipynb`): when
exactly one candidate stands for a student's chapter (the only notebook in
`<student>/<chapter>/`, or the only flat file naming that student and chapter; among several,
the only one whose name is right once the marks of a copy are taken off), it is graded
under the right name and reported "renamed". nbgrader itself would skip it ("Skipping unknown
notebook") and give 0 for a file-name slip that Jupyter or a browser made; grading it cannot
give unearned points, since the cells are matched by their nbgrader ids and checksums, not by
the file name. Two or more candidates and no exact name -> "ambiguous", 0: picking
one would be guessing which the student meant.

*Output on stderr.* nbgrader scores a test cell 0 when anything in it reaches stderr
(`utils.determine_grade`), so a correct answer whose function calls `warnings.warn` loses its
points although every assertion passed. The course's tests never write to stderr (checked by
`check_solution` on every source), so stderr in a test cell comes from the student's code:
`StderrIsNotAFailure` relabels it as stdout, prefixed `[stderr]`, in test cells that raised
nothing (it stays in the feedback, the score follows the assertions), and the summary notes
"stderr". Verified here: plain `nbgrader autograde` gives chapter 1's "warns" student of
tests/test_grading.py 7/9 (ex3's test cell 0, for the warning its grads_of raises; a warning
in an answer cell costs nothing, answer cells are not scored); this gives 9/9. nbgrader's
`IgnorePattern` could drop stderr matching one pattern, but it cannot tell warnings from
anything else a student prints there, and silencing warnings altogether (what CoCalc did for
the same problem, sagemathinc/cocalc#5028) hides them from the student's feedback too.

*Redefined helpers* (`torch = None`, a student's own `assert_close`): hidden tests import what
they use; `coursekit.lint_hidden_test_names` (part of `lint_chapter`) enforces it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_tools import coursekit  # noqa: E402
from course_tools.coursekit import (  # noqa: E402
    SOURCE_DIR, grade_id, is_test_cell, release_notebook, scratch_course,
)

from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbclient.exceptions import DeadKernelError  # noqa: E402
from nbgrader import utils as nbgrader_utils  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.apps.api import NbGraderAPI  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput,
    NbGraderPreprocessor, SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning  # noqa: E402
from traitlets import Integer  # noqa: E402
from traitlets.config import Config, PyFileConfigLoader  # noqa: E402

DEFAULT_CELL_TIMEOUT = 30  # nbgrader's own default for Execute.timeout
DEFAULT_NOTEBOOK_TIMEOUT = 120  # a chapter runs in under 10 s (tests/test_chapters.py)
KILL_GRACE_SECONDS = 60  # kernel start, sanitizing and feedback, on top of the notebook budget
# Problem kinds, the first word of every problem. These score the chapter 0:
FATAL = ("missing", "malformed", "wrong-notebook", "ambiguous", "kernel-died", "error",
         "killed")
# and these are reported, the chapter graded:
NOTED = ("renamed", "tampered", "timeout", "stderr", "extra-file")

# "Copy of x", "x (1)", "x-Copy1", "x copy", "x_copy2", "x-1": what file managers, browsers
# and Jupyter do to a file name.
COPY_MARKS = re.compile(r"(?i)^(copy of )+|( ?\(\d+\)| ?[-_ ]copy\d*|-\d+)+$")


# --------------------------------------------------------------------------------------------
# The class: who handed in what


@dataclass
class Task:
    """One student's chapter: where the notebook came from, and what was found on reading it."""

    student: str
    chapter: str
    path: str | None = None  # the input file to grade, None if nothing gradable
    problems: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)  # input files that belong here
    timestamp: str | None = None  # nbgrader's timestamp.txt, when the layout has one

    @property
    def fatal(self) -> bool:
        return any(p.split(":")[0] in FATAL for p in self.problems)


@dataclass
class Result:
    student: str
    chapter: str
    score: float
    max_score: float
    problems: list[str]
    cell_scores: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    feedback: str | None = None

    @property
    def fatal(self) -> bool:
        return any(p.split(":")[0] in FATAL for p in self.problems)


def canonical_stem(name: str) -> str:
    """A notebook's name without `.ipynb` and without the marks of a copy."""
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return COPY_MARKS.sub("", stem).strip()


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _open_input(source: Path, scratch: Path) -> Path:
    """The folder to read: the input folder itself, or a zip file unpacked into scratch (names
    that would leave the folder are refused). A folder holding `submitted/` means that one; a
    zip holding a single top folder means that folder."""
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise coursekit.CourseError(f"{source}: neither a folder nor a zip file")
        target = scratch / "unzipped"
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts or "__MACOSX" in parts:
                    continue
                archive.extract(member, target)
        folder = target
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        while len(entries) == 1 and entries[0].is_dir() and not _looks_like_student(entries[0]):
            folder = entries[0]
            entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    elif source.is_dir():
        folder = source
    else:
        raise coursekit.CourseError(f"{source}: no such file or folder")
    if (folder / "submitted").is_dir():
        folder = folder / "submitted"
    return folder


def _looks_like_student(folder: Path) -> bool:
    return any(coursekit.CHAPTER_NAME.match(p.name) for p in folder.iterdir() if p.is_dir())


def find_submissions(folder: Path, known: list[str]) -> tuple[dict[tuple[str, str], Task],
                                                              set[str], list[Result]]:
    """Map the input's files to (student, chapter). Returns the tasks found, every student
    seen, and problem rows for files that could not be mapped at all."""
    tasks: dict[tuple[str, str], Task] = {}
    students: set[str] = set()
    unmapped: list[Result] = []
    by_length = sorted(known, key=len, reverse=True)

    # nbgrader's layout: <student>/<chapter>/*.ipynb
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if student_dir.name.startswith((".", "_")):
            continue
        student = student_dir.name
        students.add(student)
        for chapter_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            chapter = chapter_dir.name
            if chapter not in known:
                if _notebooks_in(chapter_dir):
                    unmapped.append(Result(student, chapter, 0.0, 0.0, [
                        f"wrong-notebook: {chapter_dir} is not a chapter of this course"]))
                continue
            task = Task(student, chapter)
            found = _notebooks_in(chapter_dir)
            task.received = [str(p) for p in found]
            stamp = chapter_dir / "timestamp.txt"
            if stamp.is_file():
                task.timestamp = stamp.read_text(encoding="utf-8", errors="replace").strip()
            _choose(task, found, exact=f"{chapter}.ipynb")
            tasks[(student, chapter)] = task

    # a flat export: <student>_<chapter>.ipynb at the top
    flat: dict[tuple[str, str], list[Path]] = {}
    for path in _notebooks_in(folder):
        stem = path.name[: -len(".ipynb")]
        chapter = next((c for c in by_length if c in stem), None)
        if chapter is None:
            unmapped.append(Result(stem, "?", 0.0, 0.0, [
                f"malformed: {path.name}: the file name names no chapter of this course "
                f"(expected <student>_<chapter>.ipynb)"]))
            continue
        before, after = stem.split(chapter, 1)
        student = COPY_MARKS.sub("", before).strip(" _-")
        if not student:
            unmapped.append(Result(stem, chapter, 0.0, 0.0, [
                f"malformed: {path.name}: no student id before the chapter's name"]))
            continue
        flat.setdefault((student, chapter), []).append(path)
    for (student, chapter), paths in sorted(flat.items()):
        students.add(student)
        exact = f"{student}_{chapter}.ipynb"
        task = tasks.setdefault((student, chapter), Task(student, chapter))
        task.received += [str(p) for p in paths]
        if task.path is None:
            task.problems = []
            _choose(task, [Path(p) for p in task.received], exact=exact)
    return tasks, students, unmapped


def _choose(task: Task, found: list[Path], exact: str) -> None:
    """Pick the notebook to grade among the candidates for one student's chapter: the exact
    name; else the only candidate; else the only one whose name is the chapter's once the marks
    of a copy are taken off. Anything else is ambiguous."""
    names = [p.name for p in found]
    if exact in names:
        chosen = found[names.index(exact)]
    elif len(found) == 1:
        chosen = found[0]
    else:
        plain = [p for p in found if canonical_stem(p.name) == canonical_stem(exact)]
        chosen = plain[0] if len(plain) == 1 else None
    if chosen is None:
        if found:
            task.problems.append(f"ambiguous: {len(found)} notebooks ({', '.join(names)}) and "
                                 f"none named {exact}; not graded")
        else:
            task.problems.append(f"missing: no {task.chapter} notebook handed in")
        return
    task.path = str(chosen)
    if chosen.name != exact:
        task.problems.append(f"renamed: {chosen.name} graded as {task.chapter}.ipynb")
    for other in names:
        if other != chosen.name:
            task.problems.append(f"extra-file: {other} ignored; {chosen.name} was graded")


# --------------------------------------------------------------------------------------------
# Reading a submission before it runs


def inspect(task: Task, release: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """Read task.path; record malformed files and tampered test cells. Returns the notebook to
    grade (test cells' nbgrader metadata restored from the release), or None."""
    path = Path(task.path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except ValueError as error:
        task.problems.append(f"malformed: {path.name} is not valid JSON ({error})")
        return None
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as error:  # nbformat raises several kinds
        task.problems.append(f"malformed: {path.name} is not a notebook ({error})")
        return None

    expected = {grade_id(c): c for c in release.cells if grade_id(c)}
    tests = [name for name, c in expected.items() if is_test_cell(c)]
    submitted: dict[str, nbformat.NotebookNode] = {}
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if name in expected and name not in submitted:
            submitted[name] = cell
    if not submitted:
        task.problems.append(f"wrong-notebook: {path.name} has none of {task.chapter}'s "
                             "exercise cells")
        return None
    for name in tests:
        cell = submitted.get(name)
        original = expected[name]
        if cell is None:
            task.problems.append(f"tampered: test cell {name} deleted in {path.name} "
                                 "(restored from the source)")
            continue
        if cell.get("cell_type") != "code" or \
                nbgrader_utils.compute_checksum(cell) != nbgrader_utils.compute_checksum(original):
            task.problems.append(f"tampered: test cell {name} edited in {path.name} "
                                 "(restored from the source)")
        elif cell.metadata.get("nbgrader") != original.metadata.get("nbgrader"):
            task.problems.append(f"tampered: nbgrader metadata of test cell {name} changed in "
                                 f"{path.name} (restored from the release)")
        cell.setdefault("metadata", {})["nbgrader"] = dict(original.metadata["nbgrader"])
    return nb


# --------------------------------------------------------------------------------------------
# nbgrader, with time limits and fair stderr (runs in the workers)


class _Findings:
    """What the preprocessors saw in this worker process (one submission per process)."""

    def __init__(self) -> None:
        self.cell_timeouts: list[int] = []
        self.skipped: list[int] = []
        self.stderr: list[str] = []
        self.running: int | None = None
        self.kernel_died: int | None = None
        self.kernel_pid_file: Path | None = None


FINDINGS = _Findings()


class BudgetedExecute(Execute):
    """nbgrader's Execute with a time budget for the whole notebook on top of the per-cell
    timeout (Execute.timeout): no cell may run past the budget, and once it is spent the
    remaining code cells are not run but get a NotebookTimeout error (so their tests score 0
    and the earlier ones keep their points)."""

    notebook_timeout = Integer(
        0, help="Seconds for the whole notebook (kernel start included); 0: no limit"
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = (time.monotonic() + self.notebook_timeout
                          if self.notebook_timeout else None)
        self._pid_written = False
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if not getattr(self, "_deadline", None):
            return timeout
        left = max(1, math.ceil(self._deadline - time.monotonic()))
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        self._write_kernel_pid()
        if cell.cell_type == "code" and self._deadline and time.monotonic() >= self._deadline:
            FINDINGS.skipped.append(index)
            cell.outputs = [nbformat.v4.new_output(
                "error", ename="NotebookTimeout",
                evalue=f"not run: the notebook's time limit ({self.notebook_timeout} s) ran out",
                traceback=[f"NotebookTimeout: not run: the notebook's time limit "
                           f"({self.notebook_timeout} s) ran out"])]
            return cell, resources
        FINDINGS.running = index
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            FINDINGS.kernel_died = index
            raise

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        reply = kwargs["execute_reply"]
        if reply and reply.get("content", {}).get("ename") == "CellTimeoutError":
            FINDINGS.cell_timeouts.append(kwargs["cell_index"])

    def _write_kernel_pid(self) -> None:
        """Tell the parent which process the kernel is (it runs in a session of its own, so
        killing the worker would not reach it)."""
        if self._pid_written or FINDINGS.kernel_pid_file is None:
            return
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None) or getattr(
            getattr(provisioner, "process", None), "pid", None)
        if pid:
            FINDINGS.kernel_pid_file.write_text(str(pid))
            self._pid_written = True


class StderrIsNotAFailure(NbGraderPreprocessor):
    """In a test cell that raised nothing, turn stderr output (a student's warning) into
    stdout marked `[stderr]`, so that nbgrader's determine_grade scores the cell by its
    assertions. The course's tests never write to stderr themselves."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_test_cell(cell):
            return cell, resources
        outputs = cell.get("outputs", [])
        if any(o.output_type == "error" for o in outputs):
            return cell, resources
        for output in outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.name = "stdout"
                output.text = "".join(f"[stderr] {line}"
                                      for line in output.text.splitlines(keepends=True))
                FINDINGS.stderr.append(grade_id(cell))
        return cell, resources


def nbgrader_config(course: Path, cell_timeout: int, notebook_timeout: int) -> Config:
    """The course's nbgrader_config.py, pointed at course, with the grading preprocessors."""
    config = Config()
    config_file = course / "nbgrader_config.py"
    if config_file.is_file():
        config.merge(PyFileConfigLoader(config_file.name, path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    config.Execute.timeout = int(cell_timeout)
    config.Execute.raise_on_iopub_timeout = False
    config.BudgetedExecute.notebook_timeout = int(notebook_timeout)
    config.OverwriteCells.add_missing_cells = True
    config.Autograde.autograde_preprocessors = [
        BudgetedExecute, StderrIsNotAFailure, IgnorePattern, ClearMetadataPreprocessor,
        LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return config


def _api(course: Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
         notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT) -> NbGraderAPI:
    config = nbgrader_config(course, cell_timeout, notebook_timeout)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _cell_label(nb: nbformat.NotebookNode | None, index: int | None) -> str:
    if nb is None or index is None or index >= len(nb.cells):
        return f"cell {index}"
    cell = nb.cells[index]
    name = grade_id(cell)
    if name:
        return f"cell {index} ({name})"
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index} ({first[:40]!r})"


def grade_in_scratch(work: Path, student: str, chapter: str, cell_timeout: int,
                     notebook_timeout: int) -> dict:
    """Autograde and generate feedback for one submission in its own scratch course `work`
    (prepared by the parent). Runs in a worker process; returns a JSON-able result."""
    started = time.monotonic()
    FINDINGS.kernel_pid_file = work / "kernel.pid"
    api = _api(work, cell_timeout, notebook_timeout)
    log_parts = []
    autograded = api.autograde(chapter, student)
    log_parts.append(autograded.get("log", "") + autograded.get("error", ""))
    submitted = coursekit.read_notebook(work / "submitted" / student / chapter / f"{chapter}.ipynb")

    problems = []
    if FINDINGS.cell_timeouts:
        first, *later = FINDINGS.cell_timeouts
        problems.append(f"timeout: {_cell_label(submitted, first)} stopped after its "
                        f"{cell_timeout} s limit" + (
                            f", and {len(later)} later cells too (the kernel did not stop)"
                            if later else ""))
    if FINDINGS.skipped:
        problems.append(f"timeout: the notebook's {notebook_timeout} s limit ran out; "
                        f"{len(FINDINGS.skipped)} code cells from "
                        f"{_cell_label(submitted, FINDINGS.skipped[0])} on were not run")
    for name in FINDINGS.stderr:
        problems.append(f"stderr: {name} printed to stderr (a warning?); not penalised")

    cell_scores: dict[str, float] = {}
    score = max_score = 0.0
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        max_score = float(gradebook.find_assignment(chapter).max_score)
        if autograded["success"]:
            notebook = gradebook.find_submission_notebook(chapter, chapter, student)
            cell_scores = {g.name: float(g.score) for g in notebook.grades}
            score = float(notebook.score)
    if not autograded["success"]:
        if FINDINGS.kernel_died is not None:
            problems.append(f"kernel-died: the kernel died while running "
                            f"{_cell_label(submitted, FINDINGS.kernel_died)}; scored 0")
        else:
            last = (autograded.get("error") or autograded.get("log") or "").strip()
            last = last.splitlines()[-1] if last else "unknown error"
            problems.append(f"error: nbgrader could not grade the notebook ({last}); scored 0")
        cell_scores = {}
    feedback = None
    if autograded["success"]:
        made = api.generate_feedback(chapter, student)
        log_parts.append(made.get("log", "") + made.get("error", ""))
        html = work / "feedback" / student / chapter / f"{chapter}.html"
        feedback = str(html) if made["success"] and html.exists() else None
        if feedback is None:
            problems.append("error: nbgrader could not generate the feedback")
    (work / "nbgrader.log").write_text("\n".join(log_parts), encoding="utf-8")
    return {"score": score, "max_score": max_score, "cell_scores": cell_scores,
            "problems": problems, "seconds": time.monotonic() - started, "feedback": feedback}


def _worker(work: str, student: str, chapter: str, cell_timeout: int, notebook_timeout: int,
            connection) -> None:
    """A worker process's body: grade, send the result back through the pipe. Its output,
    and its kernel's (which inherits the file descriptors), go to the submission's log."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    log = os.open(Path(work) / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    try:
        result = grade_in_scratch(Path(work), student, chapter, cell_timeout, notebook_timeout)
    except Exception:  # anything at all: report it against this submission only
        result = {"score": 0.0, "max_score": 0.0, "cell_scores": {}, "seconds": 0.0,
                  "feedback": None, "problems": [
                      "error: grading crashed: " + traceback.format_exc().strip().splitlines()[-1]]}
    connection.send(result)
    connection.close()


# --------------------------------------------------------------------------------------------
# The parent: prepare, dispatch, merge, report


def _environment() -> None:
    """nbgrader runs `alembic` from PATH when it creates a gradebook."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    os.environ.pop("JUPYTER_CONFIG_PATH", None)


def prepare_course(root: Path, out: Path, chapter_names: list[str]) -> dict[str, float]:
    """Make `out` an nbgrader course with the chapters' sources, their releases and a gradebook
    that knows them (generate_assignment). Returns each chapter's maximum score."""
    scratch_course(root, out, chapter_names)
    api = _api(out)
    max_scores = {}
    for chapter in chapter_names:
        made = api.generate_assignment(chapter, force=True, create=True)
        if not made["success"]:
            raise coursekit.CourseError(f"generate_assignment {chapter} failed:\n"
                                        f"{made.get('error') or made.get('log')}")
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        for chapter in chapter_names:
            max_scores[chapter] = float(gradebook.find_assignment(chapter).max_score)
    return max_scores


def _copy_received(task: Task, out: Path) -> None:
    """Keep every input file of a task, byte for byte, under out/received/."""
    target = out / "received" / task.student / task.chapter
    for path in task.received:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / Path(path).name)


def _stage(task: Task, nb: nbformat.NotebookNode, out: Path, template_db: Path,
           work_root: Path) -> Path:
    """out/submitted/<student>/<chapter>/<chapter>.ipynb (what is graded), and a scratch
    course for the worker: config, the chapter's source, a fresh gradebook, the submission."""
    submitted = out / "submitted" / task.student / task.chapter
    submitted.mkdir(parents=True, exist_ok=True)
    coursekit.write_notebook(nb, submitted / f"{task.chapter}.ipynb")
    if task.timestamp:
        (submitted / "timestamp.txt").write_text(task.timestamp + "\n", encoding="utf-8")
    work = work_root / f"{task.student}__{task.chapter}"
    work.mkdir(parents=True)
    shutil.copy2(out / "nbgrader_config.py", work / "nbgrader_config.py")
    shutil.copytree(out / SOURCE_DIR / task.chapter, work / SOURCE_DIR / task.chapter)
    shutil.copy2(template_db, work / "gradebook.db")
    shutil.copytree(submitted, work / "submitted" / task.student / task.chapter)
    return work


def _merge(out: Path, task: Task, result: Result, work: Path | None) -> None:
    """Record one result in out's gradebook (the parent is its only writer) and copy the
    worker's autograded notebook and feedback into out."""
    if work is not None:
        for kind in ("autograded", "feedback"):
            made = work / kind / task.student / task.chapter
            if made.is_dir():
                target = out / kind / task.student / task.chapter
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(made, target)
        if result.feedback:
            result.feedback = str(out / "feedback" / task.student / task.chapter /
                                  f"{task.chapter}.html")
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(task.student)
        if task.path is None:  # nothing handed in: nbgrader's export scores it 0
            return
        stamp = {}
        if task.timestamp:
            try:
                stamp["timestamp"] = nbgrader_utils.parse_utc(task.timestamp)
            except Exception:  # an unreadable timestamp.txt is nbgrader's to report
                pass
        gradebook.update_or_create_submission(task.chapter, task.student, **stamp)
        notebook = gradebook.find_submission_notebook(task.chapter, task.chapter, task.student)
        for grade in notebook.grades:
            grade.auto_score = result.cell_scores.get(grade.name, 0.0)
            grade.needs_manual_grade = False
        gradebook.db.commit()


def _kill(process: multiprocessing.Process, work: Path) -> None:
    """Stop a worker and its kernel (which runs in a session of its own)."""
    pid_file = work / "kernel.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
    process.kill()
    process.join(5)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def grade(submissions: Path, out: Path, root: Path = coursekit.REPO,
          chapters: list[str] | None = None, jobs: int | None = None,
          cell_timeout: int = DEFAULT_CELL_TIMEOUT,
          notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT, log=print) -> list[Result]:
    """Grade every submission in `submissions` (folder or zip) into the course directory `out`:
    autograde, feedback, grades.csv, summary.csv and summary.txt. Returns one Result per
    student and chapter (and per input file that could not be mapped)."""
    _environment()
    submissions, out, root = Path(submissions).resolve(), Path(out).resolve(), Path(root).resolve()
    jobs = max(1, jobs or os.cpu_count() or 1)
    known = coursekit.chapters(root)
    if chapters:
        unknown = sorted(set(chapters) - set(known))
        if unknown:
            raise coursekit.CourseError(f"no such chapter in {root / SOURCE_DIR}: "
                                        f"{', '.join(unknown)}")
    if out.exists() and any(out.iterdir()):
        raise coursekit.CourseError(f"{out} exists and is not empty: grading never overwrites; "
                                    "pick another --out or remove it")
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=out))
    try:
        return _grade(submissions, out, root, known, chapters, jobs, cell_timeout,
                      notebook_timeout, scratch, log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _grade(submissions, out, root, known, chapters, jobs, cell_timeout, notebook_timeout,
           scratch, log) -> list[Result]:
    started = time.monotonic()
    folder = _open_input(submissions, scratch)
    found, students, unmapped = find_submissions(folder, known)
    graded_chapters = list(chapters) if chapters else sorted({c for _, c in found})
    if not graded_chapters:
        raise coursekit.CourseError(f"{submissions}: no submission of any chapter of "
                                    f"{root / SOURCE_DIR} found")
    log(f"grading {len(students)} students x {len(graded_chapters)} chapters "
        f"({', '.join(graded_chapters)}) with {jobs} workers")
    max_scores = prepare_course(root, out, graded_chapters)
    log(f"course ready in {out} ({_clock(time.monotonic() - started)}): sources, releases, "
        "gradebook")
    template_db = scratch / "gradebook-template.db"
    shutil.copy2(out / "gradebook.db", template_db)
    releases = {c: coursekit.read_notebook(release_notebook(out, c)) for c in graded_chapters}

    tasks = []
    for student in sorted(students):
        for chapter in graded_chapters:
            tasks.append(found.get((student, chapter)) or Task(
                student, chapter, problems=[f"missing: no {chapter} notebook handed in"]))
    other = sorted({c for (_, c), t in found.items() if c not in graded_chapters and t.received})
    if other:
        log(f"not graded in this run (not in --chapters): submissions of {', '.join(other)}")

    results: list[Result] = list(unmapped)
    pending: list[tuple[Task, nbformat.NotebookNode | None]] = []
    for task in tasks:
        _copy_received(task, out)
        nb = inspect(task, releases[task.chapter]) if task.path and not task.fatal else None
        if nb is None and not task.fatal:
            task.problems.append(f"error: {task.path} could not be read")
        pending.append((task, nb))

    to_run = [(t, nb) for t, nb in pending if nb is not None]
    total, done, failures, run_done = len(tasks), 0, 0, 0
    done_per_student: dict[str, int] = {}
    students_done = 0

    def finished(task: Task, result: Result, work: Path | None) -> None:
        nonlocal done, failures, students_done
        _merge(out, task, result, work)
        results.append(result)
        done += 1
        failures += result.fatal
        done_per_student[task.student] = done_per_student.get(task.student, 0) + 1
        if done_per_student[task.student] == len(graded_chapters):
            students_done += 1
        elapsed = time.monotonic() - started
        left = len(to_run) - run_done
        eta = elapsed / run_done * left / 1 if run_done else float("nan")
        worst = next((p for p in result.problems if p.split(":")[0] in FATAL),
                     result.problems[0] if result.problems else "")
        log(f"[{done:>{len(str(total))}}/{total}] {task.student} {task.chapter}: "
            f"{result.score:g}/{result.max_score:g}"
            + (f" ({worst.split(':')[0]})" if worst else "")
            + f" | students done {students_done}/{len(students)}, failures {failures}, "
            f"elapsed {_clock(elapsed)}, left ~{_clock(eta) if eta == eta else '?'}")

    for task, nb in pending:  # nothing to run: report at once
        if nb is None:
            finished(task, Result(task.student, task.chapter, 0.0, max_scores[task.chapter],
                                  task.problems), None)

    context = multiprocessing.get_context("fork")
    work_root = scratch / "work"
    work_root.mkdir()
    queue = list(to_run)
    running: dict[int, tuple] = {}
    hard_limit = notebook_timeout + KILL_GRACE_SECONDS
    try:
        while queue or running:
            while queue and len(running) < jobs:
                task, nb = queue.pop(0)
                work = _stage(task, nb, out, template_db, work_root)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_worker, args=(
                    str(work), task.student, task.chapter, cell_timeout, notebook_timeout, send),
                    daemon=True)
                process.start()
                send.close()
                running[process.sentinel] = (task, work, process, receive, time.monotonic())
            ready = multiprocessing.connection.wait(
                [r[3] for r in running.values()] + list(running), timeout=1.0)
            now = time.monotonic()
            for key, (task, work, process, receive, since) in list(running.items()):
                payload = None
                if receive in ready or key in ready:
                    try:
                        payload = receive.recv() if receive.poll() else None
                    except (EOFError, OSError):
                        payload = None
                    if payload is None and process.is_alive():
                        continue
                    process.join(5)
                    if payload is None:
                        payload = {"score": 0.0, "cell_scores": {}, "feedback": None,
                                   "seconds": now - since, "problems": [
                                       f"error: the grading process exited with code "
                                       f"{process.exitcode}; scored 0"]}
                elif now - since > hard_limit:
                    _kill(process, work)
                    payload = {"score": 0.0, "cell_scores": {}, "feedback": None,
                               "seconds": now - since, "problems": [
                                   f"killed: grading did not finish in {hard_limit} s (the "
                                   f"notebook limit plus {KILL_GRACE_SECONDS} s); stopped, "
                                   "scored 0"]}
                else:
                    continue
                del running[key]
                run_done += 1
                result = Result(task.student, task.chapter, float(payload["score"]),
                                max_scores[task.chapter], task.problems + payload["problems"],
                                payload["cell_scores"], payload["seconds"], payload["feedback"])
                if result.fatal:
                    result.score, result.cell_scores = 0.0, {}
                finished(task, result, work)
                log_dir = out / "logs"
                log_dir.mkdir(exist_ok=True)
                with open(log_dir / f"{task.student}__{task.chapter}.log", "w",
                          encoding="utf-8") as handle:
                    for part in ("nbgrader.log", "worker.log"):
                        if (work / part).exists():
                            handle.write((work / part).read_text(errors="replace"))
                shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        for task, work, process, receive, since in running.values():
            _kill(process, work)
        raise

    results.sort(key=lambda r: (r.student, r.chapter))
    export_csv(out)
    write_summary(out, results)
    log("")
    log(summary_table(results))
    log("")
    log(f"{len(tasks)} student-chapters graded in {_clock(time.monotonic() - started)}; "
        f"{failures} scored 0 for a fault. Grades: {out / 'grades.csv'}; "
        f"summary: {out / 'summary.csv'}")
    return results


def export_csv(out: Path) -> None:
    """nbgrader's CSV export of out's gradebook into out/grades.csv."""
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        CsvExportPlugin(to=str(out / "grades.csv")).export(gradebook)


SUMMARY_FIELDS = ("student", "chapter", "score", "max_score", "problems")


def write_summary(out: Path, results: list[Result]) -> None:
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_FIELDS)
        for r in results:
            writer.writerow([r.student, r.chapter, f"{r.score:g}", f"{r.max_score:g}",
                             " | ".join(r.problems)])
    (out / "summary.txt").write_text(summary_table(results) + "\n", encoding="utf-8")


def summary_table(results: list[Result]) -> str:
    rows = [("student", "chapter", "score", "problems")]
    for r in results:
        rows.append((r.student, r.chapter, f"{r.score:g}/{r.max_score:g}",
                     " | ".join(r.problems) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row[:3]))
                     + "  " + row[3])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./course grade", description="Grade a whole class of submissions with nbgrader: "
        "autograde, feedback, grades.csv and a summary of every problem found.")
    parser.add_argument("submissions", type=Path, help="a folder or a zip file: "
                        "<student>/<chapter>/<chapter>.ipynb or <student>_<chapter>.ipynb")
    parser.add_argument("--chapters", nargs="+", metavar="CHAPTER",
                        help="chapters to grade (default: every chapter found in the input)")
    parser.add_argument("--out", type=Path, default=Path("graded"),
                        help="where everything is written; must not exist or be empty "
                        "(default: graded/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks graded at once (default: one per CPU)")
    parser.add_argument("--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT,
                        metavar="S", help=f"seconds per cell (default {DEFAULT_CELL_TIMEOUT})")
    parser.add_argument("--notebook-timeout", type=int, default=DEFAULT_NOTEBOOK_TIMEOUT,
                        metavar="S", help="seconds per notebook "
                        f"(default {DEFAULT_NOTEBOOK_TIMEOUT})")
    parser.add_argument("--root", type=Path, default=coursekit.REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.out, root=args.root, chapters=args.chapters,
              jobs=args.jobs, cell_timeout=args.cell_timeout,
              notebook_timeout=args.notebook_timeout)
    except coursekit.CourseError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
