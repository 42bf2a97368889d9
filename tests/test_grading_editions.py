"""Grading does not care which edition a student used (course_tools/grading.py, issue 17).

A mixed class of chapter 1: the same answers (all solved, none, every other exercise, as in
tests/test_grading.py) handed in by students of the English edition and by students of the
Chinese one (their notebooks made from the Chinese release, with the same answer cells), in
both layouts, graded in one run. Each pair scores the same, cell by cell, in one gradebook; the
Chinese students' feedback is in Chinese; a student who handed in both editions has one graded
and the summary says so.

The Chinese text comes from the catalogues, whatever they hold today: the feedback's own words
from feedback.TEXTS, the test messages from course_messages/zh.po, the comments of the test
cells from translations/zh/. Nothing Chinese is written here.
"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from course_editions import shows, translated_templates
from course_secrets import html_text
from course_tools import coursekit, discovery, feedback, grading, sandbox, translation
from course_tools import editions as edition_tools

CHAPTER = "01_tensors_and_leaves"
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 10, 60
SANDBOXED = sandbox.unavailable_reason() is None
# Printed by the first answer cell of every student: the language the kernel shows messages in
# once the release's own choice is gone (the Chinese students' notebooks lose that first cell,
# so only the grader's COURSE_LANG can make it "zh").
SAYS_LANGUAGE = "import course_messages\nprint('messages in', course_messages.language())\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch course with chapter 1, its translations, and both editions released."""
    root = coursekit.scratch_course(coursekit.REPO, tmp_path_factory.mktemp("editions") / "course",
                                    [CHAPTER], translations=True)
    coursekit.generate_releases(root, [CHAPTER])
    assert (root / coursekit.RELEASE_DIR / CHAPTER / f"{CHAPTER}.zh.ipynb").is_file()
    return root


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def kinds(problems: str) -> list[str]:
    return sorted({p.split(":")[0].strip() for p in problems.split(" | ") if p})


def build_class(root: Path, folder: Path) -> dict[str, tuple[str, float]]:
    """The mixed class under folder; per student, the edition graded and the expected score."""
    source = coursekit.read_notebook(coursekit.source_notebook(root, CHAPTER))
    releases = {language: coursekit.read_notebook(
        coursekit.release_notebook(root, CHAPTER).with_name(
            edition_tools.release_name(CHAPTER, language))) for language in ("en", "zh")}
    assert edition_tools.edition_language(releases["zh"]) == "zh"
    every = coursekit.exercises(source)
    names = [e.name for e in every]
    points = {e.name: e.points for e in every}
    answers = {"perfect": set(names), "blank": set(), "partial": set(names[0::2])}

    def notebook(language: str, solved: set[str]):
        nb = coursekit.solve(releases[language], source, solved)
        first = next(c for c in nb.cells if coursekit.is_solution_cell(c))
        first.source = SAYS_LANGUAGE + first.source
        # the release's choice of language goes: the grader's COURSE_LANG must do it
        nb.cells = [c for c in nb.cells if c.get("id") != edition_tools.LANGUAGE_CELL_ID]
        return nb

    def save(nb, path: Path, saved: float | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        coursekit.write_notebook(nb, path)
        if saved is not None:
            os.utime(path, (saved, saved))

    expected = {}
    for label, solved in answers.items():
        score = float(sum(points[n] for n in solved))
        save(notebook("en", solved), folder / f"en_{label}" / CHAPTER / f"{CHAPTER}.ipynb")
        expected[f"en_{label}"] = ("en", score)
        expected[f"zh_{label}"] = ("zh", score)
    chinese = {label: notebook("zh", solved) for label, solved in answers.items()}
    # the three layouts a Chinese notebook arrives in: nbgrader's, a flat export, and a file
    # renamed to the English name (its metadata still says zh)
    save(chinese["perfect"], folder / "zh_perfect" / CHAPTER / f"{CHAPTER}.zh.ipynb")
    save(chinese["blank"], folder / f"zh_blank_{CHAPTER}.zh.ipynb")
    save(chinese["partial"], folder / "zh_partial" / CHAPTER / f"{CHAPTER}.ipynb")
    # both editions: the English one left blank, the Chinese one solved and saved later
    save(notebook("en", set()), folder / "both" / CHAPTER / f"{CHAPTER}.ipynb", saved=1.7e9)
    save(chinese["perfect"], folder / "both" / CHAPTER / f"{CHAPTER}.zh.ipynb", saved=1.7e9 + 60)
    expected["both"] = ("zh", float(sum(points.values())))
    return expected


def test_a_mixed_class_grades_the_same_answers_the_same_in_one_gradebook(course, tmp_path):
    submissions = tmp_path / "class"
    expected = build_class(course, submissions)
    out = tmp_path / "graded"
    lines: list[str] = []
    results = grading.grade(submissions, out, root=course, jobs=2, cell_timeout=CELL_TIMEOUT,
                            notebook_timeout=NOTEBOOK_TIMEOUT, sandbox=SANDBOXED,
                            log=lines.append)
    report = "\n".join(lines)
    by_student = {r.student: r for r in results}

    # one row per student and chapter, the edition graded named, the expected scores
    summary = read_csv(out / "summary.csv")
    assert sorted(row["student"] for row in summary) == sorted(expected), report
    grades = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    assert sorted(grades) == sorted(expected)
    for row in summary:
        edition, score = expected[row["student"]]
        assert (row["chapter"], row["edition"], float(row["score"])) == (
            CHAPTER, edition, score), f"{row}\n{report}"
        assert float(grades[row["student"]]["score"]) == score
        assert grades[row["student"]]["assignment"] == CHAPTER
        wanted = [] if SANDBOXED else ["not-sandboxed"]
        if row["student"] == "both":
            wanted = sorted(wanted + ["both-editions"])
        assert kinds(row["problems"]) == wanted, row
    assert re.search(rf"(?m)^zh_perfect +{CHAPTER} +zh +11/11", report)

    # the same answers score the same, exercise by exercise
    for label in ("perfect", "blank", "partial"):
        assert by_student[f"zh_{label}"].cell_scores == by_student[f"en_{label}"].cell_scores
        assert by_student[f"zh_{label}"].cell_scores, label

    # the student with both editions: the Chinese one graded (saved last), both files named
    # and kept
    (both,) = [row["problems"] for row in summary if row["student"] == "both"]
    assert f"{CHAPTER}.ipynb and {CHAPTER}.zh.ipynb handed in" in both
    assert f"{CHAPTER}.zh.ipynb graded (saved last), {CHAPTER}.ipynb not graded" in both
    assert {p.name for p in (out / "received" / "both" / CHAPTER).iterdir()} == {
        f"{CHAPTER}.ipynb", f"{CHAPTER}.zh.ipynb"}

    # one gradebook: one assignment and one notebook, every student's submission in it
    with sqlite3.connect(out / "gradebook.db") as db:
        assert db.execute("select name from assignment").fetchall() == [(CHAPTER,)]
        assert db.execute("select name from notebook").fetchall() == [(CHAPTER,)]
        assert db.execute("select count(*) from submitted_assignment").fetchone() == (
            len(expected),)

    # each kernel showed messages in its student's language, with the release's choice gone
    for student, (edition, _) in expected.items():
        ran = coursekit.read_notebook(out / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb")
        printed = "".join(o.get("text", "") for c in ran.cells for o in c.get("outputs", []))
        assert f"messages in {edition}" in printed, student

    # feedback in the student's language: the feedback's own words, the test cells' comments,
    # and each failure message the catalogue translates
    zh = feedback.TEXTS["zh"]
    source_zh = coursekit.read_notebook(coursekit.release_notebook(course, CHAPTER).with_name(
        f"{CHAPTER}.zh.ipynb"))
    comments = [c.text for cell in source_zh.cells if coursekit.is_test_cell(cell)
                for c in translation.comments(cell.source) if translation.CJK.search(c.text)]
    for student, (edition, score) in expected.items():
        page = html_text((out / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text(
            encoding="utf-8"))
        heading = feedback.text(edition, "heading", notebook=CHAPTER).splitlines()[0]
        assert heading.lstrip("# ") in page, student
        assert feedback.text(edition, "passed" if score else "failed") in page
        # nbgrader's page around it: its labels in the student's language too
        assert ("Score:" in page) == (edition == "en"), student
        if edition == "zh":
            assert zh["columns"].split("|")[1].strip() in page
            for comment in comments:
                assert comment.splitlines()[0] in page, (student, comment)
        else:
            assert not translation.CJK.search(page), student
    # each failure message: the English student's, and the Chinese one's for the same answers,
    # which says the same in Chinese (in the graded notebook and on the feedback page)
    checked = 0
    for label in ("blank", "partial"):
        english = failure_messages(out, f"en_{label}")
        chinese = failure_messages(out, f"zh_{label}")
        assert english.keys() == chinese.keys(), label
        chinese_page = html_text((out / "feedback" / f"zh_{label}" / CHAPTER /
                                  f"{CHAPTER}.html").read_text(encoding="utf-8"))
        for cell, message in english.items():
            for template, translated in translated_templates(message):
                assert shows(translated, chinese[cell]), (label, cell, template, chinese[cell])
                checked += 1
            assert chinese[cell].splitlines()[0] in chinese_page, (label, cell)
    assert checked, "no failure message of the English students is in the catalogue"


def failure_messages(out, student: str) -> dict[str, str]:
    """Test cell -> the message of the error it raised, in a student's autograded notebook."""
    ran = coursekit.read_notebook(out / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb")
    return {coursekit.grade_id(cell): output.evalue for cell in ran.cells
            if coursekit.is_test_cell(cell) for output in cell.get("outputs", [])
            if output.output_type == "error"}


@pytest.mark.parametrize("name, expected", [
    (f"{CHAPTER}.ipynb", (CHAPTER, "en")),
    (f"{CHAPTER}.zh.ipynb", (CHAPTER, "zh")),
    (f"Copy of {CHAPTER}.zh (1).ipynb", (CHAPTER, "zh")),
    (f"{CHAPTER}.zh-Copy1.ipynb", (CHAPTER, "zh")),
    (f"alice_{CHAPTER}.zh.ipynb", (f"alice_{CHAPTER}", "zh")),
    (f"{CHAPTER}.final.ipynb", (f"{CHAPTER}.final", "en")),
])
def test_a_file_name_gives_the_edition(name, expected):
    assert discovery.name_edition(name) == expected


def test_both_editions_in_a_zip_the_later_is_graded_and_both_named(tmp_path):
    """A flat export in a zip: the members' own times decide (unpacking keeps them); equal
    times give the English one; a copy of the same edition beside them is an extra file."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, when in ((f"ann_{CHAPTER}.ipynb", (2026, 5, 1, 10, 0, 0)),
                           (f"ann_{CHAPTER}.zh.ipynb", (2026, 5, 1, 9, 0, 0)),
                           (f"bo_{CHAPTER}.ipynb", (2026, 5, 1, 9, 0, 0)),
                           (f"bo_{CHAPTER}.zh.ipynb", (2026, 5, 1, 10, 0, 0)),
                           (f"bo_{CHAPTER}.zh (1).ipynb", (2026, 5, 1, 11, 0, 0)),
                           (f"cy_{CHAPTER}.ipynb", (2026, 5, 1, 9, 0, 0)),
                           (f"cy_{CHAPTER}.zh.ipynb", (2026, 5, 1, 9, 0, 0)),
                           (f"di_{CHAPTER} (1).zh.ipynb", (2026, 5, 1, 9, 0, 0))):
            handle.writestr(zipfile.ZipInfo(name, when), "{}")
    folder = discovery.open_input(archive, tmp_path / "scratch")
    tasks, students, unmapped = discovery.find_submissions(folder, [CHAPTER])
    assert not unmapped and students == {"ann", "bo", "cy", "di"}
    graded = {s: (Path(t.path).name, t.edition, t.problems) for (s, _), t in tasks.items()}
    assert graded["ann"][:2] == (f"ann_{CHAPTER}.ipynb", "en")
    assert graded["ann"][2] == [
        f"both-editions: ann_{CHAPTER}.ipynb and ann_{CHAPTER}.zh.ipynb handed in; "
        f"ann_{CHAPTER}.ipynb graded (saved last), ann_{CHAPTER}.zh.ipynb not graded"]
    assert graded["bo"][:2] == (f"bo_{CHAPTER}.zh.ipynb", "zh")
    assert [p.split(":")[0] for p in graded["bo"][2]] == ["both-editions", "extra-file"]
    assert "saved at the same time: the English one" in graded["cy"][2][0]
    assert graded["cy"][:2] == (f"cy_{CHAPTER}.ipynb", "en")
    assert graded["di"] == (f"di_{CHAPTER} (1).zh.ipynb", "zh", [
        f"renamed: di_{CHAPTER} (1).zh.ipynb graded as {CHAPTER}.zh.ipynb"])
