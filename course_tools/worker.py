"""Grading one submission, in a worker process: nbgrader's autograde and feedback with time
limits, fair stderr and a sandboxed kernel.

*Time limits.* nbgrader's `Execute` preprocessor is replaced by `BudgetedExecute`: every cell
gets --cell-timeout seconds (then the kernel is interrupted, the cell records a
CellTimeoutError, and the notebook goes on), and the notebook as a whole --notebook-timeout
seconds: a cell never gets more than what is left, and once the budget is spent the remaining
cells are not run (they record a NotebookTimeout error). So a hanging submission is scored for
what ran. A kernel that ignores the interrupt (SIGINT handled or ignored) blocks every later
cell until the budget runs out; `raise_on_iopub_timeout` is off so that this does not abort the
notebook. A kernel that dies (`os._exit`, a segfault, SIGKILL) -> "kernel-died" and 0, as
nbgrader itself does; the cell that was running is named. A limit of the sandbox that was hit
is reported by its name (`sandbox.limit_problems`).

*The sandbox.* With `sandboxed`, `BudgetedExecute` starts the kernel through
`sandbox.SandboxedKernelManager` (bubblewrap, IPC sockets). The worker is the sandbox's
parent: when the pool stops a stuck worker, bwrap's `--die-with-parent` takes the kernel and
everything it started with it. Without the sandbox, the worker kills its kernel's process group
itself on SIGTERM.

*Output on stderr.* nbgrader scores a test cell 0 when anything in it reaches stderr
(`utils.determine_grade`), so a correct answer whose function calls `warnings.warn` loses its
points although every assertion passed. The course's tests never write to stderr (checked by
`check_solution` on every source), so stderr in a test cell comes from the student's code:
`StderrIsNotAFailure` relabels it as stdout, prefixed `[stderr]`, in test cells that raised
nothing (it stays in the feedback, the score follows the assertions), and the summary notes
"stderr". Verified here: plain `nbgrader autograde` gives chapter 1's "warns" student of
tests/test_grading.py 9/11 (ex3's test cell 0, for the warning its nudge_grads raises; a warning
in an answer cell costs nothing, answer cells are not scored); this gives 11/11. nbgrader's
`IgnorePattern` could drop stderr matching one pattern, but it cannot tell warnings from
anything else a student prints there, and silencing warnings altogether (what CoCalc did for
the same problem, sagemathinc/cocalc#5028) hides them from the student's feedback too.

*The kernel guard.* Every kernel loads `kernel_guard` (as `course_kernel_guard` in the
sandbox, as `course_tools.kernel_guard` without it) before any student code runs; it restores
the pristine runtime around every cell and reports what it restored in each cell's outputs.
`GuardReports` runs right after execution, before the grades are read: it strips those outputs
(and any result a test cell showed through the display hook) and turns them into
"tampered-runtime" problems.

*The learner's language.* A submission of a translated edition is graded with COURSE_LANG set
to its language in the kernel's environment (the sandbox clears every other variable), so the
test messages (course_messages) are in that language even if the student removed the release's
first cell that chooses it.

Its feedback page is in that language too: `feedback` writes the words inside it, and
`feedback_templates/<language>/feedback/` replaces nbgrader's page template, whose labels
(score, test cell, answer, comments) are English.

*Redefined helpers* (`torch = None`, a student's own `assert_close`): hidden tests import what
they use; `coursekit.lint_hidden_test_names` (part of `lint_chapter`) enforces it.
"""

from __future__ import annotations

import math
import os
import signal
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput,
    NbGraderPreprocessor, SaveAutoGrades,
)
from traitlets import Bool, Integer
from traitlets.config import Config, PyFileConfigLoader

from course_tools import coursekit, kernel_guard
from course_tools.coursekit import grade_id, is_test_cell
from course_tools.sandbox import Limits, SandboxedKernelManager, limit_problems

# The feedback pages of the translated editions: nbgrader's page, its labels translated
# (feedback_templates/<language>/feedback/)
FEEDBACK_TEMPLATES = Path(__file__).resolve().parent / "feedback_templates"
DEFAULT_CELL_TIMEOUT = 30  # nbgrader's own default for Execute.timeout
DEFAULT_NOTEBOOK_TIMEOUT = 120  # a chapter runs in under 10 s (tests/test_chapters.py)


@dataclass(frozen=True)
class SandboxSettings:
    """What a worker needs to start sandboxed kernels (None: no sandbox)."""

    engine: str  # the engine's copy, sandbox.prepare_engine
    limits: Limits
    runtime: str  # where kernels' runtime folders go, sandbox.runtime_root


class _Findings:
    """What the preprocessors saw in this worker process (one submission per process)."""

    def __init__(self) -> None:
        self.cell_timeouts: list[int] = []
        self.skipped: list[int] = []
        self.stderr: list[str] = []
        self.running: int | None = None
        self.kernel_died: int | None = None
        self.kernel_pid: int | None = None
        self.guard_problems: list[str] = []


FINDINGS = _Findings()


class BudgetedExecute(Execute):
    """nbgrader's Execute with a time budget for the whole notebook on top of the per-cell
    timeout (Execute.timeout): no cell may run past the budget, and once it is spent the
    remaining code cells are not run but get a NotebookTimeout error (so their tests score 0
    and the earlier ones keep their points). With `sandboxed`, the kernel starts in the
    sandbox."""

    notebook_timeout = Integer(
        0, help="Seconds for the whole notebook (kernel start included); 0: no limit"
    ).tag(config=True)
    sandboxed = Bool(False, help="Start the kernel with SandboxedKernelManager").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # Execute's default: AsyncKernelManager
        if self.sandboxed:
            self.kernel_manager_class = SandboxedKernelManager

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = (time.monotonic() + self.notebook_timeout
                          if self.notebook_timeout else None)
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if not getattr(self, "_deadline", None):
            return timeout
        left = max(1, math.ceil(self._deadline - time.monotonic()))
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        self._note_kernel_pid()
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

    def _note_kernel_pid(self) -> None:
        """Remember the kernel's process (bwrap, or the kernel itself), which runs in a
        session of its own, for `_stop_kernel`."""
        if FINDINGS.kernel_pid is None:
            provisioner = getattr(self.km, "provisioner", None)
            FINDINGS.kernel_pid = getattr(provisioner, "pid", None) or getattr(
                getattr(provisioner, "process", None), "pid", None)


class GuardReports(NbGraderPreprocessor):
    """Right after execution, before the grades are read: take the kernel guard's reports out
    of the notebook (and any result a test cell showed) and keep them as problems."""

    def preprocess(self, nb, resources):
        FINDINGS.guard_problems = kernel_guard.collect_reports(nb)
        return nb, resources


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


def nbgrader_config(course: Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                    notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT,
                    sandbox: SandboxSettings | None = None, language: str = "en") -> Config:
    """The course's nbgrader_config.py, pointed at course, with the grading preprocessors."""
    config = Config()
    config_file = course / "nbgrader_config.py"
    if config_file.is_file():
        config.merge(PyFileConfigLoader(config_file.name, path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    config.Execute.timeout = int(cell_timeout)
    config.Execute.raise_on_iopub_timeout = False
    config.BudgetedExecute.notebook_timeout = int(notebook_timeout)
    if sandbox is None:  # the sandbox's kernel loads its own copy of the guard
        config.BudgetedExecute.extra_arguments = [
            f"--IPKernelApp.extensions={kernel_guard.__name__}"]
    else:
        config.BudgetedExecute.sandboxed = True
        config.SandboxedKernelManager.engine = sandbox.engine
        config.SandboxedKernelManager.limits = asdict(sandbox.limits)
        config.SandboxedKernelManager.kernels_root = str(course / "kernels")
        config.SandboxedKernelManager.runtime_root = sandbox.runtime
        config.SandboxedKernelManager.language = language
    config.OverwriteCells.add_missing_cells = True
    if (FEEDBACK_TEMPLATES / language / "feedback").is_dir():
        # the feedback page's own words in the edition's language: nbgrader's API asks for the
        # template "feedback", found first (nbgrader's own then not at all) in this folder
        config.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATES / language)]
    config.Autograde.autograde_preprocessors = [
        BudgetedExecute, GuardReports, StderrIsNotAFailure, IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return config


def nbgrader_api(course: Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                 notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT,
                 sandbox: SandboxSettings | None = None, language: str = "en") -> NbGraderAPI:
    config = nbgrader_config(course, cell_timeout, notebook_timeout, sandbox, language)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def cell_label(nb: nbformat.NotebookNode | None, index: int | None) -> str:
    """`cell 41 (ex3_nudge_grads)`, or the cell's first line when it has no grade id."""
    if nb is None or index is None or index >= len(nb.cells):
        return f"cell {index}"
    cell = nb.cells[index]
    name = grade_id(cell)
    if name:
        return f"cell {index} ({name})"
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index} ({first[:40]!r})"


def grade_in_scratch(work: Path, student: str, chapter: str, cell_timeout: int,
                     notebook_timeout: int, sandbox: SandboxSettings | None = None,
                     language: str = "en") -> dict:
    """Autograde and generate feedback for one submission in its own scratch course `work`
    (prepared by the parent), its kernel's messages in `language`. Runs in a worker process
    (whose environment an unsandboxed kernel inherits); returns a picklable result."""
    started = time.monotonic()
    os.environ["COURSE_LANG"] = language
    api = nbgrader_api(work, cell_timeout, notebook_timeout, sandbox, language)
    log_parts = []
    autograded = api.autograde(chapter, student)
    log_parts.append(autograded.get("log", "") + autograded.get("error", ""))
    submitted = coursekit.read_notebook(work / "submitted" / student / chapter / f"{chapter}.ipynb")
    ran_path = work / "autograded" / student / chapter / f"{chapter}.ipynb"
    ran = coursekit.read_notebook(ran_path) if ran_path.is_file() else None

    problems = []
    if FINDINGS.cell_timeouts:
        first, *later = FINDINGS.cell_timeouts
        problems.append(f"timeout: {cell_label(submitted, first)} stopped after its "
                        f"{cell_timeout} s limit" + (
                            f", and {len(later)} later cells too (the kernel did not stop)"
                            if later else ""))
    if FINDINGS.skipped:
        problems.append(f"timeout: the notebook's {notebook_timeout} s limit ran out; "
                        f"{len(FINDINGS.skipped)} code cells from "
                        f"{cell_label(submitted, FINDINGS.skipped[0])} on were not run")
    problems += FINDINGS.guard_problems
    for name in FINDINGS.stderr:
        problems.append(f"stderr: {name} printed to stderr (a warning?); not penalised")
    died_of_a_limit = False
    if sandbox is not None:
        kernel_log = (work / "worker.log").read_text(errors="replace") \
            if (work / "worker.log").is_file() else ""
        # the outputs of what ran (the notebook as handed in has the student's own outputs)
        limits = limit_problems(ran or nbformat.v4.new_notebook(), sandbox.limits,
                                lambda index: cell_label(ran or submitted, index),
                                FINDINGS.kernel_died, kernel_log)
        problems += limits
        died_of_a_limit = any(p.endswith("and died; scored 0") for p in limits)

    cell_scores: dict[str, float] = {}
    score = max_score = 0.0
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        max_score = float(gradebook.find_assignment(chapter).max_score)
        if autograded["success"]:
            notebook = gradebook.find_submission_notebook(chapter, chapter, student)
            cell_scores = {g.name: float(g.score) for g in notebook.grades}
            score = float(notebook.score)
    if not autograded["success"]:
        if died_of_a_limit:
            pass  # named by the limit
        elif FINDINGS.kernel_died is not None:
            problems.append(f"kernel-died: the kernel died while running "
                            f"{cell_label(submitted, FINDINGS.kernel_died)}; scored 0")
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
            "problems": problems, "seconds": time.monotonic() - started, "feedback": feedback,
            "died": died_of_a_limit}


def _stop_kernel(signum, frame) -> None:
    """SIGTERM from the pool (a stuck worker): take the kernel's process group down too."""
    if FINDINGS.kernel_pid:
        try:
            os.killpg(FINDINGS.kernel_pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(128 + signum)


def run_worker(work: str, student: str, chapter: str, cell_timeout: int, notebook_timeout: int,
               sandbox: SandboxSettings | None, language: str = "en") -> dict:
    """A worker process's task: grade one submission. Its output, and its kernel's (which
    inherits the file descriptors), go to the submission's log; any failure is reported against
    this submission only."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    signal.signal(signal.SIGTERM, _stop_kernel)
    log = os.open(Path(work) / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    try:
        return grade_in_scratch(Path(work), student, chapter, cell_timeout, notebook_timeout,
                                sandbox, language)
    except Exception:  # anything at all: report it against this submission only
        return {"score": 0.0, "max_score": 0.0, "cell_scores": {}, "seconds": 0.0,
                "feedback": None, "died": False, "problems": [
                    "error: grading crashed: " + traceback.format_exc().strip().splitlines()[-1]]}
