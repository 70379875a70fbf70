"""Helpers shared by CLI commands: settings loading with one-line errors, running coroutines."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer

from gateway.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
