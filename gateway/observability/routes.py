"""`GET /metrics` on the public app: Prometheus text, only for a request bearing the metrics token.

Without `FRONTDESK_METRICS_TOKEN` the route answers 404, as if it did not exist (metrics can
still be served on their own private address, `FRONTDESK_METRICS_PORT`). A missing or wrong
token gets 401 and a `security.rejected` event, aggregated per client address like every refusal.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import ServicesDep, SettingsDep

router = APIRouter()


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    if settings.metrics_token is None:
        return Response("not found", status_code=404, media_type="text/plain")
    given = bearer_token(request.headers.get("authorization"))
    expected = settings.metrics_token.get_secret_value()
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        remote = request.client.host if request.client else None
        await services.rejections.reject(remote, "metrics_token_refused", path="/metrics")
        return Response(
            "unauthorized",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body = generate_latest(services.telemetry.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
