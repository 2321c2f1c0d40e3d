"""The signature of a webhook delivery: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret.

Sent as `Portail-Signature: t=<unix time>,v1=<hex digest>`. The timestamp is signed too, so a
receiver that refuses old timestamps (five minutes by default here) cannot be fed a replayed
delivery. Receivers may copy `signature_verify`: it needs nothing but the standard library.
"""

import hashlib
import hmac
import time

HEADER = "Portail-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def signature_verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS, now=None) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance` seconds."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp), parts.get("v1", ""))
