from types import SimpleNamespace

from django.conf import settings

from portal.accessibility import current_audit
from portal.navigation import navigation_for
from portal.selectors import user_roles

SITE_CONFIG = SimpleNamespace(
    site_title=settings.PORTAL_SERVICE_NAME,
    site_tagline=settings.PORTAL_SERVICE_TAGLINE,
    header_brand_html="République<br>Française",
    footer_brand_html="République<br>Française",
    footer_description=(
        "Portail des appels à projets de l'État pour l'innovation et la transformation "
        "numérique de l'action publique. Logiciel libre."
    ),
    beta_tag=False,
    mourning=False,
    notice_title="",
    notice_description="",
    operator_logo_file=None,
    operator_logo_alt="",
)


def site_context(request) -> dict:
    """What every page's frame needs and no database query: the site's configuration, the nonce, the skip links."""
    nonce = getattr(request, "csp_nonce", None)
    return {
        # Evaluated here so that django-csp puts the nonce in the header of every HTML page.
        "csp_nonce": str(nonce) if nonce is not None else "",
        "SITE_CONFIG": SITE_CONFIG,
        "main_navigation": [],
        # The footer's mention follows the audit grid (read once per process), never a hand-written claim.
        "accessibility_level": current_audit().level,
        "skiplinks": [
            {"link": "#content", "label": "Contenu"},
            {"link": "#fr-navigation", "label": "Menu"},
            {"link": "#footer", "label": "Pied de page"},
        ],
    }


def portal(request):
    """The site's frame (`site_context`) and the role-aware navigation."""
    user = getattr(request, "user", None)
    roles = user_roles(user)
    return {
        **site_context(request),
        "roles": roles,
        "main_navigation": navigation_for(roles, request.path, user),
    }
