"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    enabled = True  # a class attribute: reading it is one lookup on the hot path


def is_grad_enabled() -> bool:
    """True when ops record the autograd graph."""
    return _State.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's spelling
    """Turn graph recording on or off: as a function, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = _State.enabled
        self.mode = bool(mode)
        _State.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _State.enabled = self.prev

    def __call__(self, fn: F) -> F:
        _State.enabled = self.prev  # used as a decorator: do not change the mode now

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self.mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradModeContext:
    mode = True

    def __enter__(self) -> None:
        self.prev = _State.enabled
        _State.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _State.enabled = self.prev

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _State.enabled
            _State.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _State.enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801
    """Context manager / decorator: ops inside record no graph (inference, optimizer steps).

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Context manager / decorator: record the graph again inside a ``no_grad`` block."""

    mode = True
