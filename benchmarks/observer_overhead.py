"""What the engine's observer calls cost when nobody observes: the same backward, two engines.

    .venv/bin/python benchmarks/observer_overhead.py [--rounds 600] [--baseline REV]

The engine records a trace only inside ``autograd.graph.record_backward()`` (that is what
``viz.step_backward`` uses).  This compares, in one process and interleaved, the backward of a
chain of 400 elementwise ops (a 16-element tensor, as benchmarks/run.py's per_op) run by:

* ``before``: ``engine.py`` without the observer calls (read from git: the newest version in
  the history without ``_recording_observer``, or the one at ``--baseline REV``), loaded as a
  second module of the package so that it runs on the very same graph;
* ``now``: today's ``engine.py``, nobody observing;
* ``recording``: today's ``engine.py`` inside ``record_backward()`` (the price of asking).

The graph is kept (``retain_graph=True``) so that every call walks the same nodes.  It prints
the medians and the ratios; nothing here is a timed test.  ``--baseline HEAD`` compares today's
engine with a second copy of itself: the ratio it prints is the method's own noise.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import autograd_core as ag
from autograd_core import engine
from autograd_core.autograd.graph import record_backward

ROOT = Path(__file__).resolve().parents[1]


def baseline_source(revision: str | None) -> tuple[str, str]:
    """``(revision, engine.py's text at it)``: by default, just before the observer came in."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip()

    if revision is not None:
        return revision, git("show", f"{revision}:autograd_core/engine.py")
    # The newest engine.py in the history without the observer: after a merge of the engine's
    # own later work, that is the same engine as today's less the observer calls.
    for commit in git("log", "--format=%H", "--", "autograd_core/engine.py").splitlines():
        source = git("show", f"{commit}:autograd_core/engine.py")
        if "_recording_observer" not in source:
            return commit[:10], source
    raise SystemExit("every engine.py in the history has the observer: give --baseline REV")


def load_engine(source: str):
    """``source`` as the module ``autograd_core._engine_before`` (its relative imports work)."""
    folder = Path(tempfile.mkdtemp())
    path = folder / "_engine_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("autograd_core._engine_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chain(length: int = 400):
    """``(output, its gradient)`` after ``length`` elementwise ops, as per_op in run.py."""
    ops = (lambda t: t * 1.0001, lambda t: t + 0.5, lambda t: t.tanh(), lambda t: t - 0.25)
    y = ag.randn(16, requires_grad=True)
    for step in range(length):
        y = ops[step % len(ops)](y)
    return y.sum(), ag.tensor(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=600)
    parser.add_argument("--baseline", default=None, help="git revision of the engine to compare with")
    args = parser.parse_args()
    revision, source = baseline_source(args.baseline)
    before = load_engine(source)
    output, gradient = chain()

    def recording():
        with record_backward():
            engine.execute([output], [gradient], True, False)

    contenders = {
        "before": lambda: before.execute([output], [gradient], True, False),
        "now": lambda: engine.execute([output], [gradient], True, False),
    }
    times = measure(contenders, args.rounds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    paired = statistics.median(now / old for now, old in zip(times["now"], times["before"]))
    recorded = measure({"now": contenders["now"], "recording": recording}, max(args.rounds // 20, 5))
    print(f"backward of a 400-op chain (402 nodes with the sum and the leaf), {args.rounds} rounds "
          f"(A B B A), medians; baseline: engine.py at {revision}")
    for name, seconds in medians.items():
        print(f"  {name:<8} {seconds * 1e3:8.3f} ms")
    print(f"nobody observing: now / before = {medians['now'] / medians['before']:.3f} "
          f"(median of the per-round ratios: {paired:.3f})")
    print("asking (record_backward) / not asking = "
          f"{statistics.median(recorded['recording']) / statistics.median(recorded['now']):.1f}")


def measure(contenders: dict, rounds: int) -> dict:
    """Seconds per call of two contenders, in the order A B B A each round, after a warm-up.

    Garbage collection waits between rounds, so that one contender's garbage is not charged
    to the other; on a loaded machine the per-round ratio is the steadier number.
    """
    (first, run_first), (second, run_second) = contenders.items()
    for _ in range(5):
        run_first()
        run_second()
    times: dict = {first: [], second: []}
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        pair = {first: 0.0, second: 0.0}
        for name, run in ((first, run_first), (second, run_second), (second, run_second), (first, run_first)):
            start = time.perf_counter()
            run()
            pair[name] += (time.perf_counter() - start) / 2
        gc.enable()
        for name, seconds in pair.items():
            times[name].append(seconds)
    return times


if __name__ == "__main__":
    main()
