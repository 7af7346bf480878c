"""A run study's bootstrap: :func:`bootstrap_study` on an explicit :class:`StudyData`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._validation import InputError, check_method
from ahpstat.bootstrap._intervals import METHODS
from ahpstat.bootstrap._joint import joint_bootstrap
from ahpstat.bootstrap._result import SOURCES, StudyBootstrapResult
from ahpstat.hierarchy import Hierarchy
from ahpstat.panel import PanelResult

__all__ = ["StudyData", "bootstrap_study"]


@dataclass(frozen=True, eq=False)
class StudyData:
    """What a study's bootstrap resamples: the input of :func:`bootstrap_study`.

    A :class:`~ahpstat.study.StudyResult` is one (it extends this class).

    Attributes
    ----------
    hierarchy : Hierarchy
    panel : PanelResult
        The aggregated panel; each expert resample re-runs it
        (:meth:`~ahpstat.panel.PanelResult.resample`).
    answers : ndarray, shape (R, L)
        The respondents' answers in ``hierarchy.leaves`` order (after the missing-answer
        policy; ``NaN`` = missing).
    group_codes : dict
        Grouping column -> (R,) int codes into ``group_names[column]``.
    group_names : dict
        Grouping column -> group names.
    survey_file : str or None
        The survey file, for error messages.
    """

    hierarchy: Hierarchy
    panel: PanelResult
    answers: np.ndarray
    group_codes: dict[str, np.ndarray]
    group_names: dict[str, tuple[str, ...]]
    survey_file: str | None

    def group_labels(self, column: str) -> np.ndarray:
        """The group of every respondent in grouping ``column``."""
        return np.asarray(self.group_names[column], dtype=object)[self.group_codes[column]]


def bootstrap_study(
    data: StudyData,
    *,
    n_resamples: int = 2000,
    resample: Sequence[str] | str = SOURCES,
    cluster: str | None = None,
    cluster_stage: str = "one",
    group: str | None = None,
    method: str = "percentile",
    confidence_level: float = 0.95,
    rng: int | np.random.Generator | None = None,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> StudyBootstrapResult:
    """Bootstrap a study's weights, scores and ranks (:func:`joint_bootstrap` on its pieces).

    Each expert resample re-runs the study's own panel (aggregation rule and inconsistency
    policy: :meth:`ahpstat.panel.PanelResult.resample`); each respondent resample re-computes
    the item means from the study's answers (after its missing-answer policy).

    Parameters
    ----------
    data : StudyData
        A run study (a :class:`~ahpstat.study.StudyResult` is one).
    n_resamples : int, default 2000
    resample : {"experts", "respondents"} or both, default both
        Sources resampled, independently of each other.
    cluster : str or None, default None
        A grouping column of the study (``survey.group_columns``) whose groups are the
        clusters of a cluster bootstrap of the whole-sample scores; ``None``: respondents iid.
    cluster_stage : {"one", "two"}, default "one"
        Whole clusters, or clusters then respondents within them (:func:`joint_bootstrap`).
    group : str or None, default None
        The grouping column whose groups get scores, intervals and ranks (respondents are
        resampled within their group); default the study's first grouping column.
    method : {"percentile", "basic", "BCa"}, default "percentile"
        Interval method of the result's tables (any other can be asked for later,
        :meth:`StudyBootstrapResult.interval`); case-insensitive.
    confidence_level : float, default 0.95
    rng : None, int or numpy.random.Generator
        Same ``rng``, same resamples (:func:`joint_bootstrap`).
    progress : callable, optional
        ``progress(done, total)`` after each block of resamples.
    meanwhile : callable, optional
        Other work of the caller's, independent of the bootstrap, called once with no
        argument beside it (in a thread of its own with worker threads): as
        :func:`joint_bootstrap`'s; it does not affect the result.

    Returns
    -------
    StudyBootstrapResult
        Rows in the study's node order (``hierarchy.nodes``); ``groups`` are the groups of
        ``group``.

    Raises
    ------
    TypeError
        ``data`` is not a :class:`StudyData`.
    ValueError
        ``cluster`` or ``group`` not a grouping column of the study, or a bad option.
    ahpstat.InputError
        The survey has fewer than 2 clusters in ``cluster`` (names the survey file).

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> b = bootstrap_study(res, n_resamples=200, cluster="site", rng=1)
    >>> b.score_draws.shape, b.groups
    ((8, 200), ('s1', 's2'))
    """
    if not isinstance(data, StudyData):
        raise TypeError("`data` must be an ahpstat.bootstrap.StudyData (e.g. a StudyResult); "
                        f"got {type(data).__name__} instead.")
    method = check_method("method", method, METHODS)
    groupings = tuple(data.group_codes)
    for name, value in (("cluster", cluster), ("group", group)):
        if value is not None and value not in groupings:
            raise ValueError(f"`{name}` must be a grouping column of the study "
                             f"(survey.group_columns: {list(groupings)}) or None; got "
                             f"{value!r} instead.")
    if group is None and groupings:
        group = groupings[0]
    clusters = None
    if cluster is not None:
        clusters = data.group_labels(cluster)
        n_c = len(set(clusters))
        if n_c < 2:
            raise InputError(f"cluster resampling needs at least 2 clusters, but the column "
                             f"has {n_c} distinct value. Use `cluster: null` for iid "
                             f"resampling. Got {n_c} cluster instead.",
                             file=data.survey_file, column=cluster)
    h = data.hierarchy
    return joint_bootstrap(
        data.answers, h.membership(), leaf_weights=data.panel.leaf_weights,
        leaf_weight_sampler=data.panel.resample, n_experts=len(data.panel.experts),
        groups=data.group_labels(group) if group is not None else None,
        clusters=clusters, cluster_stage=cluster_stage, resample=resample,
        n_resamples=n_resamples, confidence_level=confidence_level, method=method, rng=rng,
        nodes=h.nodes, leaves=h.leaves, parents=h.parent_index().tolist(), progress=progress,
        meanwhile=meanwhile)
