"""How deeply a JSON text nests, checked before it is parsed.

`json.loads` recurses once per level of nesting, and on a frame of `[` x 8000 it runs the thread
into the interpreter's recursion limit before giving up with a RecursionError. Anything that runs
Python code at that depth (a garbage-collection callback, an object's finaliser collected right
then) overflows the stack again while the error is being handled, and the interpreter aborts the
whole process ("Fatal Python error: Cannot recover from stack overflow": found by the WebSocket
fuzzing, tests/gateway/fuzz/). The protocols' frames nest a few levels, so a frame nested deeper
than `MAX_DEPTH` is refused before the parser sees it.
"""

from __future__ import annotations

MAX_DEPTH = 64


def nested_too_deeply(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when `text` opens more than `limit` arrays or objects inside one another.

    Brackets inside strings do not count. Linear in the text; a text with no more than `limit`
    opening brackets in all (every real frame) is answered without scanning it."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False
