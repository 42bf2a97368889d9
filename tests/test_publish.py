"""The student edition (`./course publish DIR`, course_tools/publish.py, issue 11).

It must hold no line of any chapter's solutions or hidden tests (tests/course_secrets.py), none
of the instructors' tools, and its own README's commands must work: the last test runs the
edition's `./course open --version` (the README's open command, minus the browser) in a fresh
folder, which creates its virtualenv and installs it with pip, then imports the engine, lists
the chapters and checks a notebook with the edition's `./course check`.

That last test is slow by nature: pip installs JupyterLab and nbgrader into a new virtualenv
(from pip's cache when warm; 1 to 4 minutes on two shared cores, most of it waiting on pip's
index, little CPU). It is the only way to know that the students' setup works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_editions import shows, translated_templates
from course_secrets import leaks, secret_lines
from course_server import course_open
from course_tools import coursekit, publish, translation
from course_tools import editions as edition_tools
from course_tools.coursekit import CourseError

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()
EXPECTED = {".gitignore", "README.md", "autograd_core", "binder", "course", "course_check.py",
            "course_messages", "notebooks", "pyproject.toml"}
INSTRUCTOR_ONLY = ("jupytext", "pytest", "torch", "hypothesis", "course_tools")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    return publish.publish(tmp_path_factory.mktemp("published") / "edition", repo=ROOT)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _text_files(folder: Path):
    """Each file's text; a notebook's as the strings its JSON holds (JSON escapes quotes)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".venv" not in path.relative_to(folder).parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".ipynb":
                text = "\n".join(_strings(json.loads(text)))
            yield path, text


def test_edition_holds_what_students_need_and_nothing_else(edition):
    assert {path.name for path in edition.iterdir()} == EXPECTED
    assert os.access(edition / "course", os.X_OK)
    for chapter in coursekit.chapters(ROOT):
        for language in ("en", "zh"):  # both editions
            name = edition_tools.release_name(chapter, language)
            published = edition / "notebooks" / chapter / name
            assert published.read_bytes() == (ROOT / "notebooks" / chapter / name).read_bytes()
    assert (edition / "course_messages" / "zh.po").read_bytes() == (
        ROOT / "course_messages" / "zh.po").read_bytes()
    assert (edition / "course_messages" / "__init__.py").is_file()
    pyproject = (edition / "pyproject.toml").read_text(encoding="utf-8")
    assert not [name for name in INSTRUCTOR_ONLY if name in pyproject]
    assert '"nbgrader==0.9.6"' in pyproject  # the Validate button
    assert not list(edition.rglob("__pycache__"))


# The course extra's packages that only instructors use: jupytext (the chapters' text files) and
# pebble (./course grade's worker pool). The student edition leaves them out.
INSTRUCTOR_ONLY = ("jupytext", "pebble")


def test_edition_pins_what_the_repository_pins(edition):
    """The student pyproject is written by hand: its pins must follow the repository's."""
    tomllib = pytest.importorskip("tomllib")
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    theirs = tomllib.loads((edition / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert theirs["dependencies"] == ours["dependencies"]
    assert theirs["requires-python"] == ours["requires-python"]
    extras = ours["optional-dependencies"]
    assert theirs["optional-dependencies"] == {
        "viz": extras["viz"],
        "course": [item for item in extras["course"] if not item.startswith(INSTRUCTOR_ONLY)],
    }


def test_edition_quotes_no_solution_or_hidden_test(edition):
    secrets = secret_lines(ROOT)
    sources = "".join(text for _, text in _text_files(ROOT / coursekit.SOURCE_DIR))
    assert len(leaks(sources, secrets)) == len(secrets)  # the check can see them
    found = {str(path.relative_to(edition)): leaks(text, secrets)[:3]
             for path, text in _text_files(edition) if leaks(text, secrets)}
    assert not found


def test_the_readme_offers_both_editions_in_both_languages(edition):
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert "./course open --lang zh" in readme and "./course open --lang en" in readme
    chinese = readme.split("## 中文版", 1)[1].split("\n## ", 1)[0]
    assert len(translation.CJK.findall(chinese)) > 100, "a section in Chinese"
    assert "./course open --lang zh" in chinese and ".zh.ipynb" in chinese


def test_publish_refuses_a_folder_inside_the_repository(tmp_path):
    for inside in (ROOT, ROOT / "student-edition", ROOT / "notebooks" / "x"):
        with pytest.raises(CourseError, match="inside the repository"):
            publish.publish(inside, repo=ROOT)
    assert not (ROOT / "student-edition").exists()


def test_publish_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("an older edition\n", encoding="utf-8")
    with pytest.raises(CourseError, match="not empty"):
        publish.publish(tmp_path, repo=ROOT)
    assert [path.name for path in tmp_path.iterdir()] == ["old.txt"]


def test_a_release_holding_a_solution_marker_stops_publish(tmp_path):
    fake = tmp_path / "repo"
    for name in publish.COPIED_FOLDERS:
        (fake / name).mkdir(parents=True)
    (fake / "notebooks" / "leaky.ipynb").write_text(
        f'{{"source": "{coursekit.SOLUTION_BEGIN}"}}\n', encoding="utf-8")
    with pytest.raises(CourseError, match="notebooks/leaky.ipynb"):
        publish.publish(tmp_path / "edition", repo=fake)
    assert not (tmp_path / "edition").exists()


def test_github_option_gives_the_readme_a_binder_badge(tmp_path):
    with pytest.raises(CourseError, match="OWNER/NAME"):
        publish.publish(tmp_path / "bad", github="not a repository", repo=ROOT)
    assert not (tmp_path / "bad").exists()
    edition = publish.publish(tmp_path / "edition", github="my-school/autograd", repo=ROOT)
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert "https://mybinder.org/v2/gh/my-school/autograd/HEAD?urlpath=lab/tree/notebooks" \
        in readme
    assert "<!--" not in readme


def test_course_publish_command_reports_a_bad_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("x\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "course_tools.publish", str(tmp_path)],
                               capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 1
    assert f"refusing to publish into {tmp_path.resolve()}: it is not empty" in completed.stderr


def _run(edition: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "JUPYTER_CONFIG_PATH", "PYTHONPATH")}
    env["PYTHON"] = getattr(sys, "_base_executable", sys.executable)
    return subprocess.run([str(edition / "course"), *args], cwd=edition, env=env,
                          capture_output=True, text=True, timeout=1200)


def test_edition_sets_itself_up_opens_and_checks(edition, tmp_path):
    """The students' README: `./course open` sets up (here with --version, so that no server
    starts), then the engine imports, `./course check --list` lists the chapters and
    `./course check CHAPTER` runs a notebook's visible tests."""
    opened = _run(edition, "open", "--version")
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert opened.stdout.strip().splitlines()[-1].startswith("4."), opened.stdout
    engine = subprocess.run(
        [str(edition / ".venv" / "bin" / "python"), "-c",
         "import autograd_core as torch, course_messages, pathlib; "
         "x = torch.tensor(3.0, requires_grad=True); (x * x).backward(); "
         "print(x.grad.item(), pathlib.Path(torch.__file__).parent, "
         "course_messages.catalogue_path('zh'), len(course_messages.translations('zh')))"],
        capture_output=True, text=True, cwd=tmp_path)
    assert engine.returncode == 0, engine.stderr
    grad, location, catalogue, _ = engine.stdout.split()
    assert grad == "6.0" and Path(location) == edition / "autograd_core"
    assert Path(catalogue) == edition / "course_messages" / "zh.po"  # read with polib

    listed = _run(edition, "check", "--list")
    assert listed.returncode == 0 and listed.stdout.split() == coursekit.chapters(ROOT)

    chapter = "01_tensors_and_leaves"
    notebook = edition / "notebooks" / chapter / f"{chapter}.ipynb"
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, chapter))
    solved = coursekit.solve(coursekit.read_notebook(notebook), source, {"ex1_requires_grad"})
    coursekit.write_notebook(solved, notebook)
    try:
        checked = _run(edition, "check", chapter)
    finally:
        shutil.copy2(coursekit.release_notebook(ROOT, chapter), notebook)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    total = len(coursekit.exercises(source))
    assert f"{chapter}: 1 of {total} exercises pass their visible tests" in checked.stdout
    assert "ex2_leaves_tests: AssertionError: leaf_names is not defined yet" in checked.stdout
    assert "ex1_requires_grad_tests" not in checked.stdout
    assert not checked.stderr.strip(), checked.stderr  # normal use writes nothing to stderr

    # the Chinese edition: ./course open --lang zh remembers it, ./course check then checks the
    # .zh.ipynb notebooks, their messages in Chinese where the catalogue translates them
    assert _run(edition, "open", "--lang", "zh", "--version").returncode == 0
    notebook_zh = notebook.with_name(f"{chapter}.zh.ipynb")
    solved = coursekit.solve(coursekit.read_notebook(notebook_zh), source, {"ex1_requires_grad"})
    coursekit.write_notebook(solved, notebook_zh)
    try:
        checked_zh = _run(edition, "check", chapter)
    finally:
        shutil.copy2(ROOT / "notebooks" / chapter / notebook_zh.name, notebook_zh)
    assert checked_zh.returncode == 1, checked_zh.stdout + checked_zh.stderr
    assert f"{chapter} (zh): 1 of {total} exercises pass their visible tests" in checked_zh.stdout
    assert "ex2_leaves_tests: AssertionError: " in checked_zh.stdout
    for template, chinese in translated_templates(checked.stdout):
        assert shows(chinese, checked_zh.stdout), template
    english = _run(edition, "check", "--lang", "en", chapter)
    assert f"{chapter}: 0 of {total} exercises pass" in english.stdout

    # JupyterLab lists the chosen edition only, its kernels get the language
    with course_open(tmp_path, root=edition) as server:
        listed = json.loads(server.request(f"/api/contents/{chapter}")[1])["content"]
        assert [item["name"] for item in listed] == [notebook_zh.name]
        assert server.environment()["COURSE_LANG"] == "zh"
    (edition / ".course-language").unlink()
