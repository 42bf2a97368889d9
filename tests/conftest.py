"""Fixtures shared by several test files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_tools import coursekit

COURSE_ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> coursekit.SharedRuns:
    """One solution run and one release run per chapter for the whole session (the course at
    $COURSE_ROOT, by default this repository). Under pytest-xdist every worker has its own
    temporary folder inside the session's; the runs live in the session's, where all the
    workers find them."""
    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session = session.parent
    return coursekit.SharedRuns(COURSE_ROOT, session / "shared-runs")
