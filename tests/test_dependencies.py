"""The lock files `make run` and `make test` install from: in step with pyproject.toml, hashed,
above the floors the security review asked for, and without torch."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: Path) -> dict[str, list[tuple[Version, str | None, int]]]:
    """name -> [(version, marker, number of hashes)] of every pinned requirement in a lock file."""
    pins: dict[str, list[tuple[Version, str | None, int]]] = {}
    current: list[tuple[Version, str | None, int]] | None = None
    for line in lock.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            name, version, marker = match.groups()
            current = pins.setdefault(canonicalize_name(name), [])
            current.append((Version(version), marker, 0))
        elif line.strip().startswith("--hash=sha256:") and current:
            version, marker, hashes = current[-1]
            current[-1] = (version, marker, hashes + 1)
    return pins


def _direct(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if extra:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(r) for r in wanted]


def _installed_here(marker: str | None) -> bool:
    """Whether a pin's marker holds on Linux x86-64 with Python 3.11 (the machine we deploy on)."""
    if marker is None:
        return True
    from packaging.markers import Marker

    env = default_environment()
    env.update(
        python_version="3.11",
        python_full_version="3.11.7",
        sys_platform="linux",
        platform_system="Linux",
        platform_machine="x86_64",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return Marker(marker).evaluate(env)  # type: ignore[arg-type]


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")])
def test_lock_pins_every_dependency_within_its_range_with_hashes(lock: str, extra: str | None) -> None:
    pins = _pins(ROOT / lock)
    assert pins, f"{lock} pins nothing"
    for name, versions in pins.items():
        for version, _, hashes in versions:
            assert hashes >= 1, f"{lock}: {name}=={version} has no hash"
    for requirement in _direct(extra):
        here = [
            v for v, marker, _ in pins.get(canonicalize_name(requirement.name), []) if _installed_here(marker)
        ]
        assert here, f"{lock} does not pin {requirement.name}: run `make lock`"
        for version in here:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {requirement.name}=={version}, pyproject.toml wants {requirement.specifier}: run `make lock`"
            )


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_lock_has_the_fixed_versions_and_no_torch(lock: str) -> None:
    pins = {
        name: [v for v, marker, _ in versions if _installed_here(marker)]
        for name, versions in _pins(ROOT / lock).items()
    }
    floors = {
        "python-multipart": "0.0.30",
        "starlette": "0.49.1",
        "fastapi": "0.121",
        "websockets": "13",
        "faster-whisper": "1.2.1",
        "piper-tts": "1.3",
        "jinja2": "3.1.6",
        "h11": "0.16",
    }
    for name, floor in floors.items():
        assert pins.get(name), f"{lock} does not pin {name}"
        assert all(v >= Version(floor) for v in pins[name]), f"{lock}: {name} {pins[name]} below {floor}"
    assert "torch" not in pins, f"{lock} pulls in torch"


def test_make_installs_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "--require-hashes -r $(DEV_LOCK)" in makefile
    assert "--no-deps -e ." in makefile
