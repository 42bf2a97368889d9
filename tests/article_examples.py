"""Machinery for ``test_articles.py``: register a worked example, run it, compare what it printed.

A worked example is a plain function that takes the module to use as its only argument, named
``torch`` so that its body reads exactly like a PyTorch snippet::

    @catalogue.example("004", "w.grad is 3", stdout="tensor(3.) tensor(1.)\\n")
    def xw_plus_b(torch):
        ...

The same function runs once with ``autograd_core`` and, when it is installed, once with real
PyTorch, so the two can be compared line by line. Nothing here imports either library.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable, Optional

# Graph nodes print as ``<MulBackward0 object at 0x7fb188253280>``; the address changes from run to
# run and is the only thing we normalise.
_ADDRESS = re.compile(r"object at 0x[0-9a-fA-F]+")


def normalise(text: str) -> str:
    """Replace every memory address in ``text`` by ``0x...``."""
    return _ADDRESS.sub("object at 0x...", text)


def first_sentence(message: str) -> str:
    """The message up to and including the first full stop that ends a sentence.

    ``torch.FloatTensor`` contains a dot too, so a sentence ends only at a dot followed by white
    space or at the end of the text.
    """
    match = re.search(r"\.(\s|$)", message)
    return message if match is None else message[: match.start() + 1]


def builtin_base(error_type: type) -> type:
    """The first built-in class in ``error_type``'s MRO (PyTorch raises built-in exceptions)."""
    for klass in error_type.__mro__:
        if klass.__module__ == "builtins":
            return klass
    return error_type  # pragma: no cover - every exception derives from BaseException


@dataclass
class Outcome:
    """What running one example produced."""

    stdout: str
    error: Optional[BaseException] = None
    stderr: str = ""
    warnings: list = field(default_factory=list)
    # Whether grad mode was on once the example returned (None: the module cannot tell).
    grad_enabled_after: Optional[bool] = None

    def describe(self) -> str:
        """A readable account for assertion messages."""
        lines = ["--- stdout ---", self.stdout.rstrip("\n") or "(nothing)"]
        if self.error is not None:
            lines += ["--- raised ---", f"{type(self.error).__name__}: {self.error}"]
        return "\n".join(lines)


def run(example_fn: Callable[[ModuleType], None], module: ModuleType) -> Outcome:
    """Run ``example_fn(module)`` and capture stdout, stderr, warnings and the exception it raised.

    Grad mode is put back on afterwards whatever the example did, so that an example that forgets
    to restore it cannot break the next one; whether it had to be restored is in the outcome.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                example_fn(module)
            except Exception as exc:  # the example's own error is part of what we compare
                error = exc
    grad_enabled_after = None
    is_grad_enabled = getattr(module, "is_grad_enabled", None)
    if callable(is_grad_enabled):
        grad_enabled_after = bool(is_grad_enabled())
        if not grad_enabled_after:
            module.set_grad_enabled(True)
    return Outcome(
        stdout=normalise(stdout.getvalue()),
        error=error,
        stderr=stderr.getvalue(),
        warnings=[f"{w.category.__name__}: {w.message}" for w in caught],
        grad_enabled_after=grad_enabled_after,
    )


@dataclass
class Example:
    """One worked example and what real PyTorch printed for it."""

    article: str  # "000" ... "004", the source article
    slug: str  # short name, used as the pytest id
    summary: str  # one line: what the example shows and what is checked
    fn: Callable[[ModuleType], None]
    stdout: str  # PyTorch 2.13.0's stdout, addresses normalised
    error_type: Optional[type] = None  # the built-in exception class PyTorch raises, if any
    error_message: Optional[str] = None
    # "full": the message must be exactly ``error_message``; "prefix": it must start with it (used
    # where PyTorch appends a hint that mentions PyTorch-only tooling).
    error_match: str = "full"

    @property
    def id(self) -> str:
        return f"{self.article}-{self.slug}"


class Catalogue:
    """An ordered registry of examples, filled by the ``example`` decorator."""

    def __init__(self) -> None:
        self.examples: list[Example] = []

    def example(
        self,
        article: str,
        summary: str,
        *,
        stdout: str,
        raises: Optional[type] = None,
        message: Optional[str] = None,
        match: str = "full",
    ) -> Callable[[Callable[[ModuleType], None]], Callable[[ModuleType], None]]:
        if match not in ("full", "prefix"):
            raise ValueError(f"match must be 'full' or 'prefix', not {match!r}")
        if (raises is None) != (message is None):
            raise ValueError("give both raises= and message=, or neither")

        def register(fn: Callable[[ModuleType], None]) -> Callable[[ModuleType], None]:
            slug = fn.__name__.replace("_", "-")
            if any(e.article == article and e.slug == slug for e in self.examples):
                raise ValueError(f"duplicate example {article}-{slug}")
            self.examples.append(
                Example(article, slug, summary, fn, stdout, raises, message, match)
            )
            return fn

        return register


def _side_by_side(title: str, first_name: str, first: str, second_name: str, second: str) -> str:
    """A problem that shows two texts one under the other, each under its name."""
    first, second = first.rstrip("\n"), second.rstrip("\n")
    return f"{title}\n--- {first_name} ---\n{first}\n--- {second_name} ---\n{second}"


def check_against_literal(example: Example, outcome: Outcome) -> list[str]:
    """Every way ``outcome`` differs from what ``example`` records; empty when they agree."""
    problems = []
    if outcome.stdout != example.stdout:
        problems.append(_side_by_side("stdout differs", "expected", example.stdout, "got", outcome.stdout))
    if example.error_type is None:
        if outcome.error is not None:
            problems.append(
                f"unexpected {type(outcome.error).__name__}: {outcome.error}"
            )
    elif outcome.error is None:
        problems.append(
            f"expected {example.error_type.__name__}: {example.error_message}, nothing was raised"
        )
    else:
        message = str(outcome.error)
        if not isinstance(outcome.error, example.error_type):
            problems.append(
                f"expected {example.error_type.__name__}, got "
                f"{type(outcome.error).__name__}: {message}"
            )
        wanted = example.error_message
        ok = message == wanted if example.error_match == "full" else message.startswith(wanted)
        if not ok:
            how = "exactly" if example.error_match == "full" else "starting with"
            problems.append(
                f"error message differs\n--- expected ({how}) ---\n{wanted}\n--- got ---\n{message}"
            )
    return problems


def check_against_each_other(reference: Outcome, candidate: Outcome) -> list[str]:
    """How ``candidate`` (autograd_core) differs from ``reference`` (PyTorch): stdout, the built-in
    exception class, and the first sentence of the message."""
    problems = []
    if candidate.stdout != reference.stdout:
        problems.append(_side_by_side("stdout differs", "torch", reference.stdout, "autograd_core",
                                      candidate.stdout))
    if (reference.error is None) != (candidate.error is None):
        problems.append(_side_by_side("only one of them raised", "torch", repr(reference.error),
                                      "autograd_core", repr(candidate.error)))
    elif reference.error is not None:
        ref_type = builtin_base(type(reference.error))
        cand_type = builtin_base(type(candidate.error))
        if ref_type is not cand_type:
            problems.append(
                f"exception class differs: torch {ref_type.__name__}, "
                f"autograd_core {cand_type.__name__}"
            )
        ref_first = first_sentence(str(reference.error))
        cand_first = first_sentence(str(candidate.error))
        if ref_first != cand_first:
            problems.append(
                f"first sentence of the message differs\n--- torch ---\n{ref_first}"
                f"\n--- autograd_core ---\n{cand_first}"
            )
    return problems
