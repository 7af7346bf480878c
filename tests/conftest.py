"""Shared pytest configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (exported by ``.ci/run``) selects a deterministic profile: the same
examples on every run, no per-example deadline (the machine is shared, timings are noisy) and
the reproduction blob printed on failure. ``dev`` (the default) explores randomly.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: tests/data holds data and the scripts that regenerate it (some need packages ahpstat does
#: not depend on, e.g. tests/data/objective/reference.py): not tests, not doctests
collect_ignore_glob = ["data/*"]

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
