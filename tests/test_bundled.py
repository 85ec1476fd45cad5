from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from autodm import bundled, corpus, model

ROOT = Path(__file__).resolve().parent.parent


def test_without_the_installed_packages_the_checkout_folders_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(package: str) -> object:
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(resources, "files", not_installed)
    top = Path(bundled.__file__).resolve().parent.parent  # the checkout, when imported from it
    assert model.default_model_path() == top / "models" / "default.joblib"
    assert bundled.bundled_path(bundled.CORPUS, corpus.MESSAGES) == top / "data" / "corpus" / "messages.csv"


def test_python_m_autodm_from_the_checkout_finds_its_model_and_corpus() -> None:
    """From the repository root, ``python -m autodm``, ``python -m autodm.simulate`` and the
    benchmarks import autodm from the source tree, where autodm.bundled_models/bundled_corpus do
    not exist (only an install maps them): after ``pip install .`` they failed with
    ModuleNotFoundError ("this is a bug"). They now use the checkout's models/ and data/corpus/."""
    code = ("import autodm, autodm.corpus as c, autodm.model as m; "
            "print(autodm.__file__); print(len(c.load_corpus())); print(m.load().threshold)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    where, rows, threshold = r.stdout.split()
    assert Path(where).resolve() == ROOT / "autodm" / "__init__.py"  # the source tree, as from the root
    assert int(rows) > 2000 and 0 < float(threshold) < 1
    r = subprocess.run([sys.executable, "-m", "autodm", "scan", "data/examples/inbox.json", "--format", "csv"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("message_id,"), r.stderr


def test_an_install_without_its_corpus_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(corpus, "bundled_path", lambda package, name: tmp_path / name)
    with pytest.raises(corpus.TrainingError, match=r"messages\.csv: no training corpus"):
        corpus.load_corpus()
