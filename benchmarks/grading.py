"""Grading a class: `./course grade` on 2 workers against nbgrader's plain sequential autograde,
and what the sandbox costs.

    .venv/bin/python benchmarks/grading.py [--students 30] [--jobs 2] [--chapters ...]
    .venv/bin/python benchmarks/grading.py --sandbox-only     # the sandbox's cost alone

Builds a class of synthetic students (a third solve every exercise, a third the odd-numbered
ones, a third nothing) for every chapter in solutions/, from the releases in notebooks/ and
the solutions in the sources. Then grades the same class twice, one after the other, on the
same machine:

1. `grading.grade(..., jobs=2)`: what `./course grade` runs (preparing the course, autograde,
   feedback, CSV export and summary, all included in the wall time); run again after 2, and
   the two times averaged;
2. nbgrader's own commands in a scratch course, one after the other, as the README's
   step-by-step section runs them: `generate_assignment` for each chapter, `autograde` for
   each chapter, `generate_feedback` for each chapter, `export`.

Both must give the same score to every student on every chapter (checked).

3. The sandbox's cost: a small class (--sandbox-students, default 6, of chapter 1) graded
   --sandbox-rounds times with the sandbox and as often without (`--no-sandbox`), one worker,
   the two interleaved (with, without, without, with, ...) so that a machine getting busier
   favours neither. Per notebook it compares the worker's time (autograde and feedback,
   kernel start included) with and without, paired by round and student; it reports the
   medians and the median of the paired ratios.

The numbers go to stdout, docs/grading-benchmark.md and README.md between the
GRADING-BENCHMARK markers (with --sandbox-only, only the sandbox's part, between the
SANDBOX-COST markers). It takes several minutes; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from course_tools import coursekit, grading  # noqa: E402

SCRATCH = ROOT / "benchmarks" / ".scratch" / "grading"
BEGIN, END = "<!-- GRADING-BENCHMARK -->", "<!-- /GRADING-BENCHMARK -->"
SANDBOX_BEGIN, SANDBOX_END = "<!-- SANDBOX-COST -->", "<!-- /SANDBOX-COST -->"
SANDBOX_CHAPTER = "01_tensors_and_leaves"


def build_class(root: Path, folder: Path, chapters: list[str], students: int) -> None:
    for chapter in chapters:
        source = coursekit.read_notebook(coursekit.source_notebook(root, chapter))
        release = coursekit.read_notebook(coursekit.release_notebook(root, chapter))
        names = [e.name for e in coursekit.exercises(source)]
        kinds = {0: set(names), 1: set(names[0::2]), 2: set()}
        for i in range(students):
            path = folder / f"student{i + 1:02d}" / chapter / f"{chapter}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            coursekit.write_notebook(coursekit.solve(release, source, kinds[i % 3]), path)


class LoadSampler:
    """The machine's 1-minute load average, sampled every 5 s while a phase runs: the numbers
    mean little if something else was using the CPUs."""

    def __enter__(self):
        self.samples, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(5.0):
            self.samples.append(os.getloadavg()[0])

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float:
        return sum(self.samples) / len(self.samples) if self.samples else os.getloadavg()[0]


def scores_of(grades_csv: Path) -> dict[tuple[str, str], float]:
    with open(grades_csv, newline="", encoding="utf-8") as handle:
        return {(row["student_id"], row["assignment"]): float(row["score"])
                for row in csv.DictReader(handle)}


def sequential(root: Path, folder: Path, chapters: list[str], course: Path) -> dict[str, float]:
    """nbgrader's commands, one after the other, in a scratch course; seconds per step."""
    coursekit.scratch_course(root, course, chapters)
    shutil.copytree(folder, course / "submitted")
    steps = {"generate_assignment": 0.0, "autograde": 0.0, "generate_feedback": 0.0,
             "export": 0.0}
    for step in ("generate_assignment", "autograde", "generate_feedback"):
        started = time.perf_counter()
        for chapter in chapters:
            extra = ["--force"] if step == "generate_assignment" else []
            try:
                coursekit.nbgrader(course, step, chapter, *extra)
            except coursekit.CourseError as error:  # nbgrader exits 1 if one submission fails
                print(f"  note: {step} {chapter} reported errors "
                      f"({str(error).splitlines()[0][:100]})")
        steps[step] = time.perf_counter() - started
    started = time.perf_counter()
    coursekit.nbgrader(course, "export", "--to", str(course / "grades.csv"))
    steps["export"] = time.perf_counter() - started
    return steps


def sandbox_cost(root: Path, students: int, rounds: int) -> str:
    """Grade a class of chapter 1 with and without the sandbox, interleaved; the paragraph
    and table that report it, between the SANDBOX-COST markers."""
    folder = SCRATCH / "sandbox-class"
    build_class(root, folder, [SANDBOX_CHAPTER], students)
    seconds: dict[bool, dict[tuple[int, str], float]] = {True: {}, False: {}}
    scores: dict[bool, dict[str, float]] = {True: {}, False: {}}
    with LoadSampler() as load:
        for number in range(rounds):
            order = (True, False) if number % 2 == 0 else (False, True)
            for sandboxed in order:
                label = f"sandbox-{number}-{'on' if sandboxed else 'off'}"
                results = grading.grade(folder, SCRATCH / label, root=root,
                                        chapters=[SANDBOX_CHAPTER], jobs=1,
                                        sandbox=sandboxed, log=lambda line: None)
                for result in results:
                    seconds[sandboxed][(number, result.student)] = result.seconds
                    scores[sandboxed][result.student] = result.score
                shutil.rmtree(SCRATCH / label, ignore_errors=True)
    pairs = sorted(seconds[True].keys() & seconds[False].keys())
    ratios = [seconds[True][k] / seconds[False][k] for k in pairs]
    with_sandbox = statistics.median(seconds[True][k] for k in pairs)
    without = statistics.median(seconds[False][k] for k in pairs)
    ratio = statistics.median(ratios)
    same = scores[True] == scores[False]
    print(f"sandbox: {len(pairs)} pairs, median {with_sandbox:.2f} s with, {without:.2f} s "
          f"without, median ratio {ratio:.3f} (load average {load.mean:.1f}); "
          f"scores {'identical' if same else 'DIFFER'}")
    return "\n".join([
        SANDBOX_BEGIN,
        f"The sandbox's cost, per notebook: {students} students x {SANDBOX_CHAPTER} "
        f"graded {rounds} times with the sandbox and {rounds} times without, one worker, "
        "interleaved; the worker's time per notebook (autograde and feedback, kernel start "
        f"included), paired by round and student ({len(pairs)} pairs; load average "
        f"{load.mean:.1f}, on {os.cpu_count()} CPUs):",
        "",
        "| | median per notebook |",
        "|---|---:|",
        f"| with the sandbox (bubblewrap, IPC, limits) | {with_sandbox:.2f} s |",
        f"| without (`--no-sandbox`) | {without:.2f} s |",
        f"| median of the paired ratios, with / without | {ratio:.3f} "
        f"({(ratio - 1) * 100:+.1f} %) |",
        f"| ratio of the medians, with / without | {with_sandbox / without:.3f} "
        f"({(with_sandbox / without - 1) * 100:+.1f} %) |",
        "",
        f"Scores with and without the sandbox: {'identical' if same else 'DIFFERENT'}.",
        SANDBOX_END,
    ])


def replace_between(text: str, begin: str, end: str, new: str) -> str | None:
    """text with the part from begin to end (markers included) replaced by new, or None."""
    if begin not in text or end not in text:
        return None
    head, rest = text.split(begin, 1)
    return head + new + rest.split(end, 1)[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chapters", nargs="+", default=None)
    parser.add_argument("--no-write", action="store_true", help="do not update README/docs")
    parser.add_argument("--sandbox-only", action="store_true",
                        help="measure only the sandbox's cost")
    parser.add_argument("--sandbox-students", type=int, default=6)
    parser.add_argument("--sandbox-rounds", type=int, default=5)
    args = parser.parse_args()
    chapters = args.chapters or coursekit.chapters(ROOT)
    if args.sandbox_only:
        chapters = [SANDBOX_CHAPTER]
    elif SANDBOX_CHAPTER not in chapters:
        chapters.append(SANDBOX_CHAPTER)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    # a snapshot of the course, so that both runs grade the same chapters even if their
    # sources change meanwhile
    root = coursekit.scratch_course(ROOT, SCRATCH / "snapshot", chapters)
    for chapter in chapters:
        shutil.copytree(ROOT / coursekit.RELEASE_DIR / chapter,
                        root / coursekit.RELEASE_DIR / chapter)
    sandbox_part = sandbox_cost(root, args.sandbox_students, args.sandbox_rounds)
    print()
    print(sandbox_part)
    if args.sandbox_only:
        if not args.no_write:
            for path in (ROOT / "docs" / "grading-benchmark.md", ROOT / "README.md"):
                text = replace_between(path.read_text(encoding="utf-8"), SANDBOX_BEGIN,
                                       SANDBOX_END, sandbox_part)
                if text is None:
                    print(f"{path.name} has no {SANDBOX_BEGIN} markers: not written there")
                else:
                    path.write_text(text, encoding="utf-8")
        return 0
    folder = SCRATCH / "class"
    build_class(root, folder, chapters, args.students)
    notebooks = args.students * len(chapters)
    print(f"class: {args.students} students x {len(chapters)} chapters = {notebooks} notebooks "
          f"on {os.cpu_count()} CPUs")

    def parallel_run(label: str) -> tuple[float, float]:
        started = time.perf_counter()
        with LoadSampler() as load:
            grading.grade(folder, SCRATCH / label, root=root, chapters=chapters,
                          jobs=args.jobs, log=lambda line: None)
        seconds = time.perf_counter() - started
        print(f"./course grade --jobs {args.jobs} ({label}): {seconds:.0f} s "
              f"(load average {load.mean:.1f})")
        return seconds, load.mean

    # A, B, A: the parallel run before and after the sequential one, so that a machine that
    # gets busier or quieter meanwhile does not favour either
    first, load_first = parallel_run("parallel")
    with LoadSampler() as load_sequential:
        steps = sequential(root, folder, chapters, SCRATCH / "sequential")
    plain = sum(steps.values())
    print("nbgrader, sequential: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items())
          + f"; total {plain:.0f} s (load average {load_sequential.mean:.1f})")
    second, load_second = parallel_run("parallel-again")
    parallel = (first + second) / 2

    ours = scores_of(SCRATCH / "parallel" / "grades.csv")
    theirs = scores_of(SCRATCH / "sequential" / "grades.csv")
    differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    print(f"scores: {len(ours)} student-chapters, {len(differ)} differ"
          + (f": {differ[:5]}" if differ else ""))

    table = "\n".join([
        f"A class of {args.students} students x {len(chapters)} chapters ({notebooks} "
        f"notebooks: a third solved, a third half solved, a third blank), on "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}), measured by `benchmarks/grading.py` in one run (the load average is the machine's 1-minute "
        "load, sampled every 5 s: above the number of CPUs, something else was competing):",
        "",
        "| how | wall time | per notebook | load average meanwhile |",
        "|---|---:|---:|---:|",
        f"| `./course grade --jobs {args.jobs}` (autograde, feedback, CSV, summary), mean of "
        f"the runs before and after ({first:.0f} s, {second:.0f} s) | {parallel:.0f} s | "
        f"{parallel / notebooks:.2f} s | {load_first:.1f}, {load_second:.1f} |",
        f"| nbgrader, sequential: `autograde` alone | {steps['autograde']:.0f} s | "
        f"{steps['autograde'] / notebooks:.2f} s | |",
        f"| nbgrader, sequential: `generate_assignment` + `autograde` + `generate_feedback` "
        f"+ `export` | {plain:.0f} s | {plain / notebooks:.2f} s | {load_sequential.mean:.1f} |",
        "",
        f"`./course grade` took {parallel / plain:.2f}x the time of the same work done by "
        f"nbgrader's commands in sequence ({plain / parallel:.2f}x as fast), and "
        f"{parallel / steps['autograde']:.2f}x the time of the plain sequential `autograde` "
        f"alone. Both gave the same score on {len(ours) - len(differ)} of {len(ours)} "
        "student-chapters.",
        "",
        sandbox_part,
    ])
    print()
    print(table)
    if not args.no_write:
        (ROOT / "docs" / "grading-benchmark.md").write_text(
            "# Grading benchmark\n\n" + __doc__.split("\n\n", 1)[1].split("It takes")[0].strip()
            + "\n\n" + table + "\n", encoding="utf-8")
        readme = ROOT / "README.md"
        text = replace_between(readme.read_text(encoding="utf-8"), BEGIN, END,
                               BEGIN + "\n" + table + "\n" + END)
        if text is not None:
            readme.write_text(text, encoding="utf-8")
        else:
            print(f"README.md has no {BEGIN} markers: the table was not written there")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
