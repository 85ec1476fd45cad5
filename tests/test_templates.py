"""Slot normalisation and template keys: the same template for different people matches."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from autodm.templates import MIN_TEMPLATE_WORDS, normalize_slots, template_key, template_keys


def _norm(*texts: str, names: tuple[str, ...] = ()) -> list[str]:
    return normalize_slots(pd.Series(list(texts)), names=names).tolist()


def test_slots_become_tokens() -> None:
    out = _norm("Hi Sam! Free guide at https://bit.ly/Ab3 or www.site.com/x, mail me@x.org, ping @sam_w",
                "Call +44 20 7946 0958 for £500, 35 spots", "Hey {first_name}, [NAME] and %name% *|FNAME|*")
    assert out[0] == "Hi xname! Free guide at xurl or xurl , mail xemail , ping xhandle"
    assert out[1] == "Call xphone for xmoney , xnum spots"
    assert out[2].count("xplaceholder") == 4


def test_bare_domains_and_txt_speak_digits() -> None:
    assert _norm("see linktr.ee/abc and bit.ly/x") == ["see xurl and xurl"]
    assert _norm("c u 2moro, thx 4 the follow") == ["c u 2moro, thx 4 the follow"]


def test_owner_names_are_replaced_but_not_inside_words() -> None:
    assert _norm("Alex, welcome Alexandra", names=("Alex",)) == ["xname , welcome Alexandra"]


def test_greeting_keeps_common_words() -> None:
    assert _norm("Thanks for the follow", "Hey There") == ["Thanks for the follow", "Hey There"]


def test_same_template_for_different_people_has_one_key() -> None:
    a, b = _norm("Hi Priya! Thanks for following. Grab my guide: https://x.io/a?utm_source=1",
                 "Hi Jordan!! thanks for following... grab my guide: http://bit.ly/q9")
    assert template_key(a) == template_key(b) == "hi xname thanks for following grab my guide xurl"


def test_short_keys_are_not_reuse_evidence() -> None:
    keys = template_keys(pd.Series(["ok thanks!", "Thanks for the follow, check my site xurl"]))
    assert keys.iloc[0] == "" and len(keys.iloc[1].split()) >= MIN_TEMPLATE_WORDS


def test_index_is_kept_and_empty_works() -> None:
    s = pd.Series(["a 12", "a 12", None], index=[5, 7, 9])
    out = normalize_slots(s)
    assert list(out.index) == [5, 7, 9] and out.tolist() == ["a xnum", "a xnum", ""]
    assert normalize_slots(pd.Series([], dtype=object)).empty


def _slots_every_pattern(text: str, names: tuple[str, ...]) -> str:
    """_slots without its skips: every pattern tried on every text (the reference)."""
    import re

    from autodm import templates as t

    s = t.PLACEHOLDER_RE.sub(" xplaceholder ", text)
    for pattern, token in ((t.EMAIL_RE, " xemail "), (t.URL_RE, " xurl "), (t.HANDLE_RE, " xhandle "),
                           (t.MONEY_RE, " xmoney "), (t.PHONE_RE, " xphone "), (t.NUMBER_RE, " xnum ")):
        s = pattern.sub(token, s)
    for name in names:
        if name and len(name) > 1:
            s = re.sub(rf"(?i)\b{re.escape(name)}\b", " xname ", s)
    m = t._GREETING_NAME.match(s)
    if m and m.group(2).lower().replace("'", "").replace("’", "") not in t._NOT_NAMES:
        s = m.group(1) + "xname" + s[m.end():]
    return t._SPACES.sub(" ", s).strip()


def test_skipping_patterns_changes_nothing_on_the_corpus() -> None:
    from autodm.corpus import load_corpus
    from autodm.templates import _slots

    for text in load_corpus()["text"]:
        assert _slots(text, ("Sam",)) == _slots_every_pattern(text, ("Sam",)), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Sam@.:/{}[]<>%$*|£€1234567890-+()_ wwwhttps,!?٣")), max_size=60))
def test_skipping_patterns_changes_nothing_on_generated_texts(text: str) -> None:
    from autodm.templates import _slots

    assert _slots(text, ("Sam",)) == _slots_every_pattern(text, ("Sam",))
