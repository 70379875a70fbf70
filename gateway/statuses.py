"""The statuses a conversation and a handoff go through: one vocabulary, stored as these values.

A conversation is `active` (the bot answers), `waiting` (handed over, nobody has taken it yet),
`with_staff` (a person took it or wrote in it) or `closed`. Its handoff record is `waiting` until
a person claims it (`claimed`) and then `resolved`. The chat protocol names the same four states
as widgets know them (`bot`, `staff_joined`: `gateway.chat.protocol.chat_status`); inside the
gateway there is only this vocabulary.
"""

from __future__ import annotations

from enum import StrEnum


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    WAITING = "waiting"
    WITH_STAFF = "with_staff"
    CLOSED = "closed"

    @property
    def with_person(self) -> bool:
        """A person has (or is about to take) the conversation: the bot stays quiet."""
        return self in (ConversationStatus.WAITING, ConversationStatus.WITH_STAFF)


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


OPEN_HANDOFF = (HandoffStatus.WAITING, HandoffStatus.CLAIMED)
