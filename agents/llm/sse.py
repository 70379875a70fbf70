"""Server-sent events as OpenAI-compatible servers send them: `data: {...}` lines, `data: [DONE]`."""

from __future__ import annotations

from collections.abc import AsyncIterator


async def sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """Yield the data of each event (multi-line data joined by newlines); stop at `[DONE]`.

    Comments (`: keep-alive`) and other fields (`event:`, `id:`, `retry:`) are skipped.
    """
    buffered: list[str] = []
    async for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if buffered:
                data = "\n".join(buffered)
                buffered = []
                if data.strip() == "[DONE]":
                    return
                yield data
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            buffered.append(value[1:] if value.startswith(" ") else value)
    if buffered:
        data = "\n".join(buffered)
        if data.strip() != "[DONE]":
            yield data
