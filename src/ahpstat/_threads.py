"""One parallel layer at a time: BLAS threads off where ahpstat runs its own parallel work.

Two thread pools can compete for the same cores in ahpstat: numba's (the parallel kernels of
:mod:`ahpstat._kernels`, OpenMP here) and the BLAS library's behind numpy (OpenBLAS, one
thread per core by default, busy-waiting between calls). Measured on a 2-core machine, the
joint bootstrap with 100,000 respondents -- many mid-sized ``counts @ answers`` products --
took 135 ms per replicate with OpenBLAS's default threads and 3.4 ms with one BLAS thread:
its products are too small for threads to pay off, and BLAS threads spinning beside numba's
(or beside another process) only steal the cores. So the rule is: where ahpstat parallelises
itself, BLAS runs on one thread; a user's own numpy code outside those regions keeps
whatever BLAS threading it had (the limit is restored on exit).

:func:`single_threaded_blas` is the mechanism, used around the numba parallel regions
(:func:`ahpstat._kernels.core_batch`) and, through the decorator :func:`one_blas_thread`,
around the bootstrap's resampling (``joint_bootstrap``, ``resampled_item_means``);
:func:`thread_summary` says which pools exist (the benchmarks print it).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["one_blas_thread", "single_threaded_blas", "thread_summary"]

_controller: Any = None
_n_modules = -1


def _get_controller() -> Any:
    """A cached ``threadpoolctl.ThreadpoolController`` (rebuilt when modules were imported,
    which is when new native libraries, such as SciPy's own OpenBLAS, can appear).
    """
    global _controller, _n_modules
    n = len(sys.modules)
    if _controller is None or n != _n_modules:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
        _n_modules = n
    return _controller


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with every loaded BLAS library limited to one thread, then restore.

    Costs about 0.1 ms per use (0.7 ms when a library appeared since the last use), so it
    wraps whole parallel regions and resampling loops, not single small products.

    Examples
    --------
    >>> import numpy as np
    >>> with single_threaded_blas():
    ...     x = np.ones((3, 3)) @ np.ones(3)
    >>> x.tolist()
    [3.0, 3.0, 3.0]
    """
    with _get_controller().limit(limits=1, user_api="blas"):
        yield


def one_blas_thread(func: F) -> F:
    """Decorator: run ``func`` inside :func:`single_threaded_blas` (a one-line hook for the
    modules whose loops do many mid-sized products, such as the bootstrap's).

    Examples
    --------
    >>> @one_blas_thread
    ... def f():
    ...     return 1
    >>> f()
    1
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_threaded_blas():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def thread_summary() -> str:
    """One line per thread pool: BLAS and OpenMP libraries (threadpoolctl) and numba's.

    Examples
    --------
    >>> "numba" in thread_summary()
    True
    """
    lines = []
    for d in _get_controller().info():
        lines.append(f"{d['user_api']}: {d['internal_api']} {d.get('version') or ''}, "
                     f"{d['num_threads']} threads ({d.get('prefix', '')})")
    try:
        import numba

        layer = "not started"
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel region has run yet
            pass
        lines.append(f"numba: {numba.config.NUMBA_NUM_THREADS} threads, threading layer "
                     f"{layer}")
    except ImportError:  # pragma: no cover - numba is a dependency
        lines.append("numba: not installed")
    return "\n".join(lines)
