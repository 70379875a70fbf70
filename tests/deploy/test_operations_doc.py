"""docs/operations.md stays true to the tree: the files, settings, commands and links it names exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typer.main import get_command

from gateway.cli.main import app
from gateway.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "operations.md"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_named_files_exist() -> None:
    text = DOC.read_text()
    paths = set(re.findall(r"`((?:deploy|gateway|tests|bench)/[\w./{},-]+?)`", text))
    assert len(paths) > 10
    for path in paths:
        if "{" in path:  # deploy/frontdesk-retention.{service,timer}
            stem, alternatives = re.fullmatch(r"(.*)\{(.*)\}", path).groups()  # type: ignore[union-attr]
            candidates = [stem + a for a in alternatives.split(",")]
        else:
            candidates = [path]
        for candidate in candidates:
            if candidate.startswith("deploy/certs"):  # the operator creates it (and git ignores it)
                continue
            assert (REPO / candidate.rstrip("/")).exists(), candidate


def test_links_and_anchors() -> None:
    text = DOC.read_text()
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in anchors, target
        else:
            assert (DOC.parent / target).exists(), target


def test_settings_and_commands_exist() -> None:
    text = DOC.read_text()
    settings = set(re.findall(r"FRONTDESK_[A-Z0-9_]+", text)) - {"FRONTDESK_IMAGE"}  # compose's image tag
    unknown = {s for s in settings if s.removeprefix("FRONTDESK_").lower() not in Settings.model_fields}
    assert not unknown
    cli = get_command(app)
    commands: dict[str, Any] = cli.commands  # type: ignore[attr-defined]
    named = re.findall(r"(?<![\w/.@-])frontdesk ([a-z]+)(?: ([a-z][a-z-]*[a-z]))?", text)
    checked = 0
    for first, second in named:
        group = commands.get(first)
        if group is None:
            continue  # prose: "frontdesk for real", the user named frontdesk
        if hasattr(group, "commands") and second:
            assert second in group.commands, f"frontdesk {first} {second}"
            checked += 1
    assert checked >= 8
    assert {"upgrade", "current", "history"} <= set(commands["db"].commands)
