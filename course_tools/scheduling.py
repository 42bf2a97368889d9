"""Running the workers: at most `jobs` at a time, each in a fresh process, each stopped when
it runs past its time limit.

A standard pool (pebble's `ProcessPool`) does the bookkeeping: `max_tasks=1` gives every
submission a fresh worker process (nbgrader keeps state per process, and a worker that a
submission confused is never reused), and a task's `timeout` makes the pool stop that worker
(SIGTERM, then SIGKILL) and start another, which Python's own `concurrent.futures` pools
cannot do. A stopped worker takes its kernel with it: a sandboxed kernel through bwrap's
`--die-with-parent`, an unsandboxed one through the worker's SIGTERM handler
(`worker._stop_kernel`).

Workers come from a fork server (`forkserver`), a single-threaded process that has imported
the worker module (nbgrader with it), so that one starts in milliseconds. Forking this process
itself would be unsafe: the pool's own threads start workers while the main thread records
results in the gradebook, and a worker forked while SQLAlchemy or SQLite held a lock would
wait on it for ever (seen here: a worker hung until its time limit). As with any
`multiprocessing` start method but fork, each worker imports the caller's main module first: a
script that calls `grading.grade` needs the usual `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from dataclasses import dataclass
from typing import Any, Callable, Hashable

from pebble import ProcessExpired, ProcessPool


@dataclass
class Outcome:
    """How one task ended: its value, or why there is none (`killed`: past its time limit;
    `error`: the worker died or raised)."""

    value: Any = None
    killed: bool = False
    error: str | None = None


def run_tasks(jobs: int, tasks: list[tuple[Hashable, Callable, tuple]], timeout: float,
              on_done: Callable[[Hashable, Outcome], None],
              preload: tuple[str, ...] = ()) -> None:
    """Run every (key, function, args) in worker processes, `jobs` at a time, each for at most
    `timeout` seconds once started; call on_done(key, outcome) in this process as each ends.
    On any exception here (Ctrl+C included) every worker is stopped before it propagates.
    `preload`: modules the fork server imports once (the functions' own)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    pool = ProcessPool(max_workers=max(1, jobs), max_tasks=1, context=context)
    try:
        futures = {pool.schedule(function, args=args, timeout=timeout): key
                   for key, function, args in tasks}
        pending = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                on_done(futures[future], _outcome(future))
    except BaseException:
        pool.stop()
        pool.join()
        raise
    pool.close()
    pool.join()


def _outcome(future: concurrent.futures.Future) -> Outcome:
    try:
        return Outcome(value=future.result())
    except concurrent.futures.TimeoutError:
        return Outcome(killed=True)
    except ProcessExpired as error:
        return Outcome(error=f"the grading process exited with code {error.exitcode}")
    except Exception as error:  # raised in the worker, or pickling its result
        return Outcome(error=f"the grading process failed ({type(error).__name__}: {error})")
