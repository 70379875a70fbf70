"""The local FHIR server (Medplum's router in Node, tests/fakes/fhir_server) for one test session,
plus a small clinic seeded through its REST API before each test."""

from __future__ import annotations

import json
import selectors
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from connectors.fhir import FhirConnector, StaticBearer
from connectors.resilience import ResiliencePolicy
from tests.connectors.conftest import TZ_NAME

SERVER_DIR = Path(__file__).resolve().parents[2] / "fakes" / "fhir_server"
STATIC_TOKEN = "static-test-token"
TZ = ZoneInfo(TZ_NAME)
# Tests fail fast instead of waiting out backoffs meant for production.
FAST = ResiliencePolicy(timeout_s=5.0, attempts=2, backoff_initial_s=0.05, jitter_s=0.0, breaker_threshold=50)


def _pem_private(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_public(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class SmartClient:
    client_id: str
    kid: str
    private_pem: bytes


@dataclass
class FhirServer:
    base_url: str
    rsa: SmartClient
    ec: SmartClient
    proc: subprocess.Popen[bytes]
    stranger_pem: bytes = field(repr=False, default=b"")  # a key the server has never seen

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/token"

    def control(self, action: str, **body: Any) -> dict[str, Any]:
        resp = httpx.post(f"{self.base_url}/__control/{action}", json=body, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def wait_idle(self, deadline_s: float = 10.0) -> dict[str, Any]:
        """Poll until no request is in flight and no injected fault is pending."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            stats = self.control("stats")
            if stats["inFlight"] == 0 and stats["faultsPending"] == 0:
                return stats
            time.sleep(0.02)
        raise AssertionError(f"FHIR server still busy after {deadline_s}s: {stats}")


def _node_command(script: Path, config: Path) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the FHIR tests need Node 20+ (apt-get install nodejs)")
    if not (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
        pytest.fail("tests/fakes/fhir_server/node_modules is missing: run `make node-deps`")
    major = int(
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.lstrip("v").split(".")[0]
    )
    # Medplum 5 wants Node 22's global WebSocket; Node 20 has it behind a flag.
    return [node, *(["--experimental-websocket"] if major < 22 else []), str(script), str(config)]


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP384R1())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clients = [
        SmartClient("frontdesk-rsa", "rsa-key-1", _pem_private(rsa_key)),
        SmartClient("frontdesk-ec", "ec-key-1", _pem_private(ec_key)),
    ]
    config = tmp_path_factory.mktemp("fhir") / "config.json"
    config.write_text(
        json.dumps(
            {
                "port": 0,
                "control": True,
                "staticTokens": [STATIC_TOKEN],
                "tokenTtlSeconds": 300,
                "clients": [
                    {"clientId": c.client_id, "kid": c.kid, "publicKeyPem": _pem_public(k)}
                    for c, k in zip(clients, [rsa_key, ec_key], strict=True)
                ],
            }
        )
    )
    proc = subprocess.Popen(
        _node_command(SERVER_DIR / "server.mjs", config), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = _read_port(proc, deadline_s=30.0)
        yield FhirServer(f"http://127.0.0.1:{port}", clients[0], clients[1], proc, _pem_private(stranger))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_port(proc: subprocess.Popen[bytes], deadline_s: float) -> int:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if selector.select(timeout=0.2):
            line = proc.stdout.readline()
            if line:
                return int(json.loads(line)["port"])
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"FHIR test server exited with {proc.returncode}: {err[-2000:]}")
    raise RuntimeError("FHIR test server did not start in time")


# -- a seeded clinic ----------------------------------------------------------------------------


@dataclass
class Clinic:
    practitioners: dict[str, str]  # short name -> id
    patients: dict[str, str]  # short name -> id
    slots: dict[tuple[str, datetime], str]  # (practitioner short name, local start) -> id
    days: list[date]  # the two seeded days, both in the future
    past_slot: str  # a slot marked free that started yesterday

    def slot(self, who: str, day: date, hour: int, minute: int = 0) -> str:
        return self.slots[(who, datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ))]


def _future_weekdays(count: int) -> list[date]:
    day, out = datetime.now(TZ).date() + timedelta(days=2), []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    full = f"urn:uuid:{uuid.uuid4()}"
    return {
        "fullUrl": full,
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }


async def seed_clinic(http: httpx.AsyncClient, base_url: str) -> Clinic:
    people = {
        "patel": {"family": "Patel", "given": ["Priya"], "prefix": ["Dr."]},
        "okafor": {"family": "Okafor", "given": ["James"], "prefix": ["Dr."]},
    }
    patients = {
        # Phones stored the way different front desks type them.
        "maria": ({"family": "Garcia", "given": ["Maria", "Elena"]}, "1985-04-12", "+1 (415) 555-0134"),
        "maria2": ({"family": "Garcia", "given": ["Maria"]}, "1990-09-30", "415-555-0199"),
        "tom": ({"family": "O'Brien", "given": ["Thomas"]}, "1972-11-05", "+14155550177"),
    }
    entries = []
    for key, name in people.items():
        e = _entry({"resourceType": "Practitioner", "active": True, "name": [name]})
        entries.append(e)
        sched = _entry({"resourceType": "Schedule", "actor": [{"reference": e["fullUrl"]}]})
        sched["_who"] = key
        entries.append(sched)
    for key, (name, dob, phone) in patients.items():
        resource = {
            "resourceType": "Patient",
            "name": [{"use": "official", **name}],
            "birthDate": dob,
            "telecom": [{"system": "phone", "value": phone, "use": "mobile"}],
        }
        entries.append(_entry(resource) | {"_who": key})
    days = _future_weekdays(2)
    slot_keys: list[tuple[str, datetime]] = []
    for sched in [e for e in entries if e["resource"]["resourceType"] == "Schedule"]:
        for day in days:
            for half_hour in range(16):  # 09:00 .. 16:30
                start = datetime(day.year, day.month, day.day, 9, tzinfo=TZ) + timedelta(
                    minutes=30 * half_hour
                )
                slot = {
                    "resourceType": "Slot",
                    "schedule": {"reference": sched["fullUrl"]},
                    "status": "free",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=30)).isoformat(),
                }
                entries.append(_entry(slot))
                slot_keys.append((sched["_who"], start))
    yesterday = datetime.now(TZ).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    past = {
        "resourceType": "Slot",
        "schedule": {"reference": entries[1]["fullUrl"]},
        "status": "free",
        "start": yesterday.isoformat(),
        "end": (yesterday + timedelta(minutes=30)).isoformat(),
    }
    entries.append(_entry(past))
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{k: v for k, v in e.items() if not k.startswith("_")} for e in entries],
    }
    resp = await http.post(f"{base_url}/", json=bundle, headers={"Authorization": f"Bearer {STATIC_TOKEN}"})
    assert resp.status_code == 200, resp.text
    ids = [e["resource"]["id"] for e in resp.json()["entry"]]
    practitioners = {k: ids[i * 2] for i, k in enumerate(people)}
    patient_ids = {
        e["_who"]: ids[i] for i, e in enumerate(entries) if e["resource"]["resourceType"] == "Patient"
    }
    slot_ids = [ids[i] for i, e in enumerate(entries) if e["resource"]["resourceType"] == "Slot"]
    return Clinic(
        practitioners, patient_ids, dict(zip(slot_keys, slot_ids[:-1], strict=True)), days, slot_ids[-1]
    )


@pytest.fixture
async def clinic(fhir_server: FhirServer) -> Clinic:
    fhir_server.control("reset")
    async with httpx.AsyncClient(timeout=10) as http:
        return await seed_clinic(http, fhir_server.base_url)


@pytest.fixture
async def connector(fhir_server: FhirServer, clinic: Clinic) -> AsyncIterator[FhirConnector]:
    conn = FhirConnector(fhir_server.base_url, auth=StaticBearer(STATIC_TOKEN), timezone=TZ, policy=FAST)
    yield conn
    await conn.aclose()


@pytest.fixture
async def raw(fhir_server: FhirServer) -> AsyncIterator[httpx.AsyncClient]:
    """Straight HTTP to the server, to check what the connector really wrote."""
    headers = {"Authorization": f"Bearer {STATIC_TOKEN}"}
    async with httpx.AsyncClient(base_url=fhir_server.base_url, headers=headers, timeout=10) as http:
        yield http
