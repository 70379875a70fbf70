"""One bot reply as every channel takes it: text as the agent produces it, then how the turn ended.

The agent streams `ReplyDelta | Handoff | EndConversation`; this is the one place that tells them
apart. A channel iterates the reply's text (the chat hub publishes deltas, the voice edge
synthesizes them, `agent chat` prints them) and, once the text is over, acts on `outcome`:
`Done` (wait for the next turn), the agent's `Handoff` (a person takes over) or its
`EndConversation` (say goodbye and close). The conversation has already stored what each means
(the handoff row, the state's `ended`); the channel does only what is its own.

Closing the text early (barge-in, `aclose`, cancellation) closes the agent's stream, which stores
the bot turn as said so far.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from agents.api import AgentOutput, EndConversation, Handoff, ReplyDelta


@dataclass(frozen=True)
class Done:
    """The reply is complete and the conversation goes on."""


Outcome = Done | Handoff | EndConversation


class Reply:
    def __init__(self, outputs: AsyncGenerator[AgentOutput, None]) -> None:
        self._outputs = outputs
        self.outcome: Outcome = Done()  # final once the text is over

    async def text(self) -> AsyncGenerator[str, None]:
        """The reply's text pieces in order, as the agent produces them (whole sentences when it can)."""
        async with aclosing(self._outputs) as outputs:
            async for out in outputs:
                if isinstance(out, ReplyDelta):
                    yield out.text
                elif not isinstance(self.outcome, Handoff):  # a person asked for stays asked for
                    self.outcome = out

    def __aiter__(self) -> AsyncGenerator[str, None]:
        return self.text()

    async def finish(self) -> Outcome:
        """Run the reply to its end without using its text (the turn is still stored)."""
        async with aclosing(self.text()) as pieces:
            async for _ in pieces:
                pass
        return self.outcome
