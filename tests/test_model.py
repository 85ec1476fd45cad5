"""The model: grouped CV, thresholds, scores that decompose, save/load with verification and trust."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autodm import model as mdl
from autodm.errors import ModelError, TrainingError, TrustListError
from autodm.features import FEATURES
from autodm.scan import table_messages

TEXTS = ["Thanks for the follow! It's an honour. Grab my free guide: https://bit.ly/3xYz",
         "haha yes, see you at the climbing gym on thursday"]


def _frame(texts: list[str]) -> pd.DataFrame:
    return mdl.design_frame(table_messages(pd.DataFrame({"text": texts})))


def test_folds_never_put_a_group_on_both_sides() -> None:
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 40, 400).astype(str)
    y = (groups.astype(int) % 3 == 0).astype(int)
    for tr, te in mdl._folds(y, groups, 5, seed=1):
        assert not set(groups[tr]) & set(groups[te])
        assert set(y[te]) == {0, 1}


def test_choose_threshold_max_f1_and_max_fpr() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.65, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    assert mdl.choose_threshold(y, p) == pytest.approx(0.45)  # midway from 0.3 to 0.6
    t = mdl.choose_threshold(y, p, max_fpr=0.0)
    assert t == pytest.approx(0.925) and ((p >= t) & (y == 0)).sum() == 0


def test_choose_threshold_leaves_a_margin_on_separated_scores() -> None:
    """Cross-validated scores of cleanly separable labels saturate: the threshold was 1.0."""
    y = np.array([0] * 10 + [1] * 10)
    p = np.array([0.0] * 10 + [1.0] * 10)
    assert mdl.choose_threshold(y, p) == 0.5 and mdl.choose_threshold(y, p, max_fpr=0.01) == 0.5
    # adjacent scores on the 4-decimal grid: no room between them, the threshold is the score
    assert mdl.choose_threshold(np.array([0, 1]), np.array([0.8707, 0.8708])) == 0.8708


def test_metrics_counts() -> None:
    m = mdl.metrics(np.array([1, 1, 0, 0]), np.array([0.9, 0.2, 0.8, 0.1]), 0.5)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 1, 1, 1) and m["precision"] == 0.5 and m["fpr"] == 0.5


def test_train_refuses_too_few_examples() -> None:
    frame = _frame(TEXTS * 6)
    with pytest.raises(TrainingError, match="at least 10"):
        mdl.train(frame, np.array([1, 0] * 6), np.arange(12).astype(str))


def test_training_folds_started_from_the_full_fit_give_the_cold_start_decisions() -> None:
    """Each fold starts from the all-rows model's weights (a speed-up); the objective is convex,
    so its out-of-fold decisions agree with a fold fitted from zero to the optimizer's
    tolerance (not to the bit: a threshold can move by a few thousandths), and the shipped
    weights are the all-rows fit's."""
    from threadpoolctl import threadpool_limits

    from autodm.corpus import load_corpus
    from autodm.scan import table_messages

    sample = load_corpus().groupby("label").sample(120, random_state=4).reset_index(drop=True)
    frame = mdl.design_frame(table_messages(sample[["text"]]))
    y = sample["label"].to_numpy(int)
    groups = sample["template_id"].astype(str).to_numpy()
    codes = pd.factorize(frame[mdl.TEXT].to_numpy(dtype=object))[0]
    model = mdl.train(frame, y, groups, seed=5)
    with threadpool_limits(1):  # as train() fits: BLAS's thread count moves the last bits
        full = mdl.build_pipeline().fit(frame, y, clf__row_codes=codes)
        tr, te = mdl._folds(y, groups, 5, 5)[0]
        cold = mdl.build_pipeline().fit(frame.iloc[tr], y[tr], clf__row_codes=codes[tr]).decision_function(
            frame.iloc[te])
        start = pd.Series(np.zeros(3), index=["nothing", "known", "(intercept)"])  # no shared names: a cold start
        from_zero = mdl._fold_decision(frame, y, codes, None, tr, te, 4.0, start)
        warm = mdl._fold_decision(frame, y, codes, None, tr, te, 4.0, mdl.weights_by_name(full))
    np.testing.assert_allclose(model.pipeline.named_steps["clf"].linear_.coef_,
                               full.named_steps["clf"].linear_.coef_, atol=1e-9)
    np.testing.assert_allclose(from_zero, cold, atol=1e-9)
    np.testing.assert_allclose(warm, cold, atol=2e-3)


def test_signals_block_is_sparse_and_the_stacked_matrix_is_unchanged() -> None:
    """The signals come out as CSR (so the stack stays on scipy's fast CSR path) with the values
    StandardScaler gives."""
    import scipy.sparse as sp
    from sklearn.preprocessing import StandardScaler

    from autodm.corpus import load_corpus

    frame = mdl.design_frame(table_messages(load_corpus().sample(300, random_state=2)[["text"]]))
    ours = mdl.build_pipeline().named_steps["columns"]
    plain = mdl.build_pipeline().named_steps["columns"]
    plain.transformers[2] = ("signals", StandardScaler(with_mean=False), list(FEATURES))
    y = np.arange(len(frame)) % 2
    X, ref = ours.fit_transform(frame, y), plain.fit_transform(frame, y)
    assert sp.issparse(ours.named_transformers_["signals"].transform(frame[list(FEATURES)]))
    assert X.shape == ref.shape and abs(sp.csr_array(X) - sp.csr_array(ref)).max() == 0


def test_a_refit_without_calibration_drops_the_old_sigmoid() -> None:
    from sklearn.exceptions import NotFittedError

    from autodm.corpus import load_corpus

    sample = load_corpus().groupby("label").sample(60, random_state=6).reset_index(drop=True)
    y = sample["label"].to_numpy(int)
    X = mdl.build_pipeline().named_steps["columns"].fit_transform(
        mdl.design_frame(table_messages(sample[["text"]])), y)
    clf = mdl.CalibratedLinear().fit(X, y)
    assert clf.predict_proba(X).shape == (len(y), 2)
    clf.fit(X, 1 - y, calibrate=False)  # another fit: the first one's sigmoid would be wrong for it
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)
    assert clf.recalibrate(clf.decision_function(X), 1 - y).predict_proba(X).shape == (len(y), 2)


def test_scores_decompose_into_contributions(small_model: mdl.Model) -> None:
    frame = _frame(TEXTS)
    decision, parts = mdl.decompose(small_model, frame)
    clf = small_model.pipeline.named_steps["clf"]
    assert np.allclose(decision, clf.decision_function(small_model.pipeline.named_steps["columns"].transform(frame)))
    total = clf.linear_.intercept_[0] + parts["words"] + parts["chars"] + parts["signals"].sum(axis=1)
    assert np.allclose(decision, total) and parts["signals"].shape == (2, len(FEATURES))
    s = mdl.score(small_model, frame)
    assert s["score"].iloc[0] > 0.5 > s["score"].iloc[1]
    assert list(s["verdict"]) == ["auto", "personal"] and "phrase" in s["reasons"].iloc[0]


def test_save_load_round_trip_and_card(small_model: mdl.Model, tmp_path: Path) -> None:
    path = mdl.save(small_model, tmp_path / "m.joblib")
    card = json.loads((tmp_path / "m.json").read_text())
    for key in ("sha256", "versions", "threshold", "cv", "rows", "class_balance", "features", "created", "command"):
        assert key in card, key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib", "m.json"]  # no temp files left
    loaded = mdl.load(path, trust_model=True)
    frame = _frame(TEXTS)
    assert np.allclose(mdl.score(loaded, frame)["score"], mdl.score(small_model, frame)["score"])


def test_untrusted_tampered_and_cardless_models_are_refused(small_model: mdl.Model, tmp_path: Path) -> None:
    path = mdl.save(small_model, tmp_path / "m.joblib")
    with pytest.raises(ModelError, match="not a trusted model"):
        mdl.load(path)
    mdl.trust(json.loads((tmp_path / "m.json").read_text())["sha256"])
    assert mdl.load(path).threshold == small_model.threshold  # trusted now
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="does not match its card"):
        mdl.load(path, trust_model=True)
    (tmp_path / "m.json").unlink()
    with pytest.raises(ModelError, match=r"card m\.json is missing"):
        mdl.load(path, trust_model=True)
    with pytest.raises(ModelError, match="is a folder; expected a model file"):
        mdl.load(tmp_path, trust_model=True)
    with pytest.raises(ModelError, match="no such model file"):
        mdl.load(tmp_path / "nope.joblib")


def test_a_model_beside_the_bundled_one_is_not_bundled(small_model: mdl.Model, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Any joblib with a matching card in the bundled model's folder counted as bundled, so it
    skipped the trust check: in a checkout that folder is models/, where the README's own
    `train -o models/mine.joblib` writes, and where a downloaded model could be dropped."""
    bundled = mdl.save(small_model, tmp_path / "default.joblib")
    other = mdl.save(small_model, tmp_path / "mine.joblib")
    monkeypatch.setattr(mdl, "default_model_path", lambda: bundled)
    monkeypatch.setattr(mdl, "_trusted_for", lambda path: set())
    assert mdl.load(bundled).threshold == small_model.threshold
    with pytest.raises(ModelError, match="not a trusted model"):
        mdl.load(other)


def test_unreadable_model_and_version_warning(small_model: mdl.Model, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    path = mdl.save(small_model, tmp_path / "m.joblib")
    card_file = tmp_path / "m.json"
    card = json.loads(card_file.read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    card_file.write_text(json.dumps(card))
    with caplog.at_level(logging.WARNING):
        mdl.load(path, trust_model=True)
    assert "saved with scikit-learn 0.0.1" in caplog.text
    path.write_bytes(b"not a joblib file")
    card["sha256"] = mdl._sha256(path)
    card_file.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="cannot read the model"):
        mdl.load(path, trust_model=True)


def test_a_model_scores_on_the_signals_it_was_trained_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model trained before a signal existed keeps scoring on its own signals; one trained on a
    signal this autodm does not compute is refused in words, not with a traceback."""
    from autodm.corpus import load_corpus

    sample = load_corpus().groupby("label").sample(60, random_state=2).reset_index(drop=True)
    frame = _frame(list(sample["text"]))
    older = tuple(f for f in FEATURES if f != "money")
    with monkeypatch.context() as m:
        m.setattr(mdl.feat, "FEATURES", older)
        model = mdl.train(frame, sample["label"].to_numpy(int), sample["template_id"].to_numpy(str), seed=1)
    assert model.signals == list(older)
    test = _frame([*TEXTS, "Pay £20 now to claim your prize: http://bit.ly/x"])
    scored = mdl.score(model, test)
    assert np.allclose(scored["score"].to_numpy(), model.pipeline.predict_proba(test)[:, 1], rtol=1e-12, atol=0)
    assert scored["reasons"].str.len().gt(0).all()
    path = mdl.save(model, tmp_path / "older.joblib")
    assert mdl.load(path, trust_model=True).signals == list(older)
    monkeypatch.setattr(mdl.feat, "FEATURES", tuple(f for f in older if f != "links"))
    with pytest.raises(ModelError, match=r"trained on signals this autodm does not compute \(links\)"):
        mdl.load(path, trust_model=True)


def test_bundled_model_loads_and_matches_its_card() -> None:
    model = mdl.load()
    assert model.card == mdl.read_card(mdl.card_path(mdl.default_model_path()))  # a valid card
    assert model.card["sha256"] == mdl._sha256(mdl.default_model_path())
    assert model.card["data"]["rows"] > 2000 and 0 < model.threshold < 1
    assert model.card["cv"]["metrics"]["roc_auc"] > 0.95


def test_scoring_in_chunks_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows scored a chunk at a time (and a subset by ``rows``) give the numbers and words of one pass."""
    from autodm.corpus import load_corpus
    from autodm.scan import design
    from autodm.simulate.timeline import SimConfig, simulate_inbox

    model = mdl.load()
    inbox, _ = simulate_inbox(load_corpus(), 400, seed=5, config=SimConfig(platform="x"))
    _, frame = design(inbox)
    whole = mdl.score(model, frame)
    monkeypatch.setattr(mdl, "SCORE_CHUNK", 7)
    chunked = mdl.score(model, frame)
    pd.testing.assert_frame_equal(chunked, whole)
    rows = np.flatnonzero(np.arange(len(frame)) % 3 != 1)
    some = mdl.score(model, frame, rows=rows)
    pd.testing.assert_frame_equal(some, whole.iloc[rows])
    assert whole["reasons"].str.len().gt(0).mean() > 0.9


def test_reasons_are_each_rows_own_words() -> None:
    """Reasons written once per key are the words each row gets when explained on its own
    (texts sharing a normalised form still quote their own placeholder and phrase)."""
    from autodm.corpus import load_corpus
    from autodm.scan import design, table_messages
    from autodm.simulate.timeline import SimConfig, simulate_inbox

    model = mdl.load()
    inbox, _ = simulate_inbox(load_corpus(), 1500, seed=8, config=SimConfig(platform="x"))
    _, frame = design(inbox)
    # one template, its slot left unfilled in each syntax tools leave behind (one normalised text)
    fills = ["{first_name}", "[NAME]", "%name%", "${username}", "*|FNAME|*", "{{name}}"]
    crafted = [f"Hey {f}! Thanks for the follow, honoured to have you. Check out my shop: https://shop.example/x"
               for f in fills * 3]
    extra = mdl.design_frame(table_messages(pd.DataFrame({"text": crafted})))
    frame = pd.concat([extra, frame], ignore_index=True)
    decision, parts = mdl.decompose(model, frame)
    auto = model.pipeline.named_steps["clf"].calibrate(decision) >= model.threshold
    cols = {c: frame[c].to_numpy() for c in (*FEATURES, *mdl.feat.HELPERS) if c in frame.columns}
    batch = mdl.explain(model, dict(cols), parts, auto)
    placeholders = frame["hit_placeholder"].to_numpy()
    rows = [i for i in range(len(frame)) if placeholders[i]] + list(range(0, len(frame), 7))
    assert len({placeholders[i] for i in rows}) > 3
    for i in rows:
        one = {**parts, "codes": parts["codes"][i:i + 1], "words": parts["words"][i:i + 1],
               "chars": parts["chars"][i:i + 1], "signals": parts["signals"][i:i + 1]}
        alone = mdl.explain(model, {c: v[i:i + 1] for c, v in cols.items()}, one, auto[i:i + 1])
        assert batch[i] == alone[0], i


def test_chunked_scores_are_the_one_array_formula_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row's sum adds the signal columns in the order one frame-wide array adds them."""
    from autodm.corpus import load_corpus
    from autodm.scan import design
    from autodm.simulate.timeline import SimConfig, simulate_inbox

    model = mdl.load()
    inbox, _ = simulate_inbox(load_corpus(), 600, seed=3, config=SimConfig(platform="instagram"))
    _, frame = design(inbox)
    ct = model.pipeline.named_steps["columns"]
    clf = model.pipeline.named_steps["clf"]
    coef = clf.linear_.coef_[0]
    contrib = frame[list(FEATURES)].to_numpy(np.float64, copy=True)
    contrib /= ct.named_transformers_["signals"].scale_
    contrib *= coef[ct.output_indices_["signals"]]
    text = mdl._text_parts(model, frame[mdl.TEXT].to_numpy(dtype=object))
    decision = np.full(len(frame), float(clf.linear_.intercept_[0]))
    decision += text["words"]
    decision += text["chars"]
    decision += contrib.sum(axis=1)
    monkeypatch.setattr(mdl, "SCORE_CHUNK", 50)
    assert np.array_equal(mdl.score(model, frame, reasons=False)["score"].to_numpy(), clf.calibrate(decision))


def test_verdict_agrees_with_the_score_as_shown() -> None:
    """At a threshold equal to a row's score as shown (4 decimals) the row is auto, even when the
    unrounded score is a hair below: a spreadsheet never shows score 0.7260, personal, at 0.726."""
    from autodm.scan import table_messages

    model = mdl.load()
    texts = pd.DataFrame({"id": [str(i) for i in range(40)],
                          "text": [f"Thanks for following! Grab my guide {i}: https://bit.ly/x{i}" for i in range(20)]
                          + [f"see you at practice on day {i}?" for i in range(20)]})
    frame = mdl.design_frame(table_messages(texts))
    prob = mdl.score(model, frame, reasons=False)["score"].to_numpy()
    below = np.flatnonzero((np.round(prob, 4) > prob) & (prob > 0.001) & (prob < 0.999))
    assert len(below)
    i = int(below[0])
    t = float(np.round(prob[i], 4))
    out = mdl.score(model, frame, threshold=t)
    assert out["verdict"].iloc[i] == "auto" and prob[i] < t
    assert (out["verdict"].eq("auto") == (np.round(out["score"], 4) >= t)).all()
    assert mdl.metrics(np.ones(1), prob[i:i + 1], t)["tp"] == 1


def test_length_is_a_reason_only_against_the_usual_length() -> None:
    """Length has no zero: counted from nothing, every short message got "short message" as a
    reason toward auto. Counted from the training mean, short leans personal, long leans auto."""
    model = mdl.load()
    texts = ["thanks!", "hi, thanks",
             "Thanks for the follow! Grab 20% off your first order with code HELLO20 at our shop today",
             "Hey there! Thanks so much for following our page. We're a small family business and we "
             "make handmade candles, soaps and gifts. Take a look at the new autumn collection and use "
             "code WELCOME10 for ten percent off your first order with us!"]
    s = mdl.score(model, _frame(texts))
    for reasons, verdict in zip(s["reasons"], s["verdict"], strict=True):
        if verdict == "auto":
            assert "short message" not in reasons
    assert "short message" in s["reasons"].iloc[0] and s["verdict"].iloc[0] == "personal"
    centre = mdl._centres(model)["log_words"]
    _, parts = mdl.decompose(model, _frame(texts))
    j = list(FEATURES).index("log_words")
    assert parts["signals"][0, j] < centre < parts["signals"][3, j]  # short below the usual, long above
    # 14 to 19 words is longer than the usual message (about 13): where length is a reason toward
    # auto, it says so ("short message" there was the words of a fixed cut at 19 words)
    from autodm.corpus import load_corpus

    corpus = load_corpus()
    words = corpus["text"].str.split().str.len()
    mid = corpus.loc[(corpus["label"] == 1) & words.between(14, 19), "text"].head(400).tolist()
    scored = mdl.score(model, _frame(mid))
    flagged = scored[scored["verdict"] == "auto"]["reasons"]
    assert flagged.str.contains("long message").any()
    assert not flagged.str.contains("short message").any()


def test_ratio_tfidf_scales_each_ngram_by_how_unevenly_the_classes_use_it() -> None:
    """An n-gram only auto texts contain weighs more than one both classes use alike; the fitted
    matrix is what transform() gives; fitting without labels is refused, not silently plain."""
    import scipy.sparse as sp

    docs = ["check out my link", "check out my shop", "check out my course",
            "see you at dinner", "see you at lunch", "see you at the match"] * 3
    y = np.array([1, 1, 1, 0, 0, 0] * 3)
    kw = {"ngram_range": (1, 1), "token_pattern": r"(?u)\b\w+\b", "dtype": np.float32}
    plain, ratio = mdl.DistinctTfidf(**kw), mdl.RatioTfidf(**kw)
    plain.fit(docs)
    X = sp.csr_array(ratio.fit_transform(docs, y))
    assert ratio.vocabulary_ == plain.vocabulary_
    scale = ratio.idf_ / plain.idf_
    v = ratio.vocabulary_
    # "check" is in every auto text and no personal one: log((9+1)/(0+1)) with equal class totals
    assert scale[v["check"]] > scale[v["link"]] > mdl.RatioTfidf.OFFSET
    assert X.dtype == np.float32
    np.testing.assert_allclose(X.toarray(), sp.csr_array(ratio.transform(docs)).toarray(), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(X.toarray(), axis=1), 1.0, atol=1e-6)
    with pytest.raises(TypeError, match="labels"):
        mdl.RatioTfidf(**kw).fit(docs)


def test_a_model_card_passed_as_the_model_says_so(tmp_path: Path) -> None:
    """It said the file's sha256 did not match its card ("changed after training"): nothing was.
    Any other JSON file (an inbox) was called a model card too; it is not a model file."""
    card = tmp_path / "mine.json"
    shutil.copyfile(mdl.card_path(mdl.default_model_path()), card)
    with pytest.raises(ModelError, match=r"mine\.json: is a model card; pass the model file it describes"):
        mdl.load(card)
    card.write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match=r"mine\.json: not a model file; expected a model \(\.joblib\) with its card"):
        mdl.load(card)


def test_own_rows_get_cross_validated_metrics_of_their_own() -> None:
    """train --with-default: the corpus's 44k rows dominate the card's numbers, so the user's own
    labels get theirs (out-of-fold, at the same threshold): all rows give the overall numbers."""
    from autodm.corpus import load_corpus

    sample = load_corpus().groupby("label").sample(40, random_state=8).reset_index(drop=True)
    frame = mdl.design_frame(table_messages(sample[["text"]]))
    y = sample["label"].to_numpy(int)
    groups = sample["template_id"].astype(str).to_numpy()
    everything = mdl.train(frame, y, groups, own_rows=np.ones(len(y), dtype=bool)).card["cv"]
    assert everything["own_rows"] == {"rows": len(y), "metrics": everything["metrics"]}
    part = np.arange(len(y)) % 3 == 0
    own = mdl.train(frame, y, groups, own_rows=part).card["cv"]["own_rows"]
    assert own["rows"] == int(part.sum())
    assert own["metrics"]["tp"] + own["metrics"]["fn"] == int(y[part].sum())
    assert "own_rows" not in mdl.train(frame, y, groups).card["cv"]


def test_trust_says_why_the_list_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    monkeypatch.setenv("AUTODM_HOME", str(blocker / "sub"))
    with pytest.raises(TrustListError, match=r"sub/trusted_models\.json: cannot write the trusted-models list "
                                             r"\(Not a directory\): set AUTODM_HOME to a writable folder$"):
        mdl.trust("0" * 64)
    home = tmp_path / "home"
    monkeypatch.setenv("AUTODM_HOME", str(home))
    assert mdl.trust("a" * 64) == home / "trusted_models.json"
    assert mdl.trust("b" * 64) == home / "trusted_models.json"
    assert mdl.trusted_hashes() == {"a" * 64, "b" * 64}
    assert [p.name for p in home.iterdir()] == ["trusted_models.json"]  # no temp file left


@pytest.mark.parametrize("content", ['{"sha256": null}', '{"sha256": [["x"]]}', '{"sha256": "abc"}', "[1]",
                                     "not json", "", "\xff"])
def test_a_broken_trusted_list_is_said_and_kept(small_model: mdl.Model, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    """A broken list crashed the loader (unexpected TypeError) or was taken as empty: every model
    trained here was then "not a trusted model" without the reason, and the next train replaced
    the list, dropping the digests it held."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AUTODM_HOME", str(home))
    trusted = home / "trusted_models.json"
    trusted.write_bytes(content.encode("latin-1"))
    path = mdl.save(small_model, tmp_path / "m.joblib")
    expected = r'trusted_models\.json: not a trusted-models list \(expected JSON \{"sha256": \[digests\]\}\)'
    with pytest.raises(TrustListError, match=expected + rf": fix or remove it, or load {path} with --trust-model$"):
        mdl.load(path)
    assert mdl.load(path, trust_model=True).threshold == small_model.threshold  # the list is not read
    with pytest.raises(TrustListError, match=expected + ": fix or remove it$"):
        mdl.trust("0" * 64)
    assert trusted.read_bytes() == content.encode("latin-1")  # left as it was


def test_a_folder_in_place_of_the_trusted_list(small_model: mdl.Model, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTODM_HOME", str(tmp_path))
    (tmp_path / "trusted_models.json").mkdir()
    path = mdl.save(small_model, tmp_path / "m.joblib")
    with pytest.raises(TrustListError, match=r"trusted_models\.json: cannot read the trusted-models list "
                                             r"\(Is a directory\): fix or remove it, or load .*m\.joblib with"):
        mdl.load(path)
    with pytest.raises(TrustListError, match=r"\(Is a directory\): fix or remove it$"):
        mdl.trust("0" * 64)


def test_the_app_folder_never_lands_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty XDG_CONFIG_HOME made the trusted list ./autodm/trusted_models.json, a different list
    in every folder; the XDG spec says to ignore an empty or relative value."""
    monkeypatch.delenv("AUTODM_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    for xdg in ("", "relative/config"):
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
        assert mdl.app_dir() == tmp_path / ".config" / "autodm"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert mdl.app_dir() == tmp_path / "xdg" / "autodm"
    monkeypatch.setenv("AUTODM_HOME", str(tmp_path / "mine"))
    assert mdl.app_dir() == tmp_path / "mine"


def test_no_home_folder_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("AUTODM_HOME")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setattr(mdl.Path, "home", staticmethod(no_home))
    with pytest.raises(TrustListError, match=r"cannot find your home folder .*: set AUTODM_HOME"):
        mdl.trust("0" * 64)


_DROP = object()


def _broken(card: dict[str, object], **change: object) -> dict[str, object]:
    return {k: v for k, v in {**card, **change}.items() if v is not _DROP}


@pytest.fixture(scope="module")
def saved_small(small_model: mdl.Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mdl.save(small_model, tmp_path_factory.mktemp("saved") / "m.joblib")


def _copy_model(saved: Path, folder: Path) -> Path:
    """A copy of a saved model and its card in ``folder`` (saving again takes seconds)."""
    for p in (saved, mdl.card_path(saved)):
        shutil.copyfile(p, folder / p.name)
    return folder / saved.name


@pytest.mark.parametrize(("change", "expected"), [
    ({"sha256": _DROP}, r'expected "sha256", the model file\'s digest in 64 hex digits'),
    ({"sha256": ["x"]}, r'expected "sha256"'),
    ({"sha256": "abc"}, r'expected "sha256"'),
    ({"threshold": _DROP}, r'expected "threshold", a number from 0 to 1\)$'),
    ({"threshold": "0.5"}, r'expected "threshold", a number from 0 to 1, got "0\.5"\)$'),
    ({"threshold": 1.5}, r"got 1\.5\)$"),
    ({"threshold": -0.1}, r"got -0\.1\)$"),
    ({"threshold": True}, r"got true\)$"),
    ({"threshold": None}, r"got null\)$"),
    ({"threshold": float("nan")}, r"got NaN\)$"),
    ({"versions": ["1.0"]}, r'expected "versions" to map library names to version strings\)$'),
    ({"versions": {"scikit-learn": 1}}, r'expected "versions"'),
])
def test_a_card_is_checked_for_what_the_loader_takes_from_it(saved_small: Path, tmp_path: Path,
                                                             change: dict[str, object], expected: str) -> None:
    """A card whose threshold was a string or missing, or that was not an object, crashed later
    (unexpected AttributeError, TypeError) or scored at a made-up threshold of 0.5."""
    path = _copy_model(saved_small, tmp_path)
    card_file = tmp_path / "m.json"
    card_file.write_text(json.dumps(_broken(json.loads(card_file.read_text()), **change)))
    with pytest.raises(ModelError, match=r"m\.json: not a valid model card \(.*" + expected):
        mdl.load(path, trust_model=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("[]", r"not a valid model card \(expected a JSON object, got an array\)$"),
    ('"x"', r"not a valid model card \(expected a JSON object, got a string\)$"),
    ("3", r"not a valid model card \(expected a JSON object, got a value\)$"),
    ("{", r"unreadable model card \(Expecting property name"),
    ("[" * 100_000, r"unreadable model card \(nested too deeply\)$"),
])
def test_a_card_that_is_not_an_object_is_said(saved_small: Path, tmp_path: Path, text: str, expected: str) -> None:
    path = _copy_model(saved_small, tmp_path)
    (tmp_path / "m.json").write_text(text)
    with pytest.raises(ModelError, match=r"m\.json: " + expected):
        mdl.load(path, trust_model=True)


def test_a_model_file_that_cannot_be_read_is_said(saved_small: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A model file without read permission gave "unexpected PermissionError" (hashing it);
    chmod does not stop root, so the refusal is simulated."""
    path = _copy_model(saved_small, tmp_path)

    def refused(p: Path) -> str:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(mdl, "_sha256", refused)
    with pytest.raises(ModelError, match=r"m\.joblib: cannot read the model file \(Permission denied\)$"):
        mdl.load(path, trust_model=True)
