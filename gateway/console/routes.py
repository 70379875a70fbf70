"""The staff console's routes, under /console, and the staff API (see docs/console.md)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.console import (
    account,
    admin,
    after_call,
    callbacks,
    forms,
    identity_alerts,
    login,
    login_code,
    staff_api,
    test_call,
    views,
)

router = APIRouter(tags=["console"])
for part in (
    login.router,
    login_code.router,
    account.router,
    views.router,
    callbacks.router,
    after_call.router,
    forms.router,
    admin.router,
    identity_alerts.router,
    staff_api.router,
    test_call.router,
):
    router.include_router(part)
