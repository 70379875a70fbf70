"""Staff TOTP secrets encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, `cryptography`).

The key is FRONTDESK_SECRETS_KEY, never the database: a copy of the database (a backup, a dump,
a stolen disk of the database server) does not give anyone the codes of the staff's
authenticator apps. The setting holds one or more keys, comma-separated, newest first: the first
encrypts, every one decrypts, so a key is rotated by putting the new one in front and, once
`frontdesk staff seal-secrets` has rewritten every secret under it, dropping the old one.

A stored secret is `fernet:<token>`. A secret stored before encryption (a bare base32 string) still
works: it is read as it is and sealed the next time it is used, or by `seal-secrets`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

if TYPE_CHECKING:
    from gateway.settings import Settings

PREFIX = "fernet:"
GENERATE = "frontdesk staff new-secrets-key"  # prints a key (or: Fernet.generate_key())


class SecretsKeyError(Exception):
    """A secret cannot be read or written: no key configured, or no configured key opens it."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def split_keys(text: str) -> list[str]:
    """The keys of the setting, newest first; a ValueError naming the bad one (1-based) if any."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError(f"no key; generate one with `{GENERATE}`")
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"key {number} is not a Fernet key (32 bytes, url-safe base64, 44 characters); "
                f"generate one with `{GENERATE}`"
            ) from None
    return keys


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


@dataclass(frozen=True)
class Opened:
    secret: str
    stale: bool  # stored in clear or under an older key: store it again, sealed under the newest


class SecretBox:
    def __init__(self, keys: Sequence[str] = ()) -> None:
        fernets = [Fernet(k) for k in keys]
        self._newest = fernets[0] if fernets else None
        self._all = MultiFernet(fernets) if fernets else None

    @classmethod
    def from_text(cls, text: str | None) -> SecretBox:
        return cls(split_keys(text) if text else ())

    @property
    def configured(self) -> bool:
        return self._newest is not None

    def seal(self, secret: str) -> str:
        if self._newest is None:
            raise SecretsKeyError(
                f"two-factor needs FRONTDESK_SECRETS_KEY to store its secrets; generate one with `{GENERATE}`"
            )
        return PREFIX + self._newest.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> Opened:
        if not is_sealed(stored):
            return Opened(stored, stale=True)
        if self._newest is None or self._all is None:
            raise SecretsKeyError(
                "a two-factor secret is encrypted but FRONTDESK_SECRETS_KEY is not set; "
                "set the key it was encrypted with"
            )
        token = stored[len(PREFIX) :].encode("ascii")
        try:
            return Opened(self._newest.decrypt(token).decode("utf-8"), stale=False)
        except InvalidToken:
            pass
        try:
            return Opened(self._all.decrypt(token).decode("utf-8"), stale=True)
        except InvalidToken:
            raise SecretsKeyError(
                "no key in FRONTDESK_SECRETS_KEY opens a stored two-factor secret: the key was changed "
                "without keeping the old one after the new (newest first, comma-separated)"
            ) from None


def box_for(settings: Settings) -> SecretBox:
    key = settings.secrets_key
    return SecretBox.from_text(key.get_secret_value() if key is not None else None)
