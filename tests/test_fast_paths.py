"""The fast paths of the scan give exactly what the plain pandas / scikit-learn calls give."""

from __future__ import annotations

import re
import string
import unicodedata

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from autodm import features as feat
from autodm import model as mdl
from autodm.corpus import load_corpus
from autodm.inbox import (
    _UMLAUTS,
    LOOSE_MIN_KEY,
    FollowRows,
    MessageRows,
    Skips,
    _ascii_fold,
    _core_name,
    _dedupe_and_sort,
    _Keys,
    _loose_username_keys,
    _normalize_names,
    join_follows,
    loose_name_keys,
    loose_username_key,
    make_inbox,
    normalize_name,
)

TEXTS = [
    "", "   ", "a", "I  Am\tHERE\n\nnow", "İstanbul ΑΣ. ς x\u00a0y\u2003z", "x\x1cy\x1dz", "😀😀 ok ok ok",
    "Ǆ ǅ", "Thanks for the follow! Check out xurl", "thanks   for  the follow!!", "ab", "abcd abcd abcdef",
    "Hi xname, it's an honour to connect 🙏 xurl xurl", "résumé RÉSUMÉ resume", "a b c d e f g",
]


@pytest.mark.parametrize("analyzer,ngrams", [("char_wb", (2, 5)), ("word", (1, 2)), ("char_wb", (1, 3))])
def test_tfidf_transform_is_bit_identical(analyzer: str, ngrams: tuple[int, int]) -> None:
    words = {"token_pattern": r"(?u)\b\w+\b"} if analyzer == "word" else {}  # char_wb warns of it
    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, dtype=np.float32,
                          **words).fit(TEXTS[::2])
    a = sp.csr_array(vec.transform(TEXTS))
    b = sp.csr_array(mdl.tfidf_transform(vec, TEXTS))
    assert a.shape == b.shape and a.dtype == b.dtype
    assert (a.indptr == b.indptr).all() and (a.indices == b.indices).all() and (a.data == b.data).all()


def test_bundled_model_vectorizers_are_bit_identical() -> None:
    ct = mdl.load().pipeline.named_steps["columns"]
    for name in ("words", "chars"):
        vec = ct.named_transformers_[name]
        a, b = sp.csr_array(vec.transform(TEXTS)), sp.csr_array(mdl.tfidf_transform(vec, TEXTS))
        assert (a.indices == b.indices).all() and (a.data == b.data).all() and (a.indptr == b.indptr).all()


def test_char_wb_grams_match_sklearn() -> None:
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))
    for word in ("a", "ab", "abc", "abcd", "abcdefgh", "😀", "İ"):
        assert mdl._char_wb_grams(word, 2, 5) == vec._char_wb_ngrams(word)


def test_dedupe_and_sort_matches_sort_values() -> None:
    rng = np.random.default_rng(0)
    n = 500
    ids = [str(i) for i in rng.integers(0, 300, n)]
    ids[3] = None
    sent = pd.Series(pd.to_datetime(rng.integers(0, 40, n), unit="s", utc=True)).astype("datetime64[ns, UTC]")
    sent[5] = pd.NaT
    df = pd.DataFrame({"message_id": pd.array(ids, dtype="string"), "sent_at": sent, "row": np.arange(n)})
    want = df[~df["message_id"].duplicated()].sort_values(["sent_at", "message_id"], kind="stable")
    skips = Skips()
    got = _dedupe_and_sort(df, skips, [("f", i) for i in range(n)])
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
    # a repeat at another time is another message under a taken id: skipped, not a quiet repeat
    first = df.drop_duplicates("message_id").set_index("message_id")["sent_at"]
    repeats = df[df["message_id"].duplicated()]
    moved = int((repeats["sent_at"] != first.loc[repeats["message_id"]].to_numpy()).sum())
    assert 0 < moved < len(repeats)
    assert skips.counts["message id used twice with different content"] == moved
    assert skips.notes["duplicate message id (kept the first)"] == len(repeats) - moved


def test_group_counts_match_pandas() -> None:
    rng = np.random.default_rng(1)
    s, k, c = (rng.integers(0, m, 1000) for m in (30, 20, 15))
    want = pd.DataFrame({"s": s, "k": k, "c": c}).groupby(["s", "k"])["c"].transform("nunique").to_numpy()
    assert (feat._distinct_per_group(feat._pair_codes(s, k), c) == want).all()


def test_normalize_name_of_ascii_is_what_the_unicode_path_gives() -> None:
    def slow(s: str) -> str | None:
        s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch)).casefold()
        return re.sub(r"[\W_]+", "", s) or None

    for s in [string.printable, "Sam_O'Brien.29", "___", "", "A-Z a_z 0-9 !@#", "\x00\x1f\x7f"]:
        assert normalize_name(s) == slow(s), s


#: Names for the batched folds: newlines and NULs inside names, decoration, digits only, too short.
NAMES = [
    "Sam Sample", "sam.sample", "", "Zoë", "a\nb", "\n", "x\x00y", "tom.patel36", "ana_3", "2024", "abc1d23",
    "Tom | Coach", "ab(cd) efgh", "[x]", "Chloé Novak | Coach", "Jürgen Groß (he/him)", "王伟 Wang", "Mark 🚀",
    "ﬁne İlker", "Ødegaard Ångström", "SAM_O.BRIEN_29", "___", "\t", string.printable,
]


def test_batched_name_folds_match_the_per_name_ones() -> None:
    names = np.empty(len(NAMES) + 1, dtype=object)
    names[:] = [*NAMES, 5]  # not a str: the slow path's str() of it
    assert list(_normalize_names(names)) == [normalize_name(v) for v in names]
    assert list(_loose_username_keys(names[:-1])) == [loose_username_key(v) for v in NAMES]
    empty = np.empty(0, dtype=object)
    assert len(_normalize_names(empty)) == len(_loose_username_keys(empty)) == 0


def test_keys_derive_matches_map() -> None:
    names = pd.Series(pd.array(["Sam Sample", None, "sam.sample", "", "Zoë", "Sam Sample"], dtype="string"))
    keys = _Keys.of(names).derive(_normalize_names)
    got = [None if c < 0 else keys.values[c] for c in keys.codes]
    assert got == [normalize_name(v) for v in names] == ["samsample", None, "samsample", None, "zoe", "samsample"]
    distinct = keys.distinct()
    assert len(distinct.values) == 2 and (distinct.codes == [0, -1, 0, -1, 1, 0]).all()


def test_loose_name_keys_of_ascii_is_what_the_three_spellings_give() -> None:
    def slow(name: str) -> frozenset[str]:  # the three spellings, spelled out
        core = unicodedata.normalize("NFC", _core_name(name))
        spellings = [_ascii_fold(core, " "), _ascii_fold(core.translate(_UMLAUTS), " "),
                     re.sub(r"[^a-z0-9]+", " ", "".join(c for c in core if c.isascii() or not c.isalpha()).lower())]
        words = [s.split() for s in spellings]
        return frozenset("".join(w) for w in words if len(w) >= 2 and len("".join(w)) >= LOOSE_MIN_KEY)

    for name in [*NAMES, "Sam O'Brien", "Jake Haddad | Coach", "Ana Li", "A B C D", "(she/her)", "x | y"]:
        assert loose_name_keys(name) == slow(name), name


def test_join_picks_among_tied_follows_as_sorting_every_follow_does() -> None:
    """Two follows of one account at one second (a follower and a following row): the join takes
    the one last after sorting all follows with a key by time, as a sort of just the follows of
    the senders' keys might order them otherwise."""
    rng = np.random.default_rng(5)
    n = 400
    follows = pd.DataFrame({"key": [f"u{k}" for k in rng.integers(0, 120, n)],
                            "t": pd.to_datetime(1_700_000_000 + rng.integers(0, 6, n), unit="s", utc=True),
                            "direction": rng.choice(["follower", "following"], n)})
    rows, frows = MessageRows(), FollowRows()
    senders = [f"u{k}" for k in range(0, 120, 3)]
    for i, sender in enumerate(senders):
        rows.add(message_id=str(i), conversation_id=sender, sender_id=sender, sent_at=1_700_000_003 + i % 4)
    for f in follows.itertuples():
        frows.add(user_id=f.key, followed_at=f.t.isoformat(), direction=f.direction)
    ib = make_inbox(platform="canonical", source="s", messages=rows, follows=frows, skips=Skips(),
                    message_times="epoch_s", follow_times="iso")
    j = join_follows(ib, outgoing=False).set_index("sender_id")
    ordered = ib.follows.dropna(subset=["user_id"]).sort_values("followed_at")  # every follow, as pandas sorts
    for sender in senders:
        sent = j.loc[sender, "sent_at"]
        before = ordered[(ordered["user_id"] == sender) & (ordered["followed_at"] <= sent)]
        want = (before["followed_at"].iloc[-1], before["direction"].iloc[-1]) if len(before) else (pd.NaT, pd.NA)
        got = (j.loc[sender, "followed_at"], j.loc[sender, "follow_direction"])
        assert got[0] is want[0] or got[0] == want[0], sender
        assert (pd.isna(got[1]) and pd.isna(want[1])) or got[1] == want[1], sender


@pytest.mark.parametrize(
    ("analyzer", "ngrams", "max_features"),
    [("word", (1, 2), 300), ("char_wb", (2, 5), 2000), ("char_wb", (2, 5), None), ("word", (1, 2), None)],
)
def test_distinct_tfidf_fits_what_tfidf_vectorizer_fits(
    analyzer: str, ngrams: tuple[int, int], max_features: int | None
) -> None:
    corpus = load_corpus()["text"].tolist()
    rng = np.random.default_rng(3)
    docs = [corpus[i] for i in rng.integers(0, len(corpus), size=6000)]  # repeats, as training sets have
    kw = {
        "analyzer": analyzer,
        "ngram_range": ngrams,
        "min_df": 2,
        "sublinear_tf": True,
        "dtype": np.float32,
        "max_features": max_features,
    }
    if analyzer == "word":
        kw["token_pattern"] = r"(?u)\b\w+\b"
    ref, fast = TfidfVectorizer(**kw), mdl.DistinctTfidf(**kw)
    a, b = sp.csr_array(ref.fit_transform(docs)), sp.csr_array(fast.fit_transform(docs))
    assert ref.vocabulary_ == fast.vocabulary_
    assert np.array_equal(ref.idf_, fast.idf_)
    # the same matrix; ours keeps each row's entries in column order (sklearn's renumbering
    # by name leaves them out of order when the vocabulary is learned)
    assert b.has_sorted_indices
    a = a.sorted_indices()
    for x, y in ((a, b), (sp.csr_array(ref.transform(docs[:500])), sp.csr_array(fast.transform(docs[:500])))):
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data) and x.data.dtype == y.data.dtype


def test_distinct_tfidf_falls_back_on_non_text() -> None:
    vec = mdl.DistinctTfidf(analyzer="char_wb", ngram_range=(2, 3))
    with pytest.raises(ValueError):  # sklearn's own error for a missing value, not a crash of ours
        vec.fit_transform(["hello", np.nan])
