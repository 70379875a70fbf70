"""HTTP and WebSocket routes of this edge (filled in by the issue that builds it)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
