"""`./course grade` on a hostile class: students who attack the grader instead of the exercises.

Chapter 1 (exercises worth 1, 1, 2, 1, 2, 2 and 2 points). Beside an honest-perfect, a blank and a
wrong-but-complete student, every attacker tries one thing from issue 11's list, and also
solves some exercises honestly in cells that tamper with nothing. Every exercise it does not
solve honestly holds either the attack or a wrong answer (wrong but complete, so that an attack
that disables the checks would turn it into points). So each attacker deserves exactly the
points of its honest answers, worked out here from which exercises it solved.

Two kinds of attack, two kinds of evidence:
- forged passes (IPython transformers, exception handler, `showtraceback`, monkeypatched `math`,
  NumPy and engine with the visible case hard-coded, objects that lie about equality; and two
  found here: an answer that rebinds the hidden test's own names while the test calls it, and
  one that makes IPython show a result in the test cell, which nbgrader reads as points): the
  tampering cell is not run and reported as `tampered-runtime`, so the score is the honest one;
- reaching out of the kernel (reading solutions and hidden tests, reading other kernels'
  connection files, writing into the engine, deleting the gradebook and the other students'
  files found through /proc, detached processes, a 6 GiB allocation): the sandbox contains
  them. The two readers answer one exercise more only when they find what they look for (the
  chapter's solution; another kernel's connection file), so a breach shows in the score; the
  damage shows in the files and processes checked after the run; the allocation is reported
  by name (`memory`).

The marker strings the readers look for are split in their source, so that their own cells
(and IPython's history of them) never match.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

import autograd_core
from course_tools import coursekit, grading, sandbox
from course_tools.outcome import kind

CHAPTER = "01_tensors_and_leaves"
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 10, 40
ENGINE = Path(autograd_core.__file__).resolve().parent
SHORT_LINE = 12  # secret lines shorter than this (`import math`, `)`) say nothing on their own
NO_SANDBOX = sandbox.unavailable_reason()
CACHE_FOLDERS = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis",
                 ".ipynb_checkpoints"}


# --------------------------------------------------------------------------------------------
# The answers: wrong but complete, and the attacks

WRONG = {
    "ex1_requires_grad": 'requires_grad_names = {"q"}\n',
    "ex2_leaves": 'leaf_names = {"p", "q"}\n',
    "ex3_nudge_grads": "def nudge_grads(a_value, b_value, h):\n    return (0.0, 0.0)\n",
    "ex4_line_grads": 'predicted_grads = {"x": None, "w": 2.0, "b": 1.0}\n',
    "ex5_gets_grad": "def gets_grad(tensor):\n    return tensor.requires_grad\n",
    "ex6_freeze": "def freeze(params, keep):\n    return None\n",
    "ex7_worst_nudge_gap": "def worst_nudge_gap(f, x, h):\n    return 0.0\n",
}

AST_TRANSFORMER = '''\
import ast


class _AssertsPass(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.copy_location(ast.Pass(), node)


get_ipython().ast_transformers.append(_AssertsPass())
''' + WRONG["ex1_requires_grad"]

INPUT_TRANSFORMER = '''\
import re


def _asserts_always_hold(lines):
    return [re.sub(r"^(\\s*)assert\\b", r"\\1assert True or ", line) for line in lines]


get_ipython().input_transformers_post.append(_asserts_always_hold)
''' + WRONG["ex1_requires_grad"]

CUSTOM_EXCEPTION_HANDLER = '''\
def _swallow(shell, etype, value, tb, tb_offset=None):
    return None


get_ipython().set_custom_exc((Exception,), _swallow)
''' + WRONG["ex1_requires_grad"]

SHOWTRACEBACK = '''\
get_ipython().showtraceback = lambda *args, **kwargs: None
''' + WRONG["ex1_requires_grad"]

MATH_ISCLOSE = '''\
import math

math.isclose = lambda *args, **kwargs: True


def nudge_grads(a_value, b_value, h):
    return (4.0, 96.5) if h == 0.5 else (4.0, 96.0)  # the visible cases, hard-coded
'''

# The test cells run in the notebook's namespace: an answer called by a hidden test can rebind
# the test's own names while it runs (here its loop variables, set to the visible case)
REBIND_TEST_NAMES = '''\
def nudge_grads(a_value, b_value, h):
    global _a, _b, _h
    _a, _b, _h = 2.0, 4.0, 0.5
    return (4.0, 96.5)  # the visible case, hard-coded
'''

# nbgrader scores a test cell by its outputs, and reads a result (execute_result) that comes
# before any error as partial credit: an answer that makes IPython's display hook show its
# points while the test cell runs, reached through traitlets' application singleton
FAKE_RESULT = '''\
from traitlets.config import Application


def nudge_grads(a_value, b_value, h):
    vars(Application.instance().shell)["display" + "hook"](2.0)
    return (0.0, 0.0)
'''

# backward() seeds a scalar output with np.ones: a seed of 2 makes x * w + b give w.grad 6
NUMPY_PATCH = '''\
import numpy as np

_real_ones = np.ones


def _seed_of_two(shape, dtype=None, order="C", **kwargs):
    out = _real_ones(shape, dtype, order, **kwargs)
    if out.ndim == 0:
        out[...] = 2
    return out


np.ones = _seed_of_two
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
predicted_grads = {"x": None, "w": 6.0, "b": 2.0}
'''

ENGINE_PATCH = '''\
import autograd_core

_real_item = autograd_core.Tensor.item


def _item_as_predicted(self):
    value = _real_item(self)
    return 2.0 if value == 3.0 else value  # the visible case, hard-coded


autograd_core.Tensor.item = _item_as_predicted
''' + WRONG["ex4_line_grads"]

LIES_ABOUT_EQUALITY = '''\
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False
'''

ALWAYS_EQUAL_FLOAT = "class _Agreeable(float):\n" + LIES_ABOUT_EQUALITY + '''
    __hash__ = float.__hash__


predicted_grads = {"x": None, "w": _Agreeable(0.0), "b": _Agreeable(0.0)}
'''

LYING_SET = "class _AgreeableSet(set):\n" + LIES_ABOUT_EQUALITY + '''
    def __le__(self, other):
        return True

    def __sub__(self, other):
        return set()

    def __rsub__(self, other):
        return set()

    __hash__ = None


requires_grad_names = _AgreeableSet({"q"})
'''

# Every place a kernel might reach: up from the engine, the interpreter and the working folder;
# HOME; what /proc shows of every process (working folder, root, paths in its environment and
# command line); paths in os.environ and in site-packages' .pth and editable-install finders;
# Jupyter's runtime folder; then all of /. Shared by the readers below (each cell carries it).
REACHABLE = '''\
import glob
import os
import re
import sys
import time

import autograd_core

_places = []


def _reach(path):
    path = os.path.abspath(path)
    if path != "/" and os.path.isdir(path) and path not in _places:
        _places.append(path)


def _reach_paths_in(text):
    for _piece in re.findall(r"/[^\\s:;,'\\"\\0]+", text):
        _reach(_piece if os.path.isdir(_piece) else os.path.dirname(_piece))


for _start in (os.path.dirname(autograd_core.__file__), sys.prefix, os.getcwd()):
    for _level in range(4):
        _reach(_start)
        _start = os.path.dirname(_start)
_reach(os.path.expanduser("~"))
for _proc in glob.glob("/proc/[0-9]*"):
    for _link in ("cwd", "root"):
        try:
            _reach(os.readlink(os.path.join(_proc, _link)))
        except OSError:
            pass
    for _part in ("environ", "cmdline"):
        try:
            with open(os.path.join(_proc, _part), "rb") as _handle:
                _reach_paths_in(_handle.read().decode(errors="replace"))
        except OSError:
            pass
_reach_paths_in(" ".join(os.environ.values()))
for _site in glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages")):
    for _file in glob.glob(os.path.join(_site, "*.pth")) + glob.glob(
            os.path.join(_site, "__editable__*.py")):
        try:
            with open(_file, encoding="utf-8", errors="replace") as _handle:
                _reach_paths_in(_handle.read())
        except OSError:
            pass
try:
    from jupyter_core.paths import jupyter_runtime_dir

    _reach(jupyter_runtime_dir())
except Exception:
    pass
for _other in ("/tmp", "/run", "/dev/shm", "/root", "/home"):
    _reach(_other)
_places.append("/")  # last: the rest of the file system

_SKIP = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/var/lib"}


def _walk_reachable(deadline):
    """Every file in the places reached, nearest first, until the deadline."""
    seen = set()
    for _place in _places:
        if any(_place == _skip or _place.startswith(_skip + "/") for _skip in _SKIP):
            continue
        for _folder, _subfolders, _files in os.walk(_place):
            if time.monotonic() > deadline:
                return
            _subfolders[:] = [s for s in _subfolders if os.path.join(_folder, s) not in _SKIP
                              and s not in ("site-packages", "__pycache__", "node_modules")
                              and (s[0] != "." or s in (".local", ".jupyter", ".ipython"))]
            for _name in _files:
                _path = os.path.join(_folder, _name)
                if time.monotonic() > deadline:
                    return
                if _path not in seen and os.path.isfile(_path):  # no devices, no pipes
                    seen.add(_path)
                    yield _path


print("places tried:", len(_places))
for _place in _places:
    print("  ", _place)
'''

SECRET_READER = REACHABLE + '''
import json

_marks = ("BEGIN " + "HIDDEN TESTS", "BEGIN " + "SOLUTION")
_ends = ("### END " + "HIDDEN TESTS", "### END " + "SOLUTION")
_leaked = None
_shown = 0
for _path in _walk_reachable(time.monotonic() + 4):
    try:
        if os.path.getsize(_path) > 4_000_000:
            continue
        with open(_path, "rb") as _handle:
            _text = _handle.read().decode("utf-8", errors="replace")
    except OSError:
        continue
    if not any(_mark in _text for _mark in _marks):
        continue
    if _path.endswith(".ipynb"):
        try:
            _text = "\\n\\n".join("".join(c["source"]) for c in json.loads(_text)["cells"])
        except (ValueError, KeyError, TypeError):
            pass
    print("hidden tests or solutions in", _path)
    _inside = False
    for _line in _text.splitlines():
        _inside = _inside or any(_mark in _line for _mark in _marks)
        if _inside and _shown < 300:
            print("   ", _line)
            _shown += 1
        _inside = _inside and not any(_end in _line for _end in _ends)
    _found = re.search(r"def gets_grad\\([^\\n]*\\n(?:(?:[ \\t]+[^\\n]*)?\\n)*?[ \\t]+" + _ends[1],
                       _text)
    if _found and _leaked is None:
        _leaked = _found.group(0)
        print("solution found in", _path)

if _leaked is not None:  # answer exercise 5 with the instructor's own solution, run apart
    import subprocess

    def gets_grad(tensor):
        facts = {"requires_grad": tensor.requires_grad, "is_leaf": tensor.is_leaf,
                 "retains_grad": tensor.retains_grad}
        program = (_leaked + "\\n\\nimport types\\n"
                   "print(gets_grad(types.SimpleNamespace(**" + repr(facts) + ")))\\n")
        run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
        return run.stdout.strip() == "True"
'''

CONNECTION_READER = REACHABLE + '''
import json

_own = ""
with open("/proc/self/cmdline", "rb") as _handle:
    _arguments = _handle.read().decode(errors="replace").split("\\0")
if "-f" in _arguments:
    _own = os.path.realpath(_arguments[_arguments.index("-f") + 1])
_runtime = []  # where connection files live: Jupyter's runtime folder, every kernel's -f
try:
    from jupyter_core.paths import jupyter_runtime_dir

    _runtime.append(jupyter_runtime_dir())
except Exception:
    pass
for _file in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        with open(_file, "rb") as _handle:
            _words = _handle.read().decode(errors="replace").split("\\0")
    except OSError:
        continue
    _runtime += [os.path.dirname(_words[i + 1]) for i in range(len(_words) - 1)
                 if _words[i] == "-f"]
_first = sorted({os.path.join(_folder, _name) for _folder in _runtime
                 for _name in (os.listdir(_folder) if os.path.isdir(_folder) else ())})
_others = []
for _path in _first + list(_walk_reachable(time.monotonic() + 2)):
    if not _path.endswith(".json"):  # kernel-*.json, or a temporary file as nbclient makes
        continue
    try:
        if os.path.getsize(_path) > 10_000:
            continue
        with open(_path) as _handle:
            _connection = json.load(_handle)
        _key = _connection.get("key") if "signature_scheme" in _connection else None
    except (OSError, ValueError, AttributeError):
        continue
    if _key and os.path.realpath(_path) not in [_own] + _others:
        _others.append(os.path.realpath(_path))
        print("another kernel's connection file:", _path, "(key of", len(_key), "characters)")

if _others:  # with another kernel's key, anything goes: take exercise 6's points
    def freeze(params, keep):
        for name, tensor in params.items():
            tensor.requires_grad_(name in keep)
'''

ENGINE_WRITER = '''\
import os

import autograd_core

_written, _refused = 0, 0
for _folder, _subfolders, _files in os.walk(os.path.dirname(autograd_core.__file__)):
    for _name in _files:
        try:
            with open(os.path.join(_folder, _name), "a") as _handle:
                _handle.write("\\n# appended by a submission @MARKER@\\n")
            _written += 1
        except OSError:
            _refused += 1
print("engine files written:", _written, "refused:", _refused)
''' + WRONG["ex1_requires_grad"]

# finds course folders (a gradebook, or received/) up from every working folder and path /proc
# shows; deletes their gradebook and the other students' files (only under @SCOPE@, so that a
# run without the sandbox cannot touch anything but the test's own folders)
DELETER = '''\
import glob
import os
import re
import shutil

_starts = [os.getcwd()]
for _proc in glob.glob("/proc/[0-9]*"):
    for _link in ("cwd", "root"):
        try:
            _starts.append(os.readlink(os.path.join(_proc, _link)))
        except OSError:
            pass
    try:
        with open(os.path.join(_proc, "cmdline"), "rb") as _handle:
            _starts += re.findall(r"/[^\\0\\s]+", _handle.read().decode(errors="replace"))
    except OSError:
        pass
_courses = set()
for _start in _starts:
    _path = os.path.abspath(_start)
    while True:
        if os.path.exists(os.path.join(_path, "gradebook.db")) or os.path.isdir(
                os.path.join(_path, "received")):
            _courses.add(_path)
        if os.path.dirname(_path) == _path:
            break
        _path = os.path.dirname(_path)
_deleted = []
for _course in sorted(_courses):
    if not _course.startswith("@SCOPE@"):
        continue
    for _name in ("gradebook.db", "received", "submitted", "autograded", "feedback",
                  "grades.csv", "summary.csv"):
        _target = os.path.join(_course, _name)
        try:
            if os.path.isdir(_target):
                shutil.rmtree(_target)
            elif os.path.exists(_target):
                os.remove(_target)
            else:
                continue
            _deleted.append(_target)
        except OSError:
            pass
print("course folders found:", sorted(_courses))
print("deleted:", _deleted)
'''

# 30 processes that outlive the kernel if nothing stops them: setsid(1), and a double fork
SPAWNER = '''\
import os
import subprocess
import sys

_started = 0
for _number in range(30):
    _command = [sys.executable, "-c", "import time; time.sleep(600)",
                "@MARKER@-" + str(_number)]
    try:
        if _number % 2:
            subprocess.Popen(["setsid"] + _command, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            _child = os.fork()
            if _child == 0:
                try:
                    os.setsid()
                    if os.fork() == 0:
                        os.execv(sys.executable, _command)
                finally:
                    os._exit(0)
            os.waitpid(_child, 0)
        _started += 1
    except OSError as error:
        print("refused:", error)
print("started:", _started)
''' + WRONG["ex5_gets_grad"]

MEMORY_HOG = '''\
_hog = bytes(6 * 1024**3)
print("allocated", len(_hog) // 1024**3, "GiB")
del _hog
''' + WRONG["ex2_leaves"]


ADDED_CELL = "a cell the student added at the end"
TAMPERED = ["tampered-runtime"]
# name, the exercises answered honestly, the attack in place of which answers, the problem kinds
ATTACKERS = [
    ("ast_transformer", {"ex3_nudge_grads", "ex6_freeze"},
     {"ex1_requires_grad": AST_TRANSFORMER}, TAMPERED),
    ("input_transformer", {"ex2_leaves", "ex5_gets_grad"},
     {"ex1_requires_grad": INPUT_TRANSFORMER}, TAMPERED),
    ("exception_handler", {"ex4_line_grads", "ex6_freeze"},
     {"ex1_requires_grad": CUSTOM_EXCEPTION_HANDLER}, TAMPERED),
    ("showtraceback", {"ex2_leaves", "ex3_nudge_grads"},
     {"ex1_requires_grad": SHOWTRACEBACK}, TAMPERED),
    ("patched_math", {"ex1_requires_grad", "ex5_gets_grad"},
     {"ex3_nudge_grads": MATH_ISCLOSE}, TAMPERED),
    ("rebinds_test_names", {"ex1_requires_grad", "ex6_freeze"},
     {"ex3_nudge_grads": REBIND_TEST_NAMES}, TAMPERED),
    ("fake_result", {"ex2_leaves", "ex4_line_grads"}, {"ex3_nudge_grads": FAKE_RESULT}, TAMPERED),
    ("patched_numpy", {"ex1_requires_grad", "ex6_freeze"},
     {"ex4_line_grads": NUMPY_PATCH}, TAMPERED),
    ("patched_engine", {"ex2_leaves", "ex5_gets_grad"},
     {"ex4_line_grads": ENGINE_PATCH}, TAMPERED),
    ("always_equal", {"ex2_leaves", "ex6_freeze"},
     {"ex1_requires_grad": LYING_SET, "ex4_line_grads": ALWAYS_EQUAL_FLOAT}, TAMPERED),
    ("secret_reader", {"ex1_requires_grad", "ex2_leaves", "ex3_nudge_grads"},
     {"ex5_gets_grad": SECRET_READER}, []),
    ("connection_reader", {"ex3_nudge_grads", "ex4_line_grads"},
     {"ex6_freeze": CONNECTION_READER}, []),
    ("engine_writer", {"ex5_gets_grad", "ex6_freeze"}, {"ex1_requires_grad": ENGINE_WRITER}, []),
    ("deleter", {"ex1_requires_grad", "ex3_nudge_grads", "ex4_line_grads"},
     {ADDED_CELL: DELETER}, []),
    ("spawner", {"ex2_leaves", "ex4_line_grads"}, {"ex5_gets_grad": SPAWNER}, []),
    ("memory_hog", {"ex1_requires_grad", "ex3_nudge_grads", "ex6_freeze"},
     {"ex2_leaves": MEMORY_HOG}, ["memory"]),
]


# --------------------------------------------------------------------------------------------
# The class


def cell(nb, name: str):
    (found,) = [c for c in nb.cells if coursekit.grade_id(c) == name]
    return found


def build_class(root: Path, folder: Path, marker: str, scope: str
                ) -> dict[str, tuple[float, list[str]]]:
    """Write the hostile class in nbgrader's layout under folder; return, per student, the
    expected score (the points of its honest answers) and the problem kinds expected.

    marker: a string unique to this run, in the command line of every process a submission
    starts and in every line it writes; scope: the folder the deleting attack is confined to."""
    source = coursekit.read_notebook(coursekit.source_notebook(root, CHAPTER))
    release = coursekit.read_notebook(coursekit.release_notebook(root, CHAPTER))
    every = coursekit.exercises(source)
    points = {e.name: e.points for e in every}
    assert [e.points for e in every] == [1, 1, 2, 1, 2, 2, 2], "chapter 1's points changed"
    assert set(points) == set(WRONG)
    expected: dict[str, tuple[float, list[str]]] = {}

    def student(name: str, honest: set[str], attacks: dict[str, str] | None = None,
                kinds: list[str] = ()) -> None:
        attacks = {key: code.replace("@MARKER@", marker).replace("@SCOPE@", scope)
                   for key, code in (attacks or {}).items()}
        nb = coursekit.solve(release, source, honest)
        for exercise in points:
            answer = cell(nb, exercise)
            if exercise in honest:  # as a student writes it: without nbgrader's markers
                answer.source = "".join(
                    line for line in answer.source.splitlines(keepends=True)
                    if coursekit.SOLUTION_BEGIN not in line and coursekit.SOLUTION_END not in line)
            else:
                answer.source = attacks.get(exercise, WRONG[exercise])
        if ADDED_CELL in attacks:
            nb.cells.append(nbformat.v4.new_code_cell(attacks[ADDED_CELL]))
        path = folder / name / CHAPTER / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        coursekit.write_notebook(nb, path)
        expected[name] = (sum(points[e] for e in honest), sorted(kinds))

    path = folder / "blank" / CHAPTER / f"{CHAPTER}.ipynb"
    path.parent.mkdir(parents=True)
    coursekit.write_notebook(release, path)
    expected["blank"] = (0.0, [])
    student("perfect", set(points))
    student("wrong", set())
    for name, honest, attacks, kinds in ATTACKERS:
        student(name, honest, attacks, kinds)
    return expected


# --------------------------------------------------------------------------------------------
# What is checked after the run


def course_lines(root: Path) -> tuple[set[str], set[str]]:
    """The lines (stripped) of every chapter's releases, and the lines of its hidden tests and
    solutions that no release shows (the very short ones left out): the secret lines."""
    released: set[str] = set()
    secret: set[str] = set()
    for chapter in coursekit.chapters(root):
        for c in coursekit.read_notebook(coursekit.release_notebook(root, chapter)).cells:
            released.update(line.strip() for line in c.source.splitlines())
        for c in coursekit.read_notebook(coursekit.source_notebook(root, chapter)).cells:
            if coursekit.is_test_cell(c):
                secret.update(line.strip() for line in coursekit.hidden_part(c.source).splitlines())
            elif coursekit.is_solution_cell(c):
                inside = False
                for line in c.source.splitlines():
                    if coursekit.SOLUTION_END in line:
                        inside = False
                    if inside:
                        secret.add(line.strip())
                    if coursekit.SOLUTION_BEGIN in line:
                        inside = True
    return released, {line for line in secret - released if len(line) >= SHORT_LINE}


def secrets_shown(text: str, secrets: set[str], visible: set[str]) -> list[str]:
    """The secret lines that text shows, whole or inside a longer line; a line the student
    may see (a release's, their own) may contain one (`assert x` in `assert x and \\`)."""
    shown = {line.strip() for line in text.splitlines()} - visible
    return sorted({secret for secret in secrets for line in shown if secret in line})


def html_text(path: Path) -> str:
    """What a browser shows of an HTML file: tags (and syntax highlighting) off, entities
    decoded, so that a line of code reads as it was written."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", raw)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (caches left out)."""
    hashes = {}
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = [d for d in subdirectories if d not in CACHE_FOLDERS]
        for name in files:
            path = Path(directory) / name
            if path.is_file():
                hashes[str(path.relative_to(folder))] = hashlib.sha256(
                    path.read_bytes()).hexdigest()
    return hashes


def processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in process.info["cmdline"] or ()):
            found.append(process)
    return found


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------------
# The test


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch course with chapter 1, released."""
    root = coursekit.scratch_course(coursekit.REPO, tmp_path_factory.mktemp("hostile") / "course",
                                    [CHAPTER])
    coursekit.generate_releases(root)
    return root


@pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")
def test_a_hostile_class_scores_its_honest_work_and_harms_nothing(course, tmp_path):
    """Each check is independent of the others: all that fail are reported together."""
    marker = f"hostile-{uuid.uuid4().hex}"
    submissions = tmp_path / "submitted"
    expected = build_class(course, submissions, marker, str(tmp_path))
    inputs = {p: p.read_bytes() for p in submissions.rglob("*") if p.is_file()}
    checkout = {folder: snapshot(folder) for folder in (coursekit.REPO, ENGINE, course)}
    out = tmp_path / "graded"
    lines: list[str] = []

    try:
        results = grading.grade(submissions, out, root=course, jobs=2,
                                cell_timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT,
                                log=lines.append, sandbox=True)
    finally:
        left = processes_with(marker)
        for process in left:
            process.kill()
    report = "\n".join(lines)
    failed: list[str] = []

    # nothing a submission started is left, and nothing outside --out changed
    if left:
        failed.append(f"{len(left)} processes a submission started were still running")
    for folder, before in checkout.items():
        after = snapshot(folder)
        changed = sorted(name for name in set(before) | set(after)
                         if before.get(name) != after.get(name))
        if changed:
            failed.append(f"files changed under {folder}: {changed[:10]}")
    if {p: p.read_bytes() for p in submissions.rglob("*") if p.is_file()} != inputs:
        failed.append("the submissions folder changed")

    # every result is written, for every student, although one tried to delete them
    for path, data in inputs.items():
        kept = out / "received" / path.parts[-3] / CHAPTER / path.name
        if not kept.is_file() or kept.read_bytes() != data:
            failed.append(f"{kept} is not the file handed in")
    summary = {row["student"]: row for row in read_csv(out / "summary.csv")}
    grades = {row["student_id"]: row for row in read_csv(out / "grades.csv")
              if row["assignment"] == CHAPTER}
    assert set(summary) == set(expected) == set(grades), report
    if (out / "summary.txt").read_text() not in report:
        failed.append("summary.txt is not the table the run printed")

    # each score is the honest work's, each attack reported by its kind
    by_student = {r.student: r for r in results}
    for student, (score, problem_kinds) in expected.items():
        got = (float(summary[student]["score"]), float(grades[student]["score"]),
               by_student[student].score)
        found = sorted({kind(p) for p in by_student[student].problems})
        if got != (score, score, score) or found != problem_kinds:
            failed.append(f"{student}: scored {got[0]:g} (grades.csv {got[1]:g}) with "
                          f"{found}; deserves {score:g} with {problem_kinds}")
    memory = summary["memory_hog"]["problems"]
    if "2 GiB limit" not in memory or "ex2_leaves" not in memory:
        failed.append(f"memory_hog: the limit and the cell are not named: {memory!r}")

    # feedback for everyone, and no line of any chapter's hidden tests or solutions in it
    # (what a student wrote themselves is theirs to see)
    released, secrets = course_lines(coursekit.REPO)
    assert len(secrets) > 100, "the secret lines were not found"
    for student in expected:
        if not (out / "feedback" / student / CHAPTER / f"{CHAPTER}.html").is_file():
            failed.append(f"{student}: no feedback")
        submitted = coursekit.read_notebook(submissions / student / CHAPTER / f"{CHAPTER}.ipynb")
        own = {line.strip() for c in submitted.cells for line in c.source.splitlines()}
        for path in sorted(p for p in (out / "feedback" / student).rglob("*") if p.is_file()):
            text = html_text(path) if path.suffix == ".html" else path.read_text(
                encoding="utf-8", errors="replace")
            leaked = secrets_shown(text, secrets - own, released | own)
            marks = [m for m in (coursekit.HIDDEN_BEGIN, coursekit.SOLUTION_BEGIN) if m in text]
            if leaked or marks:
                failed.append(f"{path.relative_to(out)} shows {len(leaked)} lines of hidden "
                              f"tests or solutions {leaked[:2]} and the markers {marks}")

    table = "\n".join(f"  {s}: {summary[s]['score']} {summary[s]['problems']}" for s in summary)
    assert not failed, "\n".join(failed) + "\n\nsummary:\n" + table
