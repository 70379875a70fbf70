"""What the phone channel itself says (not the agent): around a transfer, and after a failure."""

from __future__ import annotations

TRANSFER_NOTICE = "Please hold while I connect you to a member of our team."
TRANSFER_FAILED = "I'm sorry, I can't connect you right now. A member of our team will call you back shortly."
SORRY = "I'm sorry, something went wrong on our side. Could you say that again?"
# The replica is stopping and the drain deadline has passed (docs/drain.md). Only what is true: what
# was confirmed on the call is stored; a new call starts afresh.
DRAIN_GOODBYE = (
    "I'm sorry, I have to end this call now because our phone system is restarting. Anything we"
    " confirmed on this call is saved. Please call us back in a minute."
)

PHONE_PHRASES = (TRANSFER_NOTICE, TRANSFER_FAILED, SORRY, DRAIN_GOODBYE)
