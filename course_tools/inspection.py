"""Reading a submission before anything of it runs (in the grading parent, outside the sandbox).

Not JSON or not a notebook -> "malformed", 0; none of the chapter's graded cells ->
"wrong-notebook", 0. Every test cell is compared with the release the students got (nbgrader's
checksum of the cell): a test cell deleted or edited -> "tampered". nbgrader's `OverwriteCells`
restores edited test cells from the gradebook's copy of the source (it does that for every test
cell anyway, to put the hidden tests back), and with `add_missing_cells` it puts deleted ones
back too, so tampering never earns points; a test cell whose nbgrader metadata was changed gets
the release's metadata back first, so that nbgrader still grades it.

Then `integrity.scan_notebook` reads every cell the student wrote or changed: a cell that
changes how later cells run, or answers with objects that lie, is not run (its source becomes a
comment saying why) and is reported "tampered-runtime"; the rest is graded.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

from course_tools import integrity
from course_tools.coursekit import grade_id, is_test_cell
from course_tools.outcome import Task

# Limits on what the grading parent reads and scans (integrity.scan_notebook parses every code
# cell, outside the sandbox and its limits): a chapter's code is about 50 KB, a notebook with
# its pictures a few MB. Far larger submissions would only stall the parent for the whole class.
MAX_NOTEBOOK_BYTES = 64 * 2**20
MAX_CODE_CHARACTERS = 2**20


def inspect(task: Task, release: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """Read task.path; record malformed files and tampered test cells. Returns the notebook to
    grade (test cells' nbgrader metadata restored from the release), or None."""
    path = Path(task.path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        task.problems.append(f"malformed: {path.name} is {size / 2**20:.0f} MiB, over the "
                             f"{MAX_NOTEBOOK_BYTES // 2**20} MiB a submission may be; not graded")
        return None
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except ValueError as error:
        task.problems.append(f"malformed: {path.name} is not valid JSON ({error})")
        return None
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as error:  # nbformat raises several kinds
        task.problems.append(f"malformed: {path.name} is not a notebook ({error})")
        return None

    expected = {grade_id(c): c for c in release.cells if grade_id(c)}
    tests = [name for name, c in expected.items() if is_test_cell(c)]
    submitted: dict[str, nbformat.NotebookNode] = {}
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if name in expected and name not in submitted:
            submitted[name] = cell
    if not submitted:
        task.problems.append(f"wrong-notebook: {path.name} has none of {task.chapter}'s "
                             "exercise cells")
        return None
    code = sum(len(cell.get("source", "")) for cell in nb.cells
               if cell.get("cell_type") == "code" and isinstance(cell.get("source"), str))
    if code > MAX_CODE_CHARACTERS:
        task.problems.append(f"malformed: {path.name} holds {code / 2**20:.1f} MiB of code, over "
                             f"the {MAX_CODE_CHARACTERS // 2**20} MiB a submission may hold; "
                             "not graded")
        return None
    for name in tests:
        cell = submitted.get(name)
        original = expected[name]
        if cell is None:
            task.problems.append(f"tampered: test cell {name} deleted in {path.name} "
                                 "(restored from the source)")
            continue
        if cell.get("cell_type") != "code" or \
                nbgrader_utils.compute_checksum(cell) != nbgrader_utils.compute_checksum(original):
            task.problems.append(f"tampered: test cell {name} edited in {path.name} "
                                 "(restored from the source)")
        elif cell.metadata.get("nbgrader") != original.metadata.get("nbgrader"):
            task.problems.append(f"tampered: nbgrader metadata of test cell {name} changed in "
                                 f"{path.name} (restored from the release)")
        cell.setdefault("metadata", {})["nbgrader"] = dict(original.metadata["nbgrader"])
    task.problems += integrity.scan_notebook(nb, release)
    return nb
