"""What grading found: the kinds of problem, one student's chapter to grade (`Task`) and what
came of it (`Result`).

Every problem is a sentence whose first word is its kind, so that the summary, the progress
line and the tests can sort problems without parsing the rest. Kinds in `FATAL` score the
chapter 0; the others are reported and the chapter is graded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# These score the chapter 0:
FATAL = ("missing", "malformed", "wrong-notebook", "ambiguous", "kernel-died", "error",
         "killed")
# A limit of the sandbox that was hit: graded for what ran, or 0 if the kernel died of it.
LIMITS = ("memory", "processes", "open-files", "file-size")
# Reported, the chapter graded:
NOTED = ("renamed", "tampered", "tampered-runtime", "timeout", "stderr", "extra-file",
         "both-editions", "not-sandboxed") + LIMITS


def kind(problem: str) -> str:
    """The kind of a problem: its first word (`memory: the kernel passed ...` -> `memory`)."""
    return problem.split(":", 1)[0].strip()


@dataclass
class Task:
    """One student's chapter: where the notebook came from, and what was found on reading it."""

    student: str
    chapter: str
    path: str | None = None  # the input file to grade, None if nothing gradable
    problems: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)  # input files that belong here
    timestamp: str | None = None  # nbgrader's timestamp.txt, when the layout has one
    edition: str = "en"  # the edition handed in: "en", or a translation's language ("zh")

    @property
    def fatal(self) -> bool:
        return any(kind(p) in FATAL for p in self.problems)


@dataclass
class Result:
    """One student's chapter, graded: the score, every problem, and where the feedback is.
    `died` marks a kernel that died of a limit (reported under the limit's name): scored 0."""

    student: str
    chapter: str
    score: float
    max_score: float
    problems: list[str]
    cell_scores: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    feedback: str | None = None
    died: bool = False
    edition: str = "en"

    @property
    def fatal(self) -> bool:
        return self.died or any(kind(p) in FATAL for p in self.problems)
