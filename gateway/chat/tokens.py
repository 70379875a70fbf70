"""Chat session tokens: the conversation id signed with the session secret (itsdangerous).

A token is bound to one conversation: whoever holds it may resume that conversation and no other.
It expires after `max_age_s`; a new hello then starts a new conversation.
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

    def issue(self, conversation_id: str) -> str:
        return self._serializer.dumps({"c": conversation_id})

    def conversation_id(self, token: str) -> str:
        """The conversation the token is bound to; raises `TokenRefused` if forged or expired."""
        try:
            data = self._serializer.loads(token, max_age=self._max_age_s)
        except SignatureExpired:
            raise TokenRefused("token_expired", "session expired; start a new conversation") from None
        except BadSignature:
            raise TokenRefused("bad_token", "session token is not valid") from None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            raise TokenRefused("bad_token", "session token is not valid")
        return data["c"]
