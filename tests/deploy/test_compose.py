"""deploy/compose.yaml and deploy/nginx.conf read as Compose and nginx would: two gateway replicas
only behind the proxy, the migration before them, the private network, WebSocket upgrades passed
on, and settings names the gateway knows. (Compose itself cannot run here: no Docker daemon.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.drain import GOODBYE_S, SHUTDOWN_S
from gateway.settings import Settings
from gateway.twilio.session import _REPLY_GRACE_S

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPO = DEPLOY.parent
# After the drain deadline: a reply finishing, the goodbye, uvicorn's shutdown, the last flush
# (docs/drain.md: the orchestrator's grace period is the deadline + 45 s).
DRAIN_OVERHEAD_S = 45.0
assert DRAIN_OVERHEAD_S > _REPLY_GRACE_S + GOODBYE_S + SHUTDOWN_S


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def gateways(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services that run `frontdesk serve`: the image's default command."""
    return {
        name: s
        for name, s in compose["services"].items()
        if "frontdesk" in str(s.get("image", "")) and "command" not in s
    }


def networks_of(service: dict[str, Any]) -> set[str]:
    nets = service.get("networks", [])
    return set(nets) if isinstance(nets, (list, dict)) else set()


def test_two_gateways_only_behind_the_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    replicas = gateways(compose)
    assert sorted(replicas) == ["gateway-1", "gateway-2"]
    assert len({s["image"] for s in replicas.values()}) == 1  # the same image
    for name, service in replicas.items():
        assert "ports" not in service, f"{name} publishes ports: only the proxy may"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["proxy"]
    assert sorted(str(p).split(":")[-1] for p in services["proxy"]["ports"]) == ["443", "80"]
    for name in replicas:
        assert services["proxy"]["depends_on"][name]["condition"] == "service_healthy"


def test_migration_runs_first_and_once(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["image"] == services["gateway-1"]["image"]
    assert "FRONTDESK_DATABASE_OWNER_URL" in services["migrate"]["environment"]

    def completed_before(name: str, seen: tuple[str, ...] = ()) -> set[str]:
        """One-shot services this one waits for (service_completed_successfully), transitively."""
        assert name not in seen, f"dependency cycle through {name}"
        found = set()
        for dep, how in (services[name].get("depends_on") or {}).items():
            if how["condition"] == "service_completed_successfully":
                found.add(dep)
            found |= completed_before(dep, (*seen, name))
        return found

    for name in gateways(compose):
        assert {"migrate", "db-grants"} <= completed_before(name), name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The grants after the migration (deploy/postgres-roles.sql names tables the migration creates).
    assert services["db-grants"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    volumes = services["db-grants"]["volumes"]
    assert any(v.startswith("./postgres-roles.sql:") for v in volumes)
    assert (DEPLOY / "postgres-roles.sql").is_file()


def test_private_network_for_database_redis_and_model(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert compose["networks"]["private"]["internal"] is True
    assert (
        compose["networks"].get("edge", {}).get("internal") is not True
    )  # the gateways reach Twilio, EMR, S3
    for name in ("postgres", "redis", "model", "migrate", "db-grants"):
        assert networks_of(services[name]) == {"private"}, name
        assert "ports" not in services[name], name
    for name in gateways(compose):
        assert networks_of(services[name]) == {"edge", "private"}, name
    assert networks_of(services["proxy"]) == {"edge"}
    # Named volumes are declared; the database's data is on one.
    declared = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} not declared"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])


def test_gateway_settings(compose: dict[str, Any]) -> None:
    services = compose["services"]
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    for name, service in gateways(compose).items():
        env = service["environment"]
        assert json.loads(env["FRONTDESK_TRUSTED_PROXIES"]) == [proxy_address], name
        assert env["FRONTDESK_DATABASE_URL"].startswith("postgresql+asyncpg://frontdesk_app:")  # runtime role
        assert env["FRONTDESK_REDIS_URL"].startswith("redis://")  # needed with two replicas
        assert env["FRONTDESK_STORAGE"] == "s3"  # recordings every replica can read
        assert "FRONTDESK_SESSION_SECRET" in env  # one secret shared by both replicas
        assert "FRONTDESK_DATABASE_OWNER_URL" not in env
        assert service["env_file"] == "gateway.env"
        # Docker's SIGKILL only after the drain, the goodbye and the final flush.
        grace = int(service["stop_grace_period"].removesuffix("s"))
        assert grace >= float(env["FRONTDESK_DRAIN_DEADLINE_S"]) + DRAIN_OVERHEAD_S, name
    example = (DEPLOY / "gateway.env.example").read_text()
    names = set(re.findall(r"^#?\s*(FRONTDESK_[A-Z0-9_]+)=", example, re.M))
    for service in [*gateways(compose).values(), services["migrate"]]:
        names |= set(service["environment"])
    assert len(names) > 15
    unknown = {n for n in names if n.removeprefix("FRONTDESK_").lower() not in Settings.model_fields}
    assert not unknown, "settings the gateway does not have (silently ignored)"


def test_every_interpolated_variable_is_in_the_example(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    with_default = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+):-", text))
    example = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (DEPLOY / "compose.env.example").read_text(), re.M))
    assert used - with_default <= example
    assert used <= example | with_default
    ignored = (REPO / ".gitignore").read_text().split()
    assert {"deploy/.env", "deploy/gateway.env", "deploy/certs/"} <= set(ignored)


def test_model_server_with_tool_calls(compose: dict[str, Any]) -> None:
    model = compose["services"]["model"]
    assert model["profiles"] == ["model"]
    args = model["command"]
    assert "--enable-auto-tool-choice" in args
    parser = args[args.index("--tool-call-parser") + 1]
    served = args[args.index("--served-model-name") + 1]
    default_model = re.search(r"\$\{VLLM_MODEL:-([^}]+)\}", args[args.index("--model") + 1])
    assert default_model is not None
    # docs/agent.md "Serving a model": the parser for this model family.
    row = next(
        line for line in (REPO / "docs" / "agent.md").read_text().splitlines() if default_model[1] in line
    )
    assert f"--tool-call-parser {parser}" in row
    assert f"--served-model-name {served}" in row
    assert "gpu" in model["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"]


def test_nginx_passes_websocket_upgrades_to_both_replicas(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    mounts = dict(v.split(":")[:2] for v in proxy["volumes"])
    assert mounts["./nginx.conf"] == "/etc/nginx/nginx.conf"
    conf = (DEPLOY / "nginx.conf").read_text()
    lines = [line.split("#")[0].strip() for line in conf.splitlines()]
    assert "proxy_http_version 1.1;" in lines
    assert "proxy_set_header Upgrade $http_upgrade;" in lines
    assert "proxy_set_header Connection $connection_upgrade;" in lines
    assert "map $http_upgrade $connection_upgrade {" in lines
    assert "default upgrade;" in lines
    # The edge proxy overwrites X-Forwarded-For with the peer (a client's own header is not kept).
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in lines
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in lines
    upstream = set(re.findall(r"^\s*server\s+([\w.-]+:\d+)", conf, re.M))
    port = gateways(compose)["gateway-1"]["environment"]["FRONTDESK_PORT"]
    assert upstream == {f"{name}:{port}" for name in gateways(compose)}
    assert "proxy_pass http://frontdesk;" in lines
    read_timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", conf)
    assert read_timeout is not None and int(read_timeout[1]) >= 3600  # calls and chats: long WebSockets
    # Braces balance (a cheap syntax check: nginx itself is not installed here).
    assert conf.count("{") == conf.count("}")


def test_example_environment_files_name_real_settings() -> None:
    for name in ("frontdesk.env.example", "gateway.env.example"):
        text = (DEPLOY / name).read_text()
        names = set(re.findall(r"^#?\s*(FRONTDESK_[A-Z0-9_]+)=", text, re.M))
        assert len(names) > 5, name
        unknown = {n for n in names if n.removeprefix("FRONTDESK_").lower() not in Settings.model_fields}
        assert not unknown, name
