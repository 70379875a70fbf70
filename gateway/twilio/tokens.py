"""One-time stream tokens: issued with the TwiML, spent when the media stream's `start` arrives.

The signed WebSocket upgrade proves the request came from Twilio; the token additionally ties the
stream to the call whose webhook we answered, and a captured token cannot be replayed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from gateway.store.db import Database
from gateway.store.models import CallTokenRow


class TokenRefused(Exception):
    """Unknown, already used or expired; the message says which."""


async def issue(db: Database, conversation_id: str) -> str:
    token = secrets.token_urlsafe(32)
    async with db.session() as s, s.begin():
        s.add(CallTokenRow(token=token, conversation_id=conversation_id))
    return token


async def redeem(db: Database, token: str, ttl_s: float) -> str:
    """Spend `token` and return its conversation id. Atomic: of two racing redeems one wins."""
    if not token or len(token) > 128:
        raise TokenRefused("missing or malformed token")
    now = datetime.now(UTC)
    async with db.session() as s, s.begin():
        spent = await s.execute(
            update(CallTokenRow)
            .where(CallTokenRow.token == token, CallTokenRow.used_at.is_(None))
            .values(used_at=now)
        )
        row = (await s.execute(select(CallTokenRow).where(CallTokenRow.token == token))).scalar_one_or_none()
    if row is None:
        raise TokenRefused("unknown token")
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise TokenRefused("token already used")
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    if now - created > timedelta(seconds=ttl_s):
        raise TokenRefused("token expired")
    return row.conversation_id
