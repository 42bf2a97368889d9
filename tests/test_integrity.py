"""The static scan of submissions (course_tools.integrity): every attack of issue 11 and its
obvious variants is flagged and neutralised; honest code, including every chapter's solutions
and releases, never is. Fast: no kernels."""

from __future__ import annotations

import copy
import os
import shutil

import nbformat
import pytest

from course_tools import coursekit, integrity

ROOT = coursekit.REPO
CHAPTERS = coursekit.chapters(ROOT)
# What the first cell of every chapter does: the scan knows these names are modules.
PRELUDE = ("import math\nimport sys\nimport warnings\nimport numpy as np\n"
           "import autograd_core as torch\n")

# attack name -> a cell's source. Every one must be flagged.
ATTACKS = {
    # IPython internals
    "ast transformer": "import ast\nclass T(ast.NodeTransformer):\n"
                       "    def visit_Assert(self, node):\n        return ast.Pass()\n"
                       "get_ipython().ast_transformers.append(T())",
    "ast transformer via shell": "ip = get_ipython()\nip.ast_transformers.append(None)",
    "input transformer": "def no_asserts(lines):\n"
                         "    return [l.replace('assert', 'pass #') for l in lines]\n"
                         "get_ipython().input_transformers_cleanup.append(no_asserts)",
    "input transformer post": "get_ipython().input_transformers_post.append(lambda l: l)",
    "custom exception handler": "get_ipython().set_custom_exc((Exception,), lambda *a: None)",
    "showtraceback": "get_ipython().showtraceback = lambda *a, **k: None",
    "events": "get_ipython().events.register('pre_run_cell', lambda *a: None)",
    "IPython import": "from IPython import get_ipython as g\ng().showtraceback = None",
    "IPython module": "import IPython\nIPython.get_ipython()",
    "kernel": "import ipykernel",
    "run magic": "%run evil.py",
    "load magic": "%load evil.py",
    "config magic": "%config InteractiveShell.ast_transformers = []",
    "cell magic": "%%bash\necho hi",
    "writefile magic": "%%writefile evil.py\nimport math\nmath.isclose = lambda *a, **k: True",
    "shell expansion": "!echo {exec('import math')}",
    "magic expansion": "%matplotlib {exec('import math')}",
    "capture expansion": "%%capture {exec('import math')}\nx = 1",
    "timeit hides code": "%timeit -n 1 math.__dict__.update(isclose=lambda *a, **k: True)",
    "time cell hides code": "%%time\nmath.isclose = lambda *a, **k: True",
    # interpreter hooks
    "settrace": "import sys\nsys.settrace(lambda *a: None)",
    "setprofile": "sys.setprofile(None)",
    "threading settrace": "import threading\nthreading.settrace(lambda *a: None)",
    "audit hook": "sys.addaudithook(print)",
    "meta_path": "sys.meta_path.insert(0, object())",
    "path_hooks": "sys.path_hooks.append(object)",
    "sys.modules": "sys.modules['math'] = None",
    "sys.modules alias": "import sys as s\nm = s.modules\nm['math'].isclose = None",
    "from sys import modules": "from sys import modules\nmodules['math'].isclose = None",
    "excepthook": "sys.excepthook = print",
    "displayhook": "sys.displayhook = print",
    "_getframe": "frame = sys._getframe(1)",
    "frames through traceback": "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
                                "    g = e.__traceback__.tb_frame.f_back.f_globals",
    "sys.path": "sys.path.insert(0, '.')",
    "sys.stderr": "sys.stderr = sys.stdout",
    "sys.monitoring": "sys.monitoring.use_tool_id(1, 'x')",
    "gc": "import gc\nfor o in gc.get_objects():\n    pass",
    "ctypes": "import ctypes",
    "inspect": "import inspect\ninspect.currentframe()",
    "signal": "import signal\nsignal.signal(signal.SIGALRM, print)",
    "thread": "import threading\nthreading.Thread(target=print).start()",
    "_thread": "import _thread",
    "thread pool": "from concurrent.futures import ThreadPoolExecutor",
    "atexit": "import atexit\natexit.register(print)",
    "finalize": "import weakref\nweakref.finalize(object(), print)",
    "__del__": "class Later:\n    def __del__(self):\n        print('bye')",
    "asyncio": "import asyncio\nasyncio.get_event_loop().call_soon(print)",
    "unittest.mock": "from unittest import mock\n"
                     "mock.patch('math.isclose', lambda *a: True).start()",
    "pickle": "import pickle\npickle.loads(b'')",
    "own module": "import my_helpers_written_to_disk",
    "relative import": "from . import x",
    # obfuscation primitives
    "exec": "exec('import math')",
    "eval": "eval('1')",
    "compile": "code = compile('1', 'x', 'eval')",
    "__import__": "m = __import__('math')",
    "importlib": "import importlib\nm = importlib.import_module('ma' + 'th')",
    "importlib from": "from importlib import import_module",
    "builtins module": "import builtins\nbuiltins.isinstance = lambda *a: True",
    "__builtins__": "__builtins__.isinstance = lambda *a: True",
    "__self__": "print.__self__.isinstance = lambda *a: True",
    "dynamic getattr": "name = 'is' + 'close'\nf = getattr(math, name)",
    "dynamic setattr": "name = 'isclose'\nsetattr(np, name, None)",
    "getattr as a value": "g = getattr",
    "setattr as a value": "import functools\nf = functools.partial(setattr, math)",
    "attrgetter": "import operator\nf = operator.attrgetter('isclose')",
    "methodcaller": "from operator import methodcaller",
    "globals write": "globals()['grads_of'] = lambda a, b: (2.0, 6.0)",
    "globals update": "globals().update(x=1)",
    "globals alias": "g = globals()\ng['x'] = 1",
    "vars write": "vars(math)['isclose'] = lambda *a, **k: True",
    "locals write": "locals().update(x=1)",
    "__dict__ write": "math.__dict__['isclose'] = lambda *a, **k: True",
    "__dict__ update": "np.__dict__.update(allclose=lambda *a, **k: True)",
    "__dict__ via getattr": "getattr(math, '__dict__')['isclose'] = None",
    "namespace handed over": "import operator\noperator.setitem(vars(math), 'isclose', None)",
    "__globals__": "def f():\n    pass\nf.__globals__['x'] = 1",
    "__code__": "def f():\n    pass\nf.__code__ = (lambda: 1).__code__",
    "__closure__": "def f():\n    pass\nf.__closure__",
    "__subclasses__": "object.__subclasses__()",
    "__bases__": "class A:\n    pass\nA.__bases__",
    "__mro__": "int.__mro__",
    "__setattr__ directly": "object.__setattr__(math, 'isclose', None)",
    "rebinding a hidden test's loop variables": (
        "def grads_of(a_value, b_value):\n    global _a, _b\n    _a, _b = 1.0, -1.0\n"
        "    return (2.0, 6.0)"),
    "rebinding a visible test's variable": (
        "def gets_grad(tensor):\n    global cases\n    cases = {}\n    return True"),
    "reading the tests' names at call time": (
        "def grads_of(a_value, b_value):\n    return globals()['_expected']"),
    "a namespace entry by computed name": "name = 'isclose'\nprint(vars(math)[name])",
    "a namespace get by computed name": "name = 'isclose'\nprint(math.__dict__.get(name))",
    "the kernel's application": (
        "from traitlets.config import Application\n\ndef grads_of(a_value, b_value):\n"
        "    vars(Application.instance().shell)['display' + 'hook'](2.0)\n"
        "    return (0.0, 0.0)"),
    "the shell through an object": "app.shell.user_ns.clear()",
    "__main__": "import __main__\n__main__._a = 1.0",
    "history In": "print(In[-1])",
    "history _ih": "print(_ih)",
    "history _i3": "print(_i3)",
    "history _5": "print(_5)",
    "history Out": "Out[3]",
    "breakpoint": "breakpoint()",
    "timeit text": "import timeit\ntimeit.timeit('math.isclose = 1', globals=globals())",
    "deep nesting": "x = " + " + ".join(["1"] * 1000) + "\nmath.isclose = None",
    # monkeypatching modules and their classes
    "math.isclose": "import math\nmath.isclose = lambda *a, **k: True",
    "math.isclose without import": "math.isclose = lambda *a, **k: True",
    "math alias": "import math as m\nm.isclose = lambda *a, **k: True",
    "math alias by assignment": "m = math\nm.isclose = lambda *a, **k: True",
    "math alias in a list": "ms = [math]\nms[0].isclose = lambda *a, **k: True",
    "math alias in a loop": "for m in (math, np):\n    m.isclose = None",
    "math alias from a function": "def get():\n    return math\nget().isclose = None",
    "math alias from a lambda": "(lambda: math)().isclose = None",
    "math through a call": "next(iter([math])).isclose = None",
    "module from a namespace": "globals()['math'].isclose = None",
    "builtins from a namespace": "vars()['__builtins__'].isinstance = None",
    "del math.isclose": "del math.isclose",
    "numpy allclose": "np.allclose = lambda *a, **k: True",
    "numpy testing": "np.testing.assert_allclose = lambda *a, **k: None",
    "engine Tensor.item": "torch.Tensor.item = lambda self: 2.0",
    "engine from import": "from autograd_core import Tensor\nTensor.item = lambda self: 2.0",
    "engine class alias": "T = torch.Tensor\nT.tolist = lambda self: []",
    "class via type()": "type(torch.ones(1)).item = lambda self: 2.0",
    "class via type() alias": "T = type(torch.ones(1))\nT.item = lambda self: 2.0",
    "class via __class__": "torch.ones(1).__class__.item = lambda self: 2.0",
    "setattr module": "setattr(math, 'isclose', lambda *a, **k: True)",
    "delattr module": "delattr(math, 'isclose')",
    "setattr engine class": "setattr(torch.Tensor, 'item', lambda self: 2.0)",
    "setattr via type()": "setattr(type(torch.ones(1)), 'tolist', list)",
    "warnings.warn": "import warnings\nwarnings.warn = print",
    "augmented assignment": "math.pi += 1",
    "module in a function": "def patch():\n    math.isclose = lambda *a, **k: True\npatch()",
    # lying objects
    "always-equal float": "class F(float):\n    def __eq__(self, other):\n        return True\n"
                          "predicted_grads = {'x': None, 'w': F(0), 'b': F(0)}",
    "float subclass alone": "class F(float):\n    pass",
    "builtins.float subclass": "import builtins\nclass F(builtins.float):\n    pass",
    "dict subclass": "class D(dict):\n    pass",
    "set subclass": "class S(set):\n    pass",
    "tuple subclass": "class T(tuple):\n    pass",
    "str subclass": "class S(str):\n    pass",
    "ndarray subclass": "class A(np.ndarray):\n    pass",
    "engine Tensor subclass": "class T(torch.Tensor):\n    def item(self):\n        return 2.0",
    "always-equal object": "class Yes:\n    def __eq__(self, other):\n        return True",
    "__ne__": "class No:\n    __ne__ = lambda self, other: False",
    "__hash__": "class H:\n    def __hash__(self):\n        return 1",
    "__bool__": "class B:\n    def __bool__(self):\n        return True",
    "__instancecheck__": "class M(type):\n    def __instancecheck__(cls, x):\n        return True",
    "__subclasscheck__": "class M:\n    def __subclasscheck__(cls, x):\n        return True",
    "__getattribute__": "class G:\n    def __getattribute__(self, name):\n        return 1",
    "__class__ property": "class C:\n    @property\n    def __class__(self):\n        return float",
    "__class__ assignment": "class C:\n    pass\nc = C()\nc.__class__ = float",
    "metaclass": "class M(type):\n    pass\nclass C(metaclass=M):\n    pass",
    "type() with three arguments": "F = type('F', (float,), {'__eq__': lambda s, o: True})",
    "lying dunder set later": "class C:\n    pass\nC.__eq__ = lambda s, o: True",
    "lying dunder via setattr": "class C:\n    pass\nsetattr(C, '__eq__', lambda s, o: True)",
    "computed bases": "class C(*[float]):\n    pass",
    "future flag": "from __future__ import barry_as_FLUFL",
    "top-level await hides nothing": "await something()\nmath.isclose = None",
}

# Honest code a learner of this course might write: never flagged.
HONEST = {
    "a set": 'requires_grad_names = {"q", "s", "t"}',
    "grads": "def grads_of(a_value, b_value):\n    a = torch.tensor(a_value, requires_grad=True)\n"
             "    b = torch.tensor(b_value, requires_grad=True, dtype=torch.float64)\n"
             "    y = a**2 + 2 * b**3\n    y.backward()\n    return a.grad.item(), b.grad.item()",
    "grad assignment": "x = torch.ones(2, requires_grad=True)\nx.grad = None\n"
                       "leaf = x\nleaf.grad = torch.zeros(2)",
    "parameters": "for name, param in model.named_parameters():\n    param.requires_grad = False\n"
                  "list(model.parameters())[0].requires_grad = True\n"
                  "model.fc.weight.requires_grad = False",
    "a tensor in a list": "params = [torch.ones(2), torch.zeros(2)]\n"
                          "for p in params:\n    p.requires_grad = True",
    "globals read": "print(globals()['p'].requires_grad, 'x' in globals())\n"
                    "for name in ('p', 'q'):\n    print(name, globals()[name].requires_grad)\n"
                    "print(sorted(vars(torch))[:1], dict(vars()).get('x'))",
    "own global": "counter = 0\ndef count():\n    global counter\n    counter += 1",
    "getattr with a literal": "print(getattr(node, 'variable', None))\n"
                              "print(hasattr(node, 'variable'))\n"
                              "setattr(model, 'weight', w)",
    "type name": "print(type(node).__name__, node.__class__.__name__, type(x) is float)",
    "own Tensor class": "class Tensor:\n    def __init__(self, values):\n"
                        "        self.values = values\n"
                        "    def __add__(self, other):\n"
                        "        return Tensor(self.values + other.values)\n"
                        "    def __mul__(self, other):\n"
                        "        return Tensor(self.values * other.values)\n"
                        "    def __repr__(self):\n        return f'Tensor({self.values})'\n"
                        "    def __len__(self):\n        return len(self.values)\n"
                        "Tensor.__radd__ = Tensor.__add__",
    "autograd Function": "class Square(torch.autograd.Function):\n    @staticmethod\n"
                         "    def forward(ctx, x):\n        ctx.save_for_backward(x)\n"
                         "        return x * x\n",
    "a Module": "from autograd_core import nn\nclass Net(nn.Module):\n    def __init__(self):\n"
                "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n",
    "imports": "import math\nimport random\nfrom collections import deque\nimport numpy as np\n"
               "import matplotlib.pyplot as plt\nfrom autograd_core import nn, optim\n"
               "import time\nimport itertools, functools, operator, copy, typing, dataclasses",
    "warnings": "import warnings\nwith warnings.catch_warnings():\n"
                "    warnings.simplefilter('ignore')\n    print(x.grad)",
    "recursion limit": "import sys\nprint(sys.getrecursionlimit())\nsys.setrecursionlimit(5000)",
    "a tensor picked by index": "params = [torch.ones(2)]\n"
                                "params[np.argmax([1])].requires_grad = True\n"
                                "model.layers[0].weight.requires_grad = False",
    "numpy use": "out = np.sum(grad, axis=(0,), keepdims=True)\n"
                 "v = torch.zeros_like(y)\nv[0] = 1.0",
    "underscore": "for _ in range(3):\n    pass\n(first,), _ = (1,), 2\nprint(_)",
    "magics": "%matplotlib inline\nx?\n!ls\nfiles = !ls\n%pip install torch\n%cd ..",
    "timeit magic": "%timeit -n 3 -r 2 torch.ones(3).sum()",
    "time cell": "%%time\ny = (torch.ones(3) * 2).sum()",
    "time a dict": "%time d = {'a': torch.ones(2).sum()}",
    "own eval": "def eval(model):\n    return model\neval(3)",
    "subprocess and files": "import os, subprocess\nprint(os.listdir('.'))\n"
                            "print(open('data.txt').read())\n"
                            "from jupyter_core.paths import jupyter_runtime_dir",
    "future annotations": "from __future__ import annotations\ndef f(x: 'T') -> 'T':\n"
                          "    return x",
    "own dataclass": "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: float",
    "comparison": "assert predicted_grads == {'x': None}\nprint(x == y, x != y)",
    "module names rebound": "_torch = None\nmath = None\ntorch = None\nwarnings = None",
    "syntax error": "def f(:\n    math.isclose = None",
}


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


# a test cell of the release: its names are the tests' own
RELEASE = _notebook(PRELUDE, "cases = {'a leaf': None}\nfor what, tensor in cases.items():\n"
                             "    assert gets_grad(tensor) is True")


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_is_flagged_and_not_run(attack):
    nb = _notebook(PRELUDE, "x = 1", ATTACKS[attack])
    nb.cells[2].metadata["nbgrader"] = {"grade_id": "ex3_grads_of", "solution": True}
    problems = integrity.scan_notebook(nb, RELEASE)
    assert len(problems) == 1, (attack, problems)
    assert problems[0].startswith("tampered-runtime: cell ex3_grads_of: "), problems
    assert problems[0].endswith("; the cell was not run"), problems
    assert nb.cells[2].source.startswith(integrity.NOT_RUN_BANNER)
    assert "\n" not in nb.cells[2].source
    assert nb.cells[1].source == "x = 1"  # honest cells are left alone


@pytest.mark.parametrize("honest", sorted(HONEST))
def test_honest_code_is_not_flagged(honest):
    nb = _notebook(PRELUDE, HONEST[honest])
    assert integrity.scan_notebook(nb, RELEASE) == []
    assert nb.cells[1].source == HONEST[honest]


def test_a_problem_names_what_was_found_in_plain_words():
    nb = _notebook(PRELUDE, "x = 1", "math.isclose = lambda *a, **k: True\nexec('1')")
    assert integrity.scan_notebook(nb, RELEASE) == [
        "tampered-runtime: cell 2: replaces math.isclose, uses exec; the cell was not run"]


def test_one_problem_per_cell_and_release_cells_are_not_read():
    release = _notebook(PRELUDE, "import gc")  # the course may do what students may not
    nb = _notebook(PRELUDE, "import gc", "np.allclose = None", "ok = 1", "exec('')")
    problems = integrity.scan_notebook(nb, release)
    assert [p.split(":")[1].strip() for p in problems] == ["cell 2", "cell 4"]
    assert nb.cells[1].source == "import gc"


def test_redefining_the_chapters_own_classes_is_flagged_in_every_way():
    release = _notebook(PRELUDE, "class Tensor:\n    pass")
    for source in ("Tensor = dict", "def f():\n    global Tensor\n    Tensor = dict\nf()",
                   "def Tensor():\n    pass", "for Tensor in [dict]:\n    pass"):
        problems = integrity.scan_notebook(_notebook(PRELUDE, "class Tensor:\n    pass", source),
                                           release)
        assert problems == ["tampered-runtime: cell 2: rebinds Tensor, which the tests use; "
                            "the cell was not run"], (source, problems)


def test_redefining_the_chapters_own_classes_is_flagged():
    release = _notebook(PRELUDE, "class Tensor:\n    pass\n\ndef borrow(f):\n    return f",
                        "def add(a, b):\n    raise NotImplementedError()")
    release.cells[2].metadata["nbgrader"] = {"grade_id": "ex2_add", "solution": True}
    nb = copy.deepcopy(release)
    nb.cells[2].source = ("def add(a, b):\n    return a\n\nclass Tensor:\n"
                          "    values = property(lambda self: 0)")
    problems = integrity.scan_notebook(nb, release)
    assert problems == ["tampered-runtime: cell ex2_add: rebinds Tensor, which the tests use; "
                        "the cell was not run"]
    nb.cells[2].source = "def add(a, b):\n    return Tensor()"  # the answer's own name is fine
    assert integrity.scan_notebook(nb, release) == []


def test_malformed_metadata_and_sources_do_not_stop_the_scan():
    nb = _notebook(PRELUDE, "exec('')", "ok = 1", "exec('')")
    nb.cells[1].metadata = {"nbgrader": "not a dict"}
    nb.cells[2].source = ["ok", " = 2"]
    nb.cells[3].metadata = {"nbgrader": {"grade_id": "line\nbreak"}}
    assert integrity.scan_notebook(nb, RELEASE) == [
        "tampered-runtime: cell 1: uses exec; the cell was not run",
        "tampered-runtime: cell 3: uses exec; the cell was not run"]


def _chapter_notebooks(chapter):
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, chapter))
    release = coursekit.read_notebook(coursekit.release_notebook(ROOT, chapter))
    return source, release


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_solved_chapter_and_release_scan_clean(chapter):
    source, release = _chapter_notebooks(chapter)
    solved = coursekit.solve(release, source, {e.name for e in coursekit.exercises(source)})
    before = copy.deepcopy(solved)
    assert integrity.scan_notebook(solved, release) == []
    assert solved == before
    assert integrity.scan_notebook(copy.deepcopy(release), release) == []
    # the answers alone, as cells the release does not have, with the notebook's imports
    answers = [c.source for c in source.cells if coursekit.is_solution_cell(c)]
    alone = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(s) for s in answers])
    assert integrity.scan_notebook(alone, release) == []


# Explanation cells of the releases that use what a student's cell may not: a student who edits
# one gets it refused (it cannot be told from an edit that adds an attack through the same
# primitive). Every other explanation cell scans clean, edited or not.
EXPLANATION_CELLS_WITH_PRIMITIVES = {("05_turning_gradients_off", "import gc"),
                                     ("05_turning_gradients_off", "exec("),
                                     ("06_detach_data_and_inplace", "exec(")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_explanation_cells_scan_clean_but_a_known_few(chapter):
    _, release = _chapter_notebooks(chapter)
    for index, cell in enumerate(release.cells):
        if cell.cell_type != "code" or coursekit.nbgrader_metadata(cell):
            continue
        edited = copy.deepcopy(release)
        edited.cells[index].source += "\nprint('my own experiment')\n"
        problems = integrity.scan_notebook(edited, release)
        known = any(c == chapter and marker in cell.source
                    for c, marker in EXPLANATION_CELLS_WITH_PRIMITIVES)
        assert (problems != []) == known, (index, cell.source[:80], problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_an_attack_in_any_chapter_costs_that_cell_only(chapter):
    source, release = _chapter_notebooks(chapter)
    every = coursekit.exercises(source)
    solved = coursekit.solve(release, source, {e.name for e in every})
    first = solved.cells[every[0].solution_index]
    first.source += "\nmath.isclose = lambda *a, **k: True\n"
    problems = integrity.scan_notebook(solved, release)
    assert problems == [f"tampered-runtime: cell {every[0].name}: replaces math.isclose; "
                        "the cell was not run"]


# --------------------------------------------------------------------------------------------
# The kernel guard: one plain kernel with the extension loaded, every attack in one notebook

GUARD_CELLS = [
    # 0, 1: honest cells, including state that changes legitimately between cells
    "import math, sys, warnings\nimport numpy as np\nimport autograd_core as torch",
    "x = torch.ones(2, requires_grad=True)\n(x * x).sum().backward()\n"
    "warnings.simplefilter('ignore')\ntorch.set_grad_enabled(False)\nimport autograd_core.viz",
    # 2, 3: an AST transformer that turns every assert into pass
    "import ast\nclass NoAsserts(ast.NodeTransformer):\n"
    "    def visit_Assert(self, node):\n        return ast.Pass()\n"
    "get_ipython().ast_transformers.append(NoAsserts())",
    "torch.set_grad_enabled(True)\nassert False, 'asserts run'",
    # 4, 5: an input transformer that rewrites assert lines
    "get_ipython().input_transformers_cleanup.append(\n"
    "    lambda lines: [l.replace('assert', 'pass #') for l in lines])",
    "assert False, 'input transformers restored'",
    # 6, 7: a custom exception handler
    "get_ipython().set_custom_exc((AssertionError,), lambda *args, **kwargs: None)",
    "assert False, 'no custom handler'",
    # 8, 9: a patched showtraceback
    "ip = get_ipython()\nip.showtraceback = lambda *args, **kwargs: None\n"
    "type(ip).showtraceback = lambda *args, **kwargs: None",
    "assert False, 'tracebacks shown'",
    # 10, 11: a trace function
    "sys.settrace(lambda *args: None)",
    "print('trace', sys.gettrace() is None)",
    # 12, 13: monkeypatched modules and engine class
    "math.isclose = lambda *args, **kwargs: True\nnp.allclose = lambda *args, **kwargs: True\n"
    "torch.Tensor.item = lambda self: 42.0",
    "print('patched', math.isclose(1, 2), np.allclose(1, 2), torch.tensor(3.0).item())",
    # 14, 15: builtins, import hooks, sys.modules
    "import builtins\nbuiltins.round = lambda *args: 0\n"
    "sys.meta_path.insert(0, type('Sneaky', (), {'find_spec': staticmethod(lambda *a: None)})())\n"
    "sys.modules['math'] = type(sys)('math')",
    "import math as m2\nprint('pristine', round(2.0), type(sys.meta_path[0]).__name__, "
    "hasattr(m2, 'isclose'))",
    # 16, 17: an event callback; a function that patches when a test calls it
    "get_ipython().events.register('pre_run_cell', lambda *args: None)\n"
    "def sneaky():\n    math.isclose = lambda *args, **kwargs: True\n    return 1.0",
    "assert sneaky() == 1.0",
    # 18, 19: the guard's own hooks removed: the next cell runs without a report
    "callbacks = get_ipython().events.callbacks\n"
    "callbacks['pre_run_cell'].clear()\ncallbacks['post_run_cell'].clear()",
    "print('unguarded')",
]


@pytest.fixture(scope="module")
def guarded_run(tmp_path_factory):
    from nbclient import NotebookClient

    from course_tools import kernel_guard

    folder = tmp_path_factory.mktemp("guarded")
    shutil.copy(kernel_guard.__file__, folder / "course_kernel_guard.py")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(folder)] + [p for p in [environment.get("PYTHONPATH")] if p])
    nb = _notebook(*GUARD_CELLS)
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}},
                            extra_arguments=["--IPKernelApp.extensions=course_kernel_guard"])
    client.execute(env=environment)
    problems = kernel_guard.collect_reports(nb)
    return nb, [coursekit.text_outputs(cell) for cell in nb.cells], problems


def test_every_cell_after_an_attack_runs_pristine(guarded_run):
    _, outputs, _ = guarded_run
    for probe, message in ((3, "asserts run"), (5, "input transformers restored"),
                           (7, "no custom handler"), (9, "tracebacks shown")):
        assert f"[error] AssertionError: {message}" in outputs[probe], (probe, outputs[probe])
    assert "trace True" in outputs[11]
    assert "patched False False 3.0" in outputs[13]
    assert "pristine 2 " in outputs[15] and "Sneaky" not in outputs[15], outputs[15]
    assert outputs[15].rstrip().endswith("True")
    assert "[error]" not in outputs[17], outputs[17]
    assert "unguarded" in outputs[19]


def test_the_guard_reports_what_it_restored(guarded_run):
    nb, _, problems = guarded_run
    text = "\n".join(problems)
    for index, what in ((2, "an IPython AST transformer"), (4, "an IPython input transformer"),
                        (6, "a custom exception handler"),
                        (8, "the IPython shell's showtraceback"),
                        (8, "ZMQInteractiveShell.showtraceback"),
                        (10, "sys.settrace"), (12, "math.isclose"), (12, "numpy.allclose"),
                        (12, "autograd_core.tensor.Tensor.item"), (14, "builtins.round"),
                        (14, "sys.meta_path"), (14, "sys.modules['math']"),
                        (16, "IPython's pre_run_cell event callbacks"), (17, "math.isclose")):
        line = next((p for p in problems if p.startswith(f"tampered-runtime: cell {index}: ")),
                    "")
        assert what in line, (index, what, text)
    # the cell that removed the hooks is the first to run without a report after it
    assert "tampered-runtime: cell 18: the kernel guard did not report after this cell ran" \
        in text
    assert not any(p.startswith(("tampered-runtime: cell 0:", "tampered-runtime: cell 1:",
                                 "tampered-runtime: cell 3:")) for p in problems), text
    assert all(p.startswith("tampered-runtime: ") for p in problems)
    for cell in nb.cells:  # the guard's outputs are stripped: feedback never shows them
        assert not any("vnd.autograd-course.guard" in str(o) for o in cell.outputs)


def test_a_result_shown_in_a_test_cell_is_removed_and_reported():
    from course_tools import kernel_guard

    nb = _notebook("x = 1", "assert x == 1")
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "ex1_tests", "points": 2,
                                        "solution": False}
    for cell in nb.cells:
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2.0"},
                                               execution_count=1),
                        nbformat.v4.new_output("display_data", data={
                            kernel_guard.MIMETYPE: {"when": "after", "restored": []}})]
    assert kernel_guard.collect_reports(nb) == [
        "tampered-runtime: cell ex1_tests: a result was shown while the test cell ran "
        "(nbgrader would read it as points); removed"]
    assert nb.cells[1].outputs == [] and len(nb.cells[0].outputs) == 1  # answers keep theirs


def test_forged_guard_outputs_are_read_as_plain_short_text():
    from course_tools import kernel_guard

    nb = _notebook("x = 1")
    nb.cells[0].execution_count = 1
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={
        kernel_guard.MIMETYPE: {"when": "after", "restored": ["a\nb" + "x" * 500] * 30}})]
    problems = kernel_guard.collect_reports(nb)
    assert len(problems) == 1 and "\n" not in problems[0] and len(problems[0]) < 3000
    assert problems[0].startswith("tampered-runtime: cell 0: changed a b")
