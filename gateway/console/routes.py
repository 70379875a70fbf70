"""The staff console's routes, under /console (see docs/console.md)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.console import admin, forms, login, views

router = APIRouter(tags=["console"])
for part in (login.router, views.router, forms.router, admin.router):
    router.include_router(part)
