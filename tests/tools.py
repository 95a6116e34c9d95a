"""What a test does when a real component it needs is missing.

Locally it is skipped with the reason, so `make test` passes on any
machine; in CI (CI=true or 1, as .ci/run runs) it fails, because there
.ci/run installs every tool and nothing may go untested.
"""

import os

import pytest

from liveblog.environment import env_bool

# `make mutation` sets LIVEBLOG_TEST_FAST_PURGES=true: the purger's waits
# (retries, spacing, follow-up) shrink fifty-fold in the in-process tests,
# which then compare against the documented delays times this scale.
PURGE_TIME_SCALE = 0.02 if env_bool("LIVEBLOG_TEST_FAST_PURGES", False) else 1.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def missing(message: str):
    """Skip locally, fail in CI."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)
