"""Which e-mail domains an organisation may declare: the one list of shared domains.

A declared domain lets any verified address on it join the organisation without a référent's
decision, so it must belong to that organisation alone. Refused: a public suffix (`fr`,
`gouv.fr`: from the Public Suffix List, shipped with the publicsuffixlist package, no network),
a domain shared by many State services (below), and public mail providers, with their
sub-domains. `interieur.gouv.fr` is accepted; `gouv.fr` is not.
"""

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.utils.translation import gettext
from publicsuffixlist import PublicSuffixList

from portal.errors import DomainError

_SUFFIXES = PublicSuffixList()

# Shared by the services of many organisations, like a public suffix: every préfecture has an address on
# pref.gouv.fr, while bretagne.pref.gouv.fr is one préfecture's own.
STATE_SHARED_DOMAINS = frozenset({"pref.gouv.fr"})

# Public mail providers whose brand is the same under every top-level domain (hotmail.fr, hotmail.co.uk…).
PUBLIC_MAIL_BRANDS = frozenset(
    {
        "aol",
        "gmail",
        "googlemail",
        "gmx",
        "hotmail",
        "icloud",
        "live",
        "msn",
        "outlook",
        "protonmail",
        "yahoo",
        "yandex",
        "ymail",
    }
)
# Public mail providers known by their whole domain (their name alone would be too common a word).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aliceadsl.fr",
        "bbox.fr",
        "caramail.com",
        "cegetel.net",
        "club-internet.fr",
        "free.fr",
        "laposte.net",
        "libertysurf.fr",
        "mac.com",
        "mail.com",
        "mail.ru",
        "mailo.com",
        "me.com",
        "neuf.fr",
        "netcourrier.com",
        "numericable.fr",
        "orange.fr",
        "pm.me",
        "proton.me",
        "sfr.fr",
        "tuta.io",
        "tutanota.com",
        "voila.fr",
        "wanadoo.fr",
        "zoho.com",
    }
)


def domain_of(email: str) -> str:
    """The domain of an e-mail address, lower case ("" when there is none)."""
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def is_shared_domain(domain: str) -> bool:
    """True for a public suffix, a domain shared across State services or a public mail provider."""
    if _SUFFIXES.is_public(domain) or domain in STATE_SHARED_DOMAINS:
        return True
    registrable = _SUFFIXES.privatesuffix(domain) or domain
    return registrable in PUBLIC_MAIL_DOMAINS or registrable.split(".", 1)[0] in PUBLIC_MAIL_BRANDS


def domain_clean(value: str) -> str:
    """The declared domain, normalised (lower case, no "@", no trailing dot), or a French DomainError."""
    domain = domain_of(value) if "@" in value else value.strip().lower().rstrip(".")
    if is_shared_domain(domain):
        raise DomainError(
            gettext(
                "Le domaine « %(domain)s » est partagé par de nombreuses organisations ou par le public "
                "(suffixe public comme gouv.fr, domaine commun des services de l'État ou messagerie grand public) : "
                "déclarez le domaine propre à votre organisation, par exemple interieur.gouv.fr."
            )
            % {"domain": domain},
            code="domain_shared",
            field="domain",
        )
    try:
        DomainNameValidator(accept_idna=False)(domain)
    except ValidationError as error:
        raise DomainError(
            gettext("« %(domain)s » n'est pas un nom de domaine valide (exemple : interieur.gouv.fr).")
            % {"domain": value.strip()},
            code="domain_invalid",
            field="domain",
        ) from error
    return domain
