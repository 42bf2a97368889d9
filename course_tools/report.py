"""What a grading run writes and prints: nbgrader's CSV export, the summary (CSV and a
table), and the progress line."""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook

from course_tools.outcome import FATAL, Result, kind

SUMMARY_FIELDS = ("student", "chapter", "edition", "score", "max_score", "problems")


def export_csv(out: Path) -> None:
    """nbgrader's CSV export of out's gradebook into out/grades.csv."""
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        CsvExportPlugin(to=str(out / "grades.csv")).export(gradebook)


def write_summary(out: Path, results: list[Result]) -> None:
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_FIELDS)
        for r in results:
            writer.writerow([r.student, r.chapter, r.edition, f"{r.score:g}",
                             f"{r.max_score:g}", " | ".join(r.problems)])
    (out / "summary.txt").write_text(summary_table(results) + "\n", encoding="utf-8")


def summary_table(results: list[Result]) -> str:
    rows = [("student", "chapter", "edition", "score", "problems")]
    for r in results:
        rows.append((r.student, r.chapter, r.edition, f"{r.score:g}/{r.max_score:g}",
                     " | ".join(r.problems) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row[:4]))
                     + "  " + row[4])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    return "\n".join(lines)


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_line(result: Result, done: int, total: int, students_done: int, students: int,
                  failures: int, elapsed: float, left: float | None) -> str:
    """`[ 37/270] student13 02_computational_graph: 6/11 (timeout) | students done 4/30,
    failures 1, elapsed 1:52, left ~11:47`: the worst problem's kind in brackets."""
    shown = [p for p in result.problems if kind(p) != "not-sandboxed"]  # on every row
    worst = next((p for p in shown if kind(p) in FATAL), shown[0] if shown else "")
    return (f"[{done:>{len(str(total))}}/{total}] {result.student} {result.chapter}: "
            f"{result.score:g}/{result.max_score:g}"
            + (f" ({kind(worst)})" if worst else "")
            + f" | students done {students_done}/{students}, failures {failures}, "
            f"elapsed {clock(elapsed)}, left ~{clock(left) if left is not None else '?'}")
