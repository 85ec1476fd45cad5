"""Shared test setup: autodm's app folder (trusted models) points at a temp dir per test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("autodm_home")
    monkeypatch.setenv("AUTODM_HOME", str(home))
    return home
