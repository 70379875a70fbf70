"""Pure parts of the chat edge: token buckets, origin matching, frame parsing, session tokens."""

from __future__ import annotations

import pytest

from gateway.chat.limits import PerKeyBuckets, TokenBucket, origin_allowed
from gateway.chat.protocol import BadFrame, Hello, VisitorMessage, parse_client_frame
from gateway.chat.tokens import SessionTokens, TokenRefused


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_spends_burst_then_refills_at_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(3, 0.5, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == pytest.approx(2.0)  # one token at 0.5/s
    clock.now += 1.0
    assert bucket.take() == pytest.approx(1.0)
    clock.now += 1.0
    assert bucket.take() == 0.0
    clock.now += 1000
    assert bucket.full()


def test_per_key_buckets_are_separate_and_bounded() -> None:
    buckets = PerKeyBuckets(1, 0.001, max_keys=10)
    assert buckets.take("10.0.0.1") == 0.0
    assert buckets.take("10.0.0.1") > 0
    assert buckets.take("10.0.0.2") == 0.0
    for n in range(50):
        buckets.take(f"192.0.2.{n}")
    assert len(buckets) <= 10


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://a.example", ["*"], True),
        ("https://a.example", ["https://a.example"], True),
        ("https://A.example:443", ["https://a.example"], True),
        ("http://a.example:80", ["http://a.example"], True),
        ("http://a.example", ["https://a.example"], False),
        ("https://a.example:8443", ["https://a.example"], False),
        ("https://b.a.example", ["https://a.example"], False),
        ("null", ["https://a.example"], False),
        (None, ["https://a.example"], True),  # not a browser
    ],
)
def test_origin_matching(origin: str | None, allowed: list[str], ok: bool) -> None:
    assert origin_allowed(origin, allowed) is ok


def test_parse_client_frames() -> None:
    assert isinstance(parse_client_frame('{"v":1,"type":"hello","token":"t","last_seq":4}'), Hello)
    assert parse_client_frame('{"type":"hello","session_token":"t2"}').token == "t2"  # type: ignore[union-attr]
    msg = parse_client_frame('{"type":"message","text":"hi","client_id":"c"}')  # v defaults to 1
    assert isinstance(msg, VisitorMessage) and msg.text == "hi"
    for raw, code in [
        ("", "bad_json"),
        ("[" * 3000, "bad_json"),  # the parser's recursion limit
        ("9" * 5000, "bad_json"),  # int() refuses more than 4300 digits
        ("null", "bad_message"),
        ('{"v":1,"type":"hello","last_seq":-1}', "bad_message"),
        ('{"v":"1","type":"hello"}', "unsupported_version"),
    ]:
        with pytest.raises(BadFrame) as err:
            parse_client_frame(raw)
        assert err.value.code == code


def test_session_token_is_bound_to_its_conversation_and_expires() -> None:
    tokens = SessionTokens("secret", max_age_s=3600)
    token = tokens.issue("conv-1")
    assert tokens.conversation_id(token) == "conv-1"
    assert tokens.read(tokens.issue("conv-1", 7)) == ("conv-1", 7)
    with pytest.raises(TokenRefused) as err:
        SessionTokens("other", 3600).conversation_id(token)
    assert err.value.code == "bad_token"
    with pytest.raises(TokenRefused) as err:
        SessionTokens("secret", max_age_s=-1).conversation_id(token)
    assert err.value.code == "token_expired"
