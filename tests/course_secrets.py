"""What a student must never be given: the lines of the course's hidden tests and solutions.

Shared by the tests of feedback (test_feedback.py) and of the student edition (test_publish.py).
Computed here from the files, independently of course_tools.feedback, so that a mistake there
cannot hide itself: every line between `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS` or
`### BEGIN SOLUTION` / `### END SOLUTION` in any chapter's source, stripped, that occurs (even
as part of a line) in no cell of any release nor in the engine's source, short lines left out.
Students are given both by design: a solution may share a generic line such as `while ready:`
with the engine's backward pass, which students read.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from course_tools import coursekit

MIN_LENGTH = 10  # `return out`, `pass`, `)` are everywhere
MARKERS = (("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
           ("### BEGIN SOLUTION", "### END SOLUTION"))


def secret_lines(root: Path) -> set[str]:
    released = []
    for chapter in coursekit.chapters(root):
        for cell in coursekit.read_notebook(coursekit.release_notebook(root, chapter)).cells:
            released.append(cell.source)
    for path in sorted((Path(root) / "autograd_core").rglob("*.py")):
        released.append(path.read_text(encoding="utf-8"))
    given = "\n".join(released)
    secrets = set()
    for chapter in coursekit.chapters(root):
        for cell in coursekit.read_notebook(coursekit.source_notebook(root, chapter)).cells:
            for begin, end in MARKERS:
                inside = False
                for line in cell.source.splitlines():
                    if begin in line:
                        inside = True
                    elif end in line:
                        inside = False
                    elif inside:
                        secrets.add(line.strip())
    return {line for line in secrets if len(line) >= MIN_LENGTH and line not in given}


def html_text(page: str) -> str:
    """The text of an HTML page as a reader sees it (highlighted code is split into spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secret lines that occur in text, as the test's message."""
    return sorted(line for line in secrets if line in text)
