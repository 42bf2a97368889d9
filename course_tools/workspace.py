"""The student's own copy of the chapters: `workspace/`, which git does not track.

Students used to answer in `notebooks/`, the releases git tracks, so a course fix made `git pull`
conflict with their answers. `./course open` (and Binder's start script) now call `deliver()`
first, which copies each release into `workspace/<chapter>/` and then never overwrites what a
student wrote:

- a chapter not in the workspace yet is copied in;
- a chapter the student has not written in (its cells' sources are those delivered) is replaced
  by the new release when the course changes it;
- a chapter the student has started keeps their file; the new release lands beside it as
  `<chapter> (course update N).ipynb`, and `COURSE UPDATES.md` in the chapter folder says which
  cells changed, so they can carry their answers over.

What was last delivered is kept in `workspace/.course/` (hidden in JupyterLab), to tell an
untouched chapter from a started one and to say what changed. Every copy gets the student's
own Python version in its `language_info`, the one thing JupyterLab would otherwise rewrite on
open (releases carry the course's: coursekit.RELEASE_PYTHON_VERSION), so an untouched chapter
opens and closes unmodified.

Run it as `python -m course_tools.workspace [--root COURSE] [--workspace FOLDER]`.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import shutil
import sys
from pathlib import Path

import nbformat

from course_tools import coursekit

WORKSPACE_DIR = "workspace"
RECORD_DIR = ".course"  # hidden: JupyterLab does not list dot-folders
NOTES_NAME = "COURSE UPDATES.md"


def update_name(chapter: str, number: int) -> str:
    return f"{chapter} (course update {number}).ipynb"


def for_this_machine(release: Path) -> str:
    """A release as the student gets it: its language_info names the Python that runs the
    kernel (this one: ./course open and Binder run the course's environment)."""
    nb = coursekit.read_notebook(release)
    nb.metadata["language_info"] = coursekit.language_info(platform.python_version())
    return nbformat.writes(nb) + "\n"


def sources(text: str) -> list[tuple[str, str]]:
    """What a student writes in a notebook: each cell's type and source (outputs and
    metadata, which running and saving change, are left out)."""
    nb = nbformat.reads(text, as_version=4)
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def describe_cell(index: int, cell: nbformat.NotebookNode) -> str:
    name = coursekit.grade_id(cell)
    if name and coursekit.is_test_cell(cell):
        return f"cell {index + 1}, the tests of exercise {name.removesuffix('_tests')}"
    if name:
        return f"cell {index + 1}, the answer cell of exercise {name}"
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} ({cell.cell_type}: {first!r})"


def changes(old_text: str, new_text: str) -> list[str]:
    """Which cells a new release adds, removes or changes, by cell id."""
    old = nbformat.reads(old_text, as_version=4).cells
    new = nbformat.reads(new_text, as_version=4).cells
    old_by_id = {cell.get("id"): cell for cell in old}
    new_ids = {cell.get("id") for cell in new}
    found = []
    for index, cell in enumerate(new):
        before = old_by_id.get(cell.get("id"))
        if before is None:
            found.append(f"new: {describe_cell(index, cell)}")
        elif (before.cell_type, before.source) != (cell.cell_type, cell.source):
            found.append(f"changed: {describe_cell(index, cell)}")
    for index, cell in enumerate(old):
        if cell.get("id") not in new_ids:
            found.append(f"removed: {describe_cell(index, cell)} of the version you started from")
    return found or ["only the notebook's metadata (nothing you read or write)"]


def deliver(root: Path = coursekit.REPO, workspace: Path | None = None, log=print) -> None:
    """Bring the workspace up to date with the releases in root/notebooks/ (see the module's
    docstring). Chapters the course no longer has are left as they are."""
    root = Path(root)
    workspace = Path(workspace) if workspace else root / WORKSPACE_DIR
    records = workspace / RECORD_DIR
    records.mkdir(parents=True, exist_ok=True)
    releases = root / coursekit.RELEASE_DIR
    for folder in sorted(p for p in releases.iterdir() if p.is_dir()) if releases.is_dir() else []:
        chapter = folder.name
        release = coursekit.release_notebook(root, chapter)
        if not coursekit.CHAPTER_NAME.match(chapter) or not release.is_file():
            continue
        target = workspace / chapter
        target.mkdir(exist_ok=True)
        for extra in sorted(folder.rglob("*")):  # data files beside the notebook: add missing
            copy = target / extra.relative_to(folder)
            if extra.is_file() and extra != release and not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(extra, copy)
        _deliver_notebook(chapter, for_this_machine(release), target, records, log)


def _deliver_notebook(chapter: str, new: str, target: Path, records: Path, log) -> None:
    mine = target / f"{chapter}.ipynb"
    record = records / f"{chapter}.ipynb"
    old = record.read_text(encoding="utf-8") if record.exists() else None
    if not mine.exists():
        mine.write_text(new, encoding="utf-8")
        log(f"{chapter}: copied into {mine.parent.name}/")
    elif old == new:
        return
    elif _untouched(mine, old or new):
        if mine.read_text(encoding="utf-8") != new:
            mine.write_text(new, encoding="utf-8")
            log(f"{chapter}: updated to the course's new version (you had not written in it)")
    else:
        update = _update_file(chapter, target, old)
        update.write_text(new, encoding="utf-8")
        what = changes(old, new) if old else [
            "(no record of the version you started from: compare the two notebooks)"]
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        with open(target / NOTES_NAME, "a", encoding="utf-8") as notes:
            notes.write(
                f"## {stamp}: {update.name}\n\n"
                f"The course changed this chapter after you started it. Your notebook "
                f"`{mine.name}` is kept as you left it; the new version is `{update.name}`. "
                f"To use it, copy your answers into it (Validate checks the notebook you press "
                f"it in). What changed since the previous version:\n\n" + "".join(f"- {line}\n" for line in what) + "\n")
        log(f"{chapter}: you have started it, so it is kept; the course's new version is "
            f"{target.name}/{update.name} (see {target.name}/{NOTES_NAME})")
    record.write_text(new, encoding="utf-8")


def _untouched(path: Path, delivered: str) -> bool:
    try:
        return sources(path.read_text(encoding="utf-8")) == sources(delivered)
    except (ValueError, UnicodeDecodeError):  # not a readable notebook: the student's business
        return False


def _update_file(chapter: str, target: Path, previous: str | None) -> Path:
    """Where a new version goes beside a started chapter: the last update file if the student
    has not written in it (it is replaced), else the next free number."""
    numbers = []
    for path in target.glob(f"{chapter} (course update *).ipynb"):
        number = path.name[len(chapter) + len(" (course update "):-len(").ipynb")]
        if number.isdigit():
            numbers.append(int(number))
    if numbers:
        last = target / update_name(chapter, max(numbers))
        if previous is not None and _untouched(last, previous):
            return last
    return target / update_name(chapter, max(numbers, default=0) + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workspace", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=coursekit.REPO, help="course root")
    parser.add_argument("--workspace", type=Path, default=None,
                        help=f"the student's folder (default: ROOT/{WORKSPACE_DIR})")
    args = parser.parse_args(argv)
    try:
        deliver(args.root.resolve(), args.workspace, log=lambda line: print(f"[course] {line}"))
    except OSError as error:
        print(f"[course] could not set up the workspace: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
