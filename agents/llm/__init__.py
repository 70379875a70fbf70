"""OpenAI-compatible chat-completions client (vLLM, llama.cpp's llama-server, Ollama)."""

from agents.llm.client import ChatClient, StreamEvent
from agents.llm.completion import Completion, TextDelta, ToolCall, Usage
from agents.llm.config import ModelClientConfig
from agents.llm.errors import ModelProtocolError, ModelUnavailable

__all__ = [
    "ChatClient",
    "Completion",
    "ModelClientConfig",
    "ModelProtocolError",
    "ModelUnavailable",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "Usage",
]
