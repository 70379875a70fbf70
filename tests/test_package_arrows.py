"""The package arrows of docs/design.md, read from the source: `speech` and `connectors` import
nothing of ours, `agents` imports `connectors` and, of `speech`, only `speech.text` (the words
dates and times are said in; no audio, no models)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("speech", "connectors", "agents", "gateway")
ALLOWED = {
    "speech": set(),
    "connectors": set(),
    "agents": {"connectors", "speech.text"},
}


def _imports(path: Path) -> set[str]:
    """Every module of ours that `path` imports (at the top or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found |= {name for name in names if name.split(".")[0] in OURS}
    return found


def _allowed(package: str, module: str) -> bool:
    if module.split(".")[0] == package:
        return True
    return any(module == a or module.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_arrows_allow(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in _imports(path)
        if not _allowed(package, module)
    }
    assert wrong == set()


def test_the_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from gateway.settings import Settings\nimport speech.tts\n")
    assert _imports(module) == {"gateway.settings", "speech.tts"}
    assert not _allowed("agents", "speech.tts") and _allowed("agents", "speech.text")
