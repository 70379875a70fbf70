"""HTTP and WebSocket routes of the chat edge: the socket, the widget script and the demo page
(staff post to visitors through the console: `gateway.console.staff_api`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, WebSocket
from fastapi.responses import FileResponse, HTMLResponse

from gateway.chat.websocket import chat_socket
from gateway.deps import ServicesDep

STATIC = Path(__file__).parent / "static"

router = APIRouter()


@router.websocket("/chat/ws")
async def chat_ws(websocket: WebSocket, services: ServicesDep) -> None:
    await chat_socket(websocket, services)


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> FileResponse:
    # Short cache: sites embed it by URL, and a fixed widget should reach them within minutes.
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/", include_in_schema=False)
async def demo_page() -> HTMLResponse:
    return HTMLResponse((STATIC / "demo.html").read_text(encoding="utf-8"))
