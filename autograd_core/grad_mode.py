"""Grad mode: one flag that says whether operations are recorded in the graph.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as decorators,
and restore the previous mode on exit, exceptions included.  ``set_grad_enabled(False)`` called on
its own also switches the mode, as in PyTorch.
"""
from __future__ import annotations

import functools
import inspect


class _GradMode:
    enabled = True          # read on every operation: a class attribute is the cheapest lookup
    inference = False       # inside inference_mode: new tensors are inference tensors


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _GradMode.inference


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _GradMode.enabled


def _set(mode: bool) -> None:
    _GradMode.enabled = bool(mode)


class _GradModeContext:
    """Base of the three grad-mode switches: a context manager that is also a decorator."""

    _mode: bool

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_GradMode.enabled)
        _set(self._mode)

    def __exit__(self, *exc_info) -> None:
        _set(self._previous.pop())

    def __call__(self, func):
        return _decorate(func, self.__class__)


class _NoParamDecoratorContextManager(_GradModeContext):
    """A switch that also decorates without parentheses: ``@no_grad`` as well as ``@no_grad()``
    (PyTorch's ``torch.utils._contextlib._NoParamDecoratorContextManager``)."""

    def __new__(cls, orig_func=None):
        if orig_func is None or isinstance(orig_func, bool):       # inference_mode(False): a flag
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Context manager and decorator that turns off graph recording.

    >>> x = tensor([1.], requires_grad=True)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    _mode = False


class enable_grad(_NoParamDecoratorContextManager):
    """Context manager and decorator that turns graph recording on (inside a ``no_grad``)."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode to ``mode`` at once; as a context manager, restores the old mode on exit.

    ``set_grad_enabled(False)`` on its own line switches recording off until switched back.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = bool(mode)
        self._previous.append(_GradMode.enabled)
        _set(self._mode)

    def __enter__(self) -> None:
        pass                                   # the constructor already switched the mode

    def __call__(self, func):
        # Used as a decorator: undo the switch the constructor made, switch on each call instead.
        _set(self._previous.pop())
        mode = self._mode
        return _decorate(func, lambda: set_grad_enabled(mode))


def _decorate(func, make_context):
    """``func`` run inside a fresh ``make_context()``; a generator function runs each of its steps
    inside one (and the caller's mode is back in force between steps), as PyTorch's decorators do."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def generator_wrapper(*args, **kwargs):
            generator = func(*args, **kwargs)
            step, value = generator.send, None
            while True:
                try:
                    with make_context():
                        response = step(value)
                except StopIteration as stop:
                    return stop.value
                step = generator.send
                try:
                    value = yield response
                except GeneratorExit:
                    with make_context():
                        generator.close()
                    raise
                except BaseException as error:        # thrown in by the caller: pass it on
                    step, value = generator.throw, error

        return generator_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make_context():
            return func(*args, **kwargs)

    return wrapper


class inference_mode(_NoParamDecoratorContextManager):
    """``no_grad`` and more: tensors made inside are *inference tensors* (``is_inference()``),
    which autograd refuses to save for backward or to see modified in place afterwards, so that
    nothing made inside can end up in a graph.  ``inference_mode(False)`` switches it off (and
    grad mode on) inside an outer one.  A context manager and a decorator, like ``no_grad``."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._mode = bool(mode)

    def __enter__(self) -> None:
        self._previous.append((_GradMode.enabled, _GradMode.inference))
        _GradMode.enabled, _GradMode.inference = not self._mode, self._mode

    def __exit__(self, *exc_info) -> None:
        _GradMode.enabled, _GradMode.inference = self._previous.pop()

    def __call__(self, func):
        mode = self._mode
        return _decorate(func, lambda: inference_mode(mode))
