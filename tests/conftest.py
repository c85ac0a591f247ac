"""Fixtures the full-stack tests under tests/ share."""

import pytest

from tests.browser import chromium_problem
from tests.services import in_ci


@pytest.fixture
def chromium():
    """Debian's Chromium and Playwright are here; a browser test without them skips on a
    developer's machine and fails under CI=true."""
    problem = chromium_problem()
    if problem:
        message = f"Chromium is not available: {problem}. `make test` installs it."
        if in_ci():
            pytest.fail(f"{message} [CI=true: a missing browser is a failure, never a skip]", pytrace=False)
        pytest.skip(message)
