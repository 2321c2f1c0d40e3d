"""Token and webhook secrets: drawn from the system's CSPRNG, compared in constant time.

A token reads `pap_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole token is
compared with the stored one. With 256 bits of randomness a fast hash is enough (nobody can guess
the token to test it offline), so the check costs nothing per request.
"""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "pap_"  # noqa: S105 (the public marker that starts every token, not a secret)
PREFIX_LENGTH = 10


def token_draw() -> tuple[str, str]:
    """A new token and its lookup prefix."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The lookup prefix of something that looks like a token; None otherwise."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    return prefix if len(prefix) == PREFIX_LENGTH and secret else None


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)


def webhook_secret_draw() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"
