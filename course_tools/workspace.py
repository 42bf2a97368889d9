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

*Editions.* The student chooses the edition: `./course open --lang zh` delivers the Chinese
releases (`<chapter>.zh.ipynb`), `--lang en` the English ones; the choice is kept in
`workspace/.course/language` and used by later runs without --lang (English at first). Each
edition is delivered and updated on its own: its own record, its update files
(`<chapter> (course update N).zh.ipynb`), its notes in COURSE UPDATES.md in its language. A
student who switches keeps the other edition's notebooks; the new one's are added beside them.
Binder delivers every edition (`--lang all`) and remembers none: the student opens either.

Run it as `python -m course_tools.workspace [--root COURSE] [--workspace FOLDER]
[--lang en|zh|all]`.
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
from course_tools.editions import release_name
from course_tools.translation import EDITIONS

WORKSPACE_DIR = "workspace"
RECORD_DIR = ".course"  # hidden: JupyterLab does not list dot-folders
NOTES_NAME = "COURSE UPDATES.md"
LANGUAGE_FILE = "language"  # in RECORD_DIR: the edition the student chose
LANGUAGES = ("en", *EDITIONS)
EVERY_EDITION = "all"

# The note COURSE UPDATES.md gets when a started chapter has a new version, in the edition's
# language.
UPDATE_NOTES = {
    "en": ("The course changed this chapter after you started it. Your notebook `{mine}` is kept "
           "as you left it; the new version is `{update}`. To use it, copy your answers into it "
           "(Validate checks the notebook you press it in). What changed since the previous "
           "version:"),
    "zh": ("你开始做这一章之后，课程更新了它。你的笔记本 `{mine}` 保持原样；新版本是 `{update}`。"
           "要用新版本，请把你的答案复制过去（Validate 检查的是你按下它的那个笔记本）。"
           "与上一版相比的改动（英文列出）："),
}


def update_name(chapter: str, number: int, language: str = "en") -> str:
    suffix = ".ipynb" if language == "en" else f".{language}.ipynb"
    return f"{chapter} (course update {number}){suffix}"


def chosen_language(workspace: Path, asked: str | None = None) -> str:
    """The edition to deliver: the one asked for, else the one chosen last time, else English.
    A choice of one edition is remembered."""
    record = Path(workspace) / RECORD_DIR / LANGUAGE_FILE
    if asked is None:
        remembered = record.read_text(encoding="utf-8").strip() if record.is_file() else "en"
        return remembered if remembered in LANGUAGES else "en"
    if asked not in (*LANGUAGES, EVERY_EDITION):
        raise ValueError(f"unknown language {asked!r}: expected one of "
                         f"{', '.join((*LANGUAGES, EVERY_EDITION))}")
    if asked != EVERY_EDITION:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(asked + "\n", encoding="utf-8")
    return asked


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


def deliver(root: Path = coursekit.REPO, workspace: Path | None = None, log=print,
            language: str = "en") -> None:
    """Bring the workspace up to date with the releases of `language` (or, EVERY_EDITION, of
    every edition) in root/notebooks/ (see the module's docstring). Chapters the course no
    longer has are left as they are."""
    root = Path(root)
    workspace = Path(workspace) if workspace else root / WORKSPACE_DIR
    records = workspace / RECORD_DIR
    records.mkdir(parents=True, exist_ok=True)
    languages = LANGUAGES if language == EVERY_EDITION else (language,)
    releases = root / coursekit.RELEASE_DIR
    for folder in sorted(p for p in releases.iterdir() if p.is_dir()) if releases.is_dir() else []:
        chapter = folder.name
        editions = {lang: folder / release_name(chapter, lang) for lang in LANGUAGES}
        wanted = [lang for lang in languages if editions[lang].is_file()]
        if not coursekit.CHAPTER_NAME.match(chapter) or not wanted:
            continue
        target = workspace / chapter
        target.mkdir(exist_ok=True)
        for extra in sorted(folder.rglob("*")):  # data files beside the notebook: add missing
            copy = target / extra.relative_to(folder)
            if extra.is_file() and extra not in editions.values() and not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(extra, copy)
        for lang in wanted:
            _deliver_notebook(chapter, for_this_machine(editions[lang]), target, records, log,
                              lang)


def _deliver_notebook(chapter: str, new: str, target: Path, records: Path, log,
                      language: str = "en") -> None:
    name = release_name(chapter, language)
    label = chapter if language == "en" else f"{chapter} ({language})"
    mine = target / name
    record = records / name
    old = record.read_text(encoding="utf-8") if record.exists() else None
    if not mine.exists():
        mine.write_text(new, encoding="utf-8")
        log(f"{label}: copied into {mine.parent.name}/")
    elif old == new:
        return
    elif _untouched(mine, old or new):
        if mine.read_text(encoding="utf-8") != new:
            mine.write_text(new, encoding="utf-8")
            log(f"{label}: updated to the course's new version (you had not written in it)")
    else:
        update = _update_file(chapter, target, old, language)
        update.write_text(new, encoding="utf-8")
        what = changes(old, new) if old else [
            "(no record of the version you started from: compare the two notebooks)"]
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        note = UPDATE_NOTES.get(language, UPDATE_NOTES["en"]).format(mine=mine.name,
                                                                      update=update.name)
        with open(target / NOTES_NAME, "a", encoding="utf-8") as notes:
            notes.write(f"## {stamp}: {update.name}\n\n{note}\n\n"
                        + "".join(f"- {line}\n" for line in what) + "\n")
        log(f"{label}: you have started it, so it is kept; the course's new version is "
            f"{target.name}/{update.name} (see {target.name}/{NOTES_NAME})")
    record.write_text(new, encoding="utf-8")


def _untouched(path: Path, delivered: str) -> bool:
    try:
        return sources(path.read_text(encoding="utf-8")) == sources(delivered)
    except (ValueError, UnicodeDecodeError):  # not a readable notebook: the student's business
        return False


def _update_file(chapter: str, target: Path, previous: str | None,
                 language: str = "en") -> Path:
    """Where a new version goes beside a started chapter: the last update file of its edition
    if the student has not written in it (it is replaced), else the next free number."""
    start = f"{chapter} (course update "
    end = update_name(chapter, 0, language).removeprefix(f"{start}0")  # ").zh.ipynb"
    numbers = []
    for path in target.iterdir():
        number = path.name[len(start):-len(end)]
        if path.name.startswith(start) and path.name.endswith(end) and number.isdigit():
            numbers.append(int(number))
    if numbers:
        last = target / update_name(chapter, max(numbers), language)
        if previous is not None and _untouched(last, previous):
            return last
    return target / update_name(chapter, max(numbers, default=0) + 1, language)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workspace", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=coursekit.REPO, help="course root")
    parser.add_argument("--workspace", type=Path, default=None,
                        help=f"the student's folder (default: ROOT/{WORKSPACE_DIR})")
    parser.add_argument("--lang", choices=(*LANGUAGES, EVERY_EDITION), default=None,
                        help="the edition to deliver, remembered for the next runs (default: the "
                        f"one chosen last time, else en); {EVERY_EDITION}: every edition, "
                        "remembering nothing (Binder)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    workspace = args.workspace or root / WORKSPACE_DIR
    try:
        language = chosen_language(workspace, args.lang)
        deliver(root, workspace, log=lambda line: print(f"[course] {line}"), language=language)
    except OSError as error:
        print(f"[course] could not set up the workspace: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
