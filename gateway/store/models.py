"""ORM rows of the gateway's own tables (the demo practice keeps its tables in connectors/demo)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }
    # Every row class here is mapped to a Table; SQLAlchemy types it as the wider FromClause.
    __table__: ClassVar[Table]


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(
        String(16)
    )  # voice | chat | terminal | web-call (a console test call)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|waiting|with_staff|closed
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(128), index=True)  # Twilio CallSid
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The gateway process holding a live call (settings.replica_id); a dead one's calls are ended.
    replica_id: Mapped[str | None] = mapped_column(String(96))


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int]
    speaker: Mapped[str] = mapped_column(String(16))  # caller | bot | staff | system
    text: Mapped[str] = mapped_column(Text)
    heard_text: Mapped[str | None] = mapped_column(Text)  # voice: what the caller actually heard
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditEventRow(Base):
    """Append-only, hash-chained per conversation. Never updated or deleted by the application."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_audit_conversation_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The latest (seq, hash) of each chain: the row every appender locks, so seqs stay gap-free."""

    __tablename__ = "audit_heads"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class HandoffRow(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)  # waiting|claimed|resolved
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # Given when the handoff is requested, so that storing the request again (a replay of the
    # turn spool after an outage, gateway/store/conversation_writes.py) finds it instead of adding
    # a second row. Rows from before migration 0014 have none.
    request_key: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)


class StaffUserRow(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | staff | auditor
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(80))  # "Maria": what visitors are told
    # Two-factor (gateway/console/two_factor.py): the TOTP secret, set while enrolling; on once
    # confirmed; the last time step accepted, so a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed: secret_box.py
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class StaffRecoveryCodeRow(Base):
    """A one-time two-factor recovery code of a staff account, stored as a SHA-256 hash."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class RecordingRow(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # The storage key, `recordings/<conversation id>.wav`: under the data directory with the local
    # store, under FRONTDESK_S3_PREFIX in the bucket with S3 (gateway/storage/recordings.py).
    path: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    channels: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallTokenRow(Base):
    """One-time tokens handed to Twilio in <Parameter>; checked and spent on the stream's start."""

    __tablename__ = "call_tokens"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


Index("ix_conversations_status_started", ConversationRow.status, ConversationRow.started_at)
Index("ix_conversations_replica_status", ConversationRow.replica_id, ConversationRow.status)


class IdentityAttemptRow(Base):
    """Failed identity checks of one key across conversations (gateway/store/identity_attempts.py).
    `key_hash` is an HMAC of the patient claimed, calling number or client address, never the value."""

    __tablename__ = "identity_attempts"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # patient|caller_number|client_address
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    conversations: Mapped[int] = mapped_column(Integer, default=1)  # conversations the failures came from
    first_failure_at: Mapped[datetime]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    last_conversation_id: Mapped[str] = mapped_column(String(64))


class ConsoleSessionRow(Base):
    """A staff login. The signed cookie names it; logout or deactivation revokes it server-side,
    so a copied cookie stops working at once instead of when it expires; idle ones end too."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]  # the staff member's last request (idle logoff)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ChatMessageRow(Base):
    """A sequenced chat event as sent to the widget (the chat outbox), replayed after a reconnect."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_conversation_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallbackRow(Base):
    """A message or callback request the agent took (gateway/store/callbacks.py): open until a
    member of staff marks it done. `reason` is in the caller's words."""

    __tablename__ = "callbacks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # voice | chat | terminal
    caller_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    best_time: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by: Mapped[str | None] = mapped_column(String(255))
    done_at: Mapped[datetime | None]
    crm_task_id: Mapped[str | None] = mapped_column(String(128))  # the CRM's task, when one was made


Index("ix_callbacks_status_created", CallbackRow.status, CallbackRow.created_at)
