"""Shared pytest fixtures (keep this file small; module-specific helpers live in the test files)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded numpy Generator for each test."""
    return np.random.default_rng(1234)
