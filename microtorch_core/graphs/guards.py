"""Guards: the host-side decisions a captured graph relies on, checked again at every replay.

A replay runs kernels only, so anything the Python code decided during the capture is frozen
into the graph. Two such decisions are legitimate and are checked rather than refused:

* **Bounds checks of indices.** ``index_range`` (``ops/primitive/indexing.py``) reads the
  smallest and largest value of an index tensor on the host so that ``gather``, ``nll_loss``,
  ``embedding``... can raise a clear ``IndexError``. During a capture it returns two
  :class:`GuardedInt` instead: ints that remember every comparison made with them
  (``lo < 0``, ``hi >= n_classes``) and its outcome. The replay reads the index's range again
  and raises if any comparison would now come out differently. An index the user hands in
  (a graph input) is checked before the replay runs anything ("hoisted"); one computed inside
  the graph is checked at its place in the replay, after the kernels that compute it. Any
  other use of the value (``hi + 1`` as an output size, ``range(hi)``) is a data-dependent
  shape, which a graph cannot replay: it raises during the capture.
* **Hyper-parameters read as Python numbers** (an optimizer's ``lr``): their value at the
  capture is baked into the kernels' arguments, so a replay refuses to run once they changed
  (:class:`ValueGuard`). Give a changing value as a tensor instead (``lr=mt.tensor(1e-3)``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

_SYMBOLS = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
            operator.eq: "==", operator.ne: "!="}


class IndexGuard:
    """The bounds check of one index tensor, made during a capture and repeated by replays.

    ``range_of`` computes ``(lo, hi)`` of the index now (``index_range`` outside capture);
    ``expected`` lists ``(which, op, other, outcome)`` for every comparison the capture made.
    """

    def __init__(self, op: str, index: Any, range_of: Callable[[Any], tuple[int, int]]
                 ) -> None:
        self.op = op
        self.index = index  # kept alive: the replay reads it
        self.range_of = range_of
        self.expected: list[tuple[str, Callable[[int, Any], bool], Any, bool]] = []
        self.step = -1  # position in the replay (set when the guard runs inline)

    def bounds(self, lo: int, hi: int) -> tuple[GuardedInt, GuardedInt]:
        return GuardedInt(lo, self, "lo"), GuardedInt(hi, self, "hi")

    def __call__(self) -> None:
        """Check the index's values now; raise if a captured comparison no longer holds."""
        lo, hi = self.range_of(self.index)
        values = {"lo": lo, "hi": hi}
        for which, op, other, outcome in self.expected:
            value = values[which]
            if op(value, other) != outcome:
                where = ("before the replay ran any kernel" if self.step < 0 else
                         f"at replay call {self.step}; the calls before it have run")
                raise IndexError(
                    f"{self.op}: an index value is out of the range this graph was captured "
                    f"for: the {'smallest' if which == 'lo' else 'largest'} index is "
                    f"{value}, and '{which} {_SYMBOLS[op]} {other}' is now {not outcome} "
                    f"(it was {outcome} at capture). The replay stopped {where}.")


class GuardedInt(int):
    """The smallest (``lo``) or largest (``hi``) value of an index tensor, read during a
    capture. Comparisons work and are recorded in the guard; using the value any other way
    (arithmetic, ``int()``, ``bool()``, ``range()``) would bake it into the graph, so it raises.
    """

    _guard: IndexGuard
    _which: str

    def __new__(cls, value: int, guard: IndexGuard, which: str) -> GuardedInt:
        obj = super().__new__(cls, value)
        obj._guard, obj._which = guard, which
        return obj

    def _compare(self, op: Callable[[int, Any], bool], other: Any) -> bool:
        plain = int.__int__(other) if isinstance(other, int) else other
        outcome = op(int.__int__(self), plain)
        self._guard.expected.append((self._which, op, plain, outcome))
        return outcome

    def __lt__(self, other: Any) -> bool:
        return self._compare(operator.lt, other)

    def __le__(self, other: Any) -> bool:
        return self._compare(operator.le, other)

    def __gt__(self, other: Any) -> bool:
        return self._compare(operator.gt, other)

    def __ge__(self, other: Any) -> bool:
        return self._compare(operator.ge, other)

    def __eq__(self, other: object) -> bool:
        return self._compare(operator.eq, other)

    def __ne__(self, other: object) -> bool:
        return self._compare(operator.ne, other)

    # Printing is how an error message shows the value: allowed.
    def __str__(self) -> str:
        return str(int.__int__(self))

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(int.__int__(self), spec)

    def _data_dependent(self, *args: Any) -> Any:
        raise RuntimeError(
            f"{self._guard.op}: the {'smallest' if self._which == 'lo' else 'largest'} value "
            f"of an index tensor is used to compute a size or a Python value, which depends "
            f"on the data: a captured graph replays fixed shapes and cannot follow it. Compute "
            f"this outside the capture, or give the size explicitly (e.g. minlength=, "
            f"num_classes=).")

    __hash__ = __bool__ = __index__ = __int__ = __float__ = _data_dependent  # type: ignore
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _data_dependent  # type: ignore
    __floordiv__ = __rfloordiv__ = __truediv__ = __rtruediv__ = _data_dependent  # type: ignore
    __mod__ = __rmod__ = __neg__ = __pos__ = __abs__ = __pow__ = _data_dependent  # type: ignore


class ValueGuard:
    """A Python number the captured kernels were built with (``group["lr"]``): replaying after
    it changed would silently use the old value, so the replay raises instead."""

    def __init__(self, owner: str, mapping: dict[str, Any], key: str, hint: str) -> None:
        self.owner, self.mapping, self.key, self.hint = owner, mapping, key, hint
        self.value = mapping[key]

    def __call__(self) -> None:
        now = self.mapping.get(self.key)
        if now is not self.value and now != self.value:
            raise RuntimeError(
                f"{self.owner}: '{self.key}' changed from {self.value!r} to {now!r} after the "
                f"graph was captured, and the captured kernels still use {self.value!r}. "
                f"{self.hint}")
