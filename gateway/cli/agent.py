r"""`frontdesk agent chat`: talk to the agent in the terminal, one user turn per line of stdin.

It runs the same `ConversationManager`, agent, connector and audit log as the server, so the
conversation is stored and audited like a call or a chat (channel "terminal"). It works from a
pipe: `printf 'book an appointment\\nSarah Johnson 3/14/1985\\n' | frontdesk agent chat`.
"""

from __future__ import annotations

import sys

import typer

from gateway.cli.common import fail, run, settings_or_exit


async def _chat(caller_phone: str | None, show_id: bool) -> int:
    from agents.api import EndConversation, Handoff, UserTurn
    from gateway.reply import Reply
    from gateway.services import Services

    # Text only: no speech models, no stock phrases synthesized for a conversation with no audio.
    settings = settings_or_exit().model_copy(update={"preload_models": False})
    services = await Services.start(settings)
    interactive = sys.stdin.isatty()
    try:
        conversation = await services.conversations.open("terminal", caller_phone=caller_phone)
        if show_id:
            typer.echo(f"[conversation {conversation.id}]", err=True)

        async def show(reply: Reply) -> bool:  # True when the conversation is over for the agent
            async for text in reply:
                typer.echo(f"bot> {text}")
            if isinstance(reply.outcome, Handoff):
                typer.echo(f"[handed over to staff: {reply.outcome.reason}]")
            return isinstance(reply.outcome, Handoff | EndConversation)

        over = await show(conversation.greet())
        while not over:
            if interactive:
                typer.echo("you> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if not interactive:
                typer.echo(f"you> {text}")
            over = await show(conversation.user_turn(UserTurn(text=text, channel="terminal")))
        if not conversation.with_person:
            await conversation.close("completed" if over else "input ended")
        return 0
    finally:
        await services.stop()


def register(app: typer.Typer) -> None:
    agent_app = typer.Typer(help="The conversation agent.", no_args_is_help=True)

    @agent_app.command("chat")
    def chat(
        caller_phone: str | None = typer.Option(
            None, "--caller-phone", help="Pretend the phone network gave this number."
        ),
        show_id: bool = typer.Option(
            True, "--show-id/--no-show-id", help="Print the conversation id to stderr."
        ),
    ) -> None:
        """Chat with the agent: one user turn per line of standard input (works from a pipe)."""
        try:
            code = run(_chat(caller_phone, show_id))
        except Exception as exc:  # one clear line instead of a traceback
            raise fail(f"{type(exc).__name__}: {exc}") from None
        raise typer.Exit(code)

    app.add_typer(agent_app, name="agent")
