"""Process-wide shared resources, opened once in the app's lifespan and passed to every edge.

Each area adds what it owns here (speech models, the agent, chat hub ...). Nothing is global:
routes reach it through `request.app.state.services` / `websocket.app.state.services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.settings import Settings


@dataclass
class Services:
    settings: Settings
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        settings.ensure_data_dir()
        return cls(settings=settings)

    async def readiness(self) -> dict[str, Any]:
        return {"ready": True}

    async def stop(self) -> None:
        return None
