"""Reference numbers for tests/test_objective.py and tests/test_mcda.py from other packages.

Run it in a separate virtual environment with pymcdm and pyDecision (NOT ahpstat's):

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install pymcdm pyDecision
    /tmp/refvenv/bin/python tests/data/objective/reference.py

It prints the weights and rankings the tests compare with (rounded to 6 decimals). Versions
used for the numbers in the tests: pymcdm 1.4.0, pyDecision 5.1.8.
"""

import importlib.metadata as md

import numpy as np
from pyDecision.algorithm.critic import critic_method
from pyDecision.algorithm.entropy import entropy_method
from pyDecision.algorithm.gra import gra_method
from pyDecision.algorithm.topsis import topsis_method
from pymcdm import methods, weights

TUS = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]], dtype=float)
# a small Likert-like matrix: 6 units x 4 items (no zeros, no constant item)
LIK = np.array([[4, 3, 5, 2], [2, 3, 4, 4], [5, 4, 4, 1], [3, 2, 5, 3], [4, 5, 3, 2],
                [1, 3, 4, 5]], dtype=float)
W4 = np.array([0.4, 0.3, 0.2, 0.1])


def show(name, x):
    print(f"{name} = {np.round(np.asarray(x, dtype=float), 6).tolist()}")


print("pymcdm", md.version("pymcdm"), "pyDecision", md.version("pyDecision"))
mx = ["max"] * 6
show("PYMCDM_ENTROPY_TUS", weights.entropy_weights(TUS))
show("PYDECISION_ENTROPY_TUS", entropy_method(TUS, mx))
show("PYMCDM_CRITIC_TUS", weights.critic_weights(TUS))
show("PYDECISION_CRITIC_TUS", critic_method(TUS, mx))
show("PYMCDM_SD_TUS", weights.standard_deviation_weights(TUS))
# entropy with min-max normalisation: pyDecision's entropy on the min-max normalised matrix
# (it skips zero shares: 0 ln 0 = 0)
Z = (LIK - LIK.min(axis=0)) / (LIK.max(axis=0) - LIK.min(axis=0))
show("PYDECISION_ENTROPY_MINMAX_LIK", entropy_method(Z, ["max"] * 4))
show("PYDECISION_ENTROPY_LIK", entropy_method(LIK, ["max"] * 4))
show("PYDECISION_CRITIC_LIK", critic_method(LIK, ["max"] * 4))
# TOPSIS (vector normalisation) and GRA (min-max, rho = 0.5) of the 6 units with W4
show("PYMCDM_TOPSIS_LIK", methods.TOPSIS()(LIK, W4, np.ones(4)))
show("PYDECISION_TOPSIS_LIK", topsis_method(LIK, W4, ["max"] * 4, graph=False, verbose=False))
types = np.array([-1, 1, 1, 1])
show("PYMCDM_TOPSIS_LIK_COST1", methods.TOPSIS()(LIK, W4, types))
show("PYDECISION_GRA_LIK", gra_method(LIK, ["max"] * 4, W4, epsilon=0.5, graph=False,
                                      verbose=False))
