"""The phrase lexicon: each category matches its genre and leaves ordinary chat alone."""

from __future__ import annotations

import pytest

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
