"""Scenario files: YAML in, `Scenario`s out, or a `ScenarioFileError` naming file, line and field.

A file holds one scenario (a mapping) or several (a list of mappings). Paths of `wav` turns are
relative to the file. Directories are searched for `*.yaml` / `*.yml`, in name order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gateway.evaluation.scenario import Scenario


class ScenarioFileError(Exception):
    """A scenario file that cannot be used; the message says where and why."""


def scenario_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioFileError(f"{path}: no such file or directory")
    return files


def load_scenarios(paths: list[Path]) -> list[Scenario]:
    """Every scenario in `paths` (files or directories); names must be unique."""
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in scenario_files(paths):
        for scenario in load_file(file):
            if scenario.name in seen:
                raise ScenarioFileError(
                    f"{scenario.source}: scenario name {scenario.name!r} is already used at {seen[scenario.name]}"
                )
            seen[scenario.name] = scenario.source
            scenarios.append(scenario)
    return scenarios


def load_file(path: Path) -> list[Scenario]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioFileError(f"{path}{line}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError(f"{path}: not valid YAML: {exc}") from None
    if data is None or root is None:
        raise ScenarioFileError(f"{path}: empty file")
    if isinstance(data, dict):
        items, nodes = [data], [root]
    elif isinstance(data, list):
        items, nodes = data, list(root.value)
    else:
        raise ScenarioFileError(f"{path}:1: expected a scenario (a mapping) or a list of scenarios")
    scenarios = []
    for index, (item, node) in enumerate(zip(items, nodes, strict=True)):
        where = f"{path}:{node.start_mark.line + 1}"
        if not isinstance(item, dict):
            raise ScenarioFileError(f"{where}: expected a scenario (a mapping with name, turns, expect)")
        try:
            scenario = Scenario.model_validate({**item, "source": where})
        except ValidationError as exc:
            raise ScenarioFileError(
                _explain(path, node, exc, index if isinstance(data, list) else None)
            ) from None
        scenarios.append(_resolve_wavs(scenario, path))
    return scenarios


def _resolve_wavs(scenario: Scenario, path: Path) -> Scenario:
    turns = []
    for number, turn in enumerate(scenario.turns, start=1):
        if turn.wav is not None:
            wav = (turn.wav if turn.wav.is_absolute() else path.parent / turn.wav).resolve()
            if not wav.is_file():
                raise ScenarioFileError(f"{scenario.source}: turn {number}: no such WAV file: {wav}")
            turn = turn.model_copy(update={"wav": wav})
        turns.append(turn)
    return scenario.model_copy(update={"turns": turns})


def _explain(path: Path, node: Any, exc: ValidationError, index: int | None) -> str:
    """One line per problem: file:line: field.path: message."""
    lines = []
    for error in exc.errors():
        raw = list(error["loc"])
        if "bool" in raw:  # true/false or a mapping: the mapping's own error says more
            continue
        loc = _drop_union_tags(raw)
        target = _node_at(node, loc)
        line = (target or node).start_mark.line + 1
        field = ".".join(str(p) for p in loc) or "scenario"
        if index is not None:
            field = f"[{index}].{field}" if loc else f"[{index}]"
        message = error["msg"]
        if "Handoff" in raw and raw[-1] == "Handoff":
            message = "expected true, false or {reason: text}"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (misspelt?)"
        elif error["type"] == "missing":
            message = "required field is missing"
        lines.append(f"{path}:{line}: {field}: {message}")
    return "\n".join(dict.fromkeys(lines))


def _drop_union_tags(loc: list[Any]) -> list[Any]:
    """Pydantic names the union member it tried (`bool`, `Handoff`); they are not YAML keys."""
    return [p for p in loc if p not in _UNION_TAGS]


_UNION_TAGS = {"bool", "Handoff"}


def _node_at(node: Any, loc: list[Any]) -> Any:
    """The YAML node at a validation error's location (the deepest one that exists)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            key = "from" if part == "from_" else part
            match = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if match is None:
                return node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node
