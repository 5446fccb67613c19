"""People's secrets at rest: the register's PINs and the central's dashboard passwords.

scrypt (a slow, memory-hard KDF from the standard library) with a random salt, stored as
``scrypt$N$r$p$salt$digest`` (hex), so the cost can grow later and old hashes still verify.
What a valid PIN or password is stays with each side (``pos_terminal.domain.users``,
``pos_central.security``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    """Whether ``secret`` is the one ``stored`` was made from (constant-time compare); False
    for a stored value that is no hash of ours."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)
