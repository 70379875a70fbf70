"""`frontdesk chat --url http://HOST:PORT "first message" ["second" ...]`: talk to a running gateway
over the chat protocol, each message after the previous reply, printing what comes back."""

from __future__ import annotations

import asyncio

import typer

from gateway.cli.common import fail, settings_or_exit


async def _converse(url: str, messages: list[str], origin: str | None, timeout_s: float) -> None:
    from gateway.clients.chat_client import ChatClient

    async with ChatClient(url, origin=origin, timeout_s=timeout_s) as client:
        typer.echo(f"conversation {client.conversation_id}")
        typer.echo(f"bot: {await client.greeting()}")
        shown = 0
        for text in messages:
            typer.echo(f"you: {text}")
            reply = await client.say(text)
            if reply is not None:
                typer.echo(f"bot: {reply}")
            for event in client.history[shown:]:
                if event["type"] == "status":
                    typer.echo(f"[{event['status']}] {event.get('detail') or ''}".rstrip())
                elif event["type"] == "staff.message":
                    typer.echo(f"{event['staff_name']}: {event['text']}")
            shown = len(client.history)


def register(app: typer.Typer) -> None:
    @app.command("chat")
    def chat(
        messages: list[str] = typer.Argument(..., help="Messages to send, each after the previous reply."),
        url: str = typer.Option(None, "--url", help="Gateway base URL (default: FRONTDESK_PUBLIC_URL)."),
        origin: str = typer.Option(None, "--origin", help="Origin header to send (allowed-origins check)."),
        timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for each reply."),
    ) -> None:
        """Chat with a running gateway from the terminal and print the replies."""
        from gateway.clients.chat_client import ChatClientError

        base = url or settings_or_exit().public_url
        try:
            asyncio.run(_converse(base, messages, origin, timeout))
        except ChatClientError as exc:
            raise fail(str(exc)) from None
