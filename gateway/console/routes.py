"""The staff console's routes, under /console, and the staff API (see docs/console.md)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.console import admin, callbacks, forms, identity_alerts, login, staff_api, test_call, views

router = APIRouter(tags=["console"])
for part in (
    login.router,
    views.router,
    callbacks.router,
    forms.router,
    admin.router,
    identity_alerts.router,
    staff_api.router,
    test_call.router,
):
    router.include_router(part)
