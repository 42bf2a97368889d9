"""The student's workspace (course_tools/workspace.py): made from the releases on first open,
brought up to date later, and never overwriting what the student wrote.

Each test builds a small course root (a copy of one release of this repository) and a scratch
workspace, then plays a course update: a changed explanation cell, as a fix would be.
"""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

import nbformat
import pytest

from course_tools import coursekit, workspace

CHAPTER = "01_tensors_and_leaves"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(coursekit.REPO / coursekit.RELEASE_DIR / CHAPTER,
                    root / coursekit.RELEASE_DIR / CHAPTER)
    return root


def deliver(root: Path) -> list[str]:
    said: list[str] = []
    workspace.deliver(root, root / "workspace", log=said.append)
    return said


def mine(root: Path) -> Path:
    return root / "workspace" / CHAPTER / f"{CHAPTER}.ipynb"


def fix_the_course(root: Path) -> None:
    """A course update: the first explanation cell gets a corrected sentence."""
    path = coursekit.release_notebook(root, CHAPTER)
    nb = coursekit.read_notebook(path)
    nb.cells[0].source += "\n\nA sentence the course fixed."
    coursekit.write_notebook(nb, path)


def answer_exercise_1(root: Path, path: Path | None = None) -> None:
    path = path or mine(root)
    nb = coursekit.read_notebook(path)
    cell = next(c for c in nb.cells if coursekit.is_solution_cell(c))
    cell.source = "requires_grad_names = {'q'}  # my answer"
    coursekit.write_notebook(nb, path)


def test_first_open_copies_every_chapter_with_this_pythons_version(course):
    said = deliver(course)
    assert said == [f"{CHAPTER}: copied into {CHAPTER}/"]
    copy = coursekit.read_notebook(mine(course))
    release = coursekit.read_notebook(coursekit.release_notebook(course, CHAPTER))
    assert [c.source for c in copy.cells] == [c.source for c in release.cells]
    assert copy.metadata.language_info == coursekit.language_info(platform.python_version())
    assert copy.metadata.kernelspec == release.metadata.kernelspec
    assert deliver(course) == [], "a second open changes nothing"


def test_an_untouched_chapter_gets_the_fix(course):
    deliver(course)
    fix_the_course(course)
    assert deliver(course) == [
        f"{CHAPTER}: updated to the course's new version (you had not written in it)"]
    assert "A sentence the course fixed." in mine(course).read_text()


def test_a_started_chapter_keeps_the_students_file_and_gets_the_fix_beside_it(course):
    deliver(course)
    answer_exercise_1(course)
    before = mine(course).read_bytes()
    fix_the_course(course)
    said = deliver(course)
    assert mine(course).read_bytes() == before, "the student's answers were overwritten"
    update = mine(course).parent / f"{CHAPTER} (course update 1).ipynb"
    assert "A sentence the course fixed." in update.read_text()
    assert said == [f"{CHAPTER}: you have started it, so it is kept; the course's new version is "
                    f"{CHAPTER}/{update.name} (see {CHAPTER}/COURSE UPDATES.md)"]
    notes = (mine(course).parent / "COURSE UPDATES.md").read_text()
    assert update.name in notes and "changed: cell 1 (markdown: '# " in notes
    assert deliver(course) == [], "nothing new: nothing is written again"

    # a second fix replaces the update file the student has not touched...
    fix_the_course(course)
    deliver(course)
    assert update.read_text().count("A sentence the course fixed.") == 2
    assert not (update.parent / f"{CHAPTER} (course update 2).ipynb").exists()
    # ...but once they work in it, the next fix goes to a new file
    answer_exercise_1(course, update)
    fix_the_course(course)
    deliver(course)
    assert (update.parent / f"{CHAPTER} (course update 2).ipynb").exists()
    assert mine(course).read_bytes() == before


def test_outputs_and_saving_do_not_count_as_writing(course):
    deliver(course)
    nb = coursekit.read_notebook(mine(course))
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    code.execution_count = 1
    coursekit.write_notebook(nb, mine(course))
    fix_the_course(course)
    assert deliver(course)[0].endswith("(you had not written in it)")


def test_a_workspace_without_a_record_keeps_a_differing_notebook(course):
    (course / "workspace" / CHAPTER).mkdir(parents=True)
    shutil.copy2(coursekit.release_notebook(course, CHAPTER), mine(course))
    answer_exercise_1(course)
    before = mine(course).read_bytes()
    said = deliver(course)
    assert mine(course).read_bytes() == before
    assert "you have started it" in said[0]
    assert "no record of the version you started from" in (
        mine(course).parent / "COURSE UPDATES.md").read_text()


def test_a_chapter_the_student_deleted_comes_back_and_folders_without_a_release_stay(course):
    deliver(course)
    mine(course).unlink()
    own = course / "workspace" / "my_notes"
    own.mkdir()
    assert deliver(course) == [f"{CHAPTER}: copied into {CHAPTER}/"]
    assert own.is_dir()


def zh_release(root: Path) -> Path:
    return coursekit.release_notebook(root, CHAPTER).with_name(f"{CHAPTER}.zh.ipynb")


def test_each_edition_is_delivered_alone_and_updated_on_its_own(course):
    """`./course open --lang zh`: the Chinese notebooks only, their own record and update files,
    the note in Chinese; the English edition's come later, beside them, untouched by it."""
    said: list[str] = []
    workspace.deliver(course, course / "workspace", log=said.append, language="zh")
    folder = course / "workspace" / CHAPTER
    assert said == [f"{CHAPTER} (zh): copied into {CHAPTER}/"]
    assert sorted(p.name for p in folder.iterdir()) == [f"{CHAPTER}.zh.ipynb"]
    mine_zh = folder / f"{CHAPTER}.zh.ipynb"
    answer_exercise_1(course, mine_zh)
    nb = coursekit.read_notebook(zh_release(course))
    nb.cells[0].source += "\n\nA sentence the course fixed."
    coursekit.write_notebook(nb, zh_release(course))
    fix_the_course(course)  # the English release changes too: nothing of it is delivered
    said.clear()
    workspace.deliver(course, course / "workspace", log=said.append, language="zh")
    update = folder / f"{CHAPTER} (course update 1).zh.ipynb"
    assert said == [f"{CHAPTER} (zh): you have started it, so it is kept; the course's new "
                    f"version is {CHAPTER}/{update.name} (see {CHAPTER}/COURSE UPDATES.md)"]
    assert "A sentence the course fixed." in update.read_text()
    notes = (folder / "COURSE UPDATES.md").read_text()
    assert workspace.UPDATE_NOTES["zh"].format(mine=mine_zh.name, update=update.name) in notes
    assert not (folder / f"{CHAPTER}.ipynb").exists()

    # switching to English adds the English notebook; the Chinese one stays as it was
    before = mine_zh.read_bytes()
    assert deliver(course) == [f"{CHAPTER}: copied into {CHAPTER}/"]
    assert mine_zh.read_bytes() == before
    answer_exercise_1(course)
    fix_the_course(course)
    deliver(course)
    assert (folder / f"{CHAPTER} (course update 1).ipynb").is_file(), "numbered per edition"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted([
        f"{CHAPTER}.ipynb", f"{CHAPTER}.zh.ipynb", f"{CHAPTER} (course update 1).ipynb",
        update.name])


def test_the_choice_of_edition_is_remembered(course):
    space = course / "workspace"
    assert workspace.chosen_language(space) == "en", "English until a choice is made"
    assert workspace.chosen_language(space, "zh") == "zh"
    assert workspace.chosen_language(space) == "zh"
    assert workspace.chosen_language(space, workspace.EVERY_EDITION) == "all"
    assert workspace.chosen_language(space) == "zh", "every edition (Binder) is not a choice"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        workspace.chosen_language(space, "fr")
    assert workspace.main(["--root", str(course), "--workspace", str(space)]) == 0
    assert (space / CHAPTER / f"{CHAPTER}.zh.ipynb").is_file()
    assert not (space / CHAPTER / f"{CHAPTER}.ipynb").exists()
    assert workspace.main(["--root", str(course), "--workspace", str(space), "--lang", "all"]) == 0
    assert (space / CHAPTER / f"{CHAPTER}.ipynb").is_file()
