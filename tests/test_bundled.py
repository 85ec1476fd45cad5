from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from autodm import bundled, corpus, model

ROOT = Path(__file__).resolve().parent.parent


def test_a_source_checkout_finds_its_own_model_and_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the repository root, ``python -m autodm``, ``python -m autodm.simulate`` and the
    benchmarks import autodm from the source tree, where autodm.bundled_models/bundled_corpus do
    not exist (only an install maps them): after ``pip install .`` they failed with
    ModuleNotFoundError ("this is a bug"). They now use the checkout's models/ and data/corpus/."""

    def not_installed(package: str) -> object:
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(resources, "files", not_installed)
    assert model.default_model_path() == ROOT / "models" / "default.joblib"
    assert bundled.bundled_path(bundled.CORPUS, corpus.MESSAGES) == ROOT / "data" / "corpus" / "messages.csv"
    assert len(corpus.load_corpus()) > 2000
    assert model.load().threshold > 0  # the checkout's model counts as the bundled one


def test_an_install_without_its_corpus_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(corpus, "bundled_path", lambda package, name: tmp_path / name)
    with pytest.raises(corpus.TrainingError, match=r"messages\.csv: no training corpus"):
        corpus.load_corpus()
