"""The bundled training corpus: hand-written sources in ``data/corpus/`` expanded to messages.

The sources are templates and messages the project wrote itself (never evaluation data); each row
may hold slots such as ``{name}`` or ``{link}``. :func:`expand` fills every auto-DM template
several times, and every personal message once, or as often as an auto-DM template when it names
someone (so a first or company name is as common on both sides and is no evidence either way),
deterministically from a seed, with varied names, brands and realistic links; a few auto-DMs keep a
placeholder unfilled, in the odd syntaxes broken automations send. The result,
``data/corpus/messages.csv``, is the labelled table the default model is trained on. Rebuild it
with ``python -m autodm.corpus``.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.bundled import CORPUS, bundled_path
from autodm.errors import TrainingError

SOURCES = ("auto_follow.csv", "auto_bulk.csv", "personal_everyday.csv", "personal_hard.csv")
HARD_SOURCE = "personal_hard.csv"
MESSAGES = "messages.csv"
SEED = 20261122
AUTO_VARIANTS = 3
UNFILLED_SHARE = 0.08
COLUMNS = ("id", "text", "label", "category", "style", "template_id", "hard", "provenance")

FIRST_NAMES = (
    "Sam", "Alex", "Priya", "Jordan", "Maria", "Chen", "Fatima", "Lukas", "Aisha", "Tom", "Sofia",
    "Kwame", "Hannah", "Diego", "Yuki", "Olu", "Emma", "Ravi", "Chloé", "Mateo", "Noor", "Jake",
    "Ines", "Dmitri", "Grace", "Tariq", "Lena", "Marcus", "Ana", "Ben", "Zoe", "Kofi", "Mei",
    "Sean", "Leila", "Pedro", "Nina", "Arjun", "Hugo", "Amara", "Kate", "Ibrahim", "Elif", "Raj",
)
HANDLES = (
    "sam_writes", "alexbuilds", "priya.codes", "jordan_runs", "mariacooks", "chen.design",
    "fatima_travels", "lukas.dev", "aishaphoto", "tommakesthings", "sofia_reads", "kwame.music",
    "hannahgrows", "diego_fit", "yuki.art", "oluwaseun", "emma_in_sf", "ravi.data", "mateo_films",
    "noor.studio", "jakeonbikes", "ines_garden", "grace.writes", "lena_ux", "marcus.ventures",
)
BRANDS = (
    "GrowthPilot", "Brightlane Media", "SocialBoost", "Nova Coaching", "PixelForge", "LeadLoop",
    "Sunny Side Candles", "FitFuel", "The Wealth Circle", "CloudNest", "Inkwell Press",
    "Hustle Academy", "Peak Performance Co", "Bloom & Co", "TrendRise", "AutoReach",
)
COMPANIES = ("Acme Corp", "Northwind", "Globex", "Initech", "Umbrella Health", "Stark Logistics",
             "Blue Harbor Bank", "Vandelay Industries", "Hooli", "Pied Piper", "Wayne Retail")
ROLES = ("founder", "marketing manager", "CTO", "recruiter", "sales director", "product manager",
         "small business owner", "coach", "designer", "engineer", "consultant", "HR lead")
CITIES = ("London", "Austin", "Berlin", "Toronto", "Lagos", "Mumbai", "Sydney", "Madrid",
          "Singapore", "Chicago", "Paris", "Nairobi", "Dublin", "São Paulo")
TOPICS = ("email marketing", "hiking", "SaaS growth", "real estate", "sourdough", "crypto",
          "mindset", "photography", "personal branding", "fitness", "UX research", "podcasting")
EVENTS = ("the product meetup", "SaaStr", "the Tuesday webinar", "DevFest", "the alumni dinner",
          "Web Summit", "the hackathon", "the marketing conference")
DATES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "tomorrow", "next week",
         "the 14th", "this weekend")
SITES = ("growthpilot.io", "brightlane.co", "novacoaching.com", "shop-sunnyside.com",
         "fitfuel.store", "wealthcircle.net", "inkwellpress.org", "myblog.example.com",
         "leadloop.ai", "trendrise.co", "bloomandco.shop", "photos.example.net")
SHORTENERS = ("bit.ly", "tinyurl.com", "ow.ly", "buff.ly", "t.ly", "rb.gy", "is.gd")
BOOKING = ("calendly.com/{h}/15min", "linktr.ee/{h}", "beacons.ai/{h}", "cal.com/{h}",
           "lnk.bio/{h}", "stan.store/{h}")
PROFILES = ("facebook.com/{h}", "linkedin.com/in/{h}", "instagram.com/{h}", "youtube.com/@{h}",
            "tiktok.com/@{h}", "t.me/{h}")
#: Links people share with each other mid-conversation (albums, docs, maps, code, articles).
PERSONAL_LINKS = ("photos.app.goo.gl/{c}", "docs.google.com/document/d/{c}/edit", "maps.app.goo.gl/{c}",
                  "github.com/{h}/notes/pull/{n}", "youtu.be/{c}", "open.spotify.com/track/{c}",
                  "www.theguardian.com/travel/2024/{h}-trip", "www.dropbox.com/s/{c}/photos.zip",
                  "en.wikipedia.org/wiki/{h}", "www.airbnb.com/rooms/{n}", "drive.google.com/file/d/{c}/view",
                  "www.reddit.com/r/{h}/comments/{c}", "x.com/{h}/status/{n}", "bit.ly/{c}",
                  "tinyurl.com/{c}", "is.gd/{c}", "ow.ly/{c}", "medium.com/@{h}/notes-{n}",
                  "www.nytimes.com/2024/05/{n}/travel/{h}.html", "www.bbc.co.uk/news/articles/{c}",
                  "www.amazon.com/dp/{c}", "www.eventbrite.com/e/{h}-tickets-{n}", "www.change.org/p/{h}",
                  "{h}.wordpress.com/2023/{n}", "www.etsy.com/listing/{n}", "www.meetup.com/{h}/events/{n}")
#: Share of links in X-style rows written as X writes every link in a DM: a t.co wrapper
#: (formats.md), whoever sent it.
TCO_SHARE = 0.5
#: How broken automations show an unfilled first-name slot.
PLACEHOLDERS = ("{first_name}", "{{firstName}}", "[NAME]", "%name%", "${username}", "*|FNAME|*",
                "{name}", "[First Name]")
#: A slot, and an "s" right after it ("{role}s" asks for the plural).
_SLOT = re.compile(r"\{(name|handle|my_name|brand|company|role|link2?|city|num|topic|event|date)\}(s?)")
#: Slots that name a person or a company: personal rows holding one are filled like templates.
_PEOPLE = re.compile(r"\{(name|company)\}")


def _plural(word: str) -> str:
    """English plural of a role: "coach" -> "coaches", "CTO" -> "CTOs"."""
    return word + ("es" if word.endswith(("ch", "sh", "s", "x")) else "s")


def _rng_for(key: str, seed: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def make_link(rng: np.random.Generator, personal: bool = False) -> str:
    """A realistic invented link: site, shortener, booking/link-in-bio, profile, or utm-tagged.

    ``personal``: the kind people share with each other (albums, docs, maps, code, articles).
    """
    h = str(rng.choice(HANDLES)).replace(".", "")
    if personal:
        code = "".join(rng.choice(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"), 9))
        link = str(rng.choice(PERSONAL_LINKS)).format(h=h, c=code, n=int(rng.integers(10, 99999)))
        return ("https://" if rng.random() < 0.8 else "") + link
    kind = rng.choice(["site", "short", "booking", "profile", "utm"], p=[0.3, 0.2, 0.2, 0.15, 0.15])
    scheme = "https://" if rng.random() < 0.7 else ""
    if kind == "short":
        code = "".join(rng.choice(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"), 7))
        return f"{scheme}{rng.choice(SHORTENERS)}/{code}"
    if kind == "booking":
        return scheme + str(rng.choice(BOOKING)).format(h=h)
    if kind == "profile":
        return scheme + str(rng.choice(PROFILES)).format(h=h)
    path = rng.choice(["", "/free-guide", "/offer", "/join", "/blog/post-12", "/shop", "/webinar"])
    link = f"{scheme}{'www.' if rng.random() < 0.3 else ''}{rng.choice(SITES)}{path}"
    if kind == "utm":
        link += f"?utm_source={rng.choice(['twitter', 'ig', 'linkedin', 'dm'])}&utm_medium=dm"
    return link


_FILLERS: dict[str, Callable[[np.random.Generator], str]] = {
    "name": lambda r: str(r.choice(FIRST_NAMES)),
    "my_name": lambda r: str(r.choice(FIRST_NAMES)),
    "handle": lambda r: str(r.choice(HANDLES)),
    "brand": lambda r: str(r.choice(BRANDS)),
    "company": lambda r: str(r.choice(COMPANIES)),
    "role": lambda r: str(r.choice(ROLES)),
    "roles": lambda r: _plural(str(r.choice(ROLES))),
    "city": lambda r: str(r.choice(CITIES)),
    "num": lambda r: str(int(r.choice([2, 3, 5, 7, 10, 15, 20, 30, 50, 100, 250, 500, 1000]))),
    "topic": lambda r: str(r.choice(TOPICS)),
    "event": lambda r: str(r.choice(EVENTS)),
    "date": lambda r: str(r.choice(DATES)),
    "link": make_link,
    "link2": make_link,
}


_TCO_CHARS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def tco_link(rng: np.random.Generator) -> str:
    """A t.co wrapper as X writes it in a DM's text."""
    return "https://t.co/" + "".join(rng.choice(_TCO_CHARS, 10))


def fill(template: str, rng: np.random.Generator, unfilled: bool = False, personal: bool = False,
         tco: bool = False) -> str:
    """Fill every slot of ``template``; with ``unfilled`` the name slot keeps a raw placeholder.

    ``personal`` rows get links of the kind people share (see :func:`make_link`); ``tco`` writes
    every link as X's t.co wrapper.
    """
    raw = str(rng.choice(PLACEHOLDERS))

    def sub(m: re.Match[str]) -> str:
        slot, tail = m.group(1), m.group(2)
        if slot == "role" and tail:
            slot, tail = "roles", ""
        if unfilled and slot == "name":
            return raw + tail
        if tco and slot in ("link", "link2"):
            return tco_link(rng) + tail
        if personal and slot in ("link", "link2"):
            return make_link(rng, personal=True) + tail
        return _FILLERS[slot](rng) + tail

    return _SLOT.sub(sub, template)


def read_sources(folder: Path) -> pd.DataFrame:
    """Concatenate the hand-written source CSVs of ``folder``."""
    frames = []
    for name in SOURCES:
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        df["source_file"] = name
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def expand(sources: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Fill the sources into labelled messages: auto templates AUTO_VARIANTS times, personal once.

    Personal messages with a ``{name}`` or ``{company}`` slot are filled AUTO_VARIANTS times too:
    auto templates greet by name, so with one fill each a pool name was met three times as
    often in auto-DMs, and "Tariq says hi" scored as automated.
    """
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for rec in sources.itertuples(index=False):
        auto = rec.label == "auto"
        if auto:
            variants = AUTO_VARIANTS if _SLOT.search(rec.text) else 1
        else:
            variants = AUTO_VARIANTS if _PEOPLE.search(rec.text) else 1
        for v in range(variants):
            rng = _rng_for(f"{rec.id}:{v}", seed)
            unfilled = auto and "{name}" in rec.text and rng.random() < UNFILLED_SHARE
            tco = rec.style == "x" and "{link" in rec.text and rng.random() < TCO_SHARE
            text = fill(rec.text, rng, unfilled=unfilled, personal=not auto, tco=tco).strip()
            if not text or text in seen:
                continue
            seen.add(text)
            rows.append({
                "id": f"{rec.id}-{v}", "text": text, "label": rec.label, "category": rec.category,
                "style": rec.style, "template_id": rec.id,
                "hard": rec.source_file == HARD_SOURCE, "provenance": rec.provenance,
            })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def build(folder: Path, seed: int = SEED) -> Path:
    """Rebuild ``folder/messages.csv`` from the sources in ``folder``."""
    out = folder / MESSAGES
    df = expand(read_sources(folder), seed)
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    tmp = out.with_suffix(".csv.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(out)
    return out


def load_corpus() -> pd.DataFrame:
    """The bundled labelled corpus (from the installed package), with label as 0/1 ints."""
    path = bundled_path(CORPUS, MESSAGES)
    if not path.is_file():
        raise TrainingError(f"{path}: no training corpus (the package was installed without it?)")
    df = pd.read_csv(path, dtype={"text": str, "id": str, "template_id": str}, keep_default_na=False)
    df["label"] = (df["label"] == "auto").astype(int)
    df["hard"] = df["hard"].astype(str).str.lower() == "true"
    return df


if __name__ == "__main__":  # python -m autodm.corpus [folder]
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/corpus")
    path = build(target)
    print(f"wrote {path}")
