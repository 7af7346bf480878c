"""numba as the package compiles with it: one decorator for every compiled kernel.

The numpy core's kernels (:mod:`ahpstat._kernels`), the bootstrap's
(:mod:`ahpstat._bootstrap_kernels`) and the Bayesian model's likelihood
(:mod:`ahpstat._bayes_model`) are compiled by :func:`njit`. Importing this module imports
numba: modules that use it are imported on first use, never by ``import ahpstat``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

__all__ = ["njit", "readonly"]


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit`` with an on-disk cache when one can be written, in memory otherwise.

    Division follows numpy (``error_model="numpy"``: ``x / 0`` gives ``inf`` or ``nan``)
    unless told otherwise: Python's zero-division check in every loop stops the compiler from
    vectorizing it. The kernels guard their divisions themselves.

    Compiled functions are cached on disk (``cache=True``) where numba can write a cache (the
    package's ``__pycache__`` or, when that is read-only, the user's cache directory); numba
    does not fall back by itself when neither is writable (it raises ``RuntimeError`` when
    the function is defined), so the function is then compiled in memory, once per process.

    Examples
    --------
    >>> @njit()
    ... def half(x):
    ...     return x / 2
    >>> half(3.0), half(0) == 0
    (1.5, True)
    """
    options.setdefault("error_model", "numpy")  # x / 0 is inf, not an exception: loops vectorize

    def decorate(func: Callable[..., Any]) -> Any:
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **options)(func)

    return decorate


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (no copy), for the arguments a kernel only reads.

    numba compiles one specialization per combination of argument types, and a read-only
    array (a memoized result, a broadcast, a memory-mapped file) is another type than a
    writeable one: passing such arguments always read-only, whatever the caller's array,
    keeps it to one compilation (seconds each on a first, uncached call) with the same
    machine code.

    Examples
    --------
    >>> a = np.zeros(3)
    >>> readonly(a).flags.writeable, a.flags.writeable, readonly(a).base is a
    (False, True, True)
    """
    view = a.view()
    view.setflags(write=False)
    return view
