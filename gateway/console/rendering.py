"""Jinja2 templates of the console and the context every page gets (user, CSRF token, time zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from gateway.console.accounts import StaffUser
from gateway.deps import get_settings
from gateway.store.models import ConversationRow

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def business_tz(request: Request) -> ZoneInfo:
    return ZoneInfo(get_settings(request).timezone)


# How each FRONTDESK_CONSOLE_DATE_STYLE writes (date and time, time alone, date alone).
_STYLES = {
    "us": ("%b {d}, %Y {h}:%M %p", "{h}:%M:%S %p", "%b {d}, %Y"),  # Dec 5, 2026 9:28 PM
    "day_first": ("{d} %b %Y %H:%M", "%H:%M:%S", "{d} %b %Y"),  # 5 Dec 2026 21:28
    "iso": ("%Y-%m-%d %H:%M", "%H:%M:%S", "%Y-%m-%d"),
}


def format_local(value: datetime, tz: ZoneInfo, style: str, part: str = "datetime") -> str:
    """A timestamp in the business's time zone, in the clinic's style (SQLite returns naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(tz)
    pattern = _STYLES.get(style, _STYLES["iso"])[("datetime", "time", "date").index(part)]
    # Day and 12-hour clock without a leading zero, on every platform (no %-d).
    pattern = pattern.replace("{d}", str(local.day)).replace("{h}", str(local.hour % 12 or 12))
    return local.strftime(pattern)


@pass_context
def _local(ctx: Any, value: datetime | None, time_only: bool = False) -> str:
    if value is None:
        return ""
    return format_local(value, ctx["tz"], ctx["date_style"], "time" if time_only else "datetime")


def waited(since: datetime, now: datetime) -> str:
    """ "just now", "3 min", "1 h 5 min": how long something has been waiting."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def who(row: ConversationRow) -> str:
    """Who the conversation is with: the verified patient's name, else the calling number, else
    "website visitor" for a chat."""
    name = (row.state or {}).get("verified_name")
    if isinstance(name, str) and name:
        return name
    if row.caller_phone:
        return row.caller_phone
    return {"chat": "website visitor", "web-call": "test call"}.get(row.channel, "unknown caller")


def party(channel: str) -> str:
    """Who is on the other end: a caller (phone), a visitor (website chat)."""
    return {"voice": "caller", "chat": "visitor", "web-call": "test call"}.get(channel, channel)


def iso(value: datetime | None) -> str:
    """For `data-since` attributes the page's script reads (UTC, ISO 8601)."""
    if value is None:
        return ""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


templates.env.filters["local"] = _local
templates.env.filters["iso"] = iso
templates.env.globals["who"] = who
templates.env.globals["waited"] = waited
templates.env.globals["party"] = party


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: StaffUser | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session = getattr(request.state, "console_session", None)
    base = {
        "user": user,
        "csrf_token": session.csrf if session is not None and user is not None else None,
        "business_name": get_settings(request).business_name,
        "tz": business_tz(request),
        "now": datetime.now(UTC),
        "date_style": get_settings(request).console_date_style,
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)
