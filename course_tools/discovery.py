"""Who handed in what: map the files of a class (a folder or a zip, nbgrader's
`<student>/<chapter>/` layout or a flat `<student>_<chapter>.ipynb` export) to one `Task` per
student and chapter.

*Renamed notebooks* (`01_x (1).ipynb`, `Copy of 01_x.ipynb`, `alice_01_x-Copy1.ipynb`): when
exactly one candidate stands for a student's chapter (the only notebook in
`<student>/<chapter>/`, or the only flat file naming that student and chapter; among several,
the only one whose name is right once the marks of a copy are taken off), it is graded
under the right name and reported "renamed". nbgrader itself would skip it ("Skipping unknown
notebook") and give 0 for a file-name slip that Jupyter or a browser made; grading it cannot
give unearned points, since the cells are matched by their nbgrader ids and checksums, not by
the file name. Two or more candidates and no exact name -> "ambiguous", 0: picking
one would be guessing which the student meant.
"""

from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path

from course_tools import coursekit
from course_tools.translation import EDITIONS
from course_tools.outcome import Result, Task

# "Copy of x", "x (1)", "x-Copy1", "x copy", "x_copy2", "x-1": what file managers, browsers
# and Jupyter do to a file name.
COPY_MARKS = re.compile(r"(?i)^(copy of )+|( ?\(\d+\)| ?[-_ ]copy\d*|-\d+)+$")


def canonical_stem(name: str) -> str:
    """A notebook's name without `.ipynb` and without the marks of a copy."""
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return COPY_MARKS.sub("", stem).strip()


def name_edition(name: str) -> tuple[str, str]:
    """A notebook's name without `.ipynb`, the marks of a copy and the edition, and the edition
    the name gives: `Copy of 01_x.zh (1).ipynb` -> ("01_x", "zh"), `01_x.ipynb` -> ("01_x",
    "en")."""
    stem = canonical_stem(name)
    for language in EDITIONS:
        if stem.endswith(f".{language}"):
            return canonical_stem(stem[: -len(language) - 1]), language
    return stem, "en"


def edition_names(stem: str) -> dict[str, str]:
    """The exact file name of each edition of `stem` (`01_x` or `alice_01_x`)."""
    return {"en": f"{stem}.ipynb", **{language: f"{stem}.{language}.ipynb"
                                       for language in EDITIONS}}


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def open_input(source: Path, scratch: Path) -> Path:
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
                made = archive.extract(member, target)
                try:  # the member's own time: which of two editions was saved last
                    stamp = time.mktime((*member.date_time, 0, 0, -1))
                    os.utime(made, (stamp, stamp))
                except (OverflowError, ValueError, OSError):
                    pass
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
            _choose(task, found, edition_names(chapter))
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
        before, _ = stem.split(chapter, 1)
        student = COPY_MARKS.sub("", before).strip(" _-")
        if not student:
            unmapped.append(Result(stem, chapter, 0.0, 0.0, [
                f"malformed: {path.name}: no student id before the chapter's name"]))
            continue
        flat.setdefault((student, chapter), []).append(path)
    for (student, chapter), paths in sorted(flat.items()):
        students.add(student)
        task = tasks.setdefault((student, chapter), Task(student, chapter))
        task.received += [str(p) for p in paths]
        if task.path is None:
            task.problems = []
            _choose(task, [Path(p) for p in task.received],
                    edition_names(f"{student}_{chapter}"))
    return tasks, students, unmapped


def _choose(task: Task, found: list[Path], exact: dict[str, str]) -> None:
    """Pick the notebook to grade among the candidates for one student's chapter (`exact`: the
    right file name of each edition): the exact names; else the only candidate; else those
    whose name is right once the marks of a copy are taken off. One left is graded; one of each
    of two editions, the later saved (see the module's docstring); anything else is
    ambiguous."""
    names = [p.name for p in found]
    plain_stem = exact["en"][: -len(".ipynb")]
    pool = [p for p in found if p.name in exact.values()]
    if not pool:
        pool = found if len(found) == 1 else [p for p in found
                                              if name_edition(p.name)[0] == plain_stem]
    by_edition: dict[str, list[Path]] = {}
    for path in pool:
        by_edition.setdefault(name_edition(path.name)[1], []).append(path)
    chosen = None
    if pool and all(len(paths) == 1 for paths in by_edition.values()):
        chosen = pool[0]
        if len(pool) > 1:
            chosen = max(pool, key=lambda p: (_saved(p), name_edition(p.name)[1] == "en"))
            others = [p.name for p in pool if p != chosen]
            why = "saved last" if len({_saved(p) for p in pool}) == len(pool) else \
                "saved at the same time: the English one"
            task.problems.append(
                f"both-editions: {' and '.join(sorted(p.name for p in pool))} handed in; "
                f"{chosen.name} graded ({why}), {', '.join(others)} not graded")
    if chosen is None:
        if found:
            task.problems.append(f"ambiguous: {len(found)} notebooks ({', '.join(names)}) and "
                                 f"none named {exact['en']}; not graded")
        else:
            task.problems.append(f"missing: no {task.chapter} notebook handed in")
        return
    task.path = str(chosen)
    task.edition = name_edition(chosen.name)[1]
    if chosen.name != exact[task.edition]:
        task.problems.append(f"renamed: {chosen.name} graded as "
                             f"{edition_names(task.chapter)[task.edition]}")
    for other in names:
        if other not in {p.name for p in pool}:
            task.problems.append(f"extra-file: {other} ignored; {chosen.name} was graded")


def _saved(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
