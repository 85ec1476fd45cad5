"""Placeholder until the x loader lands."""

from __future__ import annotations

from autodm.errors import InputError
from autodm.inbox import Inbox, Skips
from autodm.loaders.tree import ExportTree


def detect(tree: ExportTree) -> bool:
    return False


def load(tree: ExportTree, skips: Skips, platform: str | None = None) -> Inbox:
    raise InputError(f"{tree.name}: the x loader is not written yet")
