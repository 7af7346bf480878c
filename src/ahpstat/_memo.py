"""Results computed from a large array, remembered by the array's content (:func:`memo`).

Content keys (the array's bytes) cost a copy and a hash of the whole array per call: for
the evaluation's 100,000 x 57 answers, called twice per block of resamples, that was seconds.
An array ahpstat made read-only itself (:func:`freeze`: a private copy nobody else holds, as
the evaluator keeps its answers) cannot change, so it is remembered by identity instead: its
entry holds the array itself, so the identity cannot be reused by another array meanwhile.
Any other array, read-only or not, is looked up by content: a user's read-only array can
still change (through a view taken before it was frozen, or made writeable again).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

__all__ = ["freeze", "frozen", "memo"]

T = TypeVar("T")

#: arrays remembered by identity (with their results), most recently used last
_FROZEN: OrderedDict[tuple[int, Hashable], tuple[np.ndarray, Any]] = OrderedDict()
MAX_FROZEN = 8
#: the LRU's and the registry's updates, from any thread; re-entrant: a dead array's weakref
#: callback runs inside it when an LRU entry held the last reference
_LOCK = threading.RLock()
#: the arrays :func:`freeze` made, by identity (a dead reference leaves on its own)
_OURS: dict[int, weakref.ref[np.ndarray]] = {}


def freeze(A: Any, dtype: Any = float) -> np.ndarray:
    """A private read-only C-ordered copy of ``A`` that :func:`memo` remembers by identity.

    Examples
    --------
    >>> B = freeze([[1, 2], [3, 4]])
    >>> B.flags.writeable, frozen(B), frozen(np.zeros(2))
    (False, True, False)
    """
    B = np.array(A, dtype=dtype, order="C", copy=True)
    B.flags.writeable = False
    key = id(B)

    def gone(ref: weakref.ref[np.ndarray], key: int = key) -> None:
        with _LOCK:
            if _OURS.get(key) is ref:
                del _OURS[key]

    with _LOCK:
        _OURS[key] = weakref.ref(B, gone)
    return B


def frozen(A: np.ndarray) -> bool:
    """Whether ``A`` is an array :func:`freeze` made (still read-only)."""
    ref = _OURS.get(id(A))
    return ref is not None and ref() is A and not A.flags.writeable


def memo(A: np.ndarray, extra: Hashable, by_content: Callable[[tuple[int, ...], bytes], T],
         direct: Callable[[tuple[int, ...], Any], T] | None = None) -> T:
    """``by_content(A.shape, A.tobytes())`` (a content-cached function), remembered by
    identity for an array :func:`freeze` made (``extra``: what else the result depends on,
    part of the key). ``direct``: the same function without its content cache, called
    instead for such an array with its own (read-only) buffer: no copy of its bytes nor
    hash of them.

    Examples
    --------
    >>> calls = []
    >>> def f(shape, data):
    ...     calls.append(shape)
    ...     return len(data)
    >>> A = freeze(np.zeros((3, 2)))
    >>> memo(A, "f", f), memo(A, "f", f), len(calls)
    (48, 48, 1)
    >>> B = freeze(np.ones(4))
    >>> memo(B, "f", f, direct=lambda shape, data: len(data) * data.itemsize), len(calls)
    (32, 1)

    A read-only array ahpstat did not freeze is given to ``by_content`` every time:

    >>> U = np.zeros(2)
    >>> U.flags.writeable = False
    >>> memo(U, "f", f), memo(U, "f", f), len(calls)
    (16, 16, 3)
    """
    if not frozen(A):
        return by_content(A.shape, A.tobytes())
    key = (id(A), extra)
    with _LOCK:
        hit = _FROZEN.get(key)
        if hit is not None and hit[0] is A:
            _FROZEN.move_to_end(key)
            return hit[1]
    res = (direct(A.shape, A.data) if direct is not None and A.flags.c_contiguous
           else by_content(A.shape, A.tobytes()))
    with _LOCK:
        _FROZEN[key] = (A, res)
        while len(_FROZEN) > MAX_FROZEN:
            _FROZEN.popitem(last=False)
    return res
