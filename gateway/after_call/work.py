"""One kind of after-call work against the CRM connector: which contact it goes on, whether it
applies to this conversation, and the write itself with an idempotency key made of the
conversation id and the kind, so a retried or resumed job writes once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from connectors.base import (
    AddNote,
    Capability,
    Connector,
    CreateContact,
    CreateTask,
    FindContact,
    OpenTicket,
)
from gateway.after_call.model_summary import Summary
from gateway.after_call.record import CallRecord
from gateway.after_call.summary import case_subject

CAPABILITY_OF = {
    "note": Capability.ADD_NOTE,
    "case": Capability.OPEN_TICKET,
    "lead": Capability.CREATE_CONTACT,
    "task": Capability.CREATE_TASK,
}


def holds(crm: Connector, kind: str) -> bool:
    """Whether the system can keep this kind: as a capability, or kept by the gateway only
    (`Connector.record_keeping`: an EMR's Communication and Task)."""
    return CAPABILITY_OF[kind] in crm.capabilities | crm.record_keeping


def default_kinds(crm: Connector) -> tuple[str, ...]:
    """Every kind the CRM can hold (the demo practice holds none)."""
    return tuple(kind for kind in CAPABILITY_OF if holds(crm, kind))


def idempotency_key(conversation_id: str, kind: str, part: str | None = None) -> str:
    return f"after-call:{conversation_id}:{kind}" + (f":{part}" if part else "")


@dataclass(frozen=True)
class Outcome:
    status: str  # done | skipped
    result_id: str | None
    detail: str  # what was written, or why nothing was
    summary: Summary | None = None
    parts: tuple[tuple[str, str], ...] = ()  # tasks: (message id, task id) each


Summarizer = Callable[[CallRecord], Awaitable[Summary]]


class AfterCallWork:
    """`same_as_agent`: the CRM is the conversations' own connector, so the verified person's id
    is its contact id (`agents/caller_binding.py`); otherwise the contact is looked up by the
    verified person's e-mail or phone on file."""

    def __init__(self, crm: Connector, *, same_as_agent: bool, summarize: Summarizer) -> None:
        self.crm = crm
        self.same_as_agent = same_as_agent
        self.summarize = summarize

    def can(self, kind: str) -> bool:
        return holds(self.crm, kind)

    async def contact_for(self, record: CallRecord, lead_id: str | None) -> str | None:
        """The contact the work goes on: the verified caller's, or the lead made for them. An
        unverified caller's number is never taken as theirs (it may be anyone's)."""
        person = record.verified
        if person is not None:
            if self.same_as_agent:
                return person.id
            if Capability.FIND_CONTACT in self.crm.capabilities:
                for query in (
                    FindContact(email=person.email) if person.email else None,
                    FindContact(phone=person.phone) if person.phone else None,
                ):
                    if query is not None:
                        found = (await self.crm.find_contact(query)).contacts
                        if found:
                            return found[0].id
        return lead_id

    async def run(self, kind: str, record: CallRecord, lead_id: str | None) -> Outcome:
        """Do the work, or say why it does not apply; a connector failure raises."""
        if not self.can(kind):
            return Outcome("skipped", None, f"{self.crm.name} cannot hold a {kind}")
        cid = record.conversation_id
        if kind == "lead":
            return await self._lead(record)
        if kind == "note":
            contact = await self.contact_for(record, lead_id)
            if contact is None:
                return Outcome("skipped", None, "no contact to attach it to: the caller was not verified")
            summary = await self.summarize(record)
            note = await self.crm.add_note(
                AddNote(contact_id=contact, body=summary.text, idempotency_key=idempotency_key(cid, kind))
            )
            return Outcome("done", note.id, f"note on contact {contact}", summary)
        if kind == "case":
            if not record.unfinished:
                return Outcome("skipped", None, "nothing was left unfinished")
            contact = await self.contact_for(record, lead_id)
            summary = await self.summarize(record)
            body = summary.text + "\n\nLeft open:\n" + "\n".join(f"- {why}" for why in record.unfinished)
            ticket = await self.crm.open_ticket(
                OpenTicket(
                    contact_id=contact,
                    subject=case_subject(record),
                    body=body,
                    idempotency_key=idempotency_key(cid, kind),
                )
            )
            return Outcome("done", ticket.id, f"case on contact {contact}" if contact else "case", summary)
        if kind == "task":
            if not record.messages:
                return Outcome("skipped", None, "no message was taken")
            open_messages = [m for m in record.messages if not m.crm_task_id]
            if not open_messages:
                made = ",".join(m.crm_task_id or "" for m in record.messages)
                return Outcome("skipped", made, "the agent made the task during the conversation")
            contact = await self.contact_for(record, lead_id)
            ids: list[tuple[str, str]] = []
            for message in open_messages:
                best = f"\nBest time to call: {message.best_time}" if message.best_time else ""
                task = await self.crm.create_task(
                    CreateTask(
                        contact_id=contact,
                        subject=f"Call back {message.caller_name} on {message.phone}"[:255],
                        body=f"{message.reason}{best}",
                        idempotency_key=idempotency_key(cid, kind, message.id),
                    )
                )
                ids.append((message.id, task.id))
            made = ",".join(task_id for _, task_id in ids)
            return Outcome("done", made, f"{len(ids)} follow-up task(s)", parts=tuple(ids))
        raise ValueError(f"unknown after-call kind {kind!r}")

    async def _lead(self, record: CallRecord) -> Outcome:
        if record.verified is not None:
            return Outcome("skipped", None, "the caller is known (identity verified)")
        left = next((m for m in record.messages if m.caller_name.strip() and m.phone.strip()), None)
        if left is None:
            return Outcome("skipped", None, "the caller left no details")
        if Capability.FIND_CONTACT in self.crm.capabilities:
            if (await self.crm.find_contact(FindContact(phone=left.phone))).contacts:
                return Outcome("skipped", None, "a contact with that number exists")
        first, _, last = left.caller_name.strip().partition(" ")
        contact = await self.crm.create_contact(
            CreateContact(
                first_name=first or None,
                last_name=last or None,
                phone=left.phone,
                idempotency_key=idempotency_key(record.conversation_id, "lead"),
            )
        )
        return Outcome("done", contact.id, f"lead {contact.id}")
