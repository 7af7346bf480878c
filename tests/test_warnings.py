"""ahpstat's warnings point at the user's line that called into the package, however deep."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ahpstat as ah
from ahpstat.bootstrap import FewClustersWarning, bootstrap_study
from ahpstat.datasets import write_example_study


def test_convergence_warning_points_at_the_caller():
    # a very inconsistent 5x5 (order 3 converges in one step): 2 iterations cannot converge
    up = [9, 1 / 7, 3, 1 / 5, 5, 1 / 9, 7, 1 / 3, 9, 1 / 8]
    A = np.ones((5, 5))
    A[np.triu_indices(5, 1)] = up
    A[np.tril_indices(5, -1)] = 1 / A.T[np.tril_indices(5, -1)]
    with pytest.warns(ah.ConvergenceWarning) as rec:
        ah.weights(A, method="eigenvector", max_iter=2)
    assert rec[0].filename == __file__


def test_warning_from_deep_inside_a_study_points_at_the_caller(tmp_path):
    # the study -> bootstrap_study -> joint_bootstrap chain: 3 clusters are too few
    res = ah.Study.from_yaml(write_example_study(tmp_path / "s", sites=("a", "b", "c"))).run()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        bootstrap_study(res, n_resamples=50, cluster="site", rng=1)
    few = [w for w in rec if issubclass(w.category, FewClustersWarning)]
    assert few and all(w.filename == __file__ for w in few)
