"""The CRM tools act on the verified caller's own contact, whatever a planner asks for.

`find_contact`, `add_note`, `open_ticket` and `create_task` would take any contact id, phone number or e-mail a
planner put in them: a model talked into it would read someone else's contact or write to their
file. Their planner-facing arguments leave those fields out (`agents.tools.CALLER_BOUND`) and the
runtime fills them in here, from the person verified in this conversation. A connector offering
these capabilities identifies people by their CRM contact (HubSpot's `find_person_by_phone`
answers with contacts), so the verified person id is the contact id; `find_contact` searches by the
caller's own e-mail or phone and answers with their contact only, not others sharing the number.
"""

from __future__ import annotations

from typing import Any

from agents.api import ConversationState
from agents.memory import AgentMemory
from agents.tools import ToolSpec
from connectors.base import Capability, Contacts, Record


def caller_fields(spec: ToolSpec, state: ConversationState, memory: AgentMemory) -> dict[str, Any]:
    """Values of `spec.bound` for this conversation's verified caller (empty for other tools)."""
    if not spec.bound or spec.capability is None:
        return {}
    if spec.capability.name == Capability.FIND_CONTACT:
        return {"email": memory.verified_email, "phone": memory.verified_phone or state.caller_phone}
    return {"contact_id": state.verified_person_id}


def own_records(record: Record, person_id: str | None) -> Record:
    """What a planner may see of a read: of contacts, only the verified caller's own."""
    if isinstance(record, Contacts):
        return Contacts(contacts=[c for c in record.contacts if c.id == person_id])
    return record


def whose_file(memory: AgentMemory) -> str:
    """ "Amara Okafor's file": the contact a bound write acts on, said back by name."""
    name = " ".join(n for n in (memory.verified_first_name, memory.verified_last_name) if n)
    return f"{name}'s file" if name else "your file"
