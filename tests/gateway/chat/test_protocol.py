"""The chat protocol over a real uvicorn server: hello/welcome, streamed replies, sequence numbers,
resume after a dropped connection (also across a restart), and session tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import LiveServer
from tests.gateway.chat.conftest import Chat, chat_settings, sequenced, start_server, stop_server


def assert_gap_free(frames: list[dict[str, Any]], start: int) -> None:
    seqs = [f["seq"] for f in sequenced(frames)]
    assert seqs == list(range(start + 1, start + 1 + len(seqs))), seqs


def reply_text_matches_deltas(frames: list[dict[str, Any]]) -> None:
    finals = [f for f in frames if f["type"] == "bot.final"]
    assert finals
    for final in finals:
        deltas = [
            f["text"] for f in frames if f["type"] == "bot.delta" and f["reply_id"] == final["reply_id"]
        ]
        assert "".join(deltas) == final["text"]


async def test_new_conversation_is_welcomed_and_greeted(chat_server: LiveServer) -> None:
    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    assert welcome["v"] == 1 and welcome["resumed"] is False and welcome["status"] == "bot"
    assert welcome["seq"] == 0 and welcome["conversation_id"] and welcome["token"]
    frames = await chat.greeting()
    assert frames[0]["type"] == "bot.delta"
    assert frames[-1]["text"].strip()
    assert_gap_free(frames, 0)
    reply_text_matches_deltas(frames)
    await chat.close()


async def test_visitor_message_is_echoed_then_answered_in_order(chat_server: LiveServer) -> None:
    chat = await Chat.open(chat_server)
    await chat.hello()
    greeting = await chat.greeting()
    frames = await chat.say("Which doctors do you have?", "m-1")
    assert frames[0] == {
        "v": 1,
        "type": "visitor.message",
        "seq": greeting[-1]["seq"] + 1,
        "text": "Which doctors do you have?",
        "client_id": "m-1",
    }
    assert_gap_free(greeting + frames, 0)
    reply_text_matches_deltas(frames)
    assert frames[-1]["text"]
    await chat.close()


async def test_same_client_id_twice_is_processed_once(chat_server: LiveServer) -> None:
    """A client re-sending an unacknowledged message after a reconnect must not get two replies."""
    chat = await Chat.open(chat_server)
    await chat.hello()
    await chat.greeting()
    first = await chat.say("hello there", "dup-1")
    await chat.send(type="message", text="hello there", client_id="dup-1")
    second = await chat.say("thanks", "dup-2")
    echoes = [f for f in first + second if f["type"] == "visitor.message"]
    assert [e["client_id"] for e in echoes] == ["dup-1", "dup-2"]
    await chat.close()


async def test_connection_dropped_mid_reply_resumes_without_loss_or_duplicates(
    chat_server: LiveServer,
) -> None:
    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    seen = await chat.greeting()
    # Drop the connection as soon as the reply has started: the rest is produced while we are away.
    await chat.send(type="message", text="I'd like to book an appointment", client_id="b-1")
    seen += await chat.recv_until(lambda f: f["type"] == "visitor.message")
    last_seq = seen[-1]["seq"]
    await chat.close()

    again = await Chat.open(chat_server)
    resumed = await again.hello(token=welcome["token"], last_seq=last_seq)
    assert resumed["resumed"] is True and resumed["conversation_id"] == welcome["conversation_id"]
    assert resumed["seq"] == last_seq
    rest = await again.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "b-1")
    everything = seen + rest
    assert_gap_free(everything, 0)
    reply_text_matches_deltas(rest)
    # And the conversation goes on over the new connection.
    more = await again.say("thank you", "b-2")
    assert_gap_free(everything + more, 0)
    await again.close()


async def test_send_then_drop_immediately_reply_waits_in_outbox(chat_server: LiveServer) -> None:
    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    greeting = await chat.greeting()
    await chat.send(type="message", text="what doctors do you have", client_id="gone-1")
    await chat.close()  # before reading anything of the reply

    again = await Chat.open(chat_server)
    await again.hello(token=welcome["token"], last_seq=greeting[-1]["seq"])
    rest = await again.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "gone-1")
    assert rest[0]["type"] == "visitor.message" and rest[0]["client_id"] == "gone-1"
    assert_gap_free(greeting + rest, 0)
    await again.close()


async def test_resume_from_zero_replays_the_whole_transcript(chat_server: LiveServer) -> None:
    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    live = await chat.greeting()
    live += await chat.say("hi", "r-1")
    await chat.close()

    again = await Chat.open(chat_server)
    assert (await again.hello(token=welcome["token"], last_seq=0))["seq"] == 0
    replay = await again.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "r-1")
    assert replay == live
    await again.close()


async def test_resume_after_gateway_restart_replays_from_the_database(tmp_path: Path) -> None:
    settings = chat_settings(tmp_path)
    first = await start_server(settings)
    try:
        chat = await Chat.open(first)
        welcome = await chat.hello()
        live = await chat.greeting()
        live += await chat.say("hello", "p-1")
        await chat.close()
    finally:
        await stop_server(first)  # the outbox is flushed on shutdown
    # A new process on the same database and secret: nothing in memory.
    second = await start_server(settings)
    try:
        again = await Chat.open(second)
        resumed = await again.hello(token=welcome["token"], last_seq=1)
        assert resumed["resumed"] is True
        replay = await again.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "p-1")
        assert replay == live[1:]
        more = await again.say("thanks", "p-2")
        assert_gap_free(live + more, 0)
        await again.close()
    finally:
        await stop_server(second)


async def test_forged_or_foreign_token_is_refused_and_a_new_hello_still_works(
    chat_server: LiveServer,
) -> None:
    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    await chat.close()

    other = await Chat.open(chat_server)
    for token in (welcome["token"][:-3] + "abc", "not-a-token", "x" * 200):
        await other.send(type="hello", token=token, last_seq=0)
        error = await other.recv()
        assert error["type"] == "error" and error["code"] == "bad_token" and error["seq"] is None
    fresh = await other.hello()
    assert fresh["conversation_id"] != welcome["conversation_id"]
    await other.close()


async def test_token_from_another_secret_is_refused(chat_server: LiveServer) -> None:
    from gateway.chat.tokens import SessionTokens

    chat = await Chat.open(chat_server)
    welcome = await chat.hello()
    forged = SessionTokens("some-other-secret", 3600).issue(welcome["conversation_id"])
    other = await Chat.open(chat_server)
    await other.send(type="hello", token=forged)
    assert (await other.recv())["code"] == "bad_token"
    await chat.close()
    await other.close()
