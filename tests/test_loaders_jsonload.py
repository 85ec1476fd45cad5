"""JSON as exports write it: orjson's errors kept, lone surrogates read as U+FFFD."""

from __future__ import annotations

import orjson
import pytest

from autodm.loaders import jsonload


def test_jsonload_keeps_orjsons_errors() -> None:
    assert jsonload.loads(b'{"a\\udc00": ["\\ud83d\\ude00", "x\\udc00"]}') == {"a\ufffd": ["\U0001f600", "x\ufffd"]}
    with pytest.raises(orjson.JSONDecodeError, match="surrogate"):
        jsonload.loads(b'["\\ud83d", }')  # invalid for the stdlib too: orjson's error
    with pytest.raises(orjson.JSONDecodeError):
        jsonload.loads(b"[1,]")
