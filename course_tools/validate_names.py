"""Validate, in the student's JupyterLab, names each failing exercise and its points.

nbgrader's Validate button lists each failing test cell as its source and the raw traceback; a
student has to work out which exercise that was. nbgrader's Validator itself offers no place to
change that (its result entries are built in `Validator.validate`), but the cells are executed by
nbgrader's `Execute` preprocessor, an nbclient `NotebookClient`, whose `on_cell_error` hook is
configurable: it is called with the cell once its outputs are in, before the Validator reads
them. `name_failed_exercise` puts a first line into the error's traceback, which the dialog
shows above the traceback:

    Exercise ex2_leaves (1 point) is not passed yet: its tests, ex2_leaves_tests, fail.

The student view's configuration (binder/jupyter-config/nbgrader_config.py, which the Validate
handler loads from the Jupyter config path) installs the hook; nbgrader's own commands, which
the instructors and the tests run, do not load it. A test cell that fails only by writing to
stderr raises nothing, so nbclient calls no hook and it is listed as before.
"""

from __future__ import annotations

from typing import Any

BOLD, RESET = "\x1b[1m", "\x1b[0m"  # the dialog turns ANSI codes into HTML


def failure_title(test_id: str, points: float) -> str:
    """What Validate says first about a failing test cell (its grade_id is the exercise's
    followed by _tests, docs/authoring.md)."""
    shown = f"{points:g} point" + ("" if points == 1 else "s")
    return (f"Exercise {test_id.removesuffix('_tests')} ({shown}) is not passed yet: its tests, "
            f"{test_id}, fail.")


def exercise_line(cell: Any) -> str | None:
    """The line naming a graded test cell's exercise and points, or None for other cells."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not meta.get("grade") or meta.get("solution") or not meta.get("grade_id"):
        return None
    return f"{BOLD}{failure_title(meta['grade_id'], float(meta.get('points') or 0))}{RESET}"


def name_failed_exercise(cell: Any = None, **_: Any) -> None:
    """nbclient's on_cell_error hook: put the exercise's name and points first in the error."""
    line = exercise_line(cell) if cell is not None else None
    if line is None:
        return
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            traceback = list(output.get("traceback") or [])
            if line not in traceback:
                output["traceback"] = [line, *traceback]
            return
