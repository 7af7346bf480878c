"""Memory estimates made before allocating, so that a run is refused with a clear message
instead of dying in numpy (or thrashing the machine) minutes later.

A request is refused when its estimate exceeds :func:`memory_budget`: the machine's physical
memory, or less when a cgroup limit, ``RLIMIT_AS`` or the environment variable
``AHPSTAT_MEMORY_LIMIT`` (bytes, or e.g. ``8GiB``) says so. The message gives the estimate,
what it is made of, and the option to change. ``ahpstat check`` uses the same estimates as
``ahpstat run``, so whatever ``run`` would refuse, ``check`` reports first.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

from ahpstat._validation import InputError

__all__ = ["bootstrap_bytes", "completion_bytes", "format_bytes", "memory_budget",
           "require_memory", "small_pages"]

_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6,
          "mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12,
          "tib": 2**40}


def format_bytes(n: float) -> str:
    """Bytes in binary units.

    Examples
    --------
    >>> format_bytes(1.8 * 2**40), format_bytes(3 * 2**20), format_bytes(512)
    ('1.8 TiB', '3.0 MiB', '512 B')
    """
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def _parse_size(text: str) -> int | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).lower() not in _UNITS:
        return None
    try:
        return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    except ValueError:
        return None


def memory_budget() -> tuple[int, str]:
    """The memory a run may plan to use, and where that number comes from.

    Examples
    --------
    >>> n, source = memory_budget()
    >>> n > 0 and isinstance(source, str)
    True
    """
    env = os.environ.get("AHPSTAT_MEMORY_LIMIT")
    if env:
        n = _parse_size(env)
        if n is None:
            raise InputError("the environment variable AHPSTAT_MEMORY_LIMIT must be a size "
                             f"such as 8GiB or 500MB. Got {env[:40]!r} instead.")
        return n, "AHPSTAT_MEMORY_LIMIT"
    best, source = 2**62, "no known limit"
    try:
        phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if phys > 0:
            best, source = phys, "this machine's memory"
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                v = fh.read().strip()
        except OSError:
            continue
        if v.isdigit() and 0 < int(v) < best:
            best, source = int(v), "this container's memory limit"
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if 0 < soft < best and soft != resource.RLIM_INFINITY:
            best, source = soft, "the address-space limit (ulimit -v)"
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        pass
    return best, source


def require_memory(nbytes: float, *, what: str, detail: str, hint: str,
                   file: str | None = None) -> None:
    """Raise :class:`~ahpstat.InputError` when ``nbytes`` exceed :func:`memory_budget`.

    Parameters
    ----------
    nbytes : float
        The estimate.
    what : str
        What needs it ("the bootstrap").
    detail : str
        What the estimate is made of ("10^12 resamples x 8 nodes x ...").
    hint : str
        The option to change, as a sentence.
    file : str, optional
        The file the option is in.

    Examples
    --------
    >>> require_memory(1e3, what="a test", detail="1000 bytes", hint="Nothing to do.")
    >>> require_memory(2**60, what="the bootstrap", detail="a lot",
    ...                hint="Lower `bootstrap.replicates`.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: the bootstrap would need about 1024.0 PiB of memory (a lot)...
    """
    budget, source = memory_budget()
    if nbytes > budget:
        raise InputError(f"{what} would need about {format_bytes(nbytes)} of memory ({detail}), "
                         f"more than {source} ({format_bytes(budget)}). {hint}", file=file)


def bootstrap_bytes(n_resamples: int, n_nodes: int, n_groups: int) -> float:
    """Memory of :func:`ahpstat.bootstrap.joint_bootstrap`'s stored draws.

    It keeps, per resample, the joint, panel-only and sample-only score of every node and
    every node's global weight (4 x nodes floats) and every group's joint score (groups x
    nodes floats); intervals and ranks sort copies of them, hence the factor 2. The
    per-block work arrays are bounded by the block size and not counted.

    Examples
    --------
    >>> format_bytes(bootstrap_bytes(10**12, 8, 2))
    '698.5 TiB'
    """
    return 2.0 * 8.0 * n_resamples * n_nodes * (4 + n_groups)


def completion_bytes(n_missing: int) -> float:
    """Memory of the optimal completion of one matrix with ``n_missing`` missing judgments
    (above the diagonal): BFGS keeps an ``n_missing`` x ``n_missing`` inverse Hessian, plus
    a copy while updating it.

    Examples
    --------
    >>> format_bytes(completion_bytes(1000 * 999 // 2 - 999))  # 1000 elements, a chain
    '3.6 TiB'
    """
    return 2.0 * 8.0 * float(n_missing) ** 2


@contextlib.contextmanager
def small_pages() -> Iterator[bool]:
    """Within the block, numpy's new arrays are not advised to the kernel as transparent
    huge pages (numpy's ``_set_madvise_hugepage``; restored after); yields whether the
    setting was changed.

    A study's run (``ahpstat run``) and a Bayesian fit make and free many arrays of 4 MB to
    0.3 GB; numpy advises each one as huge pages, which the kernel zeroes 2 MiB at a time on
    first touch, mapped afresh for every new array, and compacts memory for when the kernel
    defragments on advice. On the two-core machine of issue 17 the 100,000-respondent study
    spent 3.6-3.8 s of system time so and 2.1-2.2 s without (1.2 million small faults
    instead of 0.4 million huge ones), 0.5-0.7 s less wall time, and 0.1 GB less peak
    memory; the posterior predictive replication of 100 experts' judgments (4,000 draws)
    took 0.1-1.9 s of system time so and 0.2 s without. ``NUMPY_MADVISE_HUGEPAGE`` in the
    environment (numpy's own switch) is left to decide, as is a numpy without the setting.

    Examples
    --------
    >>> with small_pages():
    ...     pass
    """
    import importlib

    setter = None
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, 1.26
        try:
            setter = getattr(importlib.import_module(name), "_set_madvise_hugepage", None)
        except ImportError:  # pragma: no cover - the other numpy
            continue
        break
    if setter is None or "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        yield False
        return
    old = setter(False)
    try:
        yield True
    finally:
        setter(old)
