"""A renderer for the small subset of Helm's template language the chart in deploy/helm/ keeps to.

Helm is not installed where the tests run, so the chart is rendered here. The subset, and nothing
else (anything else raises `Unsupported`, so the chart cannot drift into constructs this renderer
would get wrong):

- `{{ PATH }}` and `{{ PATH | quote }}`, where PATH is `.Values.a.b...`, `.Release.Name`,
  `.Chart.Name` or `.Chart.AppVersion`;
- `{{ if PATH }} ... {{ end }}` (nestable), true as Go templates have it: not false, 0, nil or empty;
- `{{-` and `-}}` trim the whitespace (newlines included) before and after the action, as in Go.

Stricter than Helm where Helm would quietly render something wrong: a missing value is an error
(Helm prints `<no value>`), so is a map, list or null printed as text (Helm needs `toYaml`), and
a number of a million or more (Helm keeps numbers as float64 and prints 1e+06).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

ACTION = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)
PATH = r"\.(?:Values(?:\.[A-Za-z_][A-Za-z0-9_]*)+|Release\.Name|Chart\.Name|Chart\.AppVersion)"
OUTPUT = re.compile(rf"^({PATH})(?:\s*\|\s*(quote))?$")
IF = re.compile(rf"^if\s+({PATH})$")


class Unsupported(Exception):
    """The template uses something outside the subset, or a value the subset cannot print."""


@dataclass
class Node:
    condition: str | None = None  # None: the template's top level
    parts: list[str | tuple[str, str | None] | Node] = field(default_factory=list)


def _parse(template: str, name: str) -> Node:
    # Trimming first, on the raw text, as Go's lexer does it.
    pieces: list[str | tuple[str, str]] = []  # text, or (kind, body)
    pos = 0
    for m in ACTION.finditer(template):
        text = template[pos : m.start()]
        if m.group(1):
            text = text.rstrip(" \t\r\n")
        if pieces and isinstance(pieces[-1], tuple) and pieces[-1][0] == "trim-after":
            pieces.pop()
            text = text.lstrip(" \t\r\n")
        pieces.append(text)
        body = m.group(2)
        if m.group(1) and not body.startswith((" ", "\t", "\n")):
            raise Unsupported(f"{name}: '{{{{-' needs a space after it: {m.group(0)!r}")
        if m.group(3) and not body.endswith((" ", "\t", "\n")):
            raise Unsupported(f"{name}: '-}}}}' needs a space before it: {m.group(0)!r}")
        pieces.append(("action", body.strip()))
        if m.group(3):
            pieces.append(("trim-after", ""))
        pos = m.end()
    rest = template[pos:]
    if pieces and isinstance(pieces[-1], tuple) and pieces[-1][0] == "trim-after":
        pieces.pop()
        rest = rest.lstrip(" \t\r\n")
    pieces.append(rest)

    root = Node()
    stack = [root]
    for piece in pieces:
        if isinstance(piece, str):
            if "{{" in piece or "}}" in piece:
                raise Unsupported(f"{name}: unbalanced braces in {piece.strip()[:60]!r}")
            stack[-1].parts.append(piece)
            continue
        body = piece[1]
        if body == "end":
            if len(stack) == 1:
                raise Unsupported(f"{name}: 'end' without 'if'")
            stack.pop()
        elif condition := IF.match(body):
            node = Node(condition=condition.group(1))
            stack[-1].parts.append(node)
            stack.append(node)
        elif output := OUTPUT.match(body):
            stack[-1].parts.append((output.group(1), output.group(2)))
        else:
            raise Unsupported(f"{name}: '{{{{ {body} }}}}' is outside the supported subset")
    if len(stack) != 1:
        raise Unsupported(f"{name}: 'if {stack[-1].condition}' is never closed with 'end'")
    return root


def _lookup(path: str, scope: dict[str, Any]) -> Any:
    value: Any = scope
    walked = ""
    for key in path.lstrip(".").split("."):
        walked += "." + key
        if not isinstance(value, dict) or key not in value:
            raise Unsupported(f"{walked} is not set (Helm would render '<no value>')")
        value = value[key]
    return value


def _text(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) >= 1_000_000:
            raise Unsupported(f"{path} = {value}: Helm prints numbers this large as floats (1e+06)")
        return str(value)
    if isinstance(value, str):
        return value
    raise Unsupported(f"{path} is a {type(value).__name__}: printing it needs toYaml, outside the subset")


def _quote(text: str) -> str:
    # Go's %q: a double-quoted string with \" and \\ escaped; JSON's escapes are valid YAML too.
    return json.dumps(text, ensure_ascii=False)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and value != {} and value != []


def _render(node: Node, scope: dict[str, Any]) -> str:
    out = []
    for part in node.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Node):
            assert part.condition is not None
            if _truthy(_lookup(part.condition, scope)):
                out.append(_render(part, scope))
        else:
            path, function = part
            text = _text(_lookup(path, scope), path)
            out.append(_quote(text) if function == "quote" else text)
    return "".join(out)


def render(
    template: str, *, values: dict[str, Any], chart: dict[str, Any], release: str, name: str = ""
) -> str:
    """The template rendered as `helm template <release> <chart>` would with these values."""
    scope = {
        "Values": values,
        "Release": {"Name": release},
        "Chart": {"Name": chart["name"], "AppVersion": chart["appVersion"]},
    }
    return _render(_parse(template, name), scope)
