"""JSON as the exports write it: orjson, and for text with a lone UTF-16 surrogate the stdlib.

Exports cut texts (an emoji halved by a length limit) and write what is left as a lone
``\\ud83d`` escape. orjson rejects such a document whole; the whole archive would be lost for
one character. :func:`loads` then parses it with the stdlib, which accepts lone surrogates,
and replaces each with U+FFFD (they cannot be written as UTF-8). Any other error, and any
failure of the fallback (a document nested too deeply for it), is orjson's error unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """``orjson.loads``, with lone UTF-16 surrogates in strings read as U+FFFD (see the module)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        if "surrogate" not in e.msg:
            raise
        try:
            doc = json.loads(data if isinstance(data, str) else bytes(data))
        except (ValueError, RecursionError):
            raise e from None
        return _replace_surrogates(doc)


def what(e: orjson.JSONDecodeError) -> str:
    """orjson's message for the user: its depth limit in words, the rest as it is."""
    return "nested too deeply (over 1024 levels)" if "depth" in e.msg or "recursion" in e.msg else e.msg


def bad_utf8(data: bytes | memoryview, start: int = 0) -> tuple[int, int] | None:
    """Line and column (1-based; the column in bytes) of the first byte from ``start`` on that is
    not UTF-8, counted in the whole of ``data``; None when it all decodes."""
    raw = bytes(data)
    try:
        raw[start:].decode("utf-8")
    except UnicodeDecodeError as u:
        at = start + u.start
        return raw.count(b"\n", 0, at) + 1, at - (raw.rfind(b"\n", 0, at) + 1) + 1
    return None


def _fix(s: str) -> str:
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _SURROGATE.search(s) else s


def _replace_surrogates(doc: Any) -> Any:
    """Every string of ``doc`` (keys too) with lone surrogates replaced; iterative, any depth."""
    root = [doc]
    todo: list[tuple[Any, Any]] = [(root, 0)]
    while todo:
        parent, key = todo.pop()
        v = parent[key]
        if isinstance(v, str):
            parent[key] = _fix(v)
        elif isinstance(v, list):
            todo.extend((v, i) for i in range(len(v)))
        elif isinstance(v, dict):
            if any(isinstance(k, str) and _SURROGATE.search(k) for k in v):
                fixed = {_fix(k): x for k, x in v.items()}
                v.clear()
                v.update(fixed)
            todo.extend((v, k) for k in v)
    return root[0]
