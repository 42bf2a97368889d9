"""Grade a whole class with nbgrader: `./course grade SUBMISSIONS [options]`.

    ./course grade submissions.zip --out graded/ --jobs 2 --cell-timeout 30 --notebook-timeout 120

SUBMISSIONS is a folder or a zip file, in either of two layouts (both may be mixed):

    <student>/<chapter>/<chapter>.ipynb      nbgrader's `submitted/` layout (the folder itself,
                                             or a folder holding `submitted/`)
    <student>_<chapter>.ipynb                a flat export from a learning platform, one file
                                             per student and chapter, mapped by file name

Either edition of a chapter may be handed in: `<chapter>.zh.ipynb`,
`<student>_<chapter>.zh.ipynb` (see "Editions" below).

Everything written goes under --out, which becomes an ordinary nbgrader course directory
(nbgrader_config.py, solutions/, notebooks/, gradebook.db, submitted/, autograded/, feedback/)
plus `received/` (every input file, byte for byte), `logs/`, `grades.csv` (nbgrader's CSV
export) and `summary.csv` / `summary.txt` (per student and chapter: score and problems). The
input is only read.

How it is built, and why
------------------------
One module per concern: `discovery` (which file is whose), `inspection` (reading a submission
before it runs), `sandbox` (the bubblewrap kernel), `worker` (nbgrader on one submission),
`scheduling` (the worker pool), `report` (CSV, summary, progress line); this module prepares
the course, dispatches, and records the results.

*Student code is hostile.* Every kernel runs in a sandbox (`sandbox`): no view of the
repository, `--out` or other students, no network, limits on memory, processes, open files and
file size. Where no sandbox can be had, grading stops and says why, unless `--no-sandbox` is
passed (then every row of the summary says "not-sandboxed").

*Parallelism.* nbgrader's gradebook is one SQLite file, and autograde writes to it all along
(students, submissions, grades, comments). SQLite takes one writer at a time and nbgrader
neither waits nor retries, so autograde processes sharing a gradebook risk "database is
locked" failures midway through a submission. So each student-chapter is graded by a worker
process in its own scratch course (the chapter's source, a copy of a gradebook in which
generate_assignment already registered the chapters, and that one submission), with
nbgrader's Python API. The parent process is the only writer of the main gradebook: it copies
each worker's grades into it as results come in, then exports the CSV with nbgrader's
`CsvExportPlugin`. Workers come from a fork server (`scheduling`). A submission nothing else
can stop costs that student the chapter, never anybody else's grade: the pool stops a worker
(and its kernel) that has not finished --notebook-timeout + 60 s after it started; that
student-chapter scores 0, reported "killed".

*Editions.* A class may mix the English and the translated editions (`<chapter>.zh.ipynb`,
course_tools/translation.py). A submission's edition is its notebook's metadata
(`course.language`, which every translated release carries), else what its file name says
(`discovery`). A translated submission is inspected against that edition's release and graded
against that edition's source: a scratch nbgrader course made by `edition_tools.translated_course`
(the same grade ids, points and code; only the text differs), in which generate_assignment
registered the translated cells, so that nbgrader's checksums match what the student got. Its
kernel gets COURSE_LANG (test messages in that language, even if the student deleted the
release's first cell that chooses it), and its feedback is in that language (`feedback`). Its
grades go into the one gradebook under the same chapter and notebook name as the English ones:
grades.csv and the summary have one row per student and chapter, the summary saying which
edition was graded. Which of two editions handed in is graded: `discovery`.

*A run always finishes and loses nothing.* A worker that fails, or a failure while recording
one student's result (the gradebook, copying the feedback), is reported against that student
("error: ..."), and the run goes on; grades.csv, the summary and every feedback are written at
the end whatever happened to single submissions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from course_tools import coursekit, report
from course_tools import editions as edition_tools
from course_tools.coursekit import SOURCE_DIR, release_notebook, scratch_course
from course_tools.discovery import find_submissions, open_input
from course_tools.inspection import MAX_NOTEBOOK_BYTES, inspect
from course_tools.outcome import Result, Task
from course_tools.sandbox import (
    DEFAULT_MEMORY, Limits, byte_size, parse_byte_size, prepare_engine, require_sandbox,
    runtime_root,
)
from course_tools.scheduling import Outcome, run_tasks
from course_tools.worker import (
    DEFAULT_CELL_TIMEOUT, DEFAULT_NOTEBOOK_TIMEOUT, SandboxSettings, nbgrader_api, run_worker,
)

KILL_GRACE_SECONDS = 60  # kernel start, sanitizing and feedback, on top of the notebook budget
NOT_SANDBOXED = ("not-sandboxed: graded with --no-sandbox; the student's code ran with the "
                 "grader's rights")


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
    return _generate(out, chapter_names)


def _generate(course: Path, chapter_names: list[str]) -> dict[str, float]:
    """generate_assignment of each chapter in an nbgrader course; each one's maximum score."""
    api = nbgrader_api(course)
    for chapter in chapter_names:
        made = api.generate_assignment(chapter, force=True, create=True)
        if not made["success"]:
            raise coursekit.CourseError(f"generate_assignment {chapter} failed:\n"
                                        f"{made.get('error') or made.get('log')}")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {chapter: float(gradebook.find_assignment(chapter).max_score)
                for chapter in chapter_names}


def _graded_cells(nb: nbformat.NotebookNode) -> list[tuple[str, object]]:
    return [(coursekit.grade_id(c), c.metadata["nbgrader"].get("points"))
            for c in nb.cells if coursekit.grade_id(c)]


def prepare_edition(root: Path, folder: Path, language: str, chapter_names: list[str],
                    english: dict[str, nbformat.NotebookNode]) -> dict[str, nbformat.NotebookNode]:
    """An nbgrader course in `folder` whose sources are the chapters in `language`, released and
    registered in its own gradebook (what a worker grading a submission of that edition copies).
    Returns its releases; stops if an edition would not grade as the English one (`english`:
    the English releases)."""
    edition_tools.translated_course(root, folder, language, chapter_names)
    _generate(folder, chapter_names)
    releases = {c: coursekit.read_notebook(release_notebook(folder, c)) for c in chapter_names}
    for chapter in chapter_names:
        if _graded_cells(releases[chapter]) != _graded_cells(english[chapter]):
            raise coursekit.CourseError(
                f"the {language} edition of {chapter} does not have the English one's graded "
                f"cells and points: {_graded_cells(releases[chapter])} against "
                f"{_graded_cells(english[chapter])}")
    return releases


def submission_edition(task: Task) -> str:
    """The edition of a submission: its notebook's metadata (`course.language`), else what its
    file name says (task.edition, from discovery). A file that cannot be read keeps the name's:
    `inspect` reports it."""
    path = Path(task.path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return task.edition
        nb = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except Exception:  # not JSON
        return task.edition
    return edition_tools.edition_language(nb, unknown=task.edition) if isinstance(nb, dict) \
        else task.edition


def _copy_received(task: Task, out: Path) -> None:
    """Keep every input file of a task, byte for byte, under out/received/."""
    target = out / "received" / task.student / task.chapter
    for path in task.received:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / Path(path).name)


def _stage(task: Task, nb: nbformat.NotebookNode, out: Path, course: Path,
           work_root: Path) -> Path:
    """out/submitted/<student>/<chapter>/<chapter>.ipynb (what is graded, whatever its
    edition), and a scratch course for the worker: the config, the chapter's source and a
    fresh copy of the gradebook of `course` (out's, or the submission's edition's), and the
    submission."""
    submitted = out / "submitted" / task.student / task.chapter
    submitted.mkdir(parents=True, exist_ok=True)
    coursekit.write_notebook(nb, submitted / f"{task.chapter}.ipynb")
    if task.timestamp:
        (submitted / "timestamp.txt").write_text(task.timestamp + "\n", encoding="utf-8")
    work = work_root / f"{task.student}__{task.chapter}"
    work.mkdir(parents=True)
    shutil.copy2(course / "nbgrader_config.py", work / "nbgrader_config.py")
    shutil.copytree(course / SOURCE_DIR / task.chapter, work / SOURCE_DIR / task.chapter)
    shutil.copy2(course / "gradebook.db", work / "gradebook.db")
    shutil.copytree(submitted, work / "submitted" / task.student / task.chapter)
    return work


def _merge(out: Path, task: Task, result: Result, work: Path | None) -> None:
    """Record one result in out's gradebook (the parent is its only writer) and copy the
    worker's autograded notebook and feedback into out."""
    if work is not None:
        for folder in ("autograded", "feedback"):
            made = work / folder / task.student / task.chapter
            if made.is_dir():
                target = out / folder / task.student / task.chapter
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
        for grade_row in notebook.grades:
            grade_row.auto_score = result.cell_scores.get(grade_row.name, 0.0)
            grade_row.needs_manual_grade = False
        gradebook.db.commit()


def _keep_log(out: Path, task: Task, work: Path) -> None:
    log_dir = out / "logs"
    log_dir.mkdir(exist_ok=True)
    with open(log_dir / f"{task.student}__{task.chapter}.log", "w", encoding="utf-8") as handle:
        for part in ("nbgrader.log", "worker.log"):
            if (work / part).exists():
                handle.write((work / part).read_text(errors="replace"))


def grade(submissions: Path, out: Path, root: Path = coursekit.REPO,
          chapters: list[str] | None = None, jobs: int | None = None,
          cell_timeout: int = DEFAULT_CELL_TIMEOUT,
          notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT, sandbox: bool = True,
          memory: int = DEFAULT_MEMORY, log=print) -> list[Result]:
    """Grade every submission in `submissions` (folder or zip) into the course directory `out`:
    autograde, feedback, grades.csv, summary.csv and summary.txt. Each kernel runs in the
    sandbox with `memory` bytes at most; without `sandbox` (only for trusted code), every
    row says not-sandboxed. Raises SandboxUnavailable (a CourseError) when the sandbox was asked
    for and cannot be had. Returns one Result per student and chapter (and per input file that
    could not be mapped)."""
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
    if sandbox:
        require_sandbox()
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=out))
    runtime = runtime_root() if sandbox else None
    try:
        settings = None
        if sandbox:
            settings = SandboxSettings(str(prepare_engine(scratch / "engine")),
                                       Limits(memory=memory), str(runtime))
        return _grade(submissions, out, root, known, chapters, jobs, cell_timeout,
                      notebook_timeout, settings, scratch, log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)


def _grade(submissions: Path, out: Path, root: Path, known: list[str],
           chapters: list[str] | None, jobs: int, cell_timeout: int, notebook_timeout: int,
           settings: SandboxSettings | None, scratch: Path, log) -> list[Result]:
    started = time.monotonic()
    folder = open_input(submissions, scratch)
    found, students, unmapped = find_submissions(folder, known)
    graded_chapters = list(chapters) if chapters else sorted({c for _, c in found})
    if not graded_chapters:
        raise coursekit.CourseError(f"{submissions}: no submission of any chapter of "
                                    f"{root / SOURCE_DIR} found")
    log(f"grading {len(students)} students x {len(graded_chapters)} chapters "
        f"({', '.join(graded_chapters)}) with {jobs} workers, "
        + (f"each kernel sandboxed ({byte_size(settings.limits.memory)} of memory)"
           if settings else "NOT sandboxed (--no-sandbox)"))
    max_scores = prepare_course(root, out, graded_chapters)
    log(f"course ready in {out} ({report.clock(time.monotonic() - started)}): sources, "
        "releases, gradebook")
    # what workers copy: a course with the sources and the gradebook before any grade
    courses = {"en": scratch / "course-en"}
    courses["en"].mkdir()
    shutil.copy2(out / "nbgrader_config.py", courses["en"] / "nbgrader_config.py")
    shutil.copy2(out / "gradebook.db", courses["en"] / "gradebook.db")
    for chapter in graded_chapters:
        shutil.copytree(out / SOURCE_DIR / chapter, courses["en"] / SOURCE_DIR / chapter)
    english = {c: coursekit.read_notebook(release_notebook(out, c)) for c in graded_chapters}
    releases = {("en", c): nb for c, nb in english.items()}
    every_row = [] if settings else [NOT_SANDBOXED]

    tasks = []
    for student in sorted(students):
        for chapter in graded_chapters:
            tasks.append(found.get((student, chapter)) or Task(
                student, chapter, problems=[f"missing: no {chapter} notebook handed in"]))
    other = sorted({c for (_, c), t in found.items() if c not in graded_chapters and t.received})
    if other:
        log(f"not graded in this run (not in --chapters): submissions of {', '.join(other)}")

    results: list[Result] = []
    for result in unmapped:
        result.problems += every_row
        results.append(result)
    for task in tasks:
        if task.path and not task.fatal:
            task.edition = submission_edition(task)
    for language in sorted({t.edition for t in tasks if t.path and not t.fatal} - {"en"}):
        courses[language] = scratch / f"course-{language}"
        made = prepare_edition(root, courses[language], language, graded_chapters, english)
        releases.update({(language, c): nb for c, nb in made.items()})
        log(f"the {language} edition ready ({report.clock(time.monotonic() - started)}): "
            "its sources, releases and gradebook")
    pending: list[tuple[Task, nbformat.NotebookNode | None]] = []
    for task in tasks:
        try:
            _copy_received(task, out)
            nb = inspect(task, releases[task.edition, task.chapter]) \
                if task.path and not task.fatal else None
        except Exception as error:  # an unreadable file, a file that vanished meanwhile
            task.problems.append(f"error: {task.path} could not be read ({error})")
            nb = None
        if nb is None and not task.fatal:
            task.problems.append(f"error: {task.path} could not be read")
        pending.append((task, nb))

    total = len(tasks)
    progress = {"done": 0, "failures": 0, "ran": 0, "students_done": 0}
    to_run = sum(nb is not None for _, nb in pending)
    done_per_student: dict[str, int] = {}

    def finished(task: Task, result: Result, work: Path | None) -> None:
        """Record one result; whatever fails here is named against this student only."""
        result.problems += every_row
        result.edition = task.edition
        try:
            _merge(out, task, result, work)
        except Exception as error:
            result.problems.append(f"error: the result could not be recorded in the gradebook "
                                   f"({type(error).__name__}: {error}); scored 0")
            result.score, result.cell_scores = 0.0, {}
        if work is not None:
            try:
                _keep_log(out, task, work)
            except OSError:
                pass
            shutil.rmtree(work, ignore_errors=True)
        results.append(result)
        progress["done"] += 1
        progress["failures"] += result.fatal
        done_per_student[task.student] = done_per_student.get(task.student, 0) + 1
        if done_per_student[task.student] == len(graded_chapters):
            progress["students_done"] += 1
        elapsed = time.monotonic() - started
        ran = progress["ran"]
        left = elapsed / ran * (to_run - ran) if ran else None
        log(report.progress_line(result, progress["done"], total, progress["students_done"],
                                 len(students), progress["failures"], elapsed, left))

    for task, nb in pending:  # nothing to run: report at once
        if nb is None:
            finished(task, Result(task.student, task.chapter, 0.0, max_scores[task.chapter],
                                  list(task.problems)), None)

    work_root = scratch / "work"
    work_root.mkdir()
    staged: dict[int, tuple[Task, Path]] = {}
    calls = []
    for number, (task, nb) in enumerate(pending):
        if nb is None:
            continue
        try:
            work = _stage(task, nb, out, courses[task.edition], work_root)
        except Exception as error:
            finished(task, Result(task.student, task.chapter, 0.0, max_scores[task.chapter],
                                  task.problems + [f"error: the submission could not be "
                                                   f"staged for grading ({error}); scored 0"]),
                     None)
            continue
        staged[number] = (task, work)
        calls.append((number, run_worker, (str(work), task.student, task.chapter,
                                           cell_timeout, notebook_timeout, settings,
                                           task.edition)))
    hard_limit = notebook_timeout + KILL_GRACE_SECONDS

    def ended(number: int, outcome: Outcome) -> None:
        task, work = staged[number]
        progress["ran"] += 1
        payload = outcome.value
        if outcome.killed:
            payload = {"score": 0.0, "cell_scores": {}, "feedback": None, "died": False,
                       "seconds": hard_limit, "problems": [
                           f"killed: grading did not finish in {hard_limit} s (the notebook "
                           f"limit plus {KILL_GRACE_SECONDS} s); stopped, scored 0"]}
        elif payload is None:
            payload = {"score": 0.0, "cell_scores": {}, "feedback": None, "died": False,
                       "seconds": 0.0, "problems": [f"error: {outcome.error}; scored 0"]}
        result = Result(task.student, task.chapter, float(payload["score"]),
                        max_scores[task.chapter], task.problems + payload["problems"],
                        payload["cell_scores"], payload["seconds"], payload["feedback"],
                        payload["died"])
        if result.fatal:
            result.score, result.cell_scores = 0.0, {}
        finished(task, result, work)

    run_tasks(jobs, calls, hard_limit, ended, preload=("course_tools.worker",))

    results.sort(key=lambda r: (r.student, r.chapter))
    try:
        report.export_csv(out)
    except Exception as error:  # the summary is still written, and says where to look
        log(f"grades.csv could not be written ({type(error).__name__}: {error}); "
            f"the scores are in {out / 'summary.csv'}")
    report.write_summary(out, results)
    log("")
    log(report.summary_table(results))
    log("")
    log(f"{len(tasks)} student-chapters graded in {report.clock(time.monotonic() - started)}; "
        f"{progress['failures']} scored 0 for a fault. Grades: {out / 'grades.csv'}; "
        f"summary: {out / 'summary.csv'}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./course grade", description="Grade a whole class of submissions with nbgrader: "
        "autograde, feedback, grades.csv and a summary of every problem found. Every "
        "submission's kernel runs in a bubblewrap sandbox.")
    parser.add_argument("submissions", type=Path, help="a folder or a zip file: "
                        "<student>/<chapter>/<chapter>.ipynb or <student>_<chapter>.ipynb "
                        "(the Chinese edition: <chapter>.zh.ipynb, graded alike)")
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
    parser.add_argument("--memory", default=byte_size(DEFAULT_MEMORY).replace(" ", ""),
                        metavar="SIZE", help="memory per kernel, e.g. 2GiB or 1500MiB "
                        f"(default {byte_size(DEFAULT_MEMORY)})")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the kernels without the sandbox, with your rights: only for "
                        "submissions you trust (every summary row then says not-sandboxed)")
    parser.add_argument("--root", type=Path, default=coursekit.REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        memory = parse_byte_size(args.memory)
    except ValueError as error:
        parser.error(f"--memory: {error}")
    try:
        grade(args.submissions, args.out, root=args.root, chapters=args.chapters,
              jobs=args.jobs, cell_timeout=args.cell_timeout,
              notebook_timeout=args.notebook_timeout, sandbox=not args.no_sandbox,
              memory=memory)
    except coursekit.CourseError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
