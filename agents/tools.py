"""The tool registry: what a planner may call, built from the connector's capabilities.

Each connector capability becomes a tool whose argument model is the capability's request model
minus `idempotency_key` (the runtime fills that in; a model never chooses it). The two identity
lookups are not offered as tools: they return other people's records, so the runtime performs
them itself behind the built-in `verify_identity`, which reveals nothing but "verified or not".
Built-ins `transfer_to_person`, `take_message` (a message or callback request, `agents.callbacks`)
and `end_conversation` are always present.

The CRM tools name no contact: the fields in `CALLER_BOUND` are left out of what a planner fills
in, and the runtime fills them from the verified caller (`agents.caller_binding`), so these tools
need a verified caller too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from connectors.base import CAPABILITIES, Capability, CapabilitySpec, Connector, Request, WriteRequest

# Identity lookups stay behind `verify_identity` (see module docstring).
IDENTITY_CAPABILITIES = frozenset(
    {Capability.FIND_PERSON_BY_PHONE, Capability.FIND_PERSON_BY_NAME_DOB, Capability.FIND_PEOPLE_BY_DOB}
)

# Request fields that name whose contact a CRM tool acts on: the runtime's, never a planner's.
CALLER_BOUND: dict[Capability, frozenset[str]] = {
    Capability.FIND_CONTACT: frozenset({"phone", "email"}),
    Capability.ADD_NOTE: frozenset({"contact_id"}),
    Capability.OPEN_TICKET: frozenset({"contact_id"}),
    Capability.CREATE_TASK: frozenset({"contact_id"}),
}
# What a model is told of them: that they act on the caller, so it neither asks for nor invents a contact.
_BOUND_DESCRIPTIONS = {
    Capability.FIND_CONTACT: "Read the verified caller's own contact record (phone, e-mail) in the CRM.",
    Capability.ADD_NOTE: "Add a note to the verified caller's own contact in the CRM.",
    Capability.OPEN_TICKET: "Open a ticket or request on the verified caller's own contact in the CRM.",
    Capability.CREATE_TASK: "Ask staff to follow up (call back) on the verified caller's own contact in the CRM.",
}


class BuiltinArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerifyIdentityArgs(BuiltinArgs):
    first_name: str | None = Field(
        default=None, max_length=100, description="Omit both names to match the calling phone number."
    )
    last_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date
    last_name_keys: str | None = Field(
        default=None,
        pattern=r"^[2-9]{2,30}$",
        description=(
            "On a phone call, the last name as the caller typed it on the keypad (digits 2-9, one "
            "key per letter), instead of last_name; first_name as heard, if any."
        ),
    )


class TransferToPersonArgs(BuiltinArgs):
    reason: str = Field(min_length=1, max_length=500, description="Why a person should take over.")


class EndConversationArgs(BuiltinArgs):
    pass


class TakeMessageArgs(BuiltinArgs):
    name: str = Field(min_length=1, max_length=200, description="The caller's name, as they gave it.")
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="The number to call back; omit it to use the number the caller is calling from.",
    )
    reason: str = Field(min_length=1, max_length=1000, description="What it is about, in the caller's words.")
    best_time: str | None = Field(
        default=None, max_length=200, description="When to call, as the caller said it ('this afternoon')."
    )


VERIFY_IDENTITY = "verify_identity"
TRANSFER_TO_PERSON = "transfer_to_person"
END_CONVERSATION = "end_conversation"
TAKE_MESSAGE = "take_message"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    arguments: type[BaseModel]  # what the planner fills in
    reads_protected: bool
    writes: bool
    capability: CapabilitySpec | None = None  # None for built-ins
    bound: frozenset[str] = frozenset()  # request fields the runtime fills from the verified caller

    @property
    def builtin(self) -> bool:
        return self.capability is None

    def json_schema(self) -> dict[str, Any]:
        return self.arguments.model_json_schema()

    def openai(self) -> dict[str, Any]:
        """This tool in the OpenAI chat-completions `tools=[...]` format."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.json_schema(),
            },
        }

    def to_request(
        self, args: BaseModel, idempotency_key: str | None, caller: dict[str, Any] | None = None
    ) -> Request:
        """The connector request for validated planner arguments (adds the idempotency key and
        the `bound` fields, from `caller`: see `agents.caller_binding.caller_fields`)."""
        assert self.capability is not None, "built-in tools have no connector request"
        data = args.model_dump()
        if self.bound:
            if caller is None or not self.bound <= caller.keys():
                raise ValueError(
                    f"{self.name} acts on the verified caller: the runtime fills {sorted(self.bound)}"
                )
            data.update({name: caller[name] for name in self.bound})
        if issubclass(self.capability.request, WriteRequest):
            if not idempotency_key:
                raise ValueError("a write needs an idempotency key from the runtime")
            data["idempotency_key"] = idempotency_key
        return self.capability.request.model_validate(data)


def _model_facing(spec: CapabilitySpec) -> type[BaseModel]:
    """The request model without what the runtime fills in (`idempotency_key`, the fields bound
    to the caller); unchanged when there is none."""
    request = spec.request
    runtime_fills = CALLER_BOUND.get(spec.name, frozenset()) | {"idempotency_key"}
    if not runtime_fills & request.model_fields.keys():
        return request
    # Any: a dict unpacked into create_model's keywords must fit its `__config__`, `__doc__`, ... too.
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in request.model_fields.items()
        if name not in runtime_fills
    }
    name = "".join(part.title() for part in spec.name.value.split("_")) + "Args"
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


BUILTINS: tuple[ToolSpec, ...] = (
    ToolSpec(
        VERIFY_IDENTITY,
        "Verify the caller's identity with first name, last name and date of birth "
        "(or date of birth alone when calling from the phone number on file). "
        "Answers only whether the caller is verified.",
        VerifyIdentityArgs,
        reads_protected=False,
        writes=False,
    ),
    ToolSpec(
        TRANSFER_TO_PERSON,
        "Hand the conversation to a member of staff, with the reason.",
        TransferToPersonArgs,
        reads_protected=False,
        writes=False,
    ),
    ToolSpec(
        TAKE_MESSAGE,
        "Take a message or callback request for staff: the caller's name, the number to call back "
        "(omit for the calling number), the reason in their words and the best time. Needs no "
        "identity check. The system reads it back and asks the caller before it is passed on.",
        TakeMessageArgs,
        reads_protected=False,
        writes=True,
    ),
    ToolSpec(
        END_CONVERSATION,
        "End the conversation after saying goodbye.",
        EndConversationArgs,
        reads_protected=False,
        writes=False,
    ),
)


class ToolRegistry:
    def __init__(self, specs: list[ToolSpec] | tuple[ToolSpec, ...]) -> None:
        self._specs = {s.name: s for s in specs}

    @classmethod
    def from_capabilities(cls, capabilities: frozenset[Capability] | set[Capability]) -> ToolRegistry:
        specs: list[ToolSpec] = []
        for cap in Capability:  # enum order: stable tool order for prompts and tests
            if cap not in capabilities or cap in IDENTITY_CAPABILITIES:
                continue
            spec = CAPABILITIES[cap]
            bound = CALLER_BOUND.get(cap, frozenset())
            specs.append(
                ToolSpec(
                    cap.value,
                    _BOUND_DESCRIPTIONS.get(cap, spec.description),
                    _model_facing(spec),
                    reads_protected=spec.reads_protected or bool(bound),  # bound: needs a verified caller
                    writes=spec.writes,
                    capability=spec,
                    bound=bound,
                )
            )
        verify = [] if not (capabilities & IDENTITY_CAPABILITIES) else [BUILTINS[0]]
        return cls([*verify, *specs, *BUILTINS[1:]])

    @classmethod
    def from_connector(cls, connector: Connector) -> ToolRegistry:
        return cls.from_capabilities(connector.capabilities)

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def specs(self) -> list[ToolSpec]:
        return list(self._specs.values())

    def openai_tools(self) -> list[dict[str, Any]]:
        return [s.openai() for s in self._specs.values()]
