"""Results computed from a large array, remembered by the array's content (:func:`memo`).

Content keys (the array's bytes) cost a copy and a hash of the whole array per call: for
the evaluation's 100,000 x 57 answers, called twice per block of resamples, that was seconds.
A read-only array that owns its data (as the evaluator keeps its answers) cannot change
without someone making it writeable again, so it is remembered by identity instead: its
entry holds the array itself, so the identity cannot be reused by another array meanwhile.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

__all__ = ["memo"]

T = TypeVar("T")

#: arrays remembered by identity (with their results), most recently used last
_FROZEN: OrderedDict[tuple[int, Hashable], tuple[np.ndarray, Any]] = OrderedDict()
MAX_FROZEN = 8
_LOCK = threading.Lock()  # the LRU's lookups and updates, from any worker thread


def memo(A: np.ndarray, extra: Hashable, by_content: Callable[[tuple[int, ...], bytes], T],
         direct: Callable[[tuple[int, ...], Any], T] | None = None) -> T:
    """``by_content(A.shape, A.tobytes())`` (a content-cached function), remembered by
    identity for a read-only array that owns its data (``extra``: what else the result
    depends on, part of the key). ``direct``: the same function without its content cache,
    called instead for such an array with its own (read-only) buffer: no copy of its bytes
    nor hash of them.

    Examples
    --------
    >>> calls = []
    >>> def f(shape, data):
    ...     calls.append(shape)
    ...     return len(data)
    >>> A = np.zeros((3, 2))
    >>> A.flags.writeable = False
    >>> memo(A, "f", f), memo(A, "f", f), len(calls)
    (48, 48, 1)
    >>> B = np.ones(4)
    >>> B.flags.writeable = False
    >>> memo(B, "f", f, direct=lambda shape, data: len(data) * data.itemsize), len(calls)
    (32, 1)
    """
    if A.flags.writeable or not A.flags.owndata:
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
