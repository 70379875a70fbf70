"""The FastAPI application: `create_app(settings)` builds it; the lifespan opens shared resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.chat.routes import router as chat_router
from gateway.chat.service import ChatService
from gateway.console.headers import SecurityHeaders
from gateway.console.routes import router as console_router
from gateway.console.state import ConsoleState
from gateway.console.two_factor import report_stored_secrets
from gateway.deps import ServicesDep
from gateway.drain import Drain
from gateway.observability.routes import router as metrics_router
from gateway.observability.telemetry import Telemetry
from gateway.services import EdgeFactory, Services
from gateway.settings import Settings
from gateway.twilio.edge import VoiceEdge
from gateway.twilio.routes import router as twilio_router
from gateway.wiring import Clock

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# The channels this gateway serves: each adds its process-wide part to the services.
CHANNELS: tuple[EdgeFactory, ...] = (VoiceEdge.start, ChatService.start)


def create_app(
    settings: Settings, clock: Clock | None = None, *, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """`clock` sets what "now" is for the agent and the demo practice (`frontdesk eval`);
    `tracer_provider` where turn traces go (tests; default: gateway/observability/tracing.py)."""
    console = ConsoleState(settings)
    drain = Drain(settings.drain_deadline_s)  # flipped by `frontdesk serve` on SIGTERM (gateway/drain.py)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        telemetry = Telemetry.from_settings(settings, tracer_provider)
        services = await Services.start(settings, clock, CHANNELS, telemetry=telemetry)
        services.drain = drain
        app.state.services = services
        await report_stored_secrets(settings, services.db)  # TOTP secrets in clear, or no key for them
        try:
            yield
        finally:
            await services.stop()
            await console.close()  # the argon2 pool, the Redis client

    # /docs and /openapi.json map every endpoint for whoever asks: only when turned on.
    docs = settings.api_docs
    app = FastAPI(
        title="Frontdesk",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    # Where gateway.deps finds them for every route: settings and the console's state now,
    # the services when the lifespan has opened them.
    app.state.settings = settings
    app.state.console = console
    app.state.drain = drain
    app.add_middleware(SecurityHeaders, https=settings.public_url.lower().startswith("https://"))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(services: ServicesDep) -> JSONResponse:
        report = await services.readiness()
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    app.include_router(twilio_router)
    app.include_router(chat_router)
    app.include_router(console_router)
    app.include_router(metrics_router)  # 404 unless FRONTDESK_METRICS_TOKEN is set
    if settings.trusted_proxies:
        # X-Forwarded-For/-Proto rewrite the client address and scheme only when the TCP peer is
        # one of these; from anyone else they are ignored (rate limits and audit see the peer).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
