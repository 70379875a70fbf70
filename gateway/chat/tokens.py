"""Chat session tokens: the conversation id and a generation number, signed with the session
secret (itsdangerous).

A token is bound to one conversation: whoever holds it may resume that conversation and no other.
The signature and its timestamp are checked here; whether the generation is still the current one
(an older token was replaced when the conversation was last resumed) and whether the conversation
may still be resumed at all is `gateway/chat/resume.py`'s business, which has the database.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "frontdesk.chat.session"


class TokenRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SessionTokens:
    def __init__(self, secret: str, max_age_s: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._max_age_s = max_age_s

    def issue(self, conversation_id: str, generation: int = 1) -> str:
        return self._serializer.dumps({"c": conversation_id, "g": generation})

    def read(self, token: str) -> tuple[str, int]:
        """(conversation id, generation); raises `TokenRefused` if forged or older than the lifetime."""
        try:
            # itsdangerous annotates whole seconds; it compares ages, so a fraction works as well.
            data = self._serializer.loads(token, max_age=self._max_age_s)  # type: ignore[arg-type]
        except SignatureExpired:
            raise TokenRefused("token_expired", "session expired; start a new conversation") from None
        except BadSignature:
            raise TokenRefused("bad_token", "session token is not valid") from None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            raise TokenRefused("bad_token", "session token is not valid")
        generation = data.get("g", 0)
        if not isinstance(generation, int) or isinstance(generation, bool):
            raise TokenRefused("bad_token", "session token is not valid")
        return data["c"], generation

    def conversation_id(self, token: str) -> str:
        """The conversation the token is bound to (signature and age checked, nothing else)."""
        return self.read(token)[0]
