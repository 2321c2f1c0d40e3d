"""Who calls: a bearer token only (the site's session opens nothing here), its scopes, its rate limit.

The site's session is refused on purpose: a session carries a person's every right, is exposed to
cross-site requests, and would make an automated call look like a click in the audit trail. A
script uses a token scoped to a programme and to what it needs; public resources need none.
"""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from api.models import ApiToken
from api.scopes import SCOPES, programme_roles
from api.services import tokens
from api.v1.errors import ScopeDenied
from portal.http import client_ip
from portal.selectors import user_roles

WINDOW_SECONDS = 60


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pap_…`; on success the request acts as the token's creator."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        found = tokens.token_authenticate(token, ip_address=client_ip(request))
        if found is not None:
            request.user = found.created_by
            request.api_token = found
        return found


class TokenRateLimit(BaseThrottle):
    """A fixed window per token and minute, counted in the shared cache (atomic increments in Redis)."""

    def allow_request(self, request) -> bool:
        token = request.auth
        window = int(time.time() // WINDOW_SECONDS)
        key = f"api:rate:{token.pk}:{window}"
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        request.api_rate = (limit, max(limit - count, 0), self.wait())
        return count <= limit

    def wait(self) -> int:
        return WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS


def token_with(request, scope: str) -> ApiToken:
    """The request's token if it holds `scope` and its creator still holds a role that gives it."""
    token: ApiToken = request.auth
    if scope not in token.scopes:
        raise ScopeDenied(_("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": scope})
    if not SCOPES[scope].roles & programme_roles(user_roles(token.created_by), token.programme_id):
        raise ScopeDenied(
            _("Le créateur de ce jeton n'a plus le rôle qui donne le droit « %(scope)s » sur ce programme.")
            % {"scope": scope}
        )
    return token


def audited(run):
    """Around every operation (authentication and errors included): one audit event per call made with a
    token, and the rate limit's headers."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        token = getattr(request, "api_token", None)
        if token is not None:
            tokens.token_call_record(
                token=token,
                method=request.method,
                path=request.get_full_path(),
                status=response.status_code,
                ip_address=client_ip(request),
            )
        rate = getattr(request, "api_rate", None)
        if rate is not None:
            response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(str, rate)
        return response

    return wrapper
