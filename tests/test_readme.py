"""The README's first two commands and CI stay the same; every command and option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autodm.cli import app

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["inspect", "scan", "senders", "train", "evaluate", "label", "model info"]


def _readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines[:6] if ln.startswith("    ")]


def test_readme_opens_with_install_run_and_test_commands() -> None:
    run, test = _readme_commands()[:2]
    assert "pip install" in run and "autodm scan data/examples/" in run
    assert "pip install" in test and test.endswith("pytest -q")
    example = re.search(r"autodm scan (\S+)", run)
    assert example and (ROOT / example.group(1)).exists()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test = _readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in [ln.strip() for ln in ci]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_help(command: str) -> None:
    r = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=200)
    assert r.exit_code == 0, r.output
    options = re.findall(r"│ (--[a-z-]+)[^│]*│", r.stdout)
    for line in r.stdout.splitlines():
        m = re.match(r"│ +(--[a-z-]+)(?:,\s*-\w)?(?:\s+[A-Z]+)?\s*(.*)│", line)
        if m and m.group(1) not in ("--help",):
            assert m.group(2).strip(), f"{command} {m.group(1)} has no help text"
    assert options, r.stdout


def test_version() -> None:
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.startswith("autodm ")
