"""API tokens: created by a programme's staff or fund operator, shown once, checked at every call, revoked."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.credentials import token_draw, token_hash, token_matches, token_prefix
from api.models import ApiToken
from api.scopes import SCOPES, programme_roles, scopes_for
from calls.models import Programme
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record

MAX_LIFETIME = timedelta(days=366)
# Writing the last use at every call would turn each read into a write on one hot row.
LAST_USE_PRECISION = timedelta(minutes=1)


def token_create(
    *, actor, programme: Programme, name: str, scopes: list[str], expires_at, ip_address: str | None = None
) -> tuple[ApiToken, str]:
    """A new token of `programme` acting for `actor`; returns it with its secret, which is never stored.

    Each scope must be one `actor` may hold on the programme (staff, fund operator); the expiry
    is in the future and at most a year away.
    """
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Nommez le jeton (le système qui l'utilisera)."), code="name_required", field="name")
    allowed = {scope.code for scope in scopes_for(user_roles(actor), programme.pk)}
    if not allowed:
        raise DomainError(_("Vous n'avez aucun rôle sur ce programme."), code="not_found")
    scopes = sorted(set(scopes or []))
    if not scopes:
        raise DomainError(_("Choisissez au moins un droit."), code="scopes_required", field="scopes")
    refused = [code for code in scopes if code not in allowed]
    if refused:
        raise DomainError(
            _("Votre rôle ne permet pas de donner ces droits : %(scopes)s.") % {"scopes": ", ".join(refused)},
            code="scope_refused",
            field="scopes",
        )
    now = timezone.now()
    if expires_at <= now:
        raise DomainError(_("La date d'expiration doit être dans le futur."), code="expired", field="expires_at")
    if expires_at > now + MAX_LIFETIME:
        raise DomainError(
            _("Un jeton vit au plus un an : choisissez une date d'expiration plus proche."),
            code="too_long",
            field="expires_at",
        )
    secret, prefix = token_draw()
    with transaction.atomic():
        token = ApiToken.objects.create(
            programme=programme,
            name=name[:100],
            prefix=prefix,
            secret_hash=token_hash(secret),
            scopes=scopes,
            created_by=actor,
            created_at=now,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="api.token_create",
            target=token,
            ip_address=ip_address,
            data={"programme": programme.pk, "scopes": scopes, "expires_at": expires_at.isoformat()},
        )
    return token, secret


def token_revoke(*, actor, token: ApiToken, ip_address: str | None = None) -> ApiToken:
    """Revoke at once (the next call is refused); by the programme's staff or the token's creator. Idempotent."""
    roles = user_roles(actor)
    if not (roles.is_staff_of(token.programme_id) or token.created_by_id == actor.pk):
        raise DomainError(_("Seuls l'équipe du programme et le créateur du jeton peuvent le révoquer."), "forbidden")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action="api.token_revoke", target=token, ip_address=ip_address)
    return token


def token_authenticate(raw: str, *, ip_address: str | None = None) -> ApiToken | None:
    """The token `raw` names if it is valid now, with its creator and programme loaded; None otherwise.

    Valid: the hash matches, neither revoked nor expired, its creator is active and still holds a
    role on the programme. The last use is recorded at most once a minute.
    """
    prefix = token_prefix(raw or "")
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("created_by", "programme").filter(prefix=prefix).first()
    now = timezone.now()
    if token is None or not token_matches(raw, token.secret_hash) or not token.is_usable(now):
        return None
    owner = token.created_by
    if not owner.is_active or not programme_roles(user_roles(owner), token.programme_id):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address)
        token.last_used_at, token.last_used_ip = now, ip_address
    return token


def token_call_record(*, token: ApiToken, method: str, path: str, status: int, ip_address: str | None = None) -> None:
    """One audit event per call made with a token: who (its creator), which token, what, and the answer."""
    audit_record(
        actor=token.created_by,
        action="api.request",
        target=token,
        ip_address=ip_address,
        data={"token": token.prefix, "method": method, "path": path[:500], "status": status},
    )


def scope_label(code: str) -> str:
    scope = SCOPES.get(code)
    return str(scope.label) if scope else code
