"""The phrase lexicon: each category matches its genre and leaves ordinary chat alone."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodm import phrases
from autodm.corpus import load_corpus
from autodm.phrases import CATEGORIES, COMPILED, match_phrases

CASES = {
    "gratitude_follow": ["Thanks for the follow!", "thx 4 the follow", "Appreciate the connection",
                         "Welcome to my network"],
    "flattery": ["It's an honour to be connected", "Looking forward to your tweets", "for people like you"],
    "self_promo": ["Check out my new podcast", "Grab your free copy", "Link in bio"],
    "call_to_action": ["Click here to join", "Book a call with me", "Text WIN to 80082"],
    "connect_elsewhere": ["Let's connect on LinkedIn too", "Like my Facebook page", "join me on Insta"],
    "sales_pitch": ["I help busy coaches get more clients", "Quick question for you", "no pressure at all"],
    "prize_spam": ["You have been selected for a cash prize", "Reply STOP to opt out", "T&Cs apply 18+"],
    "followup_bump": ["Just bumping this up", "Did you get a chance to read it?", "circling back on this"],
}
ORDINARY = ["ok see you at 7", "lol that was so funny", "can you pick up milk on the way home?",
            "happy birthday!! have a great day", "I'll call you later tonight", "running late, sorry"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_matches_its_examples(category: str) -> None:
    for text in CASES[category]:
        assert category in match_phrases(text), (category, text)


def test_ordinary_chat_matches_nothing() -> None:
    for text in ORDINARY:
        assert match_phrases(text) == {}, text


def test_first_match_is_reported_for_reasons() -> None:
    hits = match_phrases("Hi! It's an honour. Thanks for the follow and check out my site")
    assert hits["flattery"] == (1, "It's an honour")
    assert hits["gratitude_follow"][1] == "Thanks for the follow"
    assert set(COMPILED) == set(CATEGORIES)


def _case_insensitive(text: str) -> dict[str, tuple[int, str]]:
    """match_phrases as the case-insensitive patterns alone give it (the reference)."""
    out = {}
    for cat, pattern in COMPILED.items():
        first = pattern.search(text)
        if first is not None:
            n = sum(1 for p in phrases._EACH[cat] if p.search(text))
            out[cat] = (max(n, 1), first.group(0).strip())
    return out


def test_lowercased_ascii_path_holds_for_every_pattern() -> None:
    # its premise: no uppercase letter in a pattern but the class [A-Z] and the escape \B
    for pats in phrases.LEXICON.values():
        for p in pats:
            assert re.sub(r"\[A-Z\]|\\B", "", p) == re.sub(r"\[A-Z\]|\\B", "", p).lower(), p


def test_ascii_fast_path_matches_the_case_insensitive_patterns_on_the_corpus() -> None:
    texts = load_corpus()["text"]
    checked = 0
    for text in texts:
        for variant in (text, text.upper(), text.swapcase()):
            assert match_phrases(variant) == _case_insensitive(variant), variant
            checked += variant.isascii()
    assert checked > 10_000


_WORDS = sorted({w for pats in phrases.LEXICON.values() for p in pats for w in re.findall(r"[a-z]{2,}", p)})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet=" !?.,'&%$£0123456789:/-STOPWIN", max_size=4),
                          st.text(max_size=3)), max_size=14),
       st.randoms(use_true_random=False))
def test_fast_path_matches_on_generated_texts(parts: list[str], rnd: random.Random) -> None:
    text = " ".join(p.upper() if rnd.random() < 0.3 else p for p in parts)
    assert match_phrases(text) == _case_insensitive(text)
