"""The SOQL and SOSL the local Salesforce understands (tests/fakes/salesforce_server.py), evaluated
over its in-memory store: SELECT fields FROM type [WHERE a = 'x' AND b != null AND c IN ('p', 'q')
AND d >= 2026-12-08T00:00:00Z] [ORDER BY f] [LIMIT n], and FIND {"a" OR "b"} IN PHONE|EMAIL FIELDS
RETURNING Type(fields [WHERE ...]), ... [LIMIT n]. Anything else is refused as Salesforce would
refuse a malformed query (`QueryError`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

Store = dict[str, dict[str, dict[str, Any]]]
Known = Callable[[str], set[str]]
Condition = tuple[str, str, Any]

PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone")
_VALUE = (
    r"'(?:[^'\\]|\\.)*'|true|false|null|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\((?:\s*'(?:[^'\\]|\\.)*'\s*,?)+\)"
)
_CONDITION = re.compile(r"\s*(\w+)\s*(=|!=|>=|<=|>|<|\bIN\b)\s*(" + _VALUE + r")\s*", re.IGNORECASE)


class QueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def digits(value: Any) -> str:
    return "".join(c for c in str(value or "") if c.isdigit())


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), text)


def with_attributes(sobject: str, record: dict[str, Any], wanted: list[str] | None) -> dict[str, Any]:
    names = wanted if wanted else sorted(record)
    return {
        "attributes": {"type": sobject, "url": f"/services/data/v60.0/sobjects/{sobject}/{record['Id']}"},
        **{n: record.get(n) for n in names},
    }


def parse_where(clause: str | None, known: set[str]) -> list[Condition] | None:
    """The conditions of a WHERE clause; None when it is anything but conditions joined by AND."""
    if not clause:
        return []
    conditions: list[Condition] = []
    text, at = clause.strip(), 0
    while True:
        m = _CONDITION.match(text, at)
        if not m or m.group(1) not in known:
            return None
        raw = m.group(3)
        value: Any
        if raw.startswith("'"):
            value = unescape(raw[1:-1])
        elif raw.startswith("("):
            value = [unescape(v) for v in re.findall(r"'((?:[^'\\]|\\.)*)'", raw)]
        elif raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.lower() == "null":
            value = None
        else:
            value = datetime.fromisoformat(raw)
        conditions.append((m.group(1), m.group(2).upper(), value))
        at = m.end()
        if at == len(text):
            return conditions
        joiner = re.compile(r"AND\s+", re.IGNORECASE).match(text, at)
        if not joiner:
            return None
        at = joiner.end()


def holds(record: dict[str, Any], conditions: list[Condition]) -> bool:
    for name, op, value in conditions:
        have = record.get(name)
        if value is None:
            ok = (have is None) == (op == "=")
        elif isinstance(value, bool):
            ok = bool(have) == value if op == "=" else bool(have) != value
        elif isinstance(value, list):
            ok = str(have or "").lower() in {v.lower() for v in value}
        elif isinstance(value, datetime):
            if have is None:
                return False
            moment = datetime.fromisoformat(str(have))
            ok = {
                "=": moment == value, "!=": moment != value, ">=": moment >= value,
                "<=": moment <= value, ">": moment > value, "<": moment < value,
            }[op]  # fmt: skip
        else:  # SOQL's = on text ignores case
            same = str(have or "").lower() == str(value).lower()
            ok = same if op == "=" else not same if op == "!=" else False
        if not ok:
            return False
    return True


def soql(q: str, store: Store, known: Known) -> dict[str, Any]:
    m = re.fullmatch(
        r"SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(\w+)(?:\s+ASC)?)?"
        r"(?:\s+LIMIT\s+(\d+))?\s*",
        q,
        re.IGNORECASE | re.DOTALL,
    )
    if not m or m.group(2) not in store:
        raise QueryError("MALFORMED_QUERY", f"unexpected token in: {q[:80]}")
    sobject = m.group(2)
    names = [n.strip() for n in m.group(1).split(",")]
    order = m.group(4)
    unknown = [n for n in [*names, *([order] if order else [])] if n not in known(sobject)]
    conditions = parse_where(m.group(3), known(sobject))
    if unknown or conditions is None:
        raise QueryError("INVALID_FIELD", f"No such column on entity '{sobject}': {unknown}")
    found = [r for r in store[sobject].values() if holds(r, conditions)]
    if order:
        found.sort(key=lambda r: (r.get(order) is None, str(r.get(order) or "")))
    records = [with_attributes(sobject, r, names) for r in found[: int(m.group(5) or 2000)]]
    return {"totalSize": len(records), "done": True, "records": records}


def sosl(q: str, store: Store, known: Known) -> dict[str, Any]:
    """Phone terms match a stored number by its digits (as Salesforce's phone search ignores
    formatting); e-mail terms match an address exactly, in any case."""
    m = re.fullmatch(
        r"FIND\s+\{(.*)\}\s+IN\s+(PHONE|EMAIL)\s+FIELDS\s+RETURNING\s+(.+?)(?:\s+LIMIT\s+(\d+))?\s*",
        q,
        re.IGNORECASE | re.DOTALL,
    )
    if not m:
        raise QueryError("MALFORMED_SEARCH", f"unexpected token in: {q[:80]}")
    terms = [unescape(t) for t in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))]
    if not terms or any(len(t.strip()) < 2 for t in terms):
        raise QueryError("MALFORMED_SEARCH", "search term must be longer than one character")
    scope = m.group(2).upper()
    results: list[dict[str, Any]] = []
    for spec in re.finditer(r"(\w+)\(([^)]*)\)", m.group(3)):
        sobject, inner = spec.group(1), spec.group(2)
        if sobject not in store:
            raise QueryError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        fields_part, _, where = inner.partition(" WHERE ")
        names = [n.strip() for n in fields_part.split(",")]
        conditions = parse_where(where or None, known(sobject))
        if conditions is None or any(n not in known(sobject) for n in names):
            raise QueryError("INVALID_FIELD", f"bad RETURNING clause for {sobject}")
        for record in store[sobject].values():
            if scope == "PHONE":
                stored = {digits(record.get(f)) for f in PHONE_FIELDS if record.get(f)}
                hit = any(digits(t) in stored for t in terms)
            else:
                hit = str(record.get("Email") or "").lower() in {t.lower() for t in terms}
            if hit and holds(record, conditions):
                results.append(with_attributes(sobject, record, names))
    return {"searchRecords": results[: int(m.group(4) or 2000)]}
