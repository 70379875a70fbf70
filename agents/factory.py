"""Build the conversation agent: the runtime with the offline planner, or with the model planner
and the offline planner as its degraded mode when the model server is down."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from agents.callbacks import CallbackBook
from agents.events import AuditSink
from agents.identity_attempts import IdentityAttempts
from agents.offline.hours import DEFAULT_HOURS, OpeningHours
from agents.offline.planner import OfflinePlanner
from agents.planner import Planner
from agents.runtime import AgentRuntime, Clock
from connectors.base import Connector

if TYPE_CHECKING:  # the model client is imported only when a model server is configured
    from agents.llm.config import ModelClientConfig


def build_agent(
    *,
    connector: Connector,
    audit: AuditSink,
    timezone: str,
    business_name: str,
    llm: ModelClientConfig | None = None,
    clock: Clock | None = None,
    business_hours: str | None = None,
    business_address: str | None = None,
    business_phone: str | None = None,
    identity_attempts: IdentityAttempts | None = None,
    callbacks: CallbackBook | None = None,
    after_hours_messages: bool = False,
) -> AgentRuntime:
    """`llm=None`: the offline planner alone. Otherwise how to reach the model server: the model planner,
    degrading to the offline planner (audited as `agent.model_unavailable`) when it can't answer.
    `business_hours` ("Mon-Fri 09:00-17:00"), `business_address`, `business_phone`: what the
    offline planner says when asked (without an address or phone, staff are asked).
    `identity_attempts`: failed identity checks counted across conversations (the gateway's).
    `callbacks`: where messages and callback requests are kept (the gateway's).
    `after_hours_messages`: outside `business_hours` a handoff offers to take a message instead."""
    hours = OpeningHours.parse(business_hours) if business_hours else None
    offline = OfflinePlanner(
        hours,
        address=business_address,
        phone=business_phone,
    )
    planner: Planner = offline
    fallback: Planner | None = None
    if llm is not None:
        from agents.model_planner import ModelPlanner

        planner, fallback = ModelPlanner.from_config(llm), offline
    return AgentRuntime(
        connector=connector,
        audit=audit,
        planner=planner,
        fallback=fallback,
        timezone=timezone,
        business_name=business_name,
        clock=clock,
        identity_attempts=identity_attempts,
        callbacks=callbacks,
        staff_hours=(hours or OpeningHours.parse(DEFAULT_HOURS)) if after_hours_messages else None,
    )


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (tests and scripted demos)."""
    return lambda: moment
