"""Stream tokens: one per call, handed out in the TwiML, spent when the media stream's `start` arrives.

The signed WebSocket upgrade proves the request came from Twilio; the token additionally ties the
stream to the call whose webhook we answered, and a captured token cannot be replayed. A call has
exactly one token: it is derived from the conversation id with the session secret (HMAC), so a
webhook repeated for the same CallSid (Twilio retrying, or a replay) yields the same token and the
same database row, on any replica and without a race. Once the stream has started the token is
spent and a repeated webhook gets no token at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.store.db import Database
from gateway.store.models import CallTokenRow


class TokenRefused(Exception):
    """Unknown, already used or expired; the message says which."""


def _token_for(conversation_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), b"twilio-stream:" + conversation_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


async def issue(db: Database, conversation_id: str, secret: str) -> str:
    """The call's stream token; `TokenRefused` once its stream has started."""
    token = _token_for(conversation_id, secret)
    for _ in range(2):
        async with db.session() as s:
            row = await s.get(CallTokenRow, token)
        if row is not None:
            if row.used_at is not None:
                raise TokenRefused("stream already started for this call")
            return token
        try:
            async with db.session() as s, s.begin():
                s.add(CallTokenRow(token=token, conversation_id=conversation_id))
            return token
        except IntegrityError:  # another replica inserted it first: read it back
            continue
    raise TokenRefused("stream token could not be stored")


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
