"""The template-phrase lexicon: what auto-DMs say, by category, as case-insensitive patterns.

Each category becomes one feature (how many of its patterns a message matches) and one reason
("phrase: it's an honour"). The patterns are written from the genre (see the seed essays), not
from any evaluation data; the model learns how much each category weighs, and the n-grams
catch everything the lexicon misses.
"""

from __future__ import annotations

import re

_SOCIAL = r"(?:facebook|fb|linked\s?in|instagram|insta|ig|youtube|yt|tiktok|pinterest|telegram|whatsapp|twitter|snapchat|threads)"

LEXICON: dict[str, tuple[str, ...]] = {
    "gratitude_follow": (
        r"\b(?:thanks?|thank\s?(?:yo)?u|thanx|thnx|thx|ty|tnx|cheers|much appreciated|appreciate)\s*(?:so much\s*|a lot\s*|very much\s*)?"
        r"(?:4|for|for the|4 the)\s+(?:the\s+)?(?:follow|following|add|connect(?:ing|ion)?|f/?b)\b",
        r"\bappreciate (?:the|your) (?:follow|connection|connect|add)\b",
        r"\b(?:grateful|glad|happy|thrilled|excited|great|nice|pleasure) (?:to|that we|we) (?:be )?(?:connect(?:ed)?|follow)",
        r"\bfollowing me\b",
        r"\bfollow(?:ed)? (?:you )?back\b",
        r"\bwelcome to (?:my|our|the) (?:network|page|community|tribe|family|circle|world|account|feed)\b",
        r"\b(?:thanks|thank you) for (?:the )?(?:connection request|accepting|adding me)\b",
        r"\bnew follower\b",
    ),
    "flattery": (
        r"\b(?:it'?s|it is|what) an? (?:honou?r|pleasure|privilege)\b",
        r"\bhonou?red\b",
        r"\blove (?:your|ur) (?:content|profile|page|feed|tweets|posts|work|vibe|style|account)\b",
        r"\blooking forward to (?:your|ur|reading|seeing|learning|following)\b",
        r"\bpeople like you\b",
        r"\b(?:awesome|amazing|impressive|great|inspiring|interesting) (?:profile|page|feed|account|content|background)\b",
        r"\b(?:came|come) across (?:your|ur) (?:profile|page|account)\b",
        r"\b(?:your|ur) profile (?:caught|stood out)\b",
        r"\blike[- ]minded\b",
        r"\b(?:you'?re|you are) (?:awesome|amazing|a rockstar|a star)\b",
        r"\bkeep (?:up the great|shining|inspiring)\b",
    ),
    "self_promo": (
        r"\bcheck (?:out )?(?:my|our)\b",
        r"\b(?:my|our) (?:new |latest |free )?(?:book|e-?book|course|podcast|channel|website|site|blog|app|"
        r"product|program|programme|masterclass|webinar|newsletter|shop|store|community|group|agency|service)\b",
        r"\bfree (?:guide|e-?book|trial|download|gift|report|webinar|training|checklist|consult(?:ation)?|course|"
        r"audit|strategy|session|copy|template|cheat ?sheet)\b",
        r"\bgrab (?:your|my|a|the) (?:free|copy)\b",
        r"\bdownload (?:my|our|the|your)\b",
        r"\b(?:sign up|subscribe|opt in)\b",
        r"\blimited (?:time|spots|seats|offer|places)\b",
        r"\b\d{1,2} ?% off\b|\bdiscount\b|\bpromo code\b|\bcoupon\b",
        r"\b(?:exclusive|special) (?:offer|deal|access|discount)\b",
        r"\blink in (?:my |the )?bio\b",
    ),
    "call_to_action": (
        r"\bclick (?:here|the link|below|this|on)\b",
        r"\bvisit (?:my|our|us|the)\b",
        r"\bjoin (?:us|me|my|our)\b",
        r"\b(?:dm|message|inbox) me\b",
        r"\breply (?:with |back )?['\"“]?(?:yes|stop|y|info|start)\b",
        r"\b(?:book|schedule|grab|hop on|jump on) (?:a|some) (?:call|time|slot|chat|demo)\b",
        r"\b(?:15|20|30)[- ]?min(?:ute)?s?\b",
        r"\blet me know if (?:you'?re|you are|u r) (?:interested|open|keen)\b",
        r"\b(?:don'?t miss|act now|hurry|before it'?s gone|ends (?:soon|tonight))\b",
        r"\bregister (?:now|here|today)\b",
        r"\b(?:learn|find out) more\b",
        r"\btap (?:the|this) link\b",
        r"\bcall (?:now|today|free)\b",
        r"\b(?:te?xt|sms|send) [A-Z]{2,}\b.{0,12}\b\d{4,6}\b",
    ),
    "connect_elsewhere": (
        rf"\b(?:connect|join|follow|find|like|friend|add|catch|meet|see) (?:me|us|with me|with us)(?: as a friend| too| also)? (?:on|at|over (?:at|on)) {_SOCIAL}\b",
        rf"\blike (?:my|our) (?:{_SOCIAL} )?(?:page|fan ?page)\b",
        rf"\bsubscribe to (?:my|our) (?:{_SOCIAL} )?channel\b",
        rf"\b(?:also|too) on {_SOCIAL}\b",
        rf"\bover (?:at|on) {_SOCIAL}\b",
        rf"\b(?:my|our) {_SOCIAL} (?:page|profile|channel|group)\b",
        rf"\blet'?s (?:connect|stay in touch) on {_SOCIAL}\b",
    ),
    "sales_pitch": (
        r"\b(?:i|we) help (?:\w+[ -]){0,4}(?:businesses|coaches|founders|companies|brands|people|entrepreneurs|"
        r"agencies|owners|professionals|leaders|teams|creators|clients)\b",
        r"\b(?:are you|r u) (?:looking|interested|open|ready) to\b",
        r"\bwould you be (?:open|interested)\b",
        r"\bquick question\b",
        r"\bgrow (?:your|ur) (?:business|audience|followers|brand|sales|account|following|revenue|income)\b",
        r"\b(?:generate|get) (?:more )?(?:leads|sales|clients|followers|customers)\b",
        r"\b(?:scale|10x|double|triple) (?:your|ur)\b",
        r"\b(?:passive income|make money|work from home|side hustle|financial freedom|earn (?:up to )?[$£€]?\d)",
        r"\b(?:partnership|collab(?:oration)?|ambassador) (?:opportunity|program|programme)\b",
        r"\bno (?:pressure|obligation|strings)\b",
        r"\bworth a (?:chat|call|conversation)\b",
    ),
    "prize_spam": (
        r"\b(?:you(?:'ve| have)?|u(?: have)?|ur (?:number|mobile)) (?:been )?(?:selected|chosen|won|awarded)\b",
        r"\bwinner\b|\bwon (?:a|an|the)? ?(?:prize|cash|award|voucher|holiday|trip)\b",
        r"\bcongrat(?:ulation)?s?!* (?:you|u)\b",
        r"\bclaim (?:your|ur|a|the|now|it)\b",
        r"\b(?:cash|guaranteed|mystery) (?:prize|reward|award|gift)\b",
        r"\b(?:urgent|important)!\B|\burgent[!:]",
        r"\bguaranteed\b",
        r"\bfree (?:entry|ringtone|msg|text|call|minutes|camera|phone|iphone|tickets?)\b",
        r"\bcall (?:0\d{8,}|\+?\d{9,})",
        r"\bopt[- ]?out\b|\bstop to (?:end|\d+|opt|unsubscribe)|\b(?:te?xt|reply|send) stop\b",
        r"\bt ?& ?c'?s?\b|\b1[68]\+",
        r"\bper (?:min|minute|msg|wk|week)\b|\b\d+p ?/ ?min\b",
        r"\b(?:ringtone|voucher|lottery|jackpot|sweepstake)s?\b",
        r"\b(?:bitcoin|crypto|forex|btc|usdt|nft) (?:invest|trad|profit|signal|opportunit)",
        r"\bverify (?:your|ur) (?:account|identity)\b|\b(?:account|profile) (?:will be |has been )?(?:suspended|disabled|locked)\b",
        r"\bgift ?card\b",
    ),
    "followup_bump": (
        r"\bfollow(?:ing)?[- ]up (?:on|with|about|regarding)\b|\bjust following up\b",
        r"\bjust (?:checking in|bumping|floating|circling back|wanted to (?:follow up|check in|bump))\b",
        r"\bcircling back\b",
        r"\bbump(?:ing)? (?:this|my)\b",
        r"\bdid you (?:get|have) a chance\b",
        r"\b(?:my|the) (?:last|previous|earlier) (?:message|note|dm|email)\b",
        r"\bin case (?:you|it) (?:missed|got buried)\b",
        r"\blast (?:try|attempt|chance|call|message)\b",
        r"\bhaven'?t heard back\b",
        r"\btop of (?:your|ur) inbox\b",
    ),
}

CATEGORIES: tuple[str, ...] = tuple(LEXICON)

#: One compiled pattern per category, alternatives grouped so a search reports the first match.
COMPILED: dict[str, re.Pattern[str]] = {
    cat: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) for cat, pats in LEXICON.items()
}
_EACH: dict[str, tuple[re.Pattern[str], ...]] = {
    cat: tuple(re.compile(p, re.IGNORECASE) for p in pats) for cat, pats in LEXICON.items()
}


def _lowercase_pattern(p: str) -> str:
    """The pattern for lowercased ASCII text: its only uppercase letters are the class ``[A-Z]``
    and the escape ``\\B`` (checked by a test), so only the class changes."""
    return p.replace("[A-Z]", "[a-z]")


#: The same patterns, case-sensitive and ASCII-only, for ASCII texts lowercased first: for such a
#: text they match exactly where the case-insensitive patterns match (at the same offsets, since
#: lowercasing ASCII keeps every position), about twice as fast as case-insensitive matching.
_ASCII: dict[str, re.Pattern[str]] = {
    cat: re.compile("|".join(f"(?:{_lowercase_pattern(p)})" for p in pats), re.ASCII)
    for cat, pats in LEXICON.items()
}
_ASCII_EACH: dict[str, tuple[re.Pattern[str], ...]] = {
    cat: tuple(re.compile(_lowercase_pattern(p), re.ASCII) for p in pats) for cat, pats in LEXICON.items()
}


def match_phrases(text: str) -> dict[str, tuple[int, str]]:
    """For each category that matches ``text``: (how many of its patterns match, the first match).

    >>> match_phrases("Thanks for the follow! It's an honour.")["flattery"]
    (1, "It's an honour")
    """
    out: dict[str, tuple[int, str]] = {}
    if text.isascii():
        low = text.lower()
        for cat, pattern in _ASCII.items():
            first = pattern.search(low)
            if first is not None:
                n = sum(1 for p in _ASCII_EACH[cat] if p.search(low))
                out[cat] = (max(n, 1), text[first.start():first.end()].strip())
        return out
    for cat, pattern in COMPILED.items():
        first = pattern.search(text)
        if first is None:
            continue
        n = sum(1 for p in _EACH[cat] if p.search(text))
        out[cat] = (max(n, 1), first.group(0).strip())
    return out
