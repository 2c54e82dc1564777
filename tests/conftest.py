"""Shared fixtures. Keep this file small: helpers for locating the shared material."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"
SHARED_METHOD = SHARED / "method"

_ABSENT = (
    "../shared/data is not present: it is read-only material beside the repository, "
    "not part of a user's clone"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The directory of yearbook fixtures (../shared/data); skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(_ABSENT)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_method() -> Path:
    """The directory with METHOD.md and paper_table1.csv; skips the test when absent."""
    if not SHARED_METHOD.is_dir():
        pytest.skip(_ABSENT.replace("shared/data", "shared/method"))
    return SHARED_METHOD
