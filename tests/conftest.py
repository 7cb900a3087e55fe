"""Shared pytest fixtures (keep this file small; module-specific helpers live in the test files)."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded numpy Generator for each test."""
    return np.random.default_rng(1234)


@pytest.fixture
def one_thread():
    """One torch thread, as the notebook's quick profile: float sums depend on the thread count."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
