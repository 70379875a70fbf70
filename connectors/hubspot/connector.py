"""HubSpot as the CRM: contacts, notes, tickets and tasks through the official `hubspot-api-client`.

The client is synchronous (urllib3), so each call runs in a worker thread with its own socket
timeout, under the shared resilience policy (asyncio timeout, retries with backoff honouring
`Retry-After`, circuit breaker, typed failures). Writes are idempotent: the runtime's idempotency
key is stored in the custom property `frontdesk_idempotency_key` (create it once in the portal as a
single-line text property on contacts, notes, tickets and tasks), and each write first searches for it, so
a retry after a timeout returns the object the first attempt created instead of a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest, SimplePublicObjectInputForCreate

from connectors.base import (
    AddNote,
    Capability,
    Connector,
    Contact,
    Contacts,
    CreateContact,
    CreateTask,
    FindContact,
    FindPersonByPhone,
    Note,
    OpenTicket,
    People,
    Rejected,
    Task,
    Ticket,
)
from connectors.hubspot.mapping import (
    CONTACT_PROPERTIES,
    IDEMPOTENCY_PROPERTY,
    NOTE_TO_CONTACT,
    TASK_TO_CONTACT,
    TICKET_TO_CONTACT,
    phone_filter_groups,
    to_contact,
    to_note,
    to_person,
    to_task,
    to_ticket,
)
from connectors.resilience import Resilience, ResiliencePolicy

T = TypeVar("T")
DEFAULT_BASE_URL = "https://api.hubapi.com"


def _association(contact_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": contact_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


class HubSpotConnector(Connector):
    name = "hubspot"
    capabilities = frozenset(
        {
            Capability.FIND_PERSON_BY_PHONE,
            Capability.FIND_CONTACT,
            Capability.CREATE_CONTACT,
            Capability.ADD_NOTE,
            Capability.OPEN_TICKET,
            Capability.CREATE_TASK,
        }
    )

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        policy: ResiliencePolicy | None = None,
        phone_region: str = "US",
        ticket_pipeline: str = "0",
        ticket_stage: str = "1",
    ) -> None:
        self.policy = policy or ResiliencePolicy(timeout_s=10.0)
        # The SDK's own urllib3 retries are off: retries belong to the resilience policy.
        self._client = HubSpot(access_token=access_token, host=base_url.rstrip("/"), retry=None)
        self._guard = Resilience("hubspot", self.policy)
        self._region = phone_region
        self._pipeline = ticket_pipeline
        self._stage = ticket_stage

    async def _sync(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        kwargs["_request_timeout"] = self.policy.timeout_s
        return await asyncio.to_thread(fn, **kwargs)

    # -- search --------------------------------------------------------------------------------

    async def _search(
        self, api: Any, groups: list[dict[str, Any]], properties: list[str], limit: int = 10
    ) -> list[Any]:
        request = PublicObjectSearchRequest(filter_groups=groups, properties=properties, limit=limit)
        page = await self._sync(api.do_search, public_object_search_request=request)
        return list(page.results or [])

    async def _contacts_by_phone(self, phone: str) -> list[Any]:
        groups = phone_filter_groups(phone, self._region)
        if not groups:
            raise Rejected("That doesn't sound like a phone number.")
        api = self._client.crm.contacts.search_api
        return await self._guard.read(
            "search_contacts", lambda: self._search(api, groups, CONTACT_PROPERTIES)
        )

    async def find_person_by_phone(self, req: FindPersonByPhone) -> People:
        return People(people=[to_person(c) for c in await self._contacts_by_phone(req.phone)])

    async def find_contact(self, req: FindContact) -> Contacts:
        if req.email:
            groups = [{"filters": [{"propertyName": "email", "operator": "EQ", "value": req.email}]}]
            api = self._client.crm.contacts.search_api
            found = await self._guard.read(
                "search_contacts", lambda: self._search(api, groups, CONTACT_PROPERTIES)
            )
        elif req.phone:
            found = await self._contacts_by_phone(req.phone)
        else:
            raise Rejected("I need a phone number or an email address to look that up.")
        return Contacts(contacts=[to_contact(c) for c in found])

    # -- idempotent writes ---------------------------------------------------------------------

    async def _idempotent_create(
        self,
        operation: str,
        apis: Any,
        key: str,
        properties: dict[str, Any],
        associations: list[dict[str, Any]],
    ) -> Any:
        groups = [{"filters": [{"propertyName": IDEMPOTENCY_PROPERTY, "operator": "EQ", "value": key}]}]
        body = SimplePublicObjectInputForCreate(
            properties={**properties, IDEMPOTENCY_PROPERTY: key}, associations=associations
        )

        async def once() -> Any:
            existing = await self._search(apis.search_api, groups, [*properties, IDEMPOTENCY_PROPERTY], 1)
            if existing:
                return existing[0]
            return await self._sync(apis.basic_api.create, simple_public_object_input_for_create=body)

        return await self._guard.write(operation, once, idempotency_key=key)

    async def create_contact(self, req: CreateContact) -> Contact:
        props = {
            "firstname": req.first_name,
            "lastname": req.last_name,
            "phone": req.phone,
            "email": req.email,
        }
        props = {k: v for k, v in props.items() if v}
        if not any(props.get(k) for k in ("firstname", "lastname", "email")):
            raise Rejected("I need at least a name or an email address to create a contact.")
        obj = await self._idempotent_create(
            "create_contact", self._client.crm.contacts, req.idempotency_key, props, []
        )
        return to_contact(obj)

    async def add_note(self, req: AddNote) -> Note:
        props = {"hs_timestamp": datetime.now(UTC).isoformat(), "hs_note_body": req.body}
        obj = await self._idempotent_create(
            "add_note",
            self._client.crm.objects.notes,
            req.idempotency_key,
            props,
            [_association(req.contact_id, NOTE_TO_CONTACT)],
        )
        return to_note(obj, req.contact_id)

    async def open_ticket(self, req: OpenTicket) -> Ticket:
        props = {
            "subject": req.subject,
            "content": req.body or "",
            "hs_pipeline": self._pipeline,
            "hs_pipeline_stage": self._stage,
        }
        associations = [_association(req.contact_id, TICKET_TO_CONTACT)] if req.contact_id else []
        obj = await self._idempotent_create(
            "open_ticket", self._client.crm.tickets, req.idempotency_key, props, associations
        )
        return to_ticket(obj, req.contact_id)

    async def create_task(self, req: CreateTask) -> Task:
        due = req.due or datetime.now(UTC)
        props = {
            "hs_task_subject": req.subject,
            "hs_task_body": req.body or "",
            "hs_timestamp": due.isoformat(),
            "hs_task_status": "NOT_STARTED",
        }
        associations = [_association(req.contact_id, TASK_TO_CONTACT)] if req.contact_id else []
        obj = await self._idempotent_create(
            "create_task", self._client.crm.objects.tasks, req.idempotency_key, props, associations
        )
        return to_task(obj, req.contact_id)
