"""The kernel guard: an IPython extension that keeps a graded kernel's runtime pristine.

Defence in depth behind the static scan (course_tools.integrity). The grader starts every
submission's kernel with `--IPKernelApp.extensions=course_kernel_guard` (this file, copied into
the sandbox under that name: `course_tools` itself is not importable there, so this module uses
the standard library and IPython only). Before any student code runs, the guard snapshots what
the tests rely on:

- IPython's AST transformers, input transformers (and their manager), custom exception
  handler, the shell's methods (`showtraceback`, `run_cell`, ...) on the instance and on its
  classes, and the event callbacks;
- `sys.settrace`/`setprofile` (and `threading`'s), builtins, `sys.meta_path`, `sys.path_hooks`,
  and the `sys.modules` entries of the guarded modules;
- the functions, classes and submodules in the dicts of `math`, `numpy`, `warnings` and
  `autograd_core` (every submodule, imported up front), and the methods and properties of
  `autograd_core`'s classes.

After every cell (and before every cell, for what changed in between) it compares, puts back
whatever differs, and publishes what it restored as a `display_data` output of mimetype
`application/vnd.autograd-course.guard+json` in that cell. A cell therefore cannot change how the
next cell runs, and a function that patches `math.isclose` when a test calls it is caught after
that test cell. Every run cell gets such an output, empty when nothing changed: a cell without
one after it ran means the guard's hooks were removed.

`collect_reports(nb)` runs in the grading worker, outside the sandbox: it strips these outputs
(feedback never shows them) and turns them into `tampered-runtime: ...` problems. What the guard
cannot do: stop a cell from tampering with its own run before the post-cell check (the static
scan's job), or survive code that finds and disables it (which the missing report reveals).
Data attributes (`autograd_core`'s grad mode flag, `warnings.filters`) are left alone: they
change legitimately from cell to cell.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import os
import pkgutil
import sys
import threading
import types

MIMETYPE = "application/vnd.autograd-course.guard+json"
PROBLEM_KIND = "tampered-runtime"
GUARDED_PACKAGES = ("math", "numpy", "warnings", "autograd_core")
# numpy's own submodules are guarded only where the tests reach them.
GUARDED_NUMPY_SUBMODULES = ("numpy.testing", "numpy.linalg", "numpy.random")
TRANSFORMER_LISTS = {
    "ast_transformers": "an IPython AST transformer",
    "input_transformers_cleanup": "an IPython input transformer",
    "input_transformers_post": "an IPython input transformer",
}
# Set by IPython around every cell (BuiltinTrap), by its display hook, or by ipykernel (which
# routes input() to the frontend while a cell runs).
SHELL_MANAGED_BUILTINS = {"_", "__", "___", "exit", "quit", "get_ipython", "display", "input",
                          "raw_input"}
# threading's hooks (what threading.settrace and threading.setprofile set), by what sets them
THREAD_HOOKS = {"_trace_hook": "threading.settrace", "_profile_hook": "threading.setprofile"}
# What a report may hold: it comes back from a kernel that ran student code.
MAX_ITEMS, MAX_ITEM_LENGTH = 20, 120
# A cell with one of these errors may have stopped before the guard's check after it.
STOPPED_ERRORS = {"CellTimeoutError", "NotebookTimeout", "DeadKernelError"}


def _is_code(value) -> bool:
    """What the guard restores: functions, classes, modules, descriptors; not data."""
    return callable(value) or isinstance(
        value, (types.ModuleType, staticmethod, classmethod, property))


def _code_entries(namespace) -> dict:
    return {key: value for key, value in dict(namespace).items() if _is_code(value)}


def _guarded(name: str) -> bool:
    top = name.split(".")[0]
    if top == "numpy":
        return name == "numpy" or name in GUARDED_NUMPY_SUBMODULES
    return top in GUARDED_PACKAGES


def _same_items(current, saved) -> bool:
    return len(current) == len(saved) and all(a is b for a, b in zip(current, saved))


class KernelGuard:
    """The pristine runtime of one kernel, and the check that restores it."""

    def __init__(self, shell) -> None:
        self.shell = shell
        _import_guarded_modules()
        self.modules: dict[str, types.ModuleType] = {}
        self.module_entries: dict[str, dict] = {}
        self.class_entries: dict[type, dict] = {}
        self.take_snapshot()

    # -- the snapshot --------------------------------------------------------------------

    def take_snapshot(self) -> None:
        shell = self.shell
        self.transformer_manager = shell.input_transformer_manager
        self.transformers = {name: list(getattr(shell, name)) for name in TRANSFORMER_LISTS}
        self.custom_exceptions = shell.custom_exceptions
        self.shell_entries = _code_entries(vars(shell))
        self.shell_classes = {cls: _code_entries(vars(cls)) for cls in type(shell).__mro__
                              if cls is not object}
        self.events = {name: list(callbacks) for name, callbacks in
                       shell.events.callbacks.items()}
        self.trace, self.profile = sys.gettrace(), sys.getprofile()
        self.thread_hooks = {name: getattr(threading, name, None) for name in THREAD_HOOKS}
        self.builtins = dict(vars(builtins))
        self.meta_path, self.path_hooks = list(sys.meta_path), list(sys.path_hooks)
        for name, module in list(sys.modules.items()):
            if _guarded(name) and isinstance(module, types.ModuleType):
                self._adopt(name, module)

    def _adopt(self, name: str, module: types.ModuleType) -> None:
        """Start guarding a module (and its classes) as it is now."""
        self.modules[name] = module
        self.module_entries[name] = _code_entries(vars(module))
        for value in list(vars(module).values()):
            if isinstance(value, type) and _guarded(getattr(value, "__module__", "") or "") \
                    and value not in self.class_entries:
                self.class_entries[value] = _code_entries(vars(value))

    # -- the check -----------------------------------------------------------------------

    def check(self) -> list[str]:
        """Restore everything that differs from the snapshot; return what, in plain words.
        Each part is checked on its own: a part a student broke so badly that checking it
        fails is reported, and the other parts are still restored."""
        restored: list[str] = []
        for step in (self._check_shell, self._check_interpreter, self._check_modules):
            try:
                step(restored)
            except Exception as error:
                restored.append(f"something the guard could not check ({step.__name__[7:]}: "
                                f"{type(error).__name__})")
        return restored

    def _check_shell(self, restored: list[str]) -> None:
        shell = self.shell
        if shell.input_transformer_manager is not self.transformer_manager:
            shell.input_transformer_manager = self.transformer_manager
            restored.append("IPython's input transformer manager")
        for name, what in TRANSFORMER_LISTS.items():
            current = getattr(shell, name)
            if not _same_items(current, self.transformers[name]):
                current[:] = self.transformers[name]
                restored.append(what)
        if not isinstance(shell.custom_exceptions, tuple) or \
                not _same_items(shell.custom_exceptions, self.custom_exceptions):
            shell.custom_exceptions = self.custom_exceptions
            restored.append("a custom exception handler")
        # the shell sets attributes of its own as it goes: only a new one that hides one of its
        # class's methods (shell.showtraceback = ...) is a patch
        _restore_namespace(shell, vars(shell), self.shell_entries, restored,
                           "the IPython shell's {}", added=lambda key, value: hasattr(
                               type(shell), key))
        for cls, saved in self.shell_classes.items():
            _restore_namespace(cls, vars(cls), saved, restored, f"{cls.__name__}.{{}}")
        callbacks = shell.events.callbacks
        for name in set(callbacks) | set(self.events):
            saved = self.events.setdefault(name, [])
            current = callbacks.setdefault(name, [])
            # libraries register callbacks as they are imported (matplotlib's inline backend
            # flushes figures after each cell): keep those, as part of the pristine runtime
            saved += [c for c in current if _installed(c) and not any(c is k for k in saved)]
            if not _same_items(current, saved):
                current[:] = saved
                restored.append(f"IPython's {name} event callbacks")

    def _check_interpreter(self, restored: list[str]) -> None:
        if sys.gettrace() is not self.trace:
            sys.settrace(self.trace)
            restored.append("sys.settrace")
        if sys.getprofile() is not self.profile:
            sys.setprofile(self.profile)
            restored.append("sys.setprofile")
        for name, saved in self.thread_hooks.items():
            if getattr(threading, name, None) is not saved:
                setattr(threading, name, saved)
                restored.append(THREAD_HOOKS[name])
        current = vars(builtins)
        for key in set(current) | set(self.builtins):
            if key in SHELL_MANAGED_BUILTINS:
                continue
            if key not in self.builtins:
                if _installed(current[key]):
                    self.builtins[key] = current[key]
                    continue
                del current[key]
                restored.append(f"builtins.{key}")
            elif current.get(key, _MISSING) is not self.builtins[key]:
                current[key] = self.builtins[key]
                restored.append(f"builtins.{key}")
        for name, saved in (("meta_path", self.meta_path), ("path_hooks", self.path_hooks)):
            current_list = getattr(sys, name)
            if isinstance(current_list, list):
                saved += [entry for entry in current_list if _installed(entry) and
                          not any(entry is known for known in saved)]
            if not isinstance(current_list, list):
                setattr(sys, name, list(saved))
                restored.append(f"sys.{name}")
            elif not _same_items(current_list, saved):
                current_list[:] = saved
                restored.append(f"sys.{name}")
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                restored.append(f"sys.modules[{name!r}]")

    def _check_modules(self, restored: list[str]) -> None:
        for name, module in list(sys.modules.items()):
            if name not in self.modules and _guarded(name) and \
                    isinstance(module, types.ModuleType):
                self._adopt(name, module)  # imported since the snapshot
        for name, module in self.modules.items():
            saved = self.module_entries[name]
            namespace = vars(module)
            for key, value in list(namespace.items()):
                if key not in saved and isinstance(value, types.ModuleType) and \
                        sys.modules.get(f"{name}.{key}") is value:
                    saved[key] = value  # a submodule imported since: the import system's doing
            _restore_namespace(module, namespace, saved, restored, f"{name}.{{}}")
        for cls, saved in self.class_entries.items():
            _restore_namespace(cls, vars(cls), saved, restored,
                               f"{cls.__module__}.{cls.__qualname__}.{{}}")


_MISSING = object()


def _installed(value) -> bool:
    """Whether a callback, finder or builtin was defined by an installed third-party library (as
    matplotlib's inline backend registers a callback when it is imported), not by the notebook,
    a file it wrote, or a standard-library helper wrapping something else (functools.partial)."""
    if isinstance(value, (types.FunctionType, types.MethodType)):
        module_name = getattr(getattr(value, "__func__", value), "__module__", None)
    elif isinstance(value, (types.BuiltinFunctionType, functools.partial)):
        return False
    else:
        module_name = getattr(type(value), "__module__", None)
    module_file = getattr(sys.modules.get(module_name or ""), "__file__", None)
    if not isinstance(module_file, str):
        return False
    path = os.path.realpath(module_file)
    home = os.path.realpath(os.path.expanduser("~"))
    return ("site-packages" in path.split(os.sep) or "dist-packages" in path.split(os.sep)) \
        and not path.startswith((os.path.realpath(os.getcwd()) + os.sep, home + os.sep))


def _restore_namespace(owner, namespace, saved: dict, restored: list[str], label: str,
                       added=lambda key, value: True) -> None:
    """Put back the code entries of a namespace (a module's, a class's or an instance's dict):
    changed or deleted ones get their saved value, added ones (those `added` accepts) are
    removed."""
    for key in list(namespace):
        value = namespace.get(key, _MISSING)
        if key not in saved and _is_code(value) and added(key, value):
            try:
                delattr(owner, key)
            except (AttributeError, TypeError):
                continue
            restored.append(label.format(key))
    for key, value in saved.items():
        if namespace.get(key, _MISSING) is not value:
            try:
                setattr(owner, key, value)
            except (AttributeError, TypeError):
                continue
            restored.append(label.format(key))


def _import_guarded_modules() -> None:
    """Import every submodule of autograd_core (and numpy's guarded ones) before the snapshot,
    so that none is first seen after a student could have changed it."""
    for name in ("math", "warnings", "numpy", *GUARDED_NUMPY_SUBMODULES, "autograd_core"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    package = sys.modules.get("autograd_core")
    if package is None or not hasattr(package, "__path__"):
        return
    for info in pkgutil.walk_packages(package.__path__, prefix="autograd_core.",
                                      onerror=lambda name: None):
        try:
            importlib.import_module(info.name)
        except Exception:  # an optional part (e.g. a missing plotting library) stays unguarded
            continue


# --------------------------------------------------------------------------------------------
# The extension


def load_ipython_extension(ip) -> None:
    """Register the checks (after every cell, and before every cell) and take the snapshot;
    loaded by the kernel's command line before any student code runs."""
    from IPython.display import publish_display_data

    guard = None

    def report(when: str) -> None:
        try:
            restored = guard.check() if guard is not None else []
        except Exception as error:  # never let a check fail a cell (it would write to stderr)
            restored = [f"the guard's check failed ({type(error).__name__})"]
        summary = "; ".join(restored) or "nothing"
        publish_display_data({MIMETYPE: {"when": when, "restored": restored},
                              "text/plain": f"[kernel guard, {when} the cell: restored {summary}]"})

    def before_cell(info=None) -> None:
        report("before")

    def after_cell(result=None) -> None:
        report("after")

    ip.events.register("pre_run_cell", before_cell)
    ip.events.register("post_run_cell", after_cell)
    guard = KernelGuard(ip)


# --------------------------------------------------------------------------------------------
# Reading the reports (in the grading worker, outside the sandbox)


def collect_reports(nb) -> list[str]:
    """Strip the guard's outputs from nb (in place); return 'tampered-runtime: ...' problems:
    one per cell the guard had to restore something for, and one for the first cell that ran
    without the guard's report after it (its hooks were removed).

    Call it on the executed notebook before the test cells are scored: it also removes any
    result (execute_result) from a graded test cell. The course's test cells never end in an
    expression (the chapter lint checks it), so such a result was shown by the student's code
    while the test ran (through IPython's display hook), and nbgrader would read its number as
    partial credit."""
    problems: list[str] = []
    silent_from = None
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        reports, kept = [], []
        for output in cell.get("outputs", []):
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and MIMETYPE in data:
                reports.append(data[MIMETYPE])
            else:
                kept.append(output)
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        nbgrader = nbgrader if isinstance(nbgrader, dict) else {}
        label = nbgrader.get("grade_id")
        label = label if isinstance(label, str) and label.isprintable() and label else str(index)
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            results = [o for o in kept if isinstance(o, dict) and
                       o.get("output_type") == "execute_result"]
            if results:
                kept = [o for o in kept if not any(o is r for r in results)]
                problems.append(f"{PROBLEM_KIND}: cell {label}: a result was shown while the "
                                "test cell ran (nbgrader would read it as points); removed")
        cell["outputs"] = kept
        for when in ("before", "after"):
            items = []
            for report in reports:
                if isinstance(report, dict) and report.get("when") == when:
                    items += _clean_items(report.get("restored"))
            if items:
                items = list(dict.fromkeys(items))
                if when == "after":
                    problems.append(f"{PROBLEM_KIND}: cell {label}: changed {', '.join(items)} "
                                    "(restored after the cell ran)")
                else:
                    problems.append(f"{PROBLEM_KIND}: before cell {label}: "
                                    f"{', '.join(items)} had been changed (restored before "
                                    "the cell ran)")
        ran = cell.get("execution_count") is not None and not any(
            output.get("ename") in STOPPED_ERRORS for output in kept
            if isinstance(output, dict))
        has_after = any(isinstance(r, dict) and r.get("when") == "after" for r in reports)
        if ran and not has_after and silent_from is None:
            silent_from = label
    if silent_from is not None:
        problems.append(f"{PROBLEM_KIND}: cell {silent_from}: the kernel guard did not report "
                        "after this cell ran (its hooks were removed)")
    return problems


def _clean_items(items) -> list[str]:
    """A report's items as short plain strings (the kernel that sent them ran student code)."""
    if not isinstance(items, list):
        return ["an unreadable report"] if items is not None else []
    cleaned = []
    for item in items[:MAX_ITEMS]:
        text = " ".join(str(item).split())[:MAX_ITEM_LENGTH]
        cleaned.append("".join(ch for ch in text if ch.isprintable()))
    if len(items) > MAX_ITEMS:
        cleaned.append(f"{len(items) - MAX_ITEMS} more")
    return cleaned
