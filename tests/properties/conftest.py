"""Hypothesis profiles for the property tests.

* ``ci`` (the default here): 40 examples a property (fewer for those that evaluate several logs an
  example), no deadline; the whole folder runs in well under a minute::

      python -m pytest tests/properties -q

* ``thorough``: 20 times as many examples (800 a property); run before a release or after touching the
  engine. About 20 minutes on a 2-core machine::

      python -m pytest tests/properties -q --hypothesis-profile=thorough

* ``mutant``: ``ci`` without the example database, used by ``tests/properties/mutants.py`` to show that
  deliberately broken engines are caught (a failure found there must not be replayed in normal runs,
  and is not shrunk: only whether it is caught matters).

``HYPOTHESIS_PROFILE=thorough`` in the environment works too. A failing example prints a reproduction
blob (``@reproduce_failure``) and is kept in ``.hypothesis/`` so the next run tries it first.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("thorough", settings.get_profile("ci"), max_examples=800)
settings.register_profile("mutant", settings.get_profile("ci"), database=None,
                          phases=[Phase.explicit, Phase.generate, Phase.target])


def pytest_configure(config) -> None:
    chosen = config.getoption("hypothesis_profile", None) or os.environ.get("HYPOTHESIS_PROFILE")
    settings.load_profile(chosen or "ci")
