"""The console's alert for identity checks under attack: patient records, calling numbers and
client addresses with many failed identity checks across conversations (`agents.identity_attempts`).

Every console page loads it into a banner under the header. It names no person, number or address
(the table keeps only keyed hashes): staff open the last conversation it links to, where the
transcript says who was claimed and from where.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.console.rendering import render
from gateway.deps import CurrentStaff, ServicesDep
from gateway.store.identity_attempts import under_attack
from gateway.wiring import identity_policy

router = APIRouter()

_WHAT = {"patient": "patient record", "caller_number": "calling number", "client_address": "client address"}


@router.get("/console/identity-alerts", response_model=None)
async def identity_alerts(request: Request, services: ServicesDep, user: CurrentStaff) -> Response:
    alerts = await under_attack(services.db, identity_policy(services.settings))
    return render(request, "_identity_alerts.html", {"alerts": alerts, "what": _WHAT}, user=user)
