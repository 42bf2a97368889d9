"""`./course grade` on a class of synthetic students, one per fault an instructor meets.

The class is built from chapter 1's release (what students get) with solutions taken from its
source, then broken the way real submissions are: a hang, a kernel that ignores Ctrl+C, a dead
kernel, a truncated file, renamed and duplicated files, deleted and edited test cells, warnings
on stderr, redefined names, a missing notebook. Chapter 1's exercises are worth 1, 1, 2, 1, 2,
2 and 2 points (11 in all). A second, flat class (one file per student, zipped, as a learning
platform exports it) uses the NumPy-only fixture chapter (2, 1 and 3 points).

The expected scores are worked out here from which exercises each student solved, and compared
with grades.csv (nbgrader's export), summary.csv and the gradebook.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from course_tools import coursekit
from course_tools import discovery, grading, sandbox

CHAPTER = "01_tensors_and_leaves"
FIXTURE = Path(__file__).parent / "fixtures" / "course"
FIXTURE_CHAPTER = "00_fixture"
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 10, 40
# The class is graded in the sandbox where there is one (tests/test_grading_sandbox.py checks
# it); elsewhere without, and every row then says so.
SANDBOXED = sandbox.unavailable_reason() is None


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch course with chapter 1 and the fixture chapter, released."""
    root = coursekit.scratch_course(coursekit.REPO, tmp_path_factory.mktemp("grading") / "course",
                                    [CHAPTER])
    shutil.copytree(FIXTURE / "solutions" / FIXTURE_CHAPTER, root / "solutions" / FIXTURE_CHAPTER)
    coursekit.generate_releases(root)
    return root


def notebooks(root: Path, chapter: str):
    return (coursekit.read_notebook(coursekit.source_notebook(root, chapter)),
            coursekit.read_notebook(coursekit.release_notebook(root, chapter)))


def cell(nb, name: str):
    (found,) = [c for c in nb.cells if coursekit.grade_id(c) == name]
    return found


def build_class(root: Path, folder: Path) -> dict[str, tuple[float, list[str]]]:
    """Write the chapter-1 class in nbgrader's layout under folder; return, per student, the
    expected score and the problem kinds expected in the summary."""
    source, release = notebooks(root, CHAPTER)
    every = coursekit.exercises(source)
    points = {e.name: e.points for e in every}
    total = sum(points.values())
    assert [e.points for e in every] == [1, 1, 2, 1, 2, 2, 2], "chapter 1's points changed"
    names = [e.name for e in every]

    def solved(only=None):
        return coursekit.solve(release, source, set(names if only is None else only))

    def save(student: str, nb, file_name: str = f"{CHAPTER}.ipynb") -> Path:
        path = folder / student / CHAPTER / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        coursekit.write_notebook(nb, path)
        return path

    expected: dict[str, tuple[float, list[str]]] = {}
    save("perfect", solved())
    expected["perfect"] = (total, [])
    save("blank", release)
    expected["blank"] = (0.0, [])
    save("partial", solved(names[0::2]))
    expected["partial"] = (sum(points[n] for n in names[0::2]), [])

    # an infinite loop in exercise 3's answer: that cell is interrupted, the rest runs
    nb = solved()
    cell(nb, "ex3_nudge_grads").source = "while True:\n    pass\n"
    save("hang", nb)
    expected["hang"] = (total - points["ex3_nudge_grads"], ["timeout"])

    # a loop that swallows the interrupt: everything after it waits until the notebook's budget
    # is spent; exercises 1 to 3 keep their points (no `signal`: the static scan would not run
    # a cell that installs a handler)
    nb = solved()
    cell(nb, "ex4_line_grads").source = (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except KeyboardInterrupt:\n        pass\n")
    save("stubborn", nb)
    expected["stubborn"] = (sum(points[n] for n in names[:3]), ["timeout"])

    nb = solved()
    cell(nb, "ex2_leaves").source += "\nimport os\nos._exit(1)\n"
    save("crash", nb)
    expected["crash"] = (0.0, ["kernel-died"])

    path = save("truncated", solved())
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    expected["truncated"] = (0.0, ["malformed"])

    save("renamed", solved(), f"{CHAPTER} (1).ipynb")
    expected["renamed"] = (total, ["renamed"])

    save("twocopies", solved(), f"Copy of {CHAPTER}.ipynb")
    save("twocopies", solved(), f"{CHAPTER} (1).ipynb")
    expected["twocopies"] = (0.0, ["ambiguous"])

    # all solved, exercise 4's test cell deleted: nbgrader puts it back and it passes
    nb = solved()
    nb.cells = [c for c in nb.cells if coursekit.grade_id(c) != "ex4_line_grads_tests"]
    save("deleted", nb)
    expected["deleted"] = (total, ["tampered"])

    # exercise 2 not solved, its test cell emptied: restored from the source, it fails
    nb = solved([n for n in names if n != "ex2_leaves"])
    cell(nb, "ex2_leaves_tests").source = "pass"
    save("edited", nb)
    expected["edited"] = (total - points["ex2_leaves"], ["tampered"])

    # correct answers that warn: a warning in an answer cell, and one each time nudge_grads runs
    nb = solved()
    cell(nb, "ex1_requires_grad").source += (
        "\nimport warnings\nwarnings.warn('are these right?')\n")
    answer = cell(nb, "ex3_nudge_grads")
    assert "    ### BEGIN SOLUTION\n" in answer.source
    answer.source = answer.source.replace("    ### BEGIN SOLUTION\n", (
        "    ### BEGIN SOLUTION\n    import warnings\n"
        "    warnings.warn('nudge_grads is slow', RuntimeWarning)\n"), 1)
    save("warns", nb)
    expected["warns"] = (total, ["stderr"])

    # correct answers, then the names that tests might lean on are spoiled
    nb = solved()
    cell(nb, "ex1_requires_grad").source += "\n_torch = None\nmath = None\nassert_close = None\n"
    cell(nb, "ex6_freeze").source += "\n\ntorch = None\nwarnings = None\n"
    save("redefines", nb)
    expected["redefines"] = (total, [])

    (folder / "absent").mkdir()  # a student folder without the chapter
    expected["absent"] = (0.0, ["missing"])
    return expected


def kinds(problems: str) -> list[str]:
    return sorted({p.split(":")[0].strip() for p in problems.split(" | ") if p})


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_class_with_every_fault_is_graded_exactly(course, tmp_path):
    submissions = tmp_path / "submitted"
    expected = build_class(course, submissions)
    before = {p: p.read_bytes() for p in submissions.rglob("*") if p.is_file()}
    out = tmp_path / "graded"
    lines: list[str] = []

    results = grading.grade(submissions, out, root=course, jobs=2, cell_timeout=CELL_TIMEOUT,
                            notebook_timeout=NOTEBOOK_TIMEOUT, sandbox=SANDBOXED,
                            log=lines.append)
    if not SANDBOXED:
        expected = {s: (score, k + ["not-sandboxed"]) for s, (score, k) in expected.items()}

    # the input is untouched, and every file of it is kept under received/
    assert {p: p.read_bytes() for p in submissions.rglob("*") if p.is_file()} == before
    for path, data in before.items():
        student, name = path.parts[-3], path.name
        assert (out / "received" / student / CHAPTER / name).read_bytes() == data

    summary = {row["student"]: row for row in read_csv(out / "summary.csv")}
    grades = {row["student_id"]: row for row in read_csv(out / "grades.csv")
              if row["assignment"] == CHAPTER}
    by_student = {r.student: r for r in results}
    report = "\n".join(lines)
    assert set(summary) == set(expected), report
    for student, (score, problem_kinds) in expected.items():
        row = summary[student]
        assert float(row["score"]) == score, f"{student}: {row}\n{report}"
        assert float(row["max_score"]) == 11.0
        assert kinds(row["problems"]) == sorted(problem_kinds), f"{student}: {row}"
        assert float(grades[student]["score"]) == score, f"{student}: {grades[student]}"
        assert by_student[student].score == score

    problems = {s: summary[s]["problems"] for s in summary}
    assert "ex3_nudge_grads" in problems["hang"]
    assert "ex4_line_grads" in problems["stubborn"] and "limit ran out" in problems["stubborn"]
    assert "ex2_leaves" in problems["crash"]
    assert f"{CHAPTER}.ipynb is not valid JSON" in problems["truncated"]
    assert f"{CHAPTER} (1).ipynb graded as {CHAPTER}.ipynb" in problems["renamed"]
    assert f"Copy of {CHAPTER}.ipynb" in problems["twocopies"]
    assert "ex4_line_grads_tests deleted" in problems["deleted"]
    assert "ex2_leaves_tests edited" in problems["edited"]
    assert "ex3_nudge_grads_tests" in problems["warns"]
    assert by_student["deleted"].cell_scores["ex4_line_grads_tests"] == 1.0  # restored, passed
    assert by_student["edited"].cell_scores["ex2_leaves_tests"] == 0.0

    # feedback for every notebook that ran to the end; the summary table is printed and saved
    for student in ("perfect", "blank", "partial", "hang", "stubborn", "renamed", "deleted",
                    "edited", "warns", "redefines"):
        assert (out / "feedback" / student / CHAPTER / f"{CHAPTER}.html").is_file(), student
    assert (out / "summary.txt").read_text() in report
    assert f"students done {len(expected)}/{len(expected)}" in report
    assert any("left ~" in line for line in lines)


def test_a_flat_export_in_a_zip_is_mapped_by_file_name(course, tmp_path, monkeypatch):
    """Also: a result that cannot be recorded (dave's: the gradebook fails) is named in the
    summary, and everyone else's grades, feedback and the summary are still written."""
    source, release = notebooks(course, FIXTURE_CHAPTER)
    perfect = coursekit.solve(release, source, {e.name for e in coursekit.exercises(source)})
    files = tmp_path / "lms"
    files.mkdir()
    coursekit.write_notebook(perfect, files / f"alice_{FIXTURE_CHAPTER}.ipynb")
    coursekit.write_notebook(release, files / f"bob_{FIXTURE_CHAPTER}.ipynb")
    coursekit.write_notebook(perfect, files / f"carol_{FIXTURE_CHAPTER}-Copy1.ipynb")
    coursekit.write_notebook(perfect, files / f"dave_{FIXTURE_CHAPTER}.ipynb")
    (files / "notes.ipynb").write_text("{}")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(files.iterdir()):
            handle.write(path, f"export/{path.name}")

    record = grading._merge

    def record_but_dave(out, task, result, work):
        if task.student == "dave":
            raise sqlite3.OperationalError("database is locked")
        record(out, task, result, work)

    monkeypatch.setattr(grading, "_merge", record_but_dave)
    out = tmp_path / "graded"
    # without the sandbox (what --no-sandbox does): the same scores, and every row says so
    results = grading.grade(archive, out, root=course, jobs=2, cell_timeout=CELL_TIMEOUT,
                            notebook_timeout=NOTEBOOK_TIMEOUT, sandbox=False,
                            log=lambda line: None)

    scores = {(r.student, r.chapter): (r.score, kinds(" | ".join(r.problems))) for r in results}
    assert scores == {
        ("alice", FIXTURE_CHAPTER): (6.0, ["not-sandboxed"]),
        ("bob", FIXTURE_CHAPTER): (0.0, ["not-sandboxed"]),
        ("carol", FIXTURE_CHAPTER): (6.0, ["not-sandboxed", "renamed"]),
        ("dave", FIXTURE_CHAPTER): (0.0, ["error", "not-sandboxed"]),
        ("notes", "?"): (0.0, ["malformed", "not-sandboxed"]),
    }
    grades = {row["student_id"]: float(row["score"]) for row in read_csv(out / "grades.csv")}
    assert grades == {"alice": 6.0, "bob": 0.0, "carol": 6.0}
    summary = (out / "summary.csv").read_text()
    assert "notes.ipynb" in summary
    assert "could not be recorded in the gradebook (OperationalError: database is locked)" \
        in summary
    for student in ("alice", "bob", "carol"):
        assert (out / "feedback" / student / FIXTURE_CHAPTER / f"{FIXTURE_CHAPTER}.html").is_file()


def test_grading_never_overwrites_an_output_folder(course, tmp_path):
    out = tmp_path / "graded"
    out.mkdir()
    (out / "grades.csv").write_text("earlier results\n")
    with pytest.raises(coursekit.CourseError, match="not empty"):
        grading.grade(tmp_path, out, root=course, log=lambda line: None)
    assert (out / "grades.csv").read_text() == "earlier results\n"


@pytest.mark.parametrize("name, expected", [
    (f"{CHAPTER} (1).ipynb", CHAPTER),
    (f"Copy of {CHAPTER}.ipynb", CHAPTER),
    (f"{CHAPTER}-Copy1.ipynb", CHAPTER),
    (f"{CHAPTER}_copy.ipynb", CHAPTER),
    (f"{CHAPTER}_final.ipynb", f"{CHAPTER}_final"),
    (f"{CHAPTER}.ipynb", CHAPTER),
])
def test_the_marks_of_a_copy_are_recognised(name, expected):
    assert discovery.canonical_stem(name) == expected


def test_hidden_tests_leaning_on_a_notebook_name_are_caught(tmp_path):
    """The chapter lint flags hidden tests that use a name a student can rebind (here `np`,
    imported by an earlier cell), and accepts the intact fixture."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    path = coursekit.source_notebook(root, FIXTURE_CHAPTER)
    nb = coursekit.read_notebook(path)
    assert coursekit.lint_hidden_test_names(nb, FIXTURE_CHAPTER) == []
    test = cell(nb, "ex1_double_tests")
    test.source = test.source.replace("import numpy as np\n", "")
    coursekit.write_notebook(nb, path)
    problems = coursekit.lint_chapter(root, FIXTURE_CHAPTER)
    assert any("ex1_double_tests" in p and "use np," in p for p in problems), problems
    assert len([p for p in problems if "hidden tests use" in p]) == 1


def test_a_worker_past_the_hard_limit_is_killed(course, tmp_path, monkeypatch):
    """The last resort: a worker still running at --notebook-timeout plus the grace period is
    killed with its kernel, and only that student-chapter scores 0."""
    source, release = notebooks(course, FIXTURE_CHAPTER)
    nb = coursekit.solve(release, source, {e.name for e in coursekit.exercises(source)})
    cell(nb, "ex1_double").source = (
        "import subprocess, time\nsubprocess.Popen(['sleep', '4244'], start_new_session=True)\n"
        "while True:\n    try:\n        time.sleep(600)\n    except KeyboardInterrupt:\n"
        "        pass\n")
    path = tmp_path / "class" / "late" / FIXTURE_CHAPTER / f"{FIXTURE_CHAPTER}.ipynb"
    path.parent.mkdir(parents=True)
    coursekit.write_notebook(nb, path)
    monkeypatch.setattr(grading, "KILL_GRACE_SECONDS", 0)

    started = grading.time.monotonic()
    (result,) = grading.grade(tmp_path / "class", tmp_path / "graded", root=course,
                              cell_timeout=300, notebook_timeout=8, sandbox=SANDBOXED,
                              log=lambda line: None)
    assert grading.time.monotonic() - started < 60
    assert result.score == 0.0
    assert kinds(" | ".join(result.problems)) == ["killed"] + ([] if SANDBOXED else [
        "not-sandboxed"]), result.problems
    if SANDBOXED:  # the kernel, and what it started, died with the worker
        assert not [p for p in Path("/proc").glob("[0-9]*/cmdline")
                    if p.exists() and b"sleep\x004244" in _read(p)]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
