"""Shared test setup: autodm's app folder (trusted models) points at a temp dir per test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("autodm_home")
    monkeypatch.setenv("AUTODM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real model trained (text alone) on a sample of the bundled corpus, saved and trusted-free.

    Session-scoped so the suite trains it once; tests that need trust pass ``trust_model=True``.
    """
    from autodm import model as mdl
    from autodm.corpus import load_corpus
    from autodm.scan import table_messages
    from autodm.training import Labelled, fit

    corpus = load_corpus()
    sample = corpus.groupby("label").sample(150, random_state=1)
    sample = sample.reset_index(drop=True)
    msgs = table_messages(sample[["text"]])
    data = Labelled(frame=mdl.design_frame(msgs), y=sample["label"].to_numpy(int),
                    groups=sample["template_id"].astype(str).to_numpy(), weight=np.ones(len(sample)),
                    texts=msgs["text"])
    model = fit(data, seed=3)
    path = tmp_path_factory.mktemp("models") / "small.joblib"
    mdl.save(model, path)
    return model


@pytest.fixture
def keys_from_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """``autodm label`` run in-process by CliRunner reads its keys from the runner's input, not a
    terminal: skip its check for one (the tests that run it in a pseudo-terminal make that check)."""
    from autodm.cli import label_cmd

    monkeypatch.setattr(label_cmd, "check_keyboard", lambda: None)
