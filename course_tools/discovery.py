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

import re
import zipfile
from pathlib import Path

from course_tools import coursekit
from course_tools.outcome import Result, Task

# "Copy of x", "x (1)", "x-Copy1", "x copy", "x_copy2", "x-1": what file managers, browsers
# and Jupyter do to a file name.
COPY_MARKS = re.compile(r"(?i)^(copy of )+|( ?\(\d+\)| ?[-_ ]copy\d*|-\d+)+$")


def canonical_stem(name: str) -> str:
    """A notebook's name without `.ipynb` and without the marks of a copy."""
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return COPY_MARKS.sub("", stem).strip()


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

