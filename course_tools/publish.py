"""The student edition: `./course publish DIR [--github OWNER/NAME]`.

This repository is the instructor's: `solutions/` holds every solution and hidden test, `tests/`
and `course_tools/` the checks and the grading. Students of a graded class get a copy with what
they need and nothing else:

    notebooks/        the releases, as `./course release` made them (no solutions, no hidden tests),
                      both editions: <chapter>.ipynb (English) and <chapter>.zh.ipynb (Chinese)
    autograd_core/    the engine the chapters import
    course_messages/  the test cells' messages in the learner's language (zh.po), which the
                      Chinese notebooks and COURSE_LANG ask for
    binder/           the Binder environment and the student view of JupyterLab
    README.md         the students' README: `./course open [--lang en|zh]` and `./course check`,
                      with a section in Chinese
    course            the students' entry point (open, check)
    course_check.py   what `./course check` runs: the visible tests of their notebooks
    pyproject.toml    the engine and the `course` extra, without the instructors' tooling
    .gitignore

The files of the last five are in course_tools/student_edition/. DIR must be outside this
repository (a copy inside it would be committed, or graded, with the rest) and new or empty (so
that nothing of an older edition lingers). Before it finishes, every file written is read back:
one holding an nbgrader solution or hidden-test marker stops the command with an error, and
DIR is removed again.

With `--github OWNER/NAME`, the README gets a Binder badge for that repository, the one the
edition is pushed to.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from course_tools.coursekit import (
    HIDDEN_BEGIN, HIDDEN_END, RELEASE_DIR, REPO, SOLUTION_BEGIN, SOLUTION_END, CourseError,
)

TEMPLATES = Path(__file__).resolve().parent / "student_edition"
COPIED_FOLDERS = (RELEASE_DIR, "autograd_core", "course_messages", "binder")
TEMPLATE_FILES = {  # file in TEMPLATES -> file in the edition
    "README.md": "README.md",
    "course": "course",
    "course_check.py": "course_check.py",
    "pyproject.toml": "pyproject.toml",
    "gitignore": ".gitignore",
}
EXECUTABLE = ("course",)
MARKERS = (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END)
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")
GITHUB_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def binder_badge(github: str | None) -> str:
    """The README's Binder line for the edition's GitHub repository (none without one)."""
    if not github:
        return ""
    url = f"https://mybinder.org/v2/gh/{github}/HEAD?urlpath=lab/tree/notebooks"
    return (f"[![Binder](https://mybinder.org/badge_logo.svg)]({url}) (opens the chapters "
            "in JupyterLab in your browser, with nothing installed; each chapter folder has "
            "both editions: `<chapter>.ipynb` in English, `<chapter>.zh.ipynb` 中文版)")


def check_destination(destination: Path, repo: Path = REPO) -> Path:
    """DIR, resolved, if it may receive an edition; else a CourseError saying why."""
    target = Path(destination).expanduser().resolve()
    repo = Path(repo).resolve()
    if target == repo or repo in target.parents:
        raise CourseError(f"refusing to publish into {target}: it is inside the repository "
                          f"{repo}, whose solutions the edition must not sit beside. Choose a "
                          "folder outside it, for example ../autograd-course-student")
    if target.exists() and not target.is_dir():
        raise CourseError(f"refusing to publish into {target}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise CourseError(f"refusing to publish into {target}: it is not empty. Publish into "
                          "a new or empty folder, so that nothing of an older edition stays")
    return target


def marked_files(folder: Path) -> list[str]:
    """The files under folder holding a solution or hidden-test marker of nbgrader."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(marker in text for marker in MARKERS):
                found.append(str(path.relative_to(folder)))
    return found


def publish(destination: Path, github: str | None = None, repo: Path = REPO) -> Path:
    """Write the student edition of repo into destination (see the module's docstring)."""
    repo = Path(repo).resolve()
    target = check_destination(destination, repo)
    if github and not GITHUB_NAME.match(github):
        raise CourseError(f"--github {github!r}: expected OWNER/NAME, e.g. my-school/autograd")
    missing = [name for name in COPIED_FOLDERS if not (repo / name).is_dir()]
    if missing:
        raise CourseError(f"{repo} has no {', '.join(missing)}/ (run ./course release first)")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        for name in COPIED_FOLDERS:
            shutil.copytree(repo / name, target / name, ignore=LEFT_OUT)
        for template, name in TEMPLATE_FILES.items():
            text = (TEMPLATES / template).read_text(encoding="utf-8")
            if name == "README.md":
                badge = binder_badge(github)
                text = text.replace("<!-- BINDER -->\n\n", f"{badge}\n\n" if badge else "")
            (target / name).write_text(text, encoding="utf-8")
            if name in EXECUTABLE:
                (target / name).chmod(0o755)
        leaked = marked_files(target)
        if leaked:
            raise CourseError("the edition would hold solution or hidden-test markers in "
                              f"{', '.join(leaked)}: were the releases edited by hand? "
                              "Run ./course release and publish again")
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./course publish", description="Write the student edition of the course into DIR "
        "(new or empty, outside this repository): notebooks, engine, Binder setup, a student "
        "README and ./course; no solutions, hidden tests, instructor tests or grading tools.")
    parser.add_argument("destination", type=Path, metavar="DIR")
    parser.add_argument("--github", metavar="OWNER/NAME",
                        help="the GitHub repository the edition goes to (for its Binder badge)")
    args = parser.parse_args(argv)
    try:
        target = publish(args.destination, args.github)
    except CourseError as error:
        print(f"./course publish: {error}", file=sys.stderr)
        return 1
    print(f"wrote the student edition to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
