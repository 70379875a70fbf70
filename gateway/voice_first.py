"""Voice before chat for the CPU: chat turns wait while a caller waits for the bot.

Calls and chat share one process and its cores. A caller whose turn has ended hears silence until
the first words of the reply: the transcript (Whisper), the agent and the first sentence's
synthesis (Piper) are on that path, and every millisecond of CPU the box spends on anything else
meanwhile is added to it. A chat visitor reads at their own pace and sees a typing indicator. So
while any caller is waiting (`caller_waiting(call, True)` from the end of the caller's turn to
the first audio of the reply), a chat turn waits before its agent runs (`chat_turn`): until no
caller waits, or at most `max_chat_wait_s`, so that a box full of calls delays chat by a bounded
amount and never stops it. The chat visitor's message is stored before the wait.

The model server is shared the same way; its requests are ranked in the model client
(`agents.priority`).
"""

from __future__ import annotations

import asyncio

MAX_CHAT_WAIT_S = 0.5  # the longest a chat turn is held back for callers


class VoiceFirst:
    def __init__(self, max_chat_wait_s: float = MAX_CHAT_WAIT_S) -> None:
        self.max_chat_wait_s = max_chat_wait_s
        self._waiting: set[object] = set()
        self._clear = asyncio.Event()
        self._clear.set()
        self.chat_turns_held = 0  # chat turns that waited for callers (for tests and metrics)
        self.chat_turns_timed_out = 0  # ... of which until `max_chat_wait_s` ran out

    @property
    def callers_waiting(self) -> int:
        return len(self._waiting)

    def caller_waiting(self, call: object, waiting: bool) -> None:
        """`call`'s caller now waits for the bot (True), or hears it / has hung up (False)."""
        if waiting:
            self._waiting.add(call)
            self._clear.clear()
        else:
            self._waiting.discard(call)
            if not self._waiting:
                self._clear.set()

    async def chat_turn(self) -> None:
        """Return when no caller waits, or after `max_chat_wait_s` (at once when none waits)."""
        if not self._waiting:
            return
        self.chat_turns_held += 1
        try:
            await asyncio.wait_for(self._clear.wait(), self.max_chat_wait_s)
        except TimeoutError:
            self.chat_turns_timed_out += 1
