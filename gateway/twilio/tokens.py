"""Stream tokens: one per call, handed out in the TwiML, spent when the media stream's `start` arrives.

The signed WebSocket upgrade proves the request came from Twilio; the token additionally ties the
stream to the call whose webhook we answered, and a captured token cannot be replayed. A call has
exactly one token: it is derived from the conversation id with the session secret (HMAC), so a
webhook repeated for the same CallSid (Twilio retrying, or a replay) yields the same token and the
same database row, on any replica and without a race. Once the stream has started the token is
spent and a repeated webhook gets no token at all.

While the database is away (issue #18) a stream's start cannot spend its token there. The process
that answered the call's webhook a moment before still knows the token (`IssuedHere`, kept by the
voice edge for the tokens' lifetime): it checks and spends it in memory and puts the spend in the
turn spool (gateway/store/call_writes.py), stored once the database is back, so the token stays
one-time. A token this process did not hand out cannot be checked then and is refused
(`TokenUnverifiable`): another replica's, or a forged one, which cannot be told apart without the
database. A call answered during the outage (its conversation opened through the spool) gets its
token the same way: remembered here, its row put in the turn spool (gateway/store/open_writes.py)
behind the conversation's; until that row is stored its stream's start is decided here, without
asking the database (which would not know the token yet).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.logging import get_logger
from gateway.store.call_writes import TOKEN_SPENT, token_spent_row
from gateway.store.db import Database, unreachable
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import CallTokenRow
from gateway.store.open_writes import CALL_TOKEN, call_token_row, conversation_spooled, spooled
from gateway.store.spool_file import SpoolFull

log = get_logger(__name__)


class TokenRefused(Exception):
    """Unknown, already used or expired; the message says which."""


class TokenUnverifiable(TokenRefused):
    """The database is away and the token cannot be checked and spent here: this process did not
    hand it out (or no longer remembers it, its lifetime over), or the spend could not be kept."""


@dataclass(slots=True)
class _Issued:
    conversation_id: str
    at: float  # time.monotonic() when this process first handed it out
    spent: bool = False  # by a stream's start here, whichever way


class IssuedHere:
    """The stream tokens this process handed out within their lifetime, and which are spent.

    Consulted on every stream's start, before the database: a token spent here is refused here
    again, even while its spend waits in the spool (the database does not know it yet, also after
    a restart of this gateway until the spool is replayed). Bounded: a token is forgotten once its
    lifetime is over (it is expired then anyway)."""

    def __init__(self, ttl_s: float, writes: GroupCommitter) -> None:
        self.ttl_s = ttl_s
        self.writes = writes
        self._issued: dict[str, _Issued] = {}  # in the order first handed out: the oldest first

    def remember(self, token: str, conversation_id: str) -> None:
        self._forget_expired()
        if token not in self._issued:  # a repeated webhook: the first hand-out's time stays
            self._issued[token] = _Issued(conversation_id, time.monotonic())

    def _forget_expired(self) -> None:
        oldest = time.monotonic() - self.ttl_s
        while self._issued:
            token, issued = next(iter(self._issued.items()))
            if issued.at >= oldest:
                return
            del self._issued[token]

    def claim(self, token: str) -> _Issued | None:
        """Take `token` for one stream: None when this process did not hand it out; `TokenRefused`
        when a stream took it before (here, or a spend still waiting in the spool)."""
        if self._spend_spooled(token):
            raise TokenRefused("token already used")
        issued = self._issued.get(token)
        if issued is None:
            return None
        if issued.spent:
            raise TokenRefused("token already used")
        issued.spent = True  # no await since the check: of two streams at once one wins
        return issued

    def release(self, token: str) -> None:
        """The claimed token was not spent after all (the database failed otherwise)."""
        issued = self._issued.get(token)
        if issued is not None:
            issued.spent = False

    def _spend_spooled(self, token: str) -> bool:
        spool = self.writes.spool
        return spool is not None and spooled(spool.pending, TOKEN_SPENT, "b_token", token)

    def row_spooled(self, token: str) -> bool:
        """The token's own row waits in the spool (handed out while the database was away)."""
        spool = self.writes.spool
        return spool is not None and spooled(spool.pending, CALL_TOKEN, "token", token)

    async def issue_while_away(self, token: str, conversation_id: str) -> bool:
        """Hand `token` out without the database: True when it is known here (handed out before,
        its row on record or spooled) or its row is now in the spool; False when there is no spool
        here or it refused. `TokenRefused` once its stream has started here."""
        issued = self._issued.get(token)
        if issued is not None:  # a repeated webhook
            if issued.spent:
                raise TokenRefused("stream already started for this call")
            return True
        try:
            await self.writes.spool_rows([call_token_row(token, conversation_id, datetime.now(UTC))])
        except (RuntimeError, SpoolFull, OSError):
            return False
        self.remember(token, conversation_id)
        log.info("stream token handed out while the database is unreachable: its row is in the turn spool")
        return True

    async def spend_while_away(self, token: str, issued: _Issued) -> str:
        """Spend a claimed token without the database: its spend spooled, its conversation's id."""
        if time.monotonic() - issued.at > self.ttl_s:
            raise TokenRefused("token expired")
        try:
            await self.writes.spool_rows([token_spent_row(token, datetime.now(UTC))])
        except (RuntimeError, SpoolFull, OSError) as refused:  # no spool here, or a full one
            self.release(token)
            raise TokenUnverifiable(
                f"the database is unreachable and the spool refused the token's spend ({type(refused).__name__})"
            ) from None
        log.warning("stream token spent here: the database is unreachable, its spend is in the turn spool")
        return issued.conversation_id


def _token_for(conversation_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), b"twilio-stream:" + conversation_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


async def issue(db: Database, conversation_id: str, secret: str, here: IssuedHere | None = None) -> str:
    """The call's stream token; `TokenRefused` once its stream has started. `here`: this process's
    memory of the tokens it handed out (the voice edge's); with it, while the database is away the
    token is handed out from there (`IssuedHere.issue_while_away`), else the database's error."""
    token = _token_for(conversation_id, secret)
    if (
        here is not None
        and conversation_spooled(here.writes, conversation_id)
        and await here.issue_while_away(token, conversation_id)
    ):
        # Opened during the outage, its row not stored yet (also if the database answers again
        # meanwhile): the token's row follows it there, the database could not take it before.
        return token
    try:
        await _issue_stored(db, conversation_id, token)
    except Exception as exc:
        if here is None or not unreachable(exc) or not await here.issue_while_away(token, conversation_id):
            raise
        return token
    if here is not None:
        here.remember(token, conversation_id)
    return token


async def _issue_stored(db: Database, conversation_id: str, token: str) -> None:
    for _ in range(2):
        async with db.session() as s:
            row = await s.get(CallTokenRow, token)
        if row is not None:
            if row.used_at is not None:
                raise TokenRefused("stream already started for this call")
            break
        try:
            async with db.session() as s, s.begin():
                s.add(CallTokenRow(token=token, conversation_id=conversation_id))
            break
        except IntegrityError:  # another replica inserted it first: read it back
            continue
    else:
        raise TokenRefused("stream token could not be stored")


async def redeem(db: Database, token: str, ttl_s: float, here: IssuedHere | None = None) -> str:
    """Spend `token` and return its conversation id. Atomic: of two racing redeems one wins.

    With `here`, a token spent here already is refused without asking the database, and while the
    database is away a token handed out here is spent in memory (its spend spooled); any other
    token is then refused (`TokenUnverifiable`)."""
    if not token or len(token) > 128:
        raise TokenRefused("missing or malformed token")
    issued = here.claim(token) if here is not None else None
    if here is not None and issued is not None and here.row_spooled(token):
        # Handed out during an outage, its row not stored yet: the database does not know it.
        return await here.spend_while_away(token, issued)
    try:
        return await _redeem_stored(db, token, ttl_s)
    except TokenRefused:
        raise  # the database's verdict: a claimed token stays spent here (used or expired)
    except Exception as exc:
        if here is None or not unreachable(exc):
            if here is not None and issued is not None:
                here.release(token)  # the transaction did not go through: not spent
            raise
        if issued is None:
            raise TokenUnverifiable(
                "the database is unreachable and this process did not hand out this token"
            ) from None
        return await here.spend_while_away(token, issued)


async def _redeem_stored(db: Database, token: str, ttl_s: float) -> str:
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
