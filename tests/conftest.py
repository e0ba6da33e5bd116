"""Hypothesis profiles: `ci` (reproducible, bounded) and `dev` (more examples).

Chosen by the HYPOTHESIS_PROFILE environment variable; CI sets `ci`.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if settings().derandomize:
    # Hypothesis (>= 6.131) also draws, 5% of the time, constants it collects from the source
    # of every local module imported so far. That pool grows as the suite imports more of
    # tinygrad_bn, so a test's "derandomized" examples depended on which tests ran before it
    # (a guard in tests/test_bad_input_nn.py saw 0 accepted batch_norm calls of 100 in the
    # full suite and 19 alone). The reproducible profile draws without that pool: each
    # test's examples then depend on its own code and strategies only.
    try:
        from hypothesis.internal.conjecture import providers as _providers
        from hypothesis.internal.constants_ast import Constants as _Constants
    except ImportError:  # an older Hypothesis without the pool
        pass
    else:
        if hasattr(_providers, "_get_local_constants"):
            _providers._get_local_constants = _Constants
