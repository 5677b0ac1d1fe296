"""Settings shared by the test suites: hypothesis profiles, where the shared histories live."""
from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

SHARED = Path(__file__).resolve().parent.parent / "shared"
"""The project's shared folder, beside the checkout (on developer machines and in CI)."""

settings.register_profile(
    "ci", max_examples=150, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "deep", max_examples=2_000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

