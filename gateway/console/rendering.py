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

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def business_tz(request: Request) -> ZoneInfo:
    return ZoneInfo(get_settings(request).timezone)


@pass_context
def _local(ctx: Any, value: datetime | None, time_only: bool = False) -> str:
    """A stored timestamp in the business's time zone (SQLite returns naive UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(ctx["tz"])
    return local.strftime("%H:%M:%S" if time_only else "%Y-%m-%d %H:%M")


templates.env.filters["local"] = _local


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
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)
