"""Find the cells of a submission that tamper with the runtime, before anything runs.

`scan_notebook(nb, release)` is called by the grader (in the grading process, outside the
sandbox) on every submission. It parses, with `ast`, each code cell whose source is not one of
the release's own code cells, and a cell that would change how later cells run, or that answers
with objects that lie about equality or type, is neutralised: its source becomes a comment
saying why, so nbgrader never runs it. The submission gets one problem per such cell:

    tampered-runtime: cell ex3_nudge_grads: replaces math.isclose; the cell was not run

So a tampering submission scores at most what the rest of its work earns. What is flagged, and
why each family matters:

- IPython internals (`get_ipython`, AST and input transformers, custom exception handlers,
  `showtraceback`, events, the kernel) and magics that run code the scan cannot read
  (`%run`, `%load`, cell magics): they rewrite or hide later cells, the test cells included.
- Interpreter hooks (`sys.settrace`, `setprofile`, audit hooks, import hooks, `sys.modules`,
  frames), threads, signals, `atexit`, finalizers, `gc`, `ctypes`, `inspect`: code that runs
  behind the tests' backs or reaches into their frames.
- Obfuscation primitives (`exec`, `eval`, `compile`, `__import__`, `importlib`, pickles,
  attribute names and namespace keys computed at run time, dunder introspection, namespace
  writes): whatever they do cannot be read off the source, so they are flagged themselves.
- Reaching the tests' own names while they run: a function that declares `global` a name the
  release binds or a `_`-prefixed one (the hidden tests' names: `_a, _b` of a loop that calls
  the answer), or that reads `globals()`/`vars()`/`locals()` when called.
- Monkeypatching: assignment, `del`, `setattr` to attributes of imported modules or of their
  classes (`math.isclose = ...`, `torch.Tensor.item = ...`, through aliases, containers and
  calls too), or of any class reached through `type(x)` or `__class__`; redefining a class or
  function of the chapter's explanation cells that its tests use (chapter 8's `Tensor`);
  importing a module that is not installed (one the submission wrote), `from __future__`
  compiler flags (later cells would compile in the kernel but not here).
- Lying answers: classes that define `__eq__`, `__ne__`, `__hash__`, `__bool__`,
  `__instancecheck__`, `__subclasscheck__`, `__getattribute__` or `__class__`, that subclass a
  builtin value type (`float`, `dict`, ...) or the engine's and NumPy's array types, metaclasses.

Honest code is never flagged: the solved notebook of every chapter scans clean
(tests/test_integrity.py), and only the dunders above count as lying (chapter 8's learners write
a Tensor class with arithmetic operators). Cells that do not parse are left to run: they fail
with a SyntaxError and run nothing. IPython's own syntax (`%magic`, `!shell`, `obj?`) is first
turned into Python by IPython's `TransformerManager`, as the kernel does, and the magics it
becomes are judged by name. What the scan cannot see (for example a module the submission
writes to disk under a standard library name and imports later) is left to the kernel guard
(`course_tools.kernel_guard`), which restores the runtime after and before every cell, and to
the test cells, which compare plain values of checked types. File reads, `os` and `subprocess`
are not flagged: the sandbox contains them.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterable

import nbformat

PROBLEM_KIND = "tampered-runtime"
NOT_RUN_BANNER = "# Not run by the grader (tampered-runtime): this cell"

# Modules whose mere use changes how later cells run, or hides what a cell does.
FLAGGED_MODULES = {
    "IPython": "reaches into IPython",
    "traitlets": "reaches the kernel's application (traitlets)",
    "comm": "talks to the frontend behind the kernel's back",
    "ipywidgets": "talks to the frontend behind the kernel's back",
    "debugpy": "starts a debugger (a trace function)",
    "__main__": "reaches the notebook's namespace as a module",
    "ipykernel": "reaches into the kernel",
    "jupyter_client": "reaches into the kernel",
    "zmq": "reaches into the kernel's sockets",
    "tornado": "schedules code on the kernel's event loop",
    "asyncio": "schedules code on the kernel's event loop",
    "ctypes": "uses ctypes (raw memory access)",
    "_ctypes": "uses ctypes (raw memory access)",
    "cffi": "uses cffi (raw memory access)",
    "gc": "uses gc (reaches every live object)",
    "inspect": "uses inspect (frames and sources of other code)",
    "signal": "installs signal handlers",
    "threading": "starts threads that run between cells",
    "_thread": "starts threads that run between cells",
    "concurrent": "starts threads that run between cells",
    "atexit": "registers exit handlers",
    "importlib": "imports modules by computed names",
    "pkgutil": "imports modules by computed names",
    "zipimport": "imports code the check cannot read",
    "runpy": "runs code the check cannot read",
    "code": "runs code given as text",
    "codeop": "compiles code given as text",
    "builtins": "changes builtins",
    "__builtin__": "changes builtins",
    "pickle": "unpickles data (which can run any code)",
    "_pickle": "unpickles data (which can run any code)",
    "cPickle": "unpickles data (which can run any code)",
    "marshal": "loads code objects",
    "dill": "unpickles data (which can run any code)",
    "cloudpickle": "unpickles data (which can run any code)",
    "shelve": "unpickles data (which can run any code)",
    "copyreg": "changes how objects are copied and pickled",
    "cProfile": "installs a profiler and runs code given as text",
    "profile": "installs a profiler and runs code given as text",
    "trace": "installs a trace function",
    "pdb": "starts a debugger (a trace function)",
    "bdb": "starts a debugger (a trace function)",
    "unittest": "patches objects with unittest.mock",
    "mock": "patches objects with mock",
    "site": "changes how modules are found",
    "sitecustomize": "changes how modules are found",
    "usercustomize": "changes how modules are found",
}
# Submodules flagged although their package is not.
FLAGGED_SUBMODULES = {
    "multiprocessing.dummy": "starts threads that run between cells",
    "sys.monitoring": "installs monitoring callbacks",
}
# Packages of the course's environment that are not in the standard library. Anything else is
# looked up in the grading environment: a name found nowhere is a module the submission wrote
# itself, whose code the scan cannot read.
COURSE_PACKAGES = {"autograd_core", "numpy", "torch", "matplotlib", "graphviz", "scipy"}
# Names that stand for modules in every chapter, imported or not: the hidden tests import them
# (`import math`, `import autograd_core as _torch`), and the release cannot show that.
MODULE_NAMES = {"math", "numpy", "np", "torch", "autograd_core", "warnings", "sys", "builtins",
                "_torch", "_np", "_math", "_warnings", "nn", "optim"}

# Builtins that are obfuscation primitives wherever they appear.
FLAGGED_NAMES = {
    "exec": "uses exec",
    "eval": "uses eval",
    "compile": "uses compile",
    "__import__": "uses __import__",
    "breakpoint": "starts a debugger",
    "get_ipython": "reaches into IPython (get_ipython)",
    "__builtins__": "changes builtins (__builtins__)",
    "__builtin__": "changes builtins",
    "__loader__": "reaches the module loader",
    "__spec__": "reaches the module loader",
}
# Builtins that are fine called in the plain way, but not handed around as values.
CALL_ONLY = {"getattr", "setattr", "delattr", "globals", "vars", "locals"}
# IPython's history of inputs and outputs: In, Out, _ih, _oh, _dh, _i, _ii, _iii, _i7, _7, __, ___.
HISTORY_NAMES = {"In", "Out", "_ih", "_oh", "_dh", "_i", "_ii", "_iii", "__", "___"}

# Attribute names flagged on any object (distinctive enough never to be honest course code).
FLAGGED_ATTRIBUTES = {
    # IPython's shell and kernel
    "ast_transformers": "installs an IPython AST transformer",
    "input_transformers_cleanup": "installs an IPython input transformer",
    "input_transformers_post": "installs an IPython input transformer",
    "input_transformer_manager": "installs an IPython input transformer",
    "set_custom_exc": "installs a custom exception handler",
    "custom_exceptions": "installs a custom exception handler",
    "CustomTB": "installs a custom exception handler",
    "showtraceback": "replaces showtraceback",
    "_showtraceback": "replaces showtraceback",
    "showsyntaxerror": "replaces showsyntaxerror",
    "InteractiveTB": "replaces IPython's traceback printer",
    "SyntaxTB": "replaces IPython's traceback printer",
    "events": "registers IPython event callbacks",
    "kernel": "reaches into the kernel",
    "shell": "reaches the IPython shell",
    "user_ns": "reaches into IPython's namespace",
    "user_global_ns": "reaches into IPython's namespace",
    "run_cell": "runs code through IPython",
    "run_line_magic": "runs an IPython magic",
    "run_cell_magic": "runs an IPython magic",
    "display_formatter": "replaces IPython's display",
    "display_pub": "replaces IPython's display",
    # the interpreter's hooks
    "settrace": "installs a trace function (settrace)",
    "setprofile": "installs a profile function (setprofile)",
    "addaudithook": "installs an audit hook",
    "meta_path": "changes import hooks (meta_path)",
    "path_hooks": "changes import hooks (path_hooks)",
    "path_importer_cache": "changes import hooks (path_importer_cache)",
    "excepthook": "replaces an exception hook",
    "__excepthook__": "replaces an exception hook",
    "unraisablehook": "replaces an exception hook",
    "displayhook": "replaces the display hook",
    "__displayhook__": "replaces the display hook",
    "breakpointhook": "replaces the breakpoint hook",
    "_getframe": "reads other code's frames (_getframe)",
    "_current_frames": "reads other code's frames",
    "monitoring": "installs monitoring callbacks (sys.monitoring)",
    "finalize": "registers a finalizer",
    # frames
    "tb_frame": "reads other code's frames",
    "f_back": "reads other code's frames",
    "f_globals": "reads other code's frames",
    "f_locals": "reads other code's frames",
    "f_builtins": "reads other code's frames",
    "f_trace": "installs a trace function",
    "gi_frame": "reads other code's frames",
    "cr_frame": "reads other code's frames",
    "ag_frame": "reads other code's frames",
    # dunder introspection
    "__globals__": "reaches into __globals__",
    "__code__": "reaches into __code__",
    "__closure__": "reaches into __closure__",
    "__defaults__": "reaches into __defaults__",
    "__kwdefaults__": "reaches into __kwdefaults__",
    "__subclasses__": "reaches into __subclasses__",
    "__bases__": "reaches into __bases__",
    "__base__": "reaches into __base__",
    "__mro__": "reaches into __mro__",
    "__self__": "reaches into __self__",
    "__builtins__": "changes builtins (__builtins__)",
    "__loader__": "reaches the module loader",
    "__spec__": "reaches the module loader",
    "__getattribute__": "calls __getattribute__ directly",
    "__setattr__": "calls __setattr__ directly",
    "__delattr__": "calls __delattr__ directly",
    # computed attribute access
    "attrgetter": "reads attributes by computed names (attrgetter)",
    "methodcaller": "calls methods by computed names (methodcaller)",
}
# sys attributes flagged only on the sys module (the words alone are common).
SYS_ATTRIBUTES = {"modules": "reaches into sys.modules",
                  "path": "changes how modules are found (sys.path)"}

# Dunders that make an object lie about equality, truth, hashing or type.
LYING_DUNDERS = {"__eq__", "__ne__", "__hash__", "__bool__", "__instancecheck__",
                 "__subclasscheck__", "__getattribute__", "__class__"}
# Dunders whose definition runs code at times the tests do not control.
HOOK_DUNDERS = {"__del__": "defines __del__ (code that runs when an object is collected)",
                "__init_subclass__": "defines __init_subclass__"}
# Builtin value types (and their library twins): a subclass can lie while looking like one.
VALUE_TYPES = {"float", "int", "bool", "complex", "str", "bytes", "bytearray", "tuple", "list",
               "dict", "set", "frozenset", "IntEnum", "IntFlag", "StrEnum", "OrderedDict",
               "defaultdict", "Counter", "UserDict", "UserList", "UserString", "ndarray",
               "float64", "float32", "int64", "generic", "Tensor", "Parameter", "type"}

# Namespace objects: reading is fine (`globals()[name]`), writing rewrites other cells' names.
NAMESPACE_CALLS = {"globals", "vars", "locals"}
MUTATING_METHODS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                    "__delitem__", "__ior__"}
READ_ONLY_CALLS = {"print", "len", "sorted", "list", "dict", "set", "tuple", "repr", "str",
                   "iter", "enumerate", "any", "all", "id", "type", "isinstance", "bool",
                   "hasattr", "reversed", "frozenset", "max", "min"}

# IPython magics, by the name IPython's transformer passes to run_line_magic/run_cell_magic.
HARMLESS_MAGICS = {"matplotlib", "pwd", "who", "whos", "who_ls", "lsmagic", "magic", "pinfo",
                   "pinfo2", "psearch", "pdoc", "pdef", "precision", "ls", "env", "cd", "pip"}
# Magics whose argument (or cell body) is Python code: that code is scanned instead.
CODE_MAGICS = {"time", "timeit", "capture"}
TIMEIT_OPTIONS_WITH_VALUE = {"-n", "-r", "-p"}
NO_VAR_EXPAND_MAGICS = {"time", "timeit"}


def scan_notebook(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Neutralise, in place, every code cell of nb that tampers with the runtime (source
    replaced by a comment saying why; not run); return the problems, each 'tampered-runtime:
    ...'.

    Only cells whose source differs from every code cell of the release are read: answer
    cells, added cells, edited explanation cells (test cells are restored from the source by
    nbgrader, and an edited one is reported as `tampered` already)."""
    released = {_source(cell) for cell in release.get("cells", [])
                if cell.get("cell_type") == "code"}
    parsed = [(cell, _parse(_source(cell))) for cell in release.get("cells", [])
              if cell.get("cell_type") == "code"]
    trees = [tree for _, tree in parsed if tree is not None]
    candidates = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or _source(cell) in released:
            continue
        candidates.append((index, cell, _parse(_source(cell))))
    context = NotebookContext.from_trees(
        trees, [t for _, _, t in candidates if t is not None],
        course_names=_course_names(parsed))
    problems = []
    for index, cell, tree in candidates:
        if tree is None:
            continue  # does not parse: it fails with a SyntaxError and runs nothing
        findings = context.scan(tree)
        if not findings:
            continue
        label = _label(cell, index)
        what = _summarise(findings)
        cell["source"] = f"{NOT_RUN_BANNER} {what}."
        cell["outputs"] = []
        cell["execution_count"] = None
        problems.append(f"{PROBLEM_KIND}: cell {label}: {what}; the cell was not run")
    return problems


def scan_source(source: str, context: NotebookContext | None = None) -> list[str]:
    """What is wrong with one cell's source, in plain words (empty: nothing found). A source
    that does not parse gives nothing (it cannot run)."""
    tree = _parse(source)
    if tree is None:
        return []
    context = context or NotebookContext.from_trees([], [tree])
    return context.scan(tree)


# --------------------------------------------------------------------------------------------
# Reading cells


def _label(cell, index: int) -> str:
    """How a problem names a cell: its nbgrader grade_id, else its position (metadata comes
    from the submission and may be anything)."""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    name = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return name if isinstance(name, str) and name.isprintable() and name else str(index)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _to_python(source: str) -> str:
    """The cell as IPython would compile it: magics, shell escapes and help syntax become
    calls on get_ipython(), judged below by the magic's name."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython there is no kernel either: plain Python only
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython could not transform it: the kernel cannot either
        return source


def _parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, top-level await allowed (IPython runs it); None if it does not
    compile."""
    try:
        return compile(_to_python(source), "<cell>", "exec",
                       flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                       dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _summarise(findings: list[str], most: int = 4) -> str:
    unique = list(dict.fromkeys(" ".join(f.split()) for f in findings))
    shown = ", ".join(unique[:most])
    if len(unique) > most:
        shown += f" and {len(unique) - most} more"
    return shown


def _imported_names(trees: Iterable[ast.AST]) -> set[str]:
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        names.add((alias.asname or alias.name).split(".")[0])
    return names


def _course_names(parsed: list[tuple[dict, ast.Module | None]]) -> dict[str, set[str]]:
    """The functions and classes the chapter's explanation cells define for its tests
    (chapter 8's Tensor), each with its definitions (as `ast.dump`: an edited explanation cell
    may define them again, unchanged), but not the names an exercise asks for (its solution
    cell defines them). Rebinding an imported name (`torch = None`) is not flagged: every test
    cell imports what it uses, and tests/test_grading.py grades such a student in full."""
    answers: set[str] = set()
    names: dict[str, set[str]] = {}
    for cell, tree in parsed:
        if tree is None:
            continue
        defined = [node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        if metadata.get("solution"):
            answers |= {node.name for node in defined} | {
                n.id for node in tree.body for n in ast.walk(node)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        elif not metadata.get("grade"):
            for node in defined:
                names.setdefault(node.name, set()).add(ast.dump(node))
    return {name: dumps for name, dumps in names.items() if name not in answers}


def _dotted(node: ast.AST) -> str:
    """A readable name for an expression: math.isclose, torch.Tensor.item, type(x).item."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}(...)"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[...]"
    return "an object"


def _chain(node: ast.AST) -> list[ast.AST]:
    """node and what it hangs from: a.b[c].d() -> [a.b[c].d(), a.b[c].d, a.b[c], a.b, a]."""
    found = [node]
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return found
        found.append(node)


def _is_literal_string(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


# --------------------------------------------------------------------------------------------
# The notebook's names, and the scan of one cell


class NotebookContext:
    """What a cell's meaning depends on in the rest of the notebook: which names are modules
    (imported in any cell, or aliases of them: `m = math`, `T = type(x)`), which are namespace
    dictionaries (`g = globals()`), which names the course imported (the tests use them), and
    which builtins the notebook redefines at top level (a learner's own `def compile(...)`)."""

    def __init__(self, modules: set[str], namespaces: set[str],
                 course_names: dict[str, set[str]],
                 own_functions: set[str], sys_names: set[str]) -> None:
        self.modules = modules
        self.module_factories: set[str] = set()  # defs that return a module or a class
        self.namespaces = namespaces
        self.course_names = course_names
        self.release_names: set[str] = set()  # every name the release's cells bind
        self.own_functions = own_functions
        self.sys_names = sys_names

    @classmethod
    def from_trees(cls, release_trees: list[ast.AST], submitted_trees: list[ast.AST],
                   course_names: dict[str, set[str]] | None = None) -> "NotebookContext":
        trees = list(release_trees) + list(submitted_trees)
        modules = _imported_names(trees) | MODULE_NAMES
        sys_names = {"sys"}
        own_functions = set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    sys_names |= {a.asname or a.name for a in node.names if a.name == "sys"}
            for node in getattr(tree, "body", []):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    own_functions.add(node.name)
        context = cls(modules, set(), dict(course_names or {}), own_functions, sys_names)
        context.release_names = {node.id for tree in release_trees for node in ast.walk(tree)
                                 if isinstance(node, ast.Name) and
                                 isinstance(node.ctx, ast.Store)}
        # aliases of aliases: repeat until nothing new is found
        while True:
            before = context._size()
            for tree in trees:
                context._collect_aliases(tree)
            if context._size() == before:
                return context

    def _size(self) -> tuple[int, int, int]:
        return len(self.modules), len(self.namespaces), len(self.module_factories)

    # -- aliases -------------------------------------------------------------------------

    def _collect_aliases(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            value, targets = None, []
            if isinstance(node, ast.Assign):
                value, targets = node.value, node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value:
                value, targets = node.value, [node.target]
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                value, targets = node.iter, [node.target]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.context_expr, [item.optional_vars])
                continue
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                returns = [n.value for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Yield))
                           and n.value is not None]
                if any(self._reaches_module(r) for r in returns):
                    self.module_factories.add(node.name)
                continue
            if value is not None:
                self._bind(value, targets)

    def _bind(self, value: ast.AST, targets: list[ast.AST]) -> None:
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        if self._reaches_module(value):
            self.modules.update(names)
        if self._is_namespace(value):
            self.namespaces.update(names)

    def _reaches_module(self, node: ast.AST) -> bool:
        """Whether the value of node may be a module, a class reached through one, or a class
        reached through type()/__class__ (but not what a call on them returns)."""
        if isinstance(node, ast.Name):
            return node.id in self.modules
        if isinstance(node, ast.Lambda):
            return self._reaches_module(node.body)
        if isinstance(node, ast.Attribute):
            return node.attr == "__class__" or self._reaches_module(node.value)
        if isinstance(node, ast.Subscript):
            return self._reaches_module(node.value)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "type" and len(node.args) == 1:
                return True
            if isinstance(func, ast.Name) and func.id == "getattr" and node.args:
                return self._reaches_module(node.args[0])
            if isinstance(func, ast.Name):
                return func.id in self.module_factories
            return self._reaches_module(func) and isinstance(func, ast.Lambda)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(self._reaches_module(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return any(self._reaches_module(v) for v in node.values if v is not None)
        if isinstance(node, ast.IfExp):
            return self._reaches_module(node.body) or self._reaches_module(node.orelse)
        if isinstance(node, ast.BoolOp):
            return any(self._reaches_module(v) for v in node.values)
        if isinstance(node, (ast.Starred, ast.NamedExpr, ast.Await)):
            return self._reaches_module(node.value)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self._reaches_module(node.elt) or any(
                self._reaches_module(g.iter) for g in node.generators)
        return False

    def _mentions_module(self, node: ast.AST) -> bool:
        """Whether what an assignment changes may hang from a module, a class or a namespace:
        like _reaches_module, but also through any call (`next(iter([math])).isclose = f`).
        Only subscript indices are not looked into (`params[np.argmax(s)].grad = None`)."""
        if isinstance(node, ast.Subscript):
            return self._is_namespace(node.value) or self._mentions_module(node.value)
        if isinstance(node, ast.Attribute):
            return node.attr == "__class__" or self._mentions_module(node.value)
        if isinstance(node, ast.Call):
            return self._reaches_module(node) or self._mentions_module(node.func) or any(
                self._reaches_module(n) or self._is_namespace(n)
                for argument in list(node.args) + [k.value for k in node.keywords]
                for n in ast.walk(argument))
        return self._reaches_module(node) or any(
            self._reaches_module(n) for n in ast.walk(node) if n is not node)

    def _is_namespace(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.namespaces
        if isinstance(node, ast.Attribute):
            return node.attr == "__dict__"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "getattr":
                name = _argument(node, 1, "name")
                return _is_literal_string(name) and name.value == "__dict__"
            return node.func.id in NAMESPACE_CALLS
        return False

    # -- the scan ------------------------------------------------------------------------

    def scan(self, tree: ast.AST) -> list[str]:
        """Everything in one cell that tampers, in plain words."""
        try:
            scanner = _CellScanner(self)
            scanner.visit(tree)
            return scanner.findings
        except RecursionError:
            return ["nests code too deeply to be checked"]


class _CellScanner(ast.NodeVisitor):
    def __init__(self, context: NotebookContext) -> None:
        self.context = context
        self.findings: list[str] = []
        self.depth = 0  # 0 at the cell's top level
        self.globals_declared: set[str] = set()

    def flag(self, what: str) -> None:
        self.findings.append(what)

    # -- imports -------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # a relative import: a package the notebook cannot have
            self.flag("imports a module relative to a package")
        module = node.module or ""
        if module == "__future__" and any(a.name != "annotations" for a in node.names):
            # a compiler flag that lasts: later cells would compile in the kernel but not here
            self.flag("changes how later cells are compiled (from __future__ import)")
        self._check_module(module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if full in FLAGGED_SUBMODULES:
                self.flag(FLAGGED_SUBMODULES[full])
            if alias.name in FLAGGED_ATTRIBUTES:
                self.flag(FLAGGED_ATTRIBUTES[alias.name])
            if alias.name in FLAGGED_NAMES:
                self.flag(FLAGGED_NAMES[alias.name])
            if module.split(".")[0] == "sys" and alias.name in SYS_ATTRIBUTES:
                self.flag(SYS_ATTRIBUTES[alias.name])
        self.generic_visit(node)

    def _check_module(self, name: str) -> None:
        top = name.split(".")[0]
        if top in FLAGGED_MODULES:
            self.flag(f"{FLAGGED_MODULES[top]} (import {name})")
            return
        for flagged, what in FLAGGED_SUBMODULES.items():
            if name == flagged or name.startswith(flagged + "."):
                self.flag(what)
                return
        if top == "timeit":
            return  # judged where it is called (visit_Call)
        if top and top not in sys.stdlib_module_names and top not in COURSE_PACKAGES \
                and not _installed(top):
            self.flag(f"imports {top}, a module that is neither installed nor part of Python "
                      "(code the check cannot read)")

    # -- names ---------------------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name in FLAGGED_NAMES and name not in self.context.own_functions:
            self.flag(FLAGGED_NAMES[name])
        elif name in HISTORY_NAMES or _is_history(name):
            self.flag(f"reads IPython's history ({name})")
        elif isinstance(node.ctx, ast.Load) and name in CALL_ONLY and \
                name not in self.context.own_functions:
            self.flag(f"uses {name} as a value")  # plain calls are judged in visit_Call
        if isinstance(node.ctx, (ast.Store, ast.Del)) and name in self.context.course_names \
                and (self.depth == 0 or name in self.globals_declared):
            self.flag(f"rebinds {name}, which the tests use")

    def visit_Global(self, node: ast.Global) -> None:
        """A function that rebinds a test's own names while the test calls it (its loop
        variables, its expected values) forges the test: the tests' names are the release's
        and, for hidden tests, `_`-prefixed."""
        self.globals_declared.update(node.names)
        for name in node.names:
            if name.startswith("_") or name in self.context.release_names:
                self.flag(f"rebinds {name} from inside a function (a name the tests use)")

    # -- attributes ----------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FLAGGED_ATTRIBUTES:
            self.flag(FLAGGED_ATTRIBUTES[node.attr])
        if node.attr in SYS_ATTRIBUTES and isinstance(node.value, ast.Name) and \
                node.value.id in self.context.sys_names:
            self.flag(SYS_ATTRIBUTES[node.attr])
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._check_store(node.value, node.attr, node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.context._is_namespace(node.value) and not _is_literal_string(node.slice) and \
                not _is_own_namespace(node.value):
            self.flag(f"reads an entry of {_dotted(node.value)} whose name is computed")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            if self.context._is_namespace(node.value):
                self.flag(f"writes into {_dotted(node.value)} (a namespace)")
            elif self.context._mentions_module(node.value):
                self.flag(f"changes {_dotted(node.value)}, which belongs to an imported module")
        self.generic_visit(node)

    def _check_store(self, owner: ast.AST, attribute: str, node: ast.AST) -> None:
        """An assignment, deletion or setattr of owner.attribute."""
        target = f"{_dotted(owner)}.{attribute}"
        if attribute in LYING_DUNDERS:
            self.flag(f"sets {target} (an object that lies about equality or type)")
            return
        if not self.context._mentions_module(owner):
            return
        if isinstance(_chain(owner)[-1], ast.Name) and \
                all(isinstance(link, (ast.Name, ast.Attribute)) for link in _chain(owner)):
            self.flag(f"replaces {target}")
        else:
            self.flag(f"changes a class's attribute ({target})")

    # -- calls ---------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in CALL_ONLY and name not in self.context.own_functions:
            if name in NAMESPACE_CALLS and self.depth > 0 and (name != "vars" or not node.args):
                # a function that reads the notebook's names when a test calls it reaches the
                # test's own variables
                self.flag(f"reads the notebook's namespace from inside a function ({name}())")
            self._check_builtin_call(name, node)
            for argument in node.args:
                self.visit(argument)
            for keyword in node.keywords:
                self.visit(keyword.value)
            return
        if name == "type" and len(node.args) == 3:
            self.flag("makes a class with type(name, bases, namespace)")
        if isinstance(func, ast.Attribute):
            if self._check_magic(node):
                return
            if func.attr in MUTATING_METHODS and self.context._is_namespace(func.value):
                self.flag(f"writes into {_dotted(func.value)} (a namespace)")
            elif func.attr == "get" and self.context._is_namespace(func.value) and \
                    not _is_own_namespace(func.value) and \
                    not _is_literal_string(_argument(node, 0, "key")):
                self.flag(f"reads an entry of {_dotted(func.value)} whose name is computed")
            self._check_timeit(node)
        if name not in READ_ONLY_CALLS:
            for argument in list(node.args) + [k.value for k in node.keywords]:
                if self.context._is_namespace(argument):
                    self.flag(f"hands {_dotted(argument)} (a namespace) to {_dotted(func)}")
        self.generic_visit(node)

    def _check_builtin_call(self, name: str, node: ast.Call) -> None:
        if name in ("getattr", "setattr", "delattr"):
            attribute = _argument(node, 1, "name")
            if not _is_literal_string(attribute):
                self.flag(f"{'reads' if name == 'getattr' else 'sets'} an attribute whose name "
                          f"is computed ({name})")
            elif name != "getattr" and node.args:
                self._check_store(node.args[0], attribute.value, node)
            elif attribute.value in FLAGGED_ATTRIBUTES:
                self.flag(FLAGGED_ATTRIBUTES[attribute.value])

    def _check_magic(self, node: ast.Call) -> bool:
        """Judge get_ipython().run_line_magic('name', 'line') (what `%name line` becomes),
        run_cell_magic, system and getoutput (`!command`) by the magic's name. Returns whether
        the call was such a magic (then nothing else in it needs a look); any other use of
        get_ipython is flagged as such by visit_Name."""
        func = node.func
        receiver = func.value
        if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and
                receiver.func.id == "get_ipython" and not receiver.args and
                not receiver.keywords and not node.keywords and node.args and
                all(_is_literal_string(a) for a in node.args)):
            return False
        values = [a.value for a in node.args]
        if func.attr in ("system", "getoutput") and len(values) == 1:
            # IPython expands {expression} and $name in the command: Python code, run
            if "{" in values[0] or "$" in values[0]:
                self.flag("expands Python expressions in a shell command")
            return True
        if func.attr == "run_line_magic" and len(values) == 2:
            (magic, line), body = values, None
        elif func.attr == "run_cell_magic" and len(values) == 3:
            magic, line, body = values
        else:
            return False
        marker = "%%" if body is not None else "%"
        # IPython expands {expression} and $name in a magic's line (Python code, run), except
        # for the magics that opt out (%time and %timeit, whose line is code itself)
        expands = magic not in NO_VAR_EXPAND_MAGICS and ("{" in line or "$" in line)
        if magic in CODE_MAGICS and not expands:
            tree = _parse(body if body is not None else _code_of_magic_line(magic, line))
            if tree is not None:
                self.findings.extend(self.context.scan(tree))
        elif magic in HARMLESS_MAGICS and body is None and not expands:
            pass
        else:
            self.flag(f"runs the IPython magic {marker}{magic}")
        return True

    def _check_timeit(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func.value, ast.Name) and func.value.id == "timeit" and \
                func.attr in ("timeit", "repeat", "Timer", "autorange"):
            statement = _argument(node, 0, "stmt")
            if statement is not None and not isinstance(statement, ast.Lambda):
                self.flag("runs code given as text (timeit)")

    # -- definitions ---------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            base_name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if base_name in VALUE_TYPES:
                self.flag(f"defines {node.name}, a subclass of {_dotted(base)}")
            elif isinstance(base, ast.Call) or isinstance(base, ast.Starred):
                self.flag(f"defines {node.name} with computed base classes")
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                self.flag(f"defines {node.name} with a metaclass")
        for statement in node.body:
            for name in _bound_names(statement):
                if name in LYING_DUNDERS:
                    self.flag(f"defines {node.name}.{name} (an object that lies about equality "
                              "or type)")
                elif name in HOOK_DUNDERS:
                    self.flag(HOOK_DUNDERS[name])
        self._nested(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._nested(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def _nested(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                self.depth == 0 and node.name in self.context.course_names and \
                ast.dump(node) not in self.context.course_names[node.name]:
            self.flag(f"rebinds {node.name}, which the tests use")
        saved = self.globals_declared
        self.globals_declared = set()
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        self.globals_declared = saved


def _is_own_namespace(node: ast.AST) -> bool:
    """globals(), vars() or locals() without an argument: the notebook's own names (reading
    them by a computed name is what chapter 1 does: `globals()[name].requires_grad`; inside a
    function, where it would reach a running test's names, the call itself is flagged)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in NAMESPACE_CALLS and not node.args and not node.keywords


def _bound_names(statement: ast.AST) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    targets = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _is_history(name: str) -> bool:
    """IPython's numbered history names: _i7 (input 7), _7 (output 7)."""
    return (name.startswith("_i") and name[2:].isdigit() and len(name) > 2) or \
        (name.startswith("_") and name[1:].isdigit() and len(name) > 1)


def _code_of_magic_line(magic: str, line: str) -> str:
    """The Python statement of `%time code` / `%timeit [-n N -r R ...] code`."""
    if magic != "timeit":
        return line
    words = line.split()
    index = 0
    while index < len(words) and words[index].startswith("-"):
        option = words[index]
        index += 2 if option in TIMEIT_OPTIONS_WITH_VALUE else 1
    return " ".join(words[index:])


def _installed(name: str) -> bool:
    """Whether a top-level module is installed in the grading environment (found without
    running it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
