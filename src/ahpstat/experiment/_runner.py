"""Running an experiment: tasks on Dask (or in this process), one Parquet part per task.

The folder's layout is ``_parts``'s (``experiment.json`` and one part per task); the summary
step adds ``conditions.csv``, ``methods.csv``, ``summary.csv``, ``report.md`` and ``figures/``.
A task's part is written by the client as soon as the task finishes, so an interrupted run
loses at most the tasks in flight and ``resume=True`` runs only the missing ones; the
client holds at most a window of pending tasks, so memory stays bounded whatever the size
of the experiment.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError
from ahpstat.experiment._cells import run_task
from ahpstat.experiment._parts import META, PARTS, done_tasks, write_part
from ahpstat.experiment._spec import Experiment, load_experiment
from ahpstat.experiment._summary import summarize

__all__ = ["ExperimentRun", "run_experiment"]

_INSTALL = "pip install 'ahpstat[experiment]'"
#: Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which turns off glibc's
#: adaptive mmap threshold: every large temporary array is then mapped and unmapped afresh,
#: doubling the CPU time of a task here (measured: 0.31 s -> 0.52-0.75 s). Left unset.
#: The workers' statistical profiler (a stack sample every 10 ms) is off too: the tasks are
#: numpy and compiled code, which it cannot see into. The housekeeping of every process runs
#: less often (event-loop health check 20 ms -> 500 ms, system monitor 0.5 s -> 2 s, memory
#: monitor 0.1 s -> 1 s, no GIL monitor, no work stealing: the scheduler's queue hands a
#: task to a worker only when it has a free thread, so there is nothing to steal). Idle, it
#: cost 2.5 % of a core per worker and 5.3 % in the client (which runs the scheduler); now
#: 0.35 % and 0.9 %: on two cores that is 8 % of the machine given back to the tasks.
_WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                  "distributed.worker.profile.enabled": False,
                  "distributed.admin.tick.interval": "500ms",
                  "distributed.admin.system-monitor.interval": "2s",
                  "distributed.admin.system-monitor.gil.enabled": False,
                  "distributed.worker.memory.monitor-interval": "1s",
                  "distributed.scheduler.work-stealing": False}


@dataclass(frozen=True)
class ExperimentRun:
    """What :func:`run_experiment` did.

    Attributes
    ----------
    out : Path
        The output folder.
    summary : DataFrame
        The tidy summary (:func:`ahpstat.experiment.summarize`).
    n_tasks, n_run, n_skipped : int
        Tasks in the experiment, run now, and found done (``resume``).
    seconds : float
        Wall time of the run (without the summary).
    executor : str
        ``"serial"``, ``"local-cluster (N workers)"`` or the scheduler address.
    """

    out: Path
    summary: pd.DataFrame
    n_tasks: int
    n_run: int
    n_skipped: int
    seconds: float
    executor: str


class _Progress:
    """Tasks done / total and the ETA on stderr, redrawn at most twice a second."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.total, self.start_done, self.done = total, done, done
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.draw(force=True)

    def step(self) -> None:
        self.done += 1
        self.draw(force=self.done == self.total)

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        el = now - self.t0
        ran = self.done - self.start_done
        eta = el / ran * (self.total - self.done) if ran else float("nan")
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        eta_s = _hms(eta) if np.isfinite(eta) else "--:--:--"
        sys.stderr.write(f"\rexperiment [{'#' * fill}{'.' * (width - fill)}] "
                         f"{self.done}/{self.total} tasks, {_hms(el)} elapsed, ETA {eta_s} ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _prepare(exp: Experiment, out: Path, resume: bool) -> Experiment:
    """Create or check the output folder; fix the seed; return the experiment to run."""
    meta = out / META
    if meta.is_file():
        stored = json.loads(meta.read_text(encoding="utf-8"))
        if not resume:
            raise InputError(f"the folder already holds an experiment ({stored.get('name')!r}, "
                             f"{len(done_tasks(out / PARTS))} tasks done). Pass resume=True "
                             "(--resume) to continue it, or choose another folder.",
                             file=str(out))
        if exp.seed is None:
            exp = dataclasses.replace(exp, seed=int(stored["experiment"]["seed"]))
        if stored.get("fingerprint") != exp.fingerprint():
            raise InputError("the folder holds a different experiment (other conditions, "
                             "methods, seed, replications or batch size) than the one to "
                             "resume; its parts cannot be combined. Choose another folder. Got "
                             f"fingerprint {stored.get('fingerprint')} there, "
                             f"{exp.fingerprint()} now.", file=str(out))
        return exp
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("the output folder exists and is not an ahpstat experiment folder; "
                         "ahpstat writes only into a new or empty folder. Choose another.",
                         file=str(out))
    if exp.seed is None:
        entropy = np.random.SeedSequence().entropy
        assert isinstance(entropy, int)  # drawn from the OS when none is given: an int
        exp = dataclasses.replace(exp, seed=entropy)
    (out / PARTS).mkdir(parents=True, exist_ok=True)
    import ahpstat

    text = json.dumps({"name": exp.name, "fingerprint": exp.fingerprint(),
                       "ahpstat": ahpstat.__version__, "experiment": exp.to_dict()},
                      indent=1, default=str)
    tmp = out / f".{META}.tmp{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, meta)
    return exp


def _serial(payload: dict, todo: list[tuple[int, int]]) -> Iterator[tuple[int, int, Any]]:
    for c, b in todo:
        yield c, b, run_task(payload, c, b)


def _dask(payload: dict, todo: list[tuple[int, int]], client: Any, window: int,
          chunk: int = 1) -> Iterator[tuple[int, int, Any]]:
    """Run ``todo`` on ``client``, yielding each task's table as it finishes.

    At most ``window`` tasks are in the scheduler at a time (memory stays bounded); they are
    submitted ``chunk`` at a time, each chunk one message to the scheduler, as soon as
    ``chunk`` tasks have finished. Results come back with the completion (the event loop
    fetches them), not by one blocking round trip per task.
    """
    from distributed import as_completed

    token = payload.get("_fingerprint", "x")
    data = client.scatter(payload, broadcast=True)
    pending = iter(todo)
    futures: dict[str, tuple[int, int]] = {}

    def submit(n: int) -> list:
        cb = list(itertools.islice(pending, n))
        if not cb:
            return []
        new = client.map(run_task, [data] * len(cb), [c for c, _ in cb], [b for _, b in cb],
                         key=[f"ahpstat-{token}-c{c}-b{b}" for c, b in cb], pure=False,
                         retries=1)
        futures.update((f.key, t) for f, t in zip(new, cb, strict=True))
        return new

    ac = as_completed(submit(window), with_results=True)
    finished = 0
    try:
        for f, df in ac:
            c, b = futures.pop(f.key)
            f.release()
            finished += 1
            if finished >= chunk:
                ac.update(submit(finished))
                finished = 0
            yield c, b, df
    finally:
        for f in list(ac.futures):
            f.cancel()


def _require_dask() -> None:
    """Refuse, saying what to install, when Dask is asked for but not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError("running on Dask needs the optional dependencies dask, distributed "
                         f"and pyarrow: {_INSTALL}. Without them, run serially (--serial)."
                         ) from None


def _client(scheduler: str | None, n_workers: int | None) -> tuple[Any, Any, str]:
    _require_dask()
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler)  # timeout: distributed.comm.timeouts.connect
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") \
                from None
        return client, None, scheduler
    workers = n_workers or os.cpu_count() or 1
    client, cluster = _local_client(workers)
    return client, cluster, f"local-cluster ({workers} workers)"


def _local_client(n_workers: int) -> tuple[Any, Any]:
    """The runner's ``LocalCluster`` of single-threaded worker processes and its client.

    With the leaner housekeeping of ``_WORKER_CONFIG``; results go straight from the
    workers to the client, not relayed by the scheduler (one serialisation less per task;
    a remote scheduler's workers may not be reachable, so only here).
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(_WORKER_CONFIG):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"},
                               silence_logs=logging.ERROR)
    return Client(cluster, direct_to_workers=True), cluster


def run_experiment(
    experiment: Experiment | str | os.PathLike,
    out: str | os.PathLike,
    *,
    scheduler: str | None = None,
    serial: bool = False,
    n_workers: int | None = None,
    client: Any = None,
    resume: bool = False,
    progress: bool | None = None,
    figures: bool = True,
    on_task: Callable[[int, int], None] | None = None,
) -> ExperimentRun:
    """Run an experiment: every (condition, batch) task, then the summary.

    Parameters
    ----------
    experiment : Experiment or path
        The experiment, or its YAML file.
    out : path
        Output folder: created (it must be new or empty), or an experiment folder to resume.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default the environment
        variable ``DASK_SCHEDULER_ADDRESS``, else a ``LocalCluster`` of ``n_workers``.
    serial : bool, default False
        Run the tasks one after the other in this process (no Dask needed).
    n_workers : int, optional
        Workers of the local cluster (default: the number of cores).
    client : distributed.Client, optional
        Run on this client instead (tests, notebooks).
    resume : bool, default False
        Continue the experiment in ``out``: run only the tasks without a part. The
        experiment must be the same (checked by fingerprint).
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    figures : bool, default True
        Draw the summary figures.
    on_task : callable, optional
        Called with ``(condition, batch)`` after each part is written.

    Returns
    -------
    ExperimentRun

    Raises
    ------
    InputError
        Bad experiment file, an output folder that is not new/empty (or a different
        experiment on resume), Dask asked for but not installed, scheduler unreachable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> exp = Experiment.from_dict({"seed": 1, "replications": 200, "batch_size": 100,
    ...     "conditions": {"n": 4, "noise_sd": [0.1, 0.4]},
    ...     "methods": {"weighting": ["eigenvector", "column_mean"]}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run = run_experiment(exp, pathlib.Path(d) / "out", serial=True, figures=False)
    >>> run.n_tasks, run.n_run
    (4, 4)
    >>> s = run.summary.query("metric == 'rmse' and weighting == 'eigenvector'")
    >>> s[["noise_sd", "count"]].values.tolist()
    [[0.1, 200.0], [0.4, 200.0]]
    >>> bool(s["mean"].iloc[0] < s["mean"].iloc[1])  # less judgment noise, smaller error
    True
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    out = Path(out)
    if not serial and client is None:
        _require_dask()  # before the folder is made: a refused run leaves nothing behind
    exp = _prepare(experiment, out, resume)
    parts = out / PARTS
    done = done_tasks(parts)
    tasks = [(c, b) for c in range(len(exp.conditions)) for b in range(exp.n_batches)]
    todo = [t for t in tasks if t not in done]
    payload = exp.to_dict()
    payload["_fingerprint"] = exp.fingerprint()
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    own = cluster = None
    t0 = time.perf_counter()
    bar = _Progress(len(tasks), len(tasks) - len(todo),
                    sys.stderr.isatty() if progress is None else progress)
    try:
        if serial or not todo:
            executor = "serial"
            stream = _serial(payload, todo)
        else:
            if client is None:
                own, cluster, executor = _client(scheduler, n_workers)
                client = own
            else:
                executor = "client"
            threads = sum(client.nthreads().values()) or 1
            stream = _dask(payload, todo, client, window=max(4 * threads, 8),
                           chunk=threads)
        for c, b, df in stream:
            write_part(parts, c, b, df)
            bar.step()
            if on_task is not None:
                on_task(c, b)
    finally:
        bar.close()
        if own is not None:
            own.close()
        if cluster is not None:
            cluster.close()
    seconds = time.perf_counter() - t0
    summary = summarize(out, figures=figures)
    return ExperimentRun(out=out, summary=summary, n_tasks=len(tasks), n_run=len(todo),
                         n_skipped=len(tasks) - len(todo), seconds=seconds,
                         executor=executor)
