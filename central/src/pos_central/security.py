"""Secrets: bearer tokens, one-time enrollment codes and dashboard passwords.

Tokens are 32 random bytes; the database keeps only their sha256 (a token is never weak, so a
fast hash suffices and keeps the per-request check cheap). Enrollment codes are 16 characters
from an alphabet without look-alikes, typed by an installer, and stored the same way.
Passwords are people's secrets: ``pos_protocol.hash_secret`` (scrypt with a random salt, the
codec of the register's PINs) and ``secret_matches``.
"""

from __future__ import annotations

import hashlib
import secrets

REGISTER_PREFIX = "pcr_"
ADMIN_PREFIX = "pca_"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
CODE_LENGTH = 16
MIN_PASSWORD = 8


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """What an installer typed (any case, dashes or spaces) as the stored form's input."""
    return "".join(c for c in code.upper() if c.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
