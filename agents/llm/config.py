"""How to reach the model server; built from the gateway's `llm_*` settings."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ModelSettings(Protocol):
    """The gateway's `llm_*` settings, as far as the model client needs them (`agents` does not
    import `gateway`; `gateway.settings.Settings` has these fields)."""

    llm_base_url: str | None
    llm_model: str
    llm_api_key: SecretStr | None
    llm_timeout_s: float
    llm_connect_timeout_s: float
    llm_max_retries: int
    llm_retry_budget_s: float
    llm_recheck_after_s: float
    llm_temperature: float | None
    llm_max_tokens: int | None


class ModelClientConfig(BaseModel):
    """How to reach one OpenAI-compatible server (vLLM, llama.cpp's llama-server, Ollama)."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(description="Up to and including /v1, e.g. http://127.0.0.1:8001/v1")
    model: str = "default"
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=20.0, gt=0, description="Longest silence while waiting for bytes.")
    connect_timeout_s: float = Field(default=3.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    retry_budget_s: float = Field(default=30.0, gt=0, description="Wall-clock cap over all attempts.")
    backoff_base_s: float = Field(default=0.25, ge=0)
    temperature: float | None = Field(default=0.2, ge=0, le=2)
    max_tokens: int | None = Field(default=512, ge=1)
    recheck_after_s: float = Field(
        default=10.0,
        ge=0,
        description="After the server could not answer (down, timing out, 5xx), how long the planner "
        "does not ask it again: conversations go to the offline planner at once meanwhile.",
    )
    max_concurrent_requests: int | None = Field(
        default=4,
        ge=1,
        description="Requests out at the server at once; more wait here, a caller's before a chat "
        "visitor's (None: no limit, the server's own queue orders them by arrival).",
    )

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> ModelClientConfig | None:
        """From the gateway's `llm_*` settings.

        None when no model server is configured: the offline planner is used then.
        """
        if not settings.llm_base_url:
            return None
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            connect_timeout_s=settings.llm_connect_timeout_s,
            max_retries=settings.llm_max_retries,
            retry_budget_s=settings.llm_retry_budget_s,
            recheck_after_s=settings.llm_recheck_after_s,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
        )
