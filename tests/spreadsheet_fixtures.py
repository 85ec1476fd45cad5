"""CSV files as a spreadsheet saves them: one table of styles for every reader's tests."""

from __future__ import annotations

#: How a spreadsheet saves a CSV: (separator, encoding, line end), Excel's European CSV first.
SPREADSHEET_STYLES = {
    "excel-europe": (";", "utf-8-sig", "\r\n"),
    "excel-unicode-text": ("\t", "utf-16", "\r\n"),
    "tab": ("\t", "utf-8", "\n"),
    "semicolon": (";", "utf-8", "\n"),
    "comma-bom-crlf": (",", "utf-8-sig", "\r\n"),
    "as-written": (",", "utf-8", "\n"),
}


def saved(rows: list[list[str]] | list[tuple[str, str]], style: str) -> bytes:
    """``rows`` as the bytes of a CSV saved in ``style`` (cells already quoted where needed)."""
    sep, encoding, end = SPREADSHEET_STYLES[style]
    return "".join(sep.join(r) + end for r in rows).encode(encoding)
